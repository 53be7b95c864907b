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

/* What `run` asks for, parsed (cmd/container.c) and checked by api__run. */
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


/* Set the sandbox's mode and its stored text (target: the id for NETMODE_CONTAINER). */
void sandbox__set_netmode(struct container *c, enum netmode mode, const char *target);
/* Rewrite the sandbox's /etc/hosts from its endpoints. */
int container__write_hosts(struct xnet *x, const struct container *c);
/* A sandbox's network namespace at path, lo up; nothing is left when it fails. 0 or -errno. */
int sandbox__netns_create(const char *path);
/* Signal every process in a network namespace (by its path); how many were signalled. */
int container__kill_netns(struct xnet *x, const char *netns_path, int sig);
int container__connect(struct xnet *x, struct container *c, const struct network *n,
		       const char *ip, char *const *aliases, int naliases);
int container__disconnect(struct xnet *x, struct container *c, const struct network *n);
int container__remove(struct xnet *x, struct container *c, bool force);

#endif /* XNET_SANDBOX_H */
