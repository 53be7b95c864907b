/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * unit.h: what the user-space unit tests share. The framework is the BPF
 * unit tests' test_progs.h (XT_TEST, subtests, ASSERT_*); every table row
 * is one subtest, named after its input.
 */
#ifndef XNET_UNIT_H
#define XNET_UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include "test_progs.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Start subtest "FMT...": false when filtered out. */
static inline bool __attribute__((format(printf, 1, 2))) xt__sub(const char *fmt, ...)
{
	char name[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return xt__start_subtest(name);
}

#endif /* XNET_UNIT_H */
