// SPDX-License-Identifier: GPL-2.0-only
/*
 * process: starting commands inside a sandbox. See process.h.
 *
 * The command's process builds its own view before exec, as `ip netns exec`
 * does: a new mount namespace (slave of ours, so our later mounts still reach
 * it), a new UTS namespace, the sandbox's netns, a sysfs of that netns on
 * /sys, and the sandbox's hosts/resolv.conf/hostname files bind-mounted over
 * /etc. Anything that fails before exec is written to a close-on-exec pipe as
 * a report; end-of-file on that pipe means the exec succeeded.
 *
 * Detached commands run under a shim: double-forked (so the caller never has
 * to reap it), its own session, every inherited descriptor closed (the caller
 * holds the store and its locks), stdout/stderr of the command appended to the
 * log. The shim waits, writes the exit code, and runs the caller's on_exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>

#include "lib/log.h"
#include "kernel/netns.h"
#include "kernel/process.h"

/* Exit codes as `docker run` uses them. */
#define EXIT_XNET	125	/* the sandbox could not be set up */
#define EXIT_CANNOT	126	/* found but cannot be executed */
#define EXIT_NOTFOUND	127	/* no such command */

/* What a child reports before dying instead of exec'ing. */
struct report {
	int err;		/* positive errno */
	int code;		/* EXIT_* */
	pid_t pid;		/* shim -> caller: the command's pid, 0 on failure */
	pid_t shim;		/* shim -> caller: the shim's pid */
	char msg[480];
};

static char last_error[sizeof(((struct report *)0)->msg)];
static int last_code;

const char *process__error(void)
{
	return last_error;
}

int process__error_code(void)
{
	return last_code;
}

/* write() all of buf, retrying on EINTR. */
static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read a report; 0 bytes (EOF) means the peer exec'd. Returns bytes read. */
static ssize_t read_report(int fd, struct report *r)
{
	size_t got = 0;

	memset(r, 0, sizeof(*r));
	while (got < sizeof(*r)) {
		ssize_t n = read(fd, (char *)r + got, sizeof(*r) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	r->msg[sizeof(r->msg) - 1] = '\0';
	return (ssize_t)got;
}

static __attribute__((noreturn, format(printf, 4, 5)))
void child_fail(int fd, int code, int err, const char *fmt, ...)
{
	struct report r = { .err = err, .code = code };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r.msg, sizeof(r.msg), fmt, ap);
	va_end(ap);
	write_all(fd, &r, sizeof(r));
	_exit(code);
}

static void bind_file(int fd, const char *src, const char *dst)
{
	if (!src)
		return;
	if (mount(src, dst, NULL, MS_BIND, NULL))
		child_fail(fd, EXIT_XNET, errno, "cannot bind mount %s over %s: %s",
			   src, dst, strerror(errno));
}

/*
 * Drop, in this process's own mount namespace, the directory holding every
 * sandbox's netns bind mount (the parent of path, when it is a mount of its
 * own). As a slave copy it would receive every netns mount made later, one
 * per long-lived sandbox process: O(n^2) mounts at scale. Nothing inside the
 * sandbox needs these files; we are already in our netns.
 */
static void hide_netns_dir(const char *path)
{
	char dir[4096];
	struct statx stx;
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return;
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (statx(AT_FDCWD, dir, AT_NO_AUTOMOUNT | AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &stx) ||
	    !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	    !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT))
		return;
	umount2(dir, MNT_DETACH);	/* best effort: only a cost if it stays */
}

/*
 * In the forked command process: enter the sandbox and exec. Never returns;
 * failures go to report_fd (close-on-exec).
 */
