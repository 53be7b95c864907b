// SPDX-License-Identifier: GPL-2.0-only
/*
 * agents: the one place that starts, signals and stops xnet's long-running
 * processes. Today there is one: the DNS helper of a state root
 * (agents/dns/, `xnet system dns-helper`), which reads the pinned maps and
 * never the store. It runs exactly while a network with the embedded DNS
 * exists; after every command that changed the kernel it is started, told
 * with SIGHUP, or stopped, and waited for until it listens.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/wait.h>
#include "agents/dns/dns_helper.h"
#include "core/agents.h"
#include "core/xnet.h"
#include "drivers/driver.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/networks.h"

static void lock_path(struct xnet *x, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", x->root, XNET_DNS_HELPER_LOCK);
}

/* The running helper's pid, 0 when none runs (its lock is free). */
static pid_t helper_pid(struct xnet *x)
{
	char path[PATH_MAX + 32], buf[32] = "";
	int fd;
	pid_t pid = 0;

	lock_path(x, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		close(fd);
		return 0;	/* nobody holds it */
	}
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		pid = (pid_t)atol(buf);
	close(fd);
	return pid > 0 ? pid : -1;
}

/*
 * The first of the n addresses on which no TCP socket listens on port 53 in
 * our namespace (the helper listens on UDP and TCP alike), -1 when every one
 * has its listener. Read from /proc/net/tcp (once) rather than by
 * connecting: a probe connection would leave a port of ip_local_port_range
 * in TIME_WAIT, which a host process (or `-p` allocation) could then miss.
 */
static int not_listening(const uint32_t *addrs, int n)
{
	FILE *f = fopen("/proc/net/tcp", "re");
	bool seen[256] = { false };
	char line[256];

	if (f) {
		while (fgets(line, sizeof(line), f)) {
			unsigned int a, port, st;

			/* "  0: 0100A8C0:0035 00000000:0000 0A ...": the address as the kernel's u32, in hex. */
			if (sscanf(line, " %*u: %X:%X %*X:%*X %X", &a, &port, &st) != 3 || port != 53 || st != 0x0A)
				continue;
			for (int i = 0; i < n; i++)
				seen[i] |= a == htonl(addrs[i]);
		}
		fclose(f);
	}
	for (int i = 0; i < n; i++)
		if (!seen[i])
			return i;
	return -1;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int helper_spawn(struct xnet *x)
{
	static const char *lvl[] = { "debug", "info", "warn", "error", "fatal" };
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		pid_t grandchild;

		setsid();
		/* Detach for good: the helper is nobody's child, stdio goes nowhere, logs to syslog. */
		grandchild = fork();
		if (grandchild != 0)
			_exit(grandchild < 0);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		close_range(3, ~0U, 0);
		execl("/proc/self/exe", "xnet", "--root", x->root, "--log-level", lvl[log__level()], "system",
		      "dns-helper", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return 0;
}

void agents__dns_stop(struct xnet *x)
{
	pid_t pid = helper_pid(x);

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 400 && helper_pid(x) > 0; i++)
		sleep_ms(5);
	if (helper_pid(x) > 0)
		log_warn("the DNS helper (pid %d) did not stop", (int)pid);
}

void agents__dns_sync(struct xnet *x)
{
	uint32_t gws[256];	/* the addresses waited for (the helper itself reads every network) */
	int ngw = 0, missing;
	pid_t pid;
	struct network *nets;
	int nn;

	store__networks_list(&x->store, STORE_NETWORKS_CUSTOM, &nets, &nn);
	for (int i = 0; i < nn && ngw < 256; i++)
		if (driver__network_has_dns(&nets[i]))
			gws[ngw++] = nets[i].gateway;
	free(nets);
	pid = helper_pid(x);
	if (!ngw) {
		/* No DNS network left: the helper is stopped and waited for, so nothing lingers. */
		if (pid > 0)
			agents__dns_stop(x);
		return;
	}
	if (pid <= 0) {
		int rc = helper_spawn(x);

		if (rc) {
			log_warn("cannot start the DNS helper: %s (names still resolve in the datapath)", strerror(-rc));
			return;
		}
	} else {
		/* Networks may have come or gone: it re-reads them (cheap, and only after a kernel change). */
		kill(pid, SIGHUP);
	}
	/*
	 * Until it listens on every DNS address (a network was just created),
	 * for a second at most, and not after it is gone (it logs why).
	 */
	for (int t = 0; t < 200 && not_listening(gws, ngw) >= 0 && (t < 20 || helper_pid(x) > 0); t++)
		sleep_ms(5);
	missing = not_listening(gws, ngw);
	if (missing >= 0) {
		char ip[16];

		util__ip_str(gws[missing], ip);
		log_warn("the DNS helper does not listen on %s:53 (see its log): names of the network still "
			 "resolve in the datapath, other names do not",
			 ip);
	}
}
