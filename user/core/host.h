/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * host: the host's side of NAT and port publishing (uplink, NAT ports, host
 * addresses, the admin's policy, the socket hooks). See host.c.
 */
#ifndef XNET_HOST_H
#define XNET_HOST_H

#include "cmd/cli.h"

struct xnet;

/*
 * Derive the host settings from the store and the live host and write them
 * to the datapath: xnet_host (uplink, its address, NAT ports, netns cookie,
 * policy flag; uplink programs attached), xnet_hostaddrs, xnet_policy, IPv4
 * forwarding, and the socket hooks on the root cgroup. 0 or -errno (logged).
 */
int host__apply(struct xnet *x);

/*
 * Only xnet_hostaddrs, from the host's addresses as they are now (the
 * uplink as recorded): store__commit() runs it after a command's own kernel
 * changes, so the gateway address a `network create` adds (or `network rm`
 * removes) is listed before the lock is released, not at the next command.
 */
int host__addrs_refresh(struct xnet *x);

/* `xnet system config` (its options: config_opts) and `xnet system policy`. */
extern const struct cli_opt config_opts[];
int host__cmd_config(struct xnet *x, int argc, char **argv);
int host__cmd_policy(struct xnet *x, int argc, char **argv);

#endif /* XNET_HOST_H */
