// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_progs: runner for the BPF unit tests (see test_progs.h).
 *
 *	build/test_bpf [-v] [-l] [FILTER...]
 *
 * FILTER is a substring of "test" or "test/subtest". The runner moves into
 * its own network and mount namespaces first, so the veth devices, tc
 * attachments and bpffs mounts the tests create vanish with the process and
 * never touch the machine's own network.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "test_progs.h"
#include "lib/log.h"

static struct xt_test *tests, **tests_tail = &tests;
static int n_pass, n_fail, n_skip, n_num;
static bool verbose, list_only;
static char **filters;
static int n_filters;
static char tmpdir[64];

/* The running test and subtest. */
static struct {
	const struct xt_test *test;
	const char *sub;
	int subnum;
	bool in_sub, failed, skipped, had_sub;
	char skip_reason[256];
} cur;

void xt__register(struct xt_test *t)
{
	*tests_tail = t;
	tests_tail = &t->next;
}

const char *xt__tmpdir(void)
{
	return tmpdir;
}

/* "lxc" selects all of test lxc; "lxc/arp" the subtests of lxc containing "arp". */
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
	fflush(stdout);
}

static void end_subtest(void)
{
	char name[256];

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
	cur.sub = name;
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

void xt__hexdiff(const void *got, const void *want, size_t len)
{
	const unsigned char *g = got, *w = want;

	for (size_t off = 0; off < len; off += 16) {
		printf("  %04zx got ", off);
		for (size_t i = off; i < off + 16 && i < len; i++)
			printf("%02x%c", g[i], g[i] != w[i] ? '*' : ' ');
		printf("\n       want");
		for (size_t i = off; i < off + 16 && i < len; i++)
			printf(" %02x ", w[i]);
		printf("\n");
	}
}

/* Private network and mount namespaces, and a bpffs-capable scratch dir. */
static int isolate(char *why, size_t whylen)
{
	if (geteuid() != 0) {
		snprintf(why, whylen, "needs root (BPF_PROG_RUN, veth, tc)");
		return -EPERM;
	}
	if (unshare(CLONE_NEWNET | CLONE_NEWNS)) {
		snprintf(why, whylen, "unshare(CLONE_NEWNET|CLONE_NEWNS): %s", strerror(errno));
		return -errno;
	}
	/* Our mounts must not propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		snprintf(why, whylen, "making / private: %s", strerror(errno));
		return -errno;
	}
	/* A fresh /tmp of our own: nothing we create there outlives the run. */
	if (mount("xnet-test", "/tmp", "tmpfs", 0, "mode=1777")) {
		snprintf(why, whylen, "mount tmpfs on /tmp: %s", strerror(errno));
		return -errno;
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/xnet-test_bpf.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		snprintf(why, whylen, "mkdtemp: %s", strerror(errno));
		return -errno;
	}
	/*
	 * No IPv6: a device that is up would otherwise send router and
	 * listener solicitations at random moments, right through the hooks
	 * the tests watch.
	 */
	for (int i = 0; i < 2; i++) {
		const char *knob = i ? "/proc/sys/net/ipv6/conf/default/disable_ipv6"
				     : "/proc/sys/net/ipv6/conf/all/disable_ipv6";
		FILE *f = fopen(knob, "w");

		if (f) {
			fputs("1\n", f);
			fclose(f);
		}
	}
	if (system("ip link set lo up")) {
		snprintf(why, whylen, "ip link set lo up failed");
		return -EIO;
	}
	return 0;
}

/* libbpf's own chatter (e.g. "Exclusivity flag on" for an existing clsact) only with -v. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose && level != LIBBPF_WARN)
		return 0;
	if (!verbose && strstr(fmt, "Kernel error message"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-v] [-l] [FILTER...]\n"
		"  -v  verbose (test details, libbpf/datapath debug log)\n"
		"  -l  list subtests and exit\n"
		"  FILTER  substring of a test name, or of test/subtest when it has a '/'\n",
		prog);
}

int main(int argc, char **argv)
{
	char why[256] = "";
	int opt, err;

	while ((opt = getopt(argc, argv, "vlh")) != -1) {
		switch (opt) {
		case 'v':
			verbose = true;
			break;
		case 'l':
			list_only = true;
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	filters = argv + optind;
	n_filters = argc - optind;
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Error paths are tested on purpose: their log lines only with -v. */
	log__init(verbose ? LOG_LVL_DEBUG : LOG_LVL_FATAL);
	libbpf_set_print(libbpf_print);

	err = isolate(why, sizeof(why));
	for (struct xt_test *t = tests; t; t = t->next) {
		memset(&cur, 0, sizeof(cur));
		cur.test = t;
		if (!selected(t->name, NULL))
			continue;
		if (err) {
			n_num++;
			cur.skipped = true;
			snprintf(cur.skip_reason, sizeof(cur.skip_reason), "%s", why);
			end_result(t->name);
			continue;
		}
		t->fn();
		end_subtest();
		/* A test without subtests counts as one. */
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
