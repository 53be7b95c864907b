/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * api: the verbs of cmd/ and plugins/, each one transaction (see api.c).
 * 0 or -1 after xerr unless said otherwise.
 */
#ifndef XNET_API_H
#define XNET_API_H

#include <stdbool.h>
#include "core/network.h"
#include "core/sandbox.h"
#include "model/model.h"

struct xnet;

/* `network create`: out gets the new network. A refusal changes nothing. */
int api__network_create(struct xnet *x, const struct network_req *r, struct network *out);
/*
 * `network rm` of one name: 0 removed, 1 not found and force, -1 after xerr
 * (not found, built-in, in use), -EIO when the transaction could not start.
 */
int api__network_remove(struct xnet *x, const char *name, bool force);
/*
 * `network prune`: every custom network without endpoints that want()
 * accepts (NULL: all) is removed; removed() is told of each, in name order.
 */
int api__network_prune(struct xnet *x, bool (*want)(struct xnet *x, const struct network *n, void *ctx),
		       void (*removed)(const struct network *n, void *ctx), void *ctx);
int api__network_connect(struct xnet *x, const char *network, const char *container, const char *ip,
			 char *const *aliases, int naliases);
int api__network_disconnect(struct xnet *x, const char *network, const char *container);

/* `rm` of one sandbox (force: running ones too); -EIO when the transaction could not start. */
int api__rm(struct xnet *x, const char *name, bool force);
/*
 * `run`: Docker's checks, the rows, the namespace, the first endpoint, then
 * the command: in the background (detach: its id in id) or in the
 * foreground until it exits. The exit status as Docker's: 125 for a refusal
 * (xerr printed), the command's own status, or its start error's code.
 */
int api__run(struct xnet *x, const struct sandbox_req *r, char id[XNET_ID_LEN + 1]);
/* `exec`: run argv (env: NULL-terminated) in a running sandbox; its exit status, 1 after xerr. */
int api__exec(struct xnet *x, const char *name, char *const *argv, char *const *env);

#endif /* XNET_API_H */
