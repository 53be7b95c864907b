/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * netlink: links, addresses and routes through libnl-route-3.
 * Every function works in the calling thread's current network namespace
 * unless it takes a netns path, in which case it enters that namespace for
 * the duration of the call and returns to the original one.
 * Return 0 or a negative errno; messages name the device and the cause.
 */
#ifndef XNET_NETLINK_H
#define XNET_NETLINK_H

#include <stdint.h>
#include <stdbool.h>
#include <netinet/in.h>

/*
 * Gateway device of a bridge network: a veth pair <name> / <name>p in the
 * current namespace. <name> gets mac, mtu, ARP off (the datapath answers for
 * it), address gw/prefixlen, and is up; the peer is up with ARP off and
 * carries nothing. Idempotent: an existing device is updated in place.
 */
int nl__gateway_ensure(const char *name, const uint8_t mac[6], uint32_t mtu,
		       struct in_addr gw, int prefixlen, int *ifindex);

/*
 * Endpoint veth: host side <host_name> (up, in the current namespace),
 * sandbox side <peer_name> created directly inside the namespace at
 * netns_path with mac and mtu, given addr/prefixlen and brought up (with lo
 * up). When gw.s_addr != 0 a default route via gw on peer_name is installed.
 * Fails with -EEXIST if host_name exists.
 */
int nl__endpoint_create(const char *host_name, const char *netns_path,
			const char *peer_name, const uint8_t mac[6], uint32_t mtu,
			struct in_addr addr, int prefixlen, struct in_addr gw,
			int *host_ifindex);

/* Bring a link up by name in the current namespace. */
int nl__link_set_up(const char *name);
/* Delete a link by name in the current namespace; missing is not an error. */
int nl__link_delete(const char *name);
/* ifindex of a link in the current namespace, 0 when missing. */
int nl__link_index(const char *name);
/*
 * Call fn for every link in the current namespace whose name starts with prefix
 * (a snapshot taken first, so fn may delete links). A nonzero return from fn
 * stops the walk and is returned.
 */
int nl__link_foreach_prefix(const char *prefix,
			    int (*fn)(const char *name, int ifindex, void *arg), void *arg);

/* Inside the sandbox namespace: bring interface ifname up (lo of a new namespace). */
int nl__sandbox_link_up(const char *netns_path, const char *ifname);
/* Inside the sandbox namespace: delete interface ifname (missing = 0). */
int nl__sandbox_link_delete(const char *netns_path, const char *ifname);
/* Inside the sandbox namespace: replace the default route (via gw on ifname); gw 0 = delete it. */
int nl__sandbox_default_route(const char *netns_path, const char *ifname, struct in_addr gw);
/* Inside the sandbox namespace: does interface ifname exist? */
bool nl__sandbox_link_exists(const char *netns_path, const char *ifname);

/* The main table's IPv4 routes but the default ones, in the current namespace. Caller frees *out. */
struct nl_route4 {
	struct in_addr dst;
	int prefixlen;
	int type;		/* RTN_UNICAST, RTN_BLACKHOLE, ... */
	int ifindex;		/* first next hop's device, 0 when none */
	struct in_addr gateway;	/* first next hop's gateway, 0 when none */
};
int nl__routes_v4(struct nl_route4 **out, int *n);

/*
 * Allow IPv4 BIG TCP (GSO/GRO up to 192 KiB) on ifindex where the device can
 * take it (the kernel refuses beyond its tso_max_size; then nothing changes).
 */
int nl__link_big_tcp(int ifindex);

/* Device of the IPv4 default route (lowest metric) in the current namespace; 0 when none. */
int nl__default_route_dev(int *ifindex);

/* Every IPv4 address in the current namespace. Caller frees *out. */
struct nl_addr4 {
	int ifindex;
	struct in_addr addr;
	int prefixlen;
};
int nl__addrs_v4(struct nl_addr4 **out, int *n);

#endif /* XNET_NETLINK_H */
