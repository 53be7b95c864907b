/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * host: the host's side of NAT and port publishing (uplink, NAT ports, host
 * addresses, the admin's policy, the socket hooks). See host.c.
 */
#ifndef XNET_HOST_H
#define XNET_HOST_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

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

/* "LO-HI", 1 <= LO <= HI <= 65535: a range of -p's grammar (lib/portspec.c), the dash required. 0 or -EINVAL. */
int host__nat_range(const char *s, uint16_t *lo, uint16_t *hi);
/* The kernel's ephemeral port range of this namespace (the default, 32768-60999, if unreadable). */
void host__ephemeral_ports(unsigned *lo, unsigned *hi);

/* What `system config` shows: the settings as recorded and as applied. */
struct host_settings {
	char uplink[IF_NAMESIZE + 8];	/* "auto" or a device name */
	char xdp[8];			/* "on", "off", "auto" */
	uint16_t nat_lo, nat_hi;
	bool nat_default;
	char uplink_dev[IF_NAMESIZE];	/* "" when there is no uplink */
	char uplink_ip[16];
	bool policy;			/* rules exist (XNET_HOST_POLICY) */
};
int host__settings(struct xnet *x, struct host_settings *out);
/*
 * Can the recorded uplink be used? 0, -EADDRNOTAVAIL (it has no IPv4
 * address), or another -errno.
 */
int host__uplink_check(struct xnet *x);

#endif /* XNET_HOST_H */
