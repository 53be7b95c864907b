/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common: the includes and tiny macros every xnet BPF file needs.
 * Only UAPI headers (no vmlinux.h): the programs touch nothing but the
 * __sk_buff context and packet bytes, so CO-RE buys nothing here.
 */
#ifndef XNET_LIB_COMMON_H
#define XNET_LIB_COMMON_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xnet_abi.h"

#ifndef likely
#define likely(x)	__builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x)	__builtin_expect(!!(x), 0)
#endif

#endif /* XNET_LIB_COMMON_H */
