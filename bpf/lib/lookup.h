/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * lookup: the questions the programs ask of the maps ("who sends on this
 * device?", "who owns this MAC?"), each answered from the array caches when
 * they hold the answer and from the ABI maps otherwise (headers/xnet_cache.h).
 * Either way the caller gets the same struct: the cache slot itself, or a
 * copy filled in on the caller's stack.
 */
#ifndef XNET_LIB_LOOKUP_H
#define XNET_LIB_LOOKUP_H

#include "lib/maps.h"
#include "lib/eth.h"
#include "lib/record.h"

static __always_inline struct xnet_endpoint *endpoint_lookup(__u32 ifindex)
{
	return bpf_map_lookup_elem(&xnet_endpoints, &ifindex);
}

static __always_inline struct xnet_network *network_lookup(__u32 net_id)
{
	return bpf_map_lookup_elem(&xnet_networks, &net_id);
}

/* Host-side ifindex of the endpoint owning @mac, 0 when none. */
static __always_inline __u32 fdb_lookup(const __u8 *mac)
{
	struct xnet_mac_key key = {};
	__u32 *ifindex;

	/* Two loads instead of six byte copies; the pad stays zero. */
	*(__u32 *)key.mac = *(const __u32 *)mac;
	*(__u16 *)(key.mac + 4) = *(const __u16 *)(mac + 4);
	ifindex = bpf_map_lookup_elem(&xnet_fdb, &key);
	return ifindex ? *ifindex : 0;
}

/*
 * net_id of the bridge subnet containing @ip, NULL when it is in none.
 * (Pointers, not 0-for-none: net_id 0 is a valid id as far as the ABI says.)
 */
static __always_inline __u32 *subnet_lookup(__be32 ip)
{
	struct xnet_subnet_key key = { .prefixlen = 32, .addr = ip };

	return bpf_map_lookup_elem(&xnet_subnets, &key);
}

/* The network's facts as the caches carry them. */
static __always_inline void if_cache_fill(struct xnet_if_cache *c, __u16 kind, __u32 net_id,
					  const struct xnet_network *net)
{
	c->kind = kind;
	c->net_flags = net->flags;
	c->net_id = net_id;
	mac_copy(c->gw_mac, net->gw_mac);
	c->gw_ifindex = net->gw_ifindex;
	c->subnet = net->subnet;
	c->mask = net->mask;
	c->gw_ip = net->gw_ip;
}

static __always_inline const struct xnet_if_cache *if_cache_lookup(__u32 ifindex, __u16 kind)
{
	__u32 slot = xnet_if_slot(ifindex);
	const struct xnet_if_cache *c = bpf_map_lookup_elem(&xnet_ifcache, &slot);

	if (c && c->kind == kind && c->ifindex == ifindex) {
		st_record_hit(XNET_ST_HIT_SRC);
		return c;
	}
	return NULL;
}

/*
 * The endpoint whose host-side veth is @ifindex, with its network; NULL and
 * *reason when it is no endpoint or its network is gone.
 */
static __always_inline const struct xnet_if_cache *
source_endpoint(__u32 ifindex, struct xnet_if_cache *tmp, enum xnet_drop_reason *reason)
{
	const struct xnet_if_cache *c = if_cache_lookup(ifindex, XNET_IFC_ENDPOINT);
	const struct xnet_endpoint *ep;
	const struct xnet_network *net;

	if (likely(c))
		return c;
	ep = endpoint_lookup(ifindex);
	if (!ep) {
		*reason = XNET_DROP_UNKNOWN_ENDPOINT;
		return NULL;
	}
	net = network_lookup(ep->net_id);
	if (!net) {
		*reason = XNET_DROP_NO_NETWORK;
		return NULL;
	}
	if_cache_fill(tmp, XNET_IFC_ENDPOINT, ep->net_id, net);
	tmp->ip = ep->ip;
	mac_copy(tmp->mac, ep->mac);
	tmp->ep_flags = ep->flags;
	tmp->ifindex = ifindex;
	return tmp;
}

/*
 * Is @ifindex an endpoint's host-side veth? The cache slot answers when it
 * names @ifindex (an endpoint, or a gateway device: no); else the ABI map.
 */
static __always_inline bool is_endpoint_dev(__u32 ifindex)
{
	__u32 slot = xnet_if_slot(ifindex);
	const struct xnet_if_cache *c = bpf_map_lookup_elem(&xnet_ifcache, &slot);

	if (c && c->ifindex == ifindex && c->kind != XNET_IFC_NONE)
		return c->kind == XNET_IFC_ENDPOINT;
	return endpoint_lookup(ifindex) != NULL;
}

/* The network whose gateway device is @ifindex; NULL when none (or it is gone). */
static __always_inline const struct xnet_if_cache *
source_gateway(__u32 ifindex, struct xnet_if_cache *tmp)
{
	const struct xnet_if_cache *c = if_cache_lookup(ifindex, XNET_IFC_GATEWAY);
	const struct xnet_network *net;
	__u32 *net_id;

	if (likely(c))
		return c;
	net_id = bpf_map_lookup_elem(&xnet_gateways, &ifindex);
	if (!net_id)
		return NULL;
	net = network_lookup(*net_id);
	if (!net)
		return NULL;
	if_cache_fill(tmp, XNET_IFC_GATEWAY, *net_id, net);
	return tmp;
}

static __always_inline const struct xnet_dst_cache *
dst_fill(struct xnet_dst_cache *tmp, const struct xnet_endpoint *ep, __u32 ifindex)
{
	mac_copy(tmp->mac, ep->mac);
	tmp->valid = 1;
	tmp->ip = ep->ip;
	tmp->ifindex = ifindex;	/* the map key, whatever ep->ifindex says */
	tmp->net_id = ep->net_id;
	return tmp;
}

/* The endpoint owning @mac (a packet's destination), NULL when none. */
static __always_inline const struct xnet_dst_cache *
dst_by_mac(const __u8 *mac, struct xnet_dst_cache *tmp)
{
	__u32 slot = xnet_mac_slot(*(const __u32 *)(mac + 2), *(const __u16 *)mac);
	const struct xnet_dst_cache *c = bpf_map_lookup_elem(&xnet_maccache, &slot);
	const struct xnet_endpoint *ep;
	__u32 ifindex;

	if (likely(c && c->valid && mac_eq(c->mac, mac))) {
		st_record_hit(XNET_ST_HIT_DST);
		return c;
	}
	ifindex = fdb_lookup(mac);
	if (!ifindex)
		return NULL;
	ep = endpoint_lookup(ifindex);
	return ep ? dst_fill(tmp, ep, ifindex) : NULL;
}

/* The endpoint owning IPv4 address @ip, NULL when none. */
static __always_inline const struct xnet_dst_cache *
dst_by_ip(__be32 ip, struct xnet_dst_cache *tmp)
{
	__u32 slot = xnet_ip_slot(ip);
	const struct xnet_dst_cache *c = bpf_map_lookup_elem(&xnet_ipcache, &slot);
	const struct xnet_endpoint *ep;
	__u32 *ifindex;

	if (likely(c && c->valid && c->ip == ip)) {
		st_record_hit(XNET_ST_HIT_DST);
		return c;
	}
	ifindex = bpf_map_lookup_elem(&xnet_ip2ep, &ip);
	if (!ifindex)
		return NULL;
	ep = endpoint_lookup(*ifindex);
	return ep ? dst_fill(tmp, ep, *ifindex) : NULL;
}

#endif /* XNET_LIB_LOOKUP_H */
