/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * driver: what a network driver does, libnetwork's driverapi in C.
 *
 * core/ decides (IPAM, the store, the transaction) and calls a network's
 * driver for everything that is the network type's own business: its
 * options, its devices, its datapath entries. A driver gets all it needs
 * handed in (the datapath, the network and endpoint rows, the sandbox's
 * namespace path as its key) and never reads the store or computes paths
 * of the state root, so the same driver serves xnet's own sandboxes and a
 * runtime's namespace handed in by a CNI or Docker plugin. core/ marks the
 * state root dirty (txn__kernel_touch) before it calls a method that
 * changes the kernel.
 *
 * The verbs, as libnetwork's (and the Docker remote-driver protocol's):
 *   validate         options of `network create`, Docker's words for a refusal
 *   network_create   the network's devices and datapath entries (idempotent:
 *                    reconcile restores a network by calling it again)
 *   network_delete   the reverse
 *   endpoint_create  the endpoint's interface: its device on the host, its
 *                    end in the sandbox (sandbox_key), address and routes
 *   join             traffic to and from the endpoint flows (datapath entry);
 *                    also how reconcile restores an endpoint whose devices exist
 *   leave            the reverse of join
 *   endpoint_delete  the reverse of endpoint_create
 *   sweep            remove the driver's devices that the store does not know
 * A NULL method has nothing to do (host, null).
 *
 * Every method returns 0 or -errno; on a refusal `why` holds the message.
 */
#ifndef XNET_DRIVER_H
#define XNET_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include "model/model.h"

struct xnet_dp;

/* What a driver's networks can do: core/ asks these instead of comparing names. */
enum xnet_driver_caps {
	XNET_DRV_SINGLETON	= 1 << 0,	/* one network only, the built-in one (host, none) */
	XNET_DRV_ENDPOINTS	= 1 << 1,	/* sandboxes join it with an endpoint (else it is a netmode) */
	XNET_DRV_DNS		= 1 << 2,	/* user-defined networks get the embedded DNS */
	XNET_DRV_PUBLISH	= 1 << 3,	/* -p publishes ports of its sandboxes */
	XNET_DRV_GLOBAL		= 1 << 4,	/* needs the cluster store (overlay) */
};

struct xnet_driver_ctx {
	struct xnet_dp *dp;	/* the datapath (maps, programs) */
	char *why;		/* Docker's words for a refusal; the caller prints them */
	size_t whylen;
};

/* A driver option of `network create -o KEY=VALUE`. */
struct xnet_driver_opt {
	const char *key, *value;
};

/* A set of device names a driver's sweep must keep. */
struct xnet_names {
	const char *const *v;
	int n;
};

struct xnet_driver {
	const char *name;	/* "bridge", "host", "null" */
	unsigned int caps;	/* enum xnet_driver_caps */
	/*
	 * XNET_DRV_ENDPOINTS unset: the netmode a sandbox gets with --network
	 * of this driver's network (NETMODE_HOST, NETMODE_NONE).
	 */
	enum netmode netmode;
	/* Fill n's driver settings from the options (n has Docker's defaults). */
	int (*validate)(struct xnet_driver_ctx *c, struct network *n, const struct xnet_driver_opt *opts, int nopts);
	int (*network_create)(struct xnet_driver_ctx *c, const struct network *n);
	int (*network_delete)(struct xnet_driver_ctx *c, const struct network *n);
	int (*endpoint_create)(struct xnet_driver_ctx *c, const struct network *n, const struct endpoint *e,
			       const char *sandbox_key, bool default_route);
	int (*endpoint_delete)(struct xnet_driver_ctx *c, const struct network *n, const struct endpoint *e,
			       const char *sandbox_key);
	int (*join)(struct xnet_driver_ctx *c, const struct network *n, const struct endpoint *e,
		    const char *sandbox_key);
	int (*leave)(struct xnet_driver_ctx *c, const struct network *n, const struct endpoint *e);
	/* Whether the endpoint's devices are all there (reconcile: join only, or create again). */
	bool (*endpoint_exists)(struct xnet_driver_ctx *c, const struct network *n, const struct endpoint *e,
				const char *sandbox_key);
	/*
	 * Remove the driver's devices that are not in keep (the store's
	 * networks of this driver and every endpoint's host_ifname); how many.
	 */
	int (*sweep)(struct xnet_driver_ctx *c, const struct network *nets, int nnets, const struct xnet_names *keep);
};

/* The registered driver of that name, or NULL: Docker's `plugin "NAME" not found`. */
const struct xnet_driver *driver__get(const char *name);
/* A network's driver; never NULL for a network of the store (an unknown name gets a driver that does nothing). */
const struct xnet_driver *driver__of(const struct network *n);
/* Every registered driver, NULL-terminated. */
extern const struct xnet_driver *const xnet_drivers[];

/* Does the network have the embedded DNS (a user-defined network of a driver with XNET_DRV_DNS)? */
bool driver__network_has_dns(const struct network *n);

extern const struct xnet_driver xnet_bridge_driver, xnet_host_driver, xnet_null_driver;

#endif /* XNET_DRIVER_H */
