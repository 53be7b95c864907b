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
	struct xnet_dp *dp;	/* opened by txn__kernel() */
	bool json;		/* --json */
	bool kernel_touched;	/* this transaction changed the kernel */
	bool reconciled;	/* reconcile__all() ran in this transaction */
	bool teardown;		/* system teardown: a fresh datapath is not rebuilt first */
	bool kernel_gone;	/* teardown found nothing of this host in the kernel (reboot, namespace gone) */
	bool dp_as_pinned;	/* txn__kernel() opens the pinned build as it is (system reload) */
};

/* Fill the paths of x from its root (absolute, already checked). */
void xnet__paths(struct xnet *x);

/* Print "Error: msg" (or {"error": msg} with --json) to stderr. Returns -1. */
int xerr(struct xnet *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a JSON value (pretty) to stdout and free it. */
void xnet__print_json(struct json_object *o);

/* Open the store of x (xerr on failure): 0 or -1. */
int xnet__store_open(struct xnet *x);
/* The end of a command: a transaction left open is rolled back, the store and datapath closed. */
void xnet__close(struct xnet *x);

#endif /* XNET_XNET_H */
