/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_progs: a tiny test framework in the style of the kernel's
 * tools/testing/selftests/bpf/test_progs. Tests register themselves with
 * XT_TEST(name) (a constructor, so adding a file is enough), split into
 * named subtests with xt__start_subtest(), and check with ASSERT_*() macros
 * that return bool, so a failure reads
 *
 *	if (!ASSERT_OK(err, "load"))
 *		goto out;
 *
 * Every subtest prints one line; the runner ends with "N passed, N failed"
 * (", N skipped" when some were skipped) and exits non-zero on failure.
 */
#ifndef XNET_TEST_PROGS_H
#define XNET_TEST_PROGS_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct xt_test {
	const char *name;
	void (*fn)(void);
	struct xt_test *next;
};

void xt__register(struct xt_test *t);
/* Start subtest @name of the running test; false if filtered out (skip its body). */
bool xt__start_subtest(const char *name);
/* Mark the running subtest (or test) skipped, with the reason printed. */
void xt__skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Mark it failed; prints "file:line: message". Returns false for the ASSERT macros. */
bool xt__fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Print only with -v. */
void xt__verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Hex dump of both buffers, marking differing bytes (after an ASSERT_MEMEQ failure). */
void xt__hexdiff(const void *got, const void *want, size_t len);
/* State directory of this run (inside the runner's private mount namespace). */
const char *xt__tmpdir(void);

#define XT_TEST(name)							\
	static void test_##name(void);					\
	static struct xt_test xt_desc_##name = { #name, test_##name, NULL }; \
	__attribute__((constructor)) static void xt_register_##name(void) \
	{								\
		xt__register(&xt_desc_##name);				\
	}								\
	static void test_##name(void)

#define ASSERT_TRUE(cond, what) ({					\
	bool ___ok = !!(cond);						\
	if (!___ok)							\
		xt__fail(__FILE__, __LINE__, "%s: unexpected false (%s)", (what), #cond); \
	___ok;								\
})

#define ASSERT_FALSE(cond, what) ({					\
	bool ___ok = !(cond);						\
	if (!___ok)							\
		xt__fail(__FILE__, __LINE__, "%s: unexpected true (%s)", (what), #cond); \
	___ok;								\
})

#define ASSERT_EQ(got, want, what) ({					\
	long long ___g = (long long)(got), ___w = (long long)(want);	\
	bool ___ok = ___g == ___w;					\
	if (!___ok)							\
		xt__fail(__FILE__, __LINE__, "%s: got %lld, expected %lld", (what), ___g, ___w); \
	___ok;								\
})

#define ASSERT_NEQ(got, bad, what) ({					\
	long long ___g = (long long)(got), ___b = (long long)(bad);	\
	bool ___ok = ___g != ___b;					\
	if (!___ok)							\
		xt__fail(__FILE__, __LINE__, "%s: unexpected %lld", (what), ___g); \
	___ok;								\
})

#define ASSERT_GT(got, min, what) ({					\
	long long ___g = (long long)(got), ___m = (long long)(min);	\
	bool ___ok = ___g > ___m;					\
	if (!___ok)							\
		xt__fail(__FILE__, __LINE__, "%s: got %lld, expected > %lld", (what), ___g, ___m); \
	___ok;								\
})

/* err is 0 or a negative errno (libbpf and datapath convention). */
#define ASSERT_OK(err, what) ({						\
	long long ___e = (long long)(err);				\
	bool ___ok = ___e == 0;						\
	if (!___ok)							\
		xt__fail(__FILE__, __LINE__, "%s: error %lld (%s)", (what), ___e, \
			 strerror(___e < 0 ? (int)-___e : (int)___e));	\
	___ok;								\
})

#define ASSERT_ERR(err, want, what) ({					\
	long long ___e = (long long)(err), ___w = (long long)(want);	\
	bool ___ok = ___e == ___w;					\
	if (!___ok)							\
		xt__fail(__FILE__, __LINE__, "%s: got %lld, expected error %lld (%s)", \
			 (what), ___e, ___w, strerror((int)(___w < 0 ? -___w : ___w))); \
	___ok;								\
})

#define ASSERT_OK_PTR(ptr, what) ({					\
	const void *___p = (ptr);					\
	bool ___ok = ___p != NULL;					\
	if (!___ok)							\
		xt__fail(__FILE__, __LINE__, "%s: unexpected NULL", (what)); \
	___ok;								\
})

#define ASSERT_STREQ(got, want, what) ({				\
	const char *___g = (got), *___w = (want);			\
	bool ___ok = ___g && ___w && !strcmp(___g, ___w);		\
	if (!___ok)							\
		xt__fail(__FILE__, __LINE__, "%s: got \"%s\", expected \"%s\"", (what), \
			 ___g ? ___g : "(null)", ___w ? ___w : "(null)"); \
	___ok;								\
})

#define ASSERT_MEMEQ(got, want, len, what) ({				\
	const void *___g = (got), *___w = (want);			\
	size_t ___l = (len);						\
	bool ___ok = !memcmp(___g, ___w, ___l);				\
	if (!___ok) {							\
		xt__fail(__FILE__, __LINE__, "%s: %zu bytes differ", (what), ___l); \
		xt__hexdiff(___g, ___w, ___l);				\
	}								\
	___ok;								\
})

#endif /* XNET_TEST_PROGS_H */
