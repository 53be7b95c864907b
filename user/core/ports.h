/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ports: port publishing (`run -p/-P/--expose`, `xnet port`), Docker's way.
 *
 * Three kinds of rows in the store, all removed with their sandbox:
 *   port_bindings    what the user asked for (HostConfig.PortBindings)
 *   exposed_ports    Config.ExposedPorts (--expose and every -p container port)
 *   published_ports  what was allocated: (host ip, host port, proto) ->
 *                    container port; the primary key makes a host binding
 *                    belong to one sandbox at most
 * The kernel entries (xnet_published) are derived from published_ports and
 * the sandbox's backend endpoint, see ports__kernel_apply().
 */
#ifndef XNET_PORTS_H
#define XNET_PORTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/portspec.h"
#include "model/model.h"

struct xnet;
struct container;
struct endpoint;
struct network;
struct json_object;
struct strbuf;

/* -p SPEC (lib/portspec.h): Docker's grammar [ip:][hostPort[-end]:]containerPort[-end][/proto]. 0 or -1 after xerr. */
int ports__parse_publish(struct xnet *x, struct ports_req *r, const char *spec);
/* --expose PORT[-END][/PROTO]. 0 or -1 after xerr. */
int ports__parse_expose(struct xnet *x, struct ports_req *r, const char *spec);
/* Whether the request publishes anything (-p, or -P with exposed ports). */
bool ports__req_publishes(const struct ports_req *r);
/*
 * Docker's rules between the request and the network mode (of --network):
 * container:NAME refuses -p/-P/--expose, host prints Docker's warning that
 * published ports are discarded. 0 or -1 after xerr.
 */
int ports__check_netmode(struct xnet *x, const struct ports_req *r, enum netmode mode);

/*
 * Record what a new sandbox asked for and allocate its host ports (store
 * only; the kernel follows through ports__kernel_apply() when its endpoint
 * is connected). n is its first network (netmode "default"), else NULL: the
 * request is recorded (inspect shows it) and nothing is published. Fails,
 * with Docker's messages, on a taken host port (another sandbox: "port is
 * already allocated"; a host process: "address already in use", found by
 * bind()ing a probe socket) and on internal networks. 0 or -1 after xerr.
 */
int ports__record(struct xnet *x, const struct container *c, const struct network *n,
		  const struct ports_req *r);

/* Whether e is the backend endpoint of c's published ports (XNET_EP_PUBLISHED). */
bool ports__endpoint_published(struct xnet *x, const struct container *c, const struct endpoint *e);

/*
 * Kernel side of c's published ports: point every entry at the sandbox's
 * backend endpoint, or remove them when it has none. Idempotent.
 */
int ports__kernel_apply(struct xnet *x, const struct container *c);
/* Remove c's published entries from the kernel and its rows from the store (rm). */
int ports__release(struct xnet *x, const struct container *c);
/* reconcile__all: apply every sandbox's entries, then remove every other entry. */
int ports__reconcile(struct xnet *x);

/* inspect: HostConfig.PortBindings/PublishAllPorts, Config.ExposedPorts, NetworkSettings.Ports. */
void ports__inspect(struct xnet *x, const struct container *c, struct json_object *hostconfig,
		    struct json_object *config, struct json_object *settings);
/* ps PORTS column, Docker's format ("0.0.0.0:5000->80/tcp, 443/tcp"). */
void ports__display(struct xnet *x, const struct container *c, struct strbuf *out);

/* One row of Docker's API port list (types.Port): ip "" = exposed only. */
struct port_view {
	char ip[16];
	uint16_t private_port, public_port;
	uint8_t proto;
	int seq;
};

/*
 * NetworkSettings.Ports of c as a flat list (ps, inspect, `xnet port`):
 * every exposed port by port and proto, with one row per published binding
 * (in binding order), or one row with ip "" when it has none. Only
 * sandboxes with their own network stack (NETMODE_DEFAULT) have any. A
 * malloc'd array: 0, -ENOMEM, -EIO.
 */
int ports__views(struct xnet *x, const struct container *c, struct port_view **out, int *n);

#endif /* XNET_PORTS_H */
