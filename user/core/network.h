/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * network: a network's life in the kernel, through its driver (libnetwork's
 * controller.addNetwork / network.delete). core/ only; the store rows are
 * written by the callers inside the same transaction.
 */
#ifndef XNET_CORE_NETWORK_H
#define XNET_CORE_NETWORK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/driver.h"
#include "model/model.h"

struct xnet;

/* What `network create` asks for (parsed by cmd/network.c). */
#define NETWORK_MAX_MULTI 32
struct network_kv { char *k, *v; };
struct network_req {
	const char *name, *driver, *subnet, *gateway, *ip_range;	/* driver NULL: bridge */
	int nsubnet, ngateway, nrange;
	struct network_kv aux[NETWORK_MAX_MULTI], labels[NETWORK_MAX_MULTI], opts[NETWORK_MAX_MULTI];
	int naux, nlabels, nopts;
	bool internal, attachable, ipv6;
};
void network__req_free(struct network_req *r);

/*
 * A new network, inside the caller's transaction: Docker's checks and
 * messages, the driver's options (unknown driver: `plugin "NAME" not
 * found`), IPAM, the rows, the driver's network. 0 (out filled) or -1
 * after xerr.
 */
int network__add(struct xnet *x, const struct network_req *r, struct network *out);
/* Remove a custom network without endpoints, inside the caller's transaction: 0 or -1 after xerr. */
int network__delete(struct xnet *x, const struct network *n);
/* Remove one custom network without endpoints; the caller holds the transaction. 0 or -1 after xerr. */
int network__remove_one(struct xnet *x, const struct network *n);

/* Do sandboxes join it with endpoints (and so it has a subnet and IPAM), or is it a netmode (host, none)? */
bool network__has_endpoints(const struct network *n);
/* A driver context for this command (its datapath; why for a refusal). */
struct xnet_driver_ctx network__driver_ctx(struct xnet *x, char *why, size_t whylen);
/* The network's devices and datapath entries (idempotent: reconcile calls it too). 0 or -errno (logged). */
int network__kernel_apply(struct xnet *x, const struct network *n);
int network__kernel_remove(struct xnet *x, const struct network *n);

#endif /* XNET_CORE_NETWORK_H */
