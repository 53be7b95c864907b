// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * gateway: tc egress on a network's gateway device (xnbr-...), i.e. every
 * frame the host routes towards a sandbox. The device has ARP off, so the
 * host addresses every frame to the device's own MAC; this program is the
 * neighbour table: it finds the endpoint by destination IP, writes the real
 * MACs and sends the frame out of the endpoint's host-side veth.
 */
#include "lib/common.h"
#include "lib/ctx.h"
#include "lib/maps.h"
#include "lib/lookup.h"
#include "lib/drop.h"
#include "lib/redirect.h"
#include "lib/eth.h"
#include "lib/ipv4.h"
#include "lib/flood.h"

#define GW_HDR_BYTES	(sizeof(struct ethhdr) + sizeof(struct iphdr))

/*
 * Broadcast/multicast from the host: to every port of the network. The host
 * resolved the address on an ARP-less device, so the frame carries the
 * device's own MAC; give it the group address a receiver expects
 * (ff:ff:ff:ff:ff:ff, or 01:00:5e + low 23 bits of the group, RFC 1112).
 */
static __always_inline int gw_flood(struct __sk_buff *ctx, struct ethhdr *eth, __be32 daddr,
				    const struct xnet_if_cache *gw)
{
	const struct xnet_network *net = network_lookup(gw->net_id);
	__u32 host = bpf_ntohl(daddr);

	if (!net)
		return drop(ctx, XNET_DROP_NO_NETWORK);
	if ((host & 0xf0000000) == 0xe0000000) {
		eth->h_dest[0] = 0x01;
		eth->h_dest[1] = 0x00;
		eth->h_dest[2] = 0x5e;
		eth->h_dest[3] = (host >> 16) & 0x7f;
		eth->h_dest[4] = host >> 8;
		eth->h_dest[5] = host;
	} else {
		*(__u32 *)eth->h_dest = 0xffffffff;
		*(__u16 *)(eth->h_dest + 4) = 0xffff;
	}
	mac_copy(eth->h_source, gw->gw_mac);
	flood(ctx, gw->net_id, net, 0);
	return TC_ACT_SHOT;
}

/*
 * Forwarded frames must have come up through one of our gateways (a sandbox
 * talking to its own subnet via the host). One that entered the host on any
 * other device was routed at a sandbox address from outside: only published
 * ports lead in, and those are delivered by uplink_ingress, not routed. The
 * host's own packets have no ingress device.
 */
static __always_inline bool gw_routed_from_outside(const struct __sk_buff *ctx)
{
	__u32 in = ctx->ingress_ifindex;

	if (likely(!in) || if_cache_lookup(in, XNET_IFC_GATEWAY))
		return false;
	return !bpf_map_lookup_elem(&xnet_gateways, &in);
}

static __always_inline int gw_handle(struct __sk_buff *ctx)
{
	const struct xnet_if_cache *gw;
	const struct xnet_dst_cache *dst;
	struct xnet_if_cache gw_tmp;
	struct xnet_dst_cache dst_tmp;
	struct ethhdr *eth;
	struct iphdr *iph;
	struct cursor c;
	__be32 daddr;

	gw = source_gateway(ctx_ifindex(ctx), &gw_tmp);
	if (!gw)
		return drop(ctx, XNET_DROP_NO_NETWORK);
	if (unlikely(gw_routed_from_outside(ctx)))
		return drop(ctx, XNET_DROP_ROUTED_TO_SANDBOX);

	c.pos = ctx_data(ctx);
	c.end = ctx_data_end(ctx);
	if (unlikely(c.pos + GW_HDR_BYTES > c.end)) {
		ctx_pull(ctx, GW_HDR_BYTES);
		c.pos = ctx_data(ctx);
		c.end = ctx_data_end(ctx);
	}
	eth = eth_parse(&c);
	if (!eth)
		return drop(ctx, XNET_DROP_INVALID_ETH);
	/* IPv4 only: the device has no ARP, and sandboxes have IPv6 off. */
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return drop(ctx, XNET_DROP_UNSUPPORTED_L3);
	iph = ipv4_parse(ctx, &c);
	if (!iph)
		return drop(ctx, XNET_DROP_INVALID_IP);

	daddr = iph->daddr;
	if (unlikely(daddr == (gw->subnet | ~gw->mask) || ipv4_is_multicast_or_bcast(daddr)))
		return gw_flood(ctx, eth, daddr, gw);

	dst = dst_by_ip(daddr, &dst_tmp);
	if (!dst)
		return drop(ctx, XNET_DROP_UNKNOWN_DST);
	if (dst->net_id != gw->net_id)
		return drop(ctx, XNET_DROP_OTHER_NETWORK);
	mac_copy(eth->h_dest, dst->mac);
	mac_copy(eth->h_source, gw->gw_mac);
	return ctx_redirect(dst->ifindex, 0);
}

SEC("tc")
int gateway_egress(struct __sk_buff *ctx)
{
	return gw_handle(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
