/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sandbox: what a sandbox is on this host (its directory, its namespace path,
 * its processes) and libnetwork's sandbox verbs: connect to a network,
 * disconnect, remove.
 */
#ifndef XNET_SANDBOX_H
#define XNET_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include "core/dns.h"
#include "core/ports.h"
#include "model/model.h"

struct xnet;

/* What `run` asks for, parsed (cmd/container.c) and checked by sandbox__run. */
#define SANDBOX_MAX_LIST 64
struct sandbox_req {
	const char *name;	/* --name, NULL: a random one */
	const char *network;	/* --network: NAME, host, none, container:NAME; NULL: bridge */
	const char *ip;		/* --ip */
	const char *hostname;	/* --hostname */
	char *aliases[SANDBOX_MAX_LIST];
	int naliases;
	char *env[SANDBOX_MAX_LIST + 1];	/* NAME=VALUE, NULL-terminated */
	int nenv;
	char *const *argv;	/* the command */
	int argc;
	bool detach, rm;
	struct ports_req ports;	/* -p, -P, --expose */
	struct dns_req dns;	/* --dns, --dns-search, --dns-option, --link */
};

/*
 * `run`: Docker's checks, the rows, the namespace, the first endpoint, then
 * the command: in the background (detach: its id in id) or in the
 * foreground until it exits. The exit status as Docker's: 125 for a refusal
 * (xerr printed), the command's own status, or its start error's code.
 */
int sandbox__run(struct xnet *x, const struct sandbox_req *r, char id[XNET_ID_LEN + 1]);
/* `exec`: run argv (env: NULL-terminated) in a running sandbox; its exit status, 1 after xerr. */
int sandbox__exec(struct xnet *x, const char *name, char *const *argv, char *const *env);

/* Set the sandbox's mode and its stored text (target: the id for NETMODE_CONTAINER). */
void sandbox__set_netmode(struct container *c, enum netmode mode, const char *target);
/* <root>/containers/<id>: its hostname, hosts, resolv.conf, log. */
void container__dir(struct xnet *x, const char *id, char *out, size_t len);
/*
 * The sandbox key: the network namespace a driver joins the sandbox's
 * endpoints into (<root>/netns/<id>, or its target's for container:<id>).
 */
void container__netns_path(struct xnet *x, const struct container *c, char *out, size_t len);
/* Rewrite the sandbox's /etc/hosts from its endpoints. */
int container__write_hosts(struct xnet *x, const struct container *c);
/* Whether its recorded process still runs (pid and start time match). */
bool container__running(const struct container *c);
/* Its command's exit code (recorded by its shim; 137 when it was killed with no shim left). */
int container__exit_code(struct xnet *x, const struct container *c);
/* Signal every process in a network namespace (by its path); how many were signalled. */
int container__kill_netns(struct xnet *x, const char *netns_path, int sig);
int container__connect(struct xnet *x, struct container *c, const struct network *n,
		       const char *ip, char *const *aliases, int naliases);
int container__disconnect(struct xnet *x, struct container *c, const struct network *n);
int container__remove(struct xnet *x, struct container *c, bool force);

#endif /* XNET_SANDBOX_H */
