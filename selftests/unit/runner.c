// SPDX-License-Identifier: GPL-2.0-only
/*
 * runner: the user-space unit tests, for the pure parts of user/ (lib/:
 * addresses, Docker's port grammar, --format templates, the IPAM prefix
 * rules). They need no root, no BPF and no namespace: plain functions on
 * plain values, one table row per case.
 *
 *	build/test_unit [-v] [-l] [FILTER...]
 *
 * The same test_progs.h as the BPF unit tests (XT_TEST, subtests, ASSERT_*,
 * the "N passed, N failed" line selftests/run.sh adds up); this runner is
 * test_progs.c without its BPF and namespace setup.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include "test_progs.h"
#include "lib/log.h"

static struct xt_test *tests, **tests_tail = &tests;
static int n_pass, n_fail, n_skip, n_num;
static bool verbose, list_only;
static char **filters;
static int n_filters;

static struct {
	const struct xt_test *test;
	char sub[256];		/* a copy: table-driven tests build names in one buffer */
	bool in_sub, failed, skipped, had_sub;
	char skip_reason[256];
} cur;

void xt__register(struct xt_test *t)
{
	*tests_tail = t;
	tests_tail = &t->next;
}

/* "addr" selects all of test addr; "addr/cidr" the subtests of addr containing "cidr". */
static bool filter_match(const char *f, const char *test, const char *sub)
{
	const char *slash = strchr(f, '/');
	char tpart[128];

	if (!slash)
		return strstr(test, f) != NULL;
	snprintf(tpart, sizeof(tpart), "%.*s", (int)(slash - f), f);
	if (!strstr(test, tpart))
		return false;
	return !sub || strstr(sub, slash + 1) != NULL;
}

static bool selected(const char *test, const char *sub)
{
	if (!n_filters)
		return true;
	for (int i = 0; i < n_filters; i++)
		if (filter_match(filters[i], test, sub))
			return true;
	return false;
}

static void end_result(const char *name)
{
	if (cur.failed) {
		n_fail++;
		printf("#%d %s: FAIL\n", n_num, name);
	} else if (cur.skipped) {
		n_skip++;
		printf("#%d %s: SKIP (%s)\n", n_num, name, cur.skip_reason);
	} else {
		n_pass++;
		printf("#%d %s: OK\n", n_num, name);
	}
}

static void end_subtest(void)
{
	char name[512];

	if (!cur.in_sub)
		return;
	snprintf(name, sizeof(name), "%s/%s", cur.test->name, cur.sub);
	end_result(name);
	cur.in_sub = false;
}

bool xt__start_subtest(const char *name)
{
	end_subtest();
	cur.had_sub = true;
	if (!selected(cur.test->name, name))
		return false;
	if (list_only) {
		printf("%s/%s\n", cur.test->name, name);
		return false;
	}
	n_num++;
	snprintf(cur.sub, sizeof(cur.sub), "%s", name);
	cur.in_sub = true;
	cur.failed = cur.skipped = false;
	return true;
}

void xt__skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cur.skip_reason, sizeof(cur.skip_reason), fmt, ap);
	va_end(ap);
	cur.skipped = true;
}

bool xt__fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("  %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	cur.failed = true;
	return false;
}

void xt__verbose(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

int main(int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "vlh")) != -1) {
		switch (opt) {
		case 'v':
			verbose = true;
			break;
		case 'l':
			list_only = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-v] [-l] [FILTER...]\n"
				"  -v  verbose\n"
				"  -l  list subtests and exit\n"
				"  FILTER  substring of a test name, or of test/subtest when it has a '/'\n",
				argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	filters = argv + optind;
	n_filters = argc - optind;
	setvbuf(stdout, NULL, _IOLBF, 0);
	log__init(verbose ? LOG_LVL_DEBUG : LOG_LVL_FATAL);
	for (struct xt_test *t = tests; t; t = t->next) {
		memset(&cur, 0, sizeof(cur));
		cur.test = t;
		if (!selected(t->name, NULL))
			continue;
		t->fn();
		end_subtest();
		if (!cur.had_sub && !list_only) {
			n_num++;
			end_result(t->name);
		}
	}
	if (list_only)
		return 0;
	if (n_skip)
		printf("%d passed, %d failed, %d skipped\n", n_pass, n_fail, n_skip);
	else
		printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
