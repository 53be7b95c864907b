/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * process: starting commands inside a sandbox.
 *
 * A sandbox is its network namespace (held by a bind mount) plus, for each
 * process started in it, a fresh mount and UTS namespace set up the same way:
 * /etc/hosts, /etc/resolv.conf and /etc/hostname bind-mounted from the
 * sandbox's state directory, /sys remounted for the sandbox's netns, the
 * hostname set. Every process of a sandbox therefore sees the same files and
 * name, exactly as with `ip netns exec`.
 */
#ifndef XNET_PROCESS_H
#define XNET_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

struct sandbox_spec {
	const char *netns_path;		/* NULL: stay in the caller's netns (--network host) */
	const char *hosts_path;		/* bind-mounted over /etc/hosts, or NULL */
	const char *resolv_path;	/* bind-mounted over /etc/resolv.conf, or NULL */
	const char *hostname_path;	/* bind-mounted over /etc/hostname, or NULL */
	const char *hostname;		/* set in a new UTS namespace, or NULL (keep host's) */
	char *const *env;		/* extra KEY=VALUE entries (added to the environment), NULL-terminated, or NULL */
	char *const *argv;		/* command, NULL-terminated */
	const char *log_path;		/* detached: stdout/stderr appended here */
	const char *exit_path;		/* detached: the shim writes the exit code here */
};

/*
 * Run argv in the sandbox in the foreground, with the caller's stdio, and
 * wait. Returns the exit status as a shell would (128+signal), or 125/126/127
 * (xnet error / not executable / not found), like `docker run`; then
 * process__error() says why. SIGINT/SIGTERM/SIGHUP/SIGQUIT sent to xnet by
 * another process are forwarded to the command (terminal-generated ones
 * already reach it: same process group). Descriptors other than 0-2 are not
 * inherited by the command.
 */
int process__run(const struct sandbox_spec *spec);

/*
 * Start argv detached: a shim process (new session, named "xnet-shim")
 * forks the command, waits for it and writes its exit code to exit_path,
 * then calls on_exit(arg) (used for --rm) before exiting. Returns the
 * command's pid (> 0) once it has been exec'd, or a negative errno
 * (e.g. -ENOENT when the command does not exist).
 *
 * The command leads its own process group (kill(-pid, sig) reaches what it
 * spawned) in the shim's session; it starts in the caller's working directory.
 * The shim is double-forked (the caller never reaps it) and keeps none of
 * the caller's descriptors: on_exit runs with stdio on /dev/null and must
 * open what it needs (the store) itself. exit_path receives "N\n" (written
 * to exit_path.tmp and renamed), N = exit status or 128+signal. When the
 * command cannot be started, exit_path gets 125/126/127, on_exit is NOT
 * called (the caller, which gets the error, cleans up) and the reason is in
 * process__error().
 */
pid_t process__start(const struct sandbox_spec *spec,
		     void (*on_exit)(void *arg), void *arg, pid_t *shim_pid);

/*
 * Why the last process__run/process__start failed to start the command, in
 * Docker's words where Docker has some (e.g. `exec: "nosuchcmd": executable
 * file not found in $PATH`); "" when it started. Not logged at error level:
 * the caller prints it.
 */
const char *process__error(void);
/* The matching `docker run` exit code (125/126/127), 0 when it started. */
int process__error_code(void);

/* Start time of pid in clock ticks since boot (field 22 of /proc/pid/stat), 0 if gone. */
unsigned long long process__starttime(pid_t pid);
/* Is pid alive and still the process that started at starttime? */
bool process__alive(pid_t pid, unsigned long long starttime);

#endif /* XNET_PROCESS_H */