static __attribute__((noreturn))
void sandbox_exec(const struct sandbox_spec *spec, int report_fd)
{
	const char *cmd = spec->argv && spec->argv[0] ? spec->argv[0] : NULL;
	sigset_t none;
	int err;

	if (!cmd)
		child_fail(report_fd, EXIT_XNET, EINVAL, "no command given");

	if (unshare(CLONE_NEWNS | CLONE_NEWUTS))
		child_fail(report_fd, EXIT_XNET, errno, "cannot create mount/UTS namespaces: %s",
			   strerror(errno));
	/* Our mounts stay ours; the host's later mounts still reach us. */
	if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL))
		child_fail(report_fd, EXIT_XNET, errno, "cannot make / a slave mount: %s",
			   strerror(errno));

	if (spec->netns_path) {
		struct statvfs sv;
		unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
		int nsfd = open(spec->netns_path, O_RDONLY | O_CLOEXEC);

		if (nsfd < 0)
			child_fail(report_fd, EXIT_XNET, errno, "cannot open network namespace %s: %s",
				   spec->netns_path, strerror(errno));
		if (setns(nsfd, CLONE_NEWNET)) {
			err = errno;
			child_fail(report_fd, EXIT_XNET, err, "cannot enter network namespace %s: %s",
				   spec->netns_path,
				   err == EINVAL ? "not a network namespace" : strerror(err));
		}
		close(nsfd);
		hide_netns_dir(spec->netns_path);
		/* A sysfs mounted now shows this namespace's interfaces (as ip netns exec). */
		if (statvfs("/sys", &sv) == 0 && (sv.f_flag & ST_RDONLY))
			flags |= MS_RDONLY;
		if (umount2("/sys", MNT_DETACH) && errno != EINVAL && errno != ENOENT)
			child_fail(report_fd, EXIT_XNET, errno, "cannot unmount /sys: %s", strerror(errno));
		if (mount("sysfs", "/sys", "sysfs", flags, NULL))
			child_fail(report_fd, EXIT_XNET, errno, "cannot mount sysfs on /sys: %s",
				   strerror(errno));
	}

	bind_file(report_fd, spec->hosts_path, "/etc/hosts");
	bind_file(report_fd, spec->resolv_path, "/etc/resolv.conf");
	bind_file(report_fd, spec->hostname_path, "/etc/hostname");
	if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)))
		child_fail(report_fd, EXIT_XNET, errno, "cannot set hostname \"%s\": %s",
			   spec->hostname, strerror(errno));

	for (char *const *e = spec->env; e && *e; e++) {
		/* "KEY=VALUE" replaces KEY; a bare "KEY" is left as inherited. */
		if (strchr(*e, '=') && putenv(*e))
			child_fail(report_fd, EXIT_XNET, errno, "cannot set environment %s: %s",
				   *e, strerror(errno));
	}

	/* A CLI often ignores SIGPIPE; the command must not inherit that. */
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	execvp(cmd, spec->argv);
	err = errno;
	/* Docker's (runc's) wording, so scripts matching on it keep working. */
	if (err == ENOENT && !strchr(cmd, '/'))
		child_fail(report_fd, EXIT_NOTFOUND, err,
			   "exec: \"%s\": executable file not found in $PATH", cmd);
	if (err == ENOENT)
		child_fail(report_fd, EXIT_NOTFOUND, err,
			   "exec: \"%s\": stat %s: no such file or directory", cmd, cmd);
	if (err == EACCES)
		child_fail(report_fd, EXIT_CANNOT, err, "exec: \"%s\": permission denied", cmd);
	{
		char lower[128];

		snprintf(lower, sizeof(lower), "%s", strerror(err));
		if (lower[0] >= 'A' && lower[0] <= 'Z')
			lower[0] = (char)(lower[0] - 'A' + 'a');
		child_fail(report_fd, EXIT_CANNOT, err, "exec: \"%s\": %s", cmd, lower);
	}
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return EXIT_XNET;
}

static pid_t wait_pid(pid_t pid, int *status)
{
	pid_t r;

	do
		r = waitpid(pid, status, 0);
	while (r < 0 && errno == EINTR);
	return r;
}

/* ---- foreground ---- */

static volatile sig_atomic_t fwd_pid;
static const int fwd_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
#define NFWD ((int)(sizeof(fwd_signals) / sizeof(fwd_signals[0])))

/*
 * Forward signals sent to us by a process (kill, timeout, a supervisor).
 * Those the terminal generates (si_code SI_KERNEL) already reached the
 * command, which shares our foreground process group: sending them again
 * would make it see Ctrl-C twice.
 */
static void forward_signal(int sig, siginfo_t *si, void *uctx)
{
	int saved = errno;

	(void)uctx;
	if (fwd_pid > 0 && (!si || si->si_code <= 0))
		kill((pid_t)fwd_pid, sig);
	errno = saved;
}

