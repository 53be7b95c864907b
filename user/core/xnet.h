/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xnet.h: one command's context (the state root's layout, the store, the
 * datapath, output mode) and xerr, the one way a user-facing error is
 * printed. core/ is the lowest layer that prints to the user: below it,
 * functions return -errno and fill a `why` buffer.
 */
#ifndef XNET_XNET_H
#define XNET_XNET_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "model/model.h"
#include "store/store.h"

#define XNET_DEFAULT_ROOT	"/var/lib/xnet"

struct xnet_dp;
struct json_object;

/* One command's context. */
struct xnet {
	char root[PATH_MAX];
	char bpf_dir[PATH_MAX + 16];
	char netns_dir[PATH_MAX + 16];
	char containers_dir[PATH_MAX + 16];
	char dirty_path[PATH_MAX + 16];
	struct store store;
	struct xnet_dp *dp;	/* opened by xnet__datapath() */
	bool json;		/* --json */
	bool kernel_touched;	/* this transaction changed the kernel */
	bool reconciled;	/* reconcile__all() ran in this transaction */
	bool teardown;		/* system teardown: a fresh datapath is not rebuilt first */
	bool kernel_gone;	/* teardown found nothing of this host in the kernel (reboot, namespace gone) */
	bool dp_as_pinned;	/* xnet__datapath() opens the pinned build as it is (system reload) */
};

/* Fill the paths of x from its root (absolute, already checked). */
void xnet__paths(struct xnet *x);

/* Print "Error: msg" (or {"error": msg} with --json) to stderr. Returns -1. */
int xerr(struct xnet *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a JSON value (pretty) to stdout and free it. */
void xnet__print_json(struct json_object *o);

/*
 * Mount bpffs and the netns dir and open the datapath (x->dp), refusing a
 * root that belongs to a live host in another namespace. When the kernel
 * must be rebuilt from the store (first use, reboot, a new build) and the
 * caller holds the lock, *rebuild says why (the caller reconciles); without
 * the lock (or rebuild NULL) the root is marked dirty for the next command
 * that holds it. 0 or -1 after xerr.
 */
int xnet__datapath(struct xnet *x, const char **rebuild);
/* Mark that the kernel is about to change: <root>/dirty, on disk before the change (crash marker). */
void xnet__kernel_touch(struct xnet *x);

/* Open the store of x (xerr on failure): 0 or -1. */
int xnet__store_open(struct xnet *x);
/* <root>/containers/<id>: a sandbox's hostname, hosts, resolv.conf, log. */
void container__dir(struct xnet *x, const char *id, char *out, size_t len);
/*
 * The sandbox key: the network namespace a driver joins the sandbox's
 * endpoints into (<root>/netns/<id>, or its target's for container:<id>).
 */
void container__netns_path(struct xnet *x, const struct container *c, char *out, size_t len);
/* Whether its recorded process still runs (pid and start time match). */
bool container__running(const struct container *c);
/* Its command's exit code (recorded by its shim; 137 when it was killed with no shim left). */
int container__exit_code(struct xnet *x, const struct container *c);

#endif /* XNET_XNET_H */