int process__run(const struct sandbox_spec *spec)
{
	struct sigaction old[NFWD], sa;
	sigset_t block, oldmask;
	struct report r;
	int pfd[2], status, code;
	pid_t pid;

	last_error[0] = '\0';
	last_code = 0;
	if (pipe2(pfd, O_CLOEXEC)) {
		last_code = EXIT_XNET;
		snprintf(last_error, sizeof(last_error), "cannot create a pipe: %s", strerror(errno));
		log_error("%s", last_error);
		return EXIT_XNET;
	}
	sigemptyset(&block);
	for (int i = 0; i < NFWD; i++)
		sigaddset(&block, fwd_signals[i]);
	sigprocmask(SIG_BLOCK, &block, &oldmask);
	for (int i = 0; i < NFWD; i++)
		sigaction(fwd_signals[i], NULL, &old[i]);

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		sigprocmask(SIG_SETMASK, &oldmask, NULL);
		close(pfd[0]);
		close(pfd[1]);
		last_code = EXIT_XNET;
		snprintf(last_error, sizeof(last_error), "cannot fork: %s", strerror(err));
		log_error("%s", last_error);
		return EXIT_XNET;
	}
	if (pid == 0) {
		/* The caller's dispositions (a shell may have set SIGINT to ignored). */
		for (int i = 0; i < NFWD; i++)
			sigaction(fwd_signals[i], &old[i], NULL);
		close(pfd[0]);
		/* Nothing of the caller's (store, locks) outlives the exec. */
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		sandbox_exec(spec, pfd[1]);
	}

	fwd_pid = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < NFWD; i++)
		if (old[i].sa_handler != SIG_IGN)
			sigaction(fwd_signals[i], &sa, NULL);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);

	close(pfd[1]);
	if (read_report(pfd[0], &r) > 0) {
		snprintf(last_error, sizeof(last_error), "%s", r.msg);
		last_code = r.code;
		log_debug("sandbox command failed to start: %s", r.msg);
	}
	close(pfd[0]);

	if (wait_pid(pid, &status) < 0) {
		last_code = EXIT_XNET;
		snprintf(last_error, sizeof(last_error), "cannot wait for pid %d: %s",
			 (int)pid, strerror(errno));
		log_error("%s", last_error);
		code = EXIT_XNET;
	} else {
		code = last_error[0] && WIFEXITED(status) ? r.code : status_code(status);
	}

	sigprocmask(SIG_BLOCK, &block, NULL);
	fwd_pid = 0;
	for (int i = 0; i < NFWD; i++)
		sigaction(fwd_signals[i], &old[i], NULL);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return code;
}

/* ---- detached ---- */

/* Write "code\n" to path atomically (tmp file + rename). */
static int write_exit_code(const char *path, int code)
{
	char tmp[4096 + 8], buf[16];
	int fd, n;

	if (!path)
		return 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d\n", code);
	if (write_all(fd, buf, (size_t)n) || fsync(fd)) {
		int err = errno;

		close(fd);
		unlink(tmp);
		return -err;
	}
	close(fd);
	if (rename(tmp, path)) {
		int err = errno;

		unlink(tmp);
		return -err;
	}
	return 0;
}

/* Move fd to at least 10 (out of the way of the fixed numbers below), close-on-exec. */
static int high_fd(int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 10);

	if (nfd >= 0)
		close(fd);
	return nfd;
}

/*
 * The shim. fd 3: the report pipe to the caller; fd 4: the log. Never returns.
 */
static __attribute__((noreturn))
void shim_main(const struct sandbox_spec *spec, void (*on_exit)(void *arg), void *arg)
{
	struct report r = { 0 };
	struct sigaction dfl;
	sigset_t none;
	int ipfd[2], status, code, err;
	pid_t pid;

	prctl(PR_SET_NAME, "xnet-shim", 0, 0, 0);
	/* Default dispositions and an empty mask, whatever the CLI had set. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int s = 1; s < NSIG; s++)
		sigaction(s, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (pipe2(ipfd, O_CLOEXEC)) {
		r.err = errno;
		r.code = EXIT_XNET;
		snprintf(r.msg, sizeof(r.msg), "cannot create a pipe: %s", strerror(r.err));
		write_all(3, &r, sizeof(r));
		_exit(EXIT_XNET);
	}
	pid = fork();
	if (pid < 0) {
		r.err = errno;
		r.code = EXIT_XNET;
		snprintf(r.msg, sizeof(r.msg), "cannot fork: %s", strerror(r.err));
		write_all(3, &r, sizeof(r));
		_exit(EXIT_XNET);
	}
	if (pid == 0) {
		close(ipfd[0]);
		/* Its own process group: kill(-pid, sig) reaches what it spawns too. */
		setpgid(0, 0);
		dup2(4, STDOUT_FILENO);
		dup2(4, STDERR_FILENO);
		sandbox_exec(spec, ipfd[1]);
	}
	close(ipfd[1]);
	close(4);
	if (read_report(ipfd[0], &r) > 0) {
		/* The command never ran: the caller reports it and cleans up (no on_exit). */
		close(ipfd[0]);
		wait_pid(pid, &status);
		r.pid = 0;
		r.shim = getpid();
		write_all(3, &r, sizeof(r));
		write_exit_code(spec->exit_path, r.code);
		_exit(r.code);
	}
	close(ipfd[0]);
	r.pid = pid;
	r.shim = getpid();
	write_all(3, &r, sizeof(r));
	close(3);

	if (wait_pid(pid, &status) < 0) {
		log_error("xnet-shim: cannot wait for pid %d: %s", (int)pid, strerror(errno));
		code = EXIT_XNET;
	} else {
		code = status_code(status);
	}
	err = write_exit_code(spec->exit_path, code);
	if (err)
		log_error("xnet-shim: cannot write exit code %d to %s: %s", code,
			  spec->exit_path, strerror(-err));
	if (on_exit)
		on_exit(arg);
	_exit(0);
}

pid_t process__start(const struct sandbox_spec *spec,
		     void (*on_exit)(void *arg), void *arg, pid_t *shim_pid)
{
	struct report r;
	int pfd[2], status, err;
	pid_t mid;

	last_error[0] = '\0';
	last_code = 0;
	if (shim_pid)
		*shim_pid = 0;
	if (pipe2(pfd, O_CLOEXEC)) {
		err = errno;
		last_code = EXIT_XNET;
		snprintf(last_error, sizeof(last_error), "cannot create a pipe: %s", strerror(err));
		log_error("%s", last_error);
		return -err;
	}
	fflush(NULL);
	mid = fork();
	if (mid < 0) {
		err = errno;
		close(pfd[0]);
		close(pfd[1]);
		last_code = EXIT_XNET;
		snprintf(last_error, sizeof(last_error), "cannot fork: %s", strerror(err));
		log_error("%s", last_error);
		return -err;
	}
	if (mid == 0) {
		/* Intermediate: detach the shim from us so that we never reap it. */
		pid_t shim;
		int rep, logfd, nullfd;

		close(pfd[0]);
		(void)setsid();	/* cannot fail: a fresh child is no group leader */
		/*
		 * Live in the host's mount namespace, not in a copy that
		 * `ip netns exec` made for the CLI: see netns__join_host_mntns.
		 * Not for --network host: its command keeps the CLI's view,
		 * whose /sys matches the CLI's netns.
		 */
		if (spec->netns_path && netns__join_host_mntns())
			child_fail(pfd[1], EXIT_XNET, EIO,
				   "cannot enter the host mount namespace for the shim");
		shim = fork();
		if (shim < 0)
			child_fail(pfd[1], EXIT_XNET, errno, "cannot fork the shim: %s", strerror(errno));
		if (shim > 0)
			_exit(0);

		/* The shim: stdio, then exactly fds 3 (report) and 4 (log). */
		rep = high_fd(pfd[1]);
		if (rep < 0)
			_exit(EXIT_XNET);
		logfd = open(spec->log_path ? spec->log_path : "/dev/null",
			     O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (logfd < 0)
			child_fail(rep, EXIT_XNET, errno, "cannot open log %s: %s",
				   spec->log_path, strerror(errno));
		logfd = high_fd(logfd);
		nullfd = open("/dev/null", O_RDWR);
		if (logfd < 0 || nullfd < 0)
			child_fail(rep, EXIT_XNET, errno, "cannot set up the shim's descriptors: %s",
				   strerror(errno));
		dup2(nullfd, STDIN_FILENO);
		dup2(nullfd, STDOUT_FILENO);
		dup2(nullfd, STDERR_FILENO);
		if (nullfd > STDERR_FILENO)
			close(nullfd);
		dup3(rep, 3, O_CLOEXEC);
		dup3(logfd, 4, O_CLOEXEC);
		closelog();
		close_range(5, ~0U, 0);
		shim_main(spec, on_exit, arg);
	}

	close(pfd[1]);
	wait_pid(mid, &status);
	if (read_report(pfd[0], &r) < (ssize_t)sizeof(r)) {
		close(pfd[0]);
		last_code = EXIT_XNET;
		snprintf(last_error, sizeof(last_error), "the shim died before starting the command");
		log_error("%s", last_error);
		return -EIO;
	}
	close(pfd[0]);
	if (shim_pid)
		*shim_pid = r.shim;
	if (r.pid <= 0) {
		snprintf(last_error, sizeof(last_error), "%s", r.msg);
		last_code = r.code ? r.code : EXIT_XNET;
		log_debug("sandbox command failed to start: %s", r.msg);
		return r.err > 0 ? -r.err : -EIO;
	}
	log_info("started %s as pid %d (shim %d)", spec->argv[0], (int)r.pid, (int)r.shim);
	return r.pid;
}

/* ---- liveness ---- */

/* Fields 3 (state) and 22 (starttime) of /proc/pid/stat. */
static int read_stat(pid_t pid, char *state, unsigned long long *starttime)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	/* comm may contain spaces and parentheses: the last ')' ends it. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return -EIO;
	p += 2;
	*state = *p;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EIO;
		p++;
	}
	*starttime = strtoull(p, NULL, 10);
	return 0;
}

unsigned long long process__starttime(pid_t pid)
{
	unsigned long long st = 0;
	char state;

	if (pid <= 0 || read_stat(pid, &state, &st))
		return 0;
	return st;
}

bool process__alive(pid_t pid, unsigned long long starttime)
{
	unsigned long long st = 0;
	char state;

	if (pid <= 0 || read_stat(pid, &state, &st))
		return false;
	/* A zombie has finished; its shim just has not reaped it yet. */
	return st == starttime && state != 'Z' && state != 'X' && state != 'x';
}
