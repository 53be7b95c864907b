// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * uplink_xdp: XDP on the host's uplink, in front of uplink_ingress (tc).
 *
 * The fast path of port publishing and of masquerade answers: a packet of
 * a flow that conntrack (xnet_ct) already knows is translated and handed to
 * its sandbox before the kernel allocates an skb for it. Only what this
 * program can do completely is done here:
 *
 *   Ethernet + IPv4 without options, not a fragment, TTL > 1, TCP or UDP
 *   with a complete checksum (not CHECKSUM_PARTIAL), to a host address,
 *   with an IN entry whose flow this packet neither opens nor closes (no
 *   SYN, FIN or RST, not its first answer), the admin's policy allowing
 *   it, and an endpoint able to take XDP frames of its size.
 *
 * Everything else returns XDP_PASS untouched, and uplink_ingress does the
 * full job: new flows, state changes (ct_account's partner logic stays in
 * one place), fragments, ICMP, and every drop with its reason. This program
 * never creates a flow, and drops one kind of packet only: a SYN that
 * would open a published flow while the budget of unconfirmed flows is
 * spent (lib/ct.h), which uplink_ingress would drop for the same reason,
 * so that a SYN flood costs no skb (upx_syn_refused). For the packets it takes
 * it does what uplink_ingress would (same translation, same TTL, same MACs,
 * same accounting), only the delivery differs: bpf_redirect() to the
 * endpoint's host-side veth, whose XDP transmit puts the frame into the
 * sandbox (bpf_redirect_peer() does not exist for XDP).
 */
#include "lib/common.h"
#include "lib/maps.h"
#include "lib/lookup.h"
#include "lib/eth.h"
#include "lib/ct.h"
#include "lib/nat.h"
#include "lib/redirect.h"
#include "lib/csum_diff.h"
#include "xnet_xdp.h"

/* Endpoints that can take XDP frames, with their MTU (headers/xnet_xdp.h). datapath.c writes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XNET_IFCACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct xnet_xdp_tx);
} xnet_xdp_tx SEC(".maps");

#define UPX_L4_OFF	(ETH_HLEN + sizeof(struct iphdr))	/* options are tc's business */
#define UPX_TCP_CSUM	offsetof(struct tcphdr, check)
#define UPX_UDP_CSUM	offsetof(struct udphdr, check)
#define UPX_FRAG_MASK	0x3fff					/* MF | fragment offset */

/* The endpoint behind host veth @ifindex, if it can take an XDP frame of @len bytes. */
static __always_inline bool upx_can_xmit(__u32 ifindex, __u32 len)
{
	__u32 slot = xnet_if_slot(ifindex);
	const struct xnet_xdp_tx *tx = bpf_map_lookup_elem(&xnet_xdp_tx, &slot);

	return tx && tx->ifindex == ifindex && len <= tx->mtu + ETH_HLEN;
}

/*
 * Does the L4 checksum look like CHECKSUM_PARTIAL: the pseudo header's sum
 * only, for the device to finish? Frames of a local sender arrive so on a
 * veth uplink (its XDP runs on the sender's skb). XDP cannot see
 * ip_summed, and a redirected frame enters the sandbox as CHECKSUM_NONE,
 * where such a checksum is simply wrong. tc's checksum helpers know the
 * state, so these frames go there. A complete checksum has this value once
 * in 65536 frames, which then merely take the tc path too. (Native XDP
 * drivers of real NICs deliver complete checksums: wire frames carry them.)
 */
static __always_inline bool upx_csum_partial(const struct iphdr *iph, const __u8 *l4, __u32 tot)
{
	__u16 check = *(const __u16 *)(l4 + (iph->protocol == IPPROTO_TCP ? UPX_TCP_CSUM : UPX_UDP_CSUM));

	if (iph->protocol == IPPROTO_UDP && !check)
		return false;	/* no checksum at all */
	return check == csum_pseudo_ipv4(iph->saddr, iph->daddr, iph->protocol,
					 (__u16)(tot - sizeof(struct iphdr)));
}

/*
 * Destination -> (@addr, @port), TTL - 1, with the IPv4 and L4 checksums
 * updated by hand (the frame's bytes were bounds-checked by the caller:
 * @l4 has the whole TCP header, or the UDP header).
 */
static __always_inline void upx_rewrite(struct iphdr *iph, __u8 *l4, __u8 proto, __be32 addr,
					__be16 port)
{
	__be16 *dport = (__be16 *)(l4 + 2);
	__u16 *l4_csum = (__u16 *)(l4 + (proto == IPPROTO_TCP ? UPX_TCP_CSUM : UPX_UDP_CSUM));
	__u16 ttl_word = *(__u16 *)&iph->ttl;	/* TTL and protocol share one checksum word */
	__u16 check;

	/* The L4 checksum covers the port and, through the pseudo header, the address. */
	if (proto == IPPROTO_TCP || *l4_csum) {
		check = csum_replace_u32(*l4_csum, iph->daddr, addr);
		check = csum_replace_u16(check, *dport, port);
		*l4_csum = proto == IPPROTO_UDP ? csum_udp_mangle(check) : check;
	}
	*dport = port;

	check = csum_replace_u32(iph->check, iph->daddr, addr);
	iph->daddr = addr;
	iph->ttl--;
	iph->check = csum_replace_u16(check, ttl_word, *(__u16 *)&iph->ttl);
}

/*
 * A client's SYN to a published port of host address @t->daddr while the
 * budget of unconfirmed flows from the wire is spent (ct_budget_spent): uplink_ingress
 * would drop it as ct-unconfirmed-full, unless it belongs to a flow already
 * open (a retransmission). Dropped here, counted under the same reason,
 * before the kernel builds an skb: a flood of spoofed SYNs is absorbed at
 * the cheapest point. The budget is read only; tc takes from it.
 */
static __always_inline bool upx_syn_refused(const struct nat_tuple *t, __u32 len)
{
	struct xnet_drop_counter *cnt;
	struct xnet_ct_key k;
	__u32 key;

	if (!ct_budget_spent(ct_now(), XNET_CT_BUDGET_IN) || !pub_lookup(t->daddr, t->dport, IPPROTO_TCP) ||
	    ct_lookup(t, XNET_CT_IN, &k))
		return false;
	key = XNET_DROP_CT_UNCONFIRMED_FULL;
	cnt = bpf_map_lookup_elem(&xnet_drops, &key);
	if (cnt) {
		cnt->packets++;
		cnt->bytes += len;
	}
	return true;
}

static __always_inline int upx_ingress(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *iph = data + ETH_HLEN;
	__u8 *l4 = data + UPX_L4_OFF;
	__u32 len = end - data, tot;
	const struct xnet_if_cache *ep;
	const struct xnet_host *host;
	enum xnet_drop_reason why;
	struct xnet_if_cache ep_tmp;
	struct xnet_ct_entry *e;
	struct xnet_ct_key k;
	struct nat_tuple t;
	__u32 ifindex;
	__be16 port;
	__be32 addr;

	/* The shortest frame we take: IPv4 without options and a UDP header. */
	if ((void *)(l4 + sizeof(struct udphdr)) > end)
		return XDP_PASS;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	/* Version 4 and IHL 5 in one compare: options, and anything odd, go to tc. */
	if (*(__u8 *)iph != 0x45)
		return XDP_PASS;
	/* A fragment's ports live in xnet_frags, written by tc: all fragments stay there. */
	if (iph->frag_off & bpf_htons(UPX_FRAG_MASK))
		return XDP_PASS;
	/* tc leaves TTL 1 to the host, which answers with time-exceeded. */
	if (iph->ttl <= 1)
		return XDP_PASS;
	tot = bpf_ntohs(iph->tot_len);
	if (ETH_HLEN + tot > len)
		return XDP_PASS;
	if (iph->protocol == IPPROTO_TCP) {
		if ((void *)(l4 + sizeof(struct tcphdr)) > end ||
		    tot < sizeof(struct iphdr) + sizeof(struct tcphdr))
			return XDP_PASS;
		/* Opening, closing, resetting: state changes are tc's (but for a flood's SYNs). */
		if (l4[13] & (TCPF_SYN | TCPF_FIN | TCPF_RST)) {
			if ((l4[13] & (TCPF_SYN | TCPF_ACK | TCPF_RST | TCPF_FIN)) != TCPF_SYN)
				return XDP_PASS;
			tuple_from_ipv4(&t, iph);
			tuple_from_l4(&t, l4);
			host = host_get();
			if (ipv4_is_loopback(t.daddr) ||
			    !host_addr_is(host, t.daddr, XNET_HA_LOCAL | XNET_HA_UPLINK) ||
			    !upx_syn_refused(&t, len))
				return XDP_PASS;
			return XDP_DROP;
		}
	} else if (iph->protocol == IPPROTO_UDP) {
		if (tot < sizeof(struct iphdr) + sizeof(struct udphdr))
			return XDP_PASS;
	} else {
		return XDP_PASS;
	}
	if (upx_csum_partial(iph, l4, tot))
		return XDP_PASS;
	tuple_from_ipv4(&t, iph);
	tuple_from_l4(&t, l4);

	/*
	 * A host address, as uplink_ingress asks; loopback and sandbox
	 * addresses arriving from the wire are refused there, with a reason.
	 */
	host = host_get();
	if (ipv4_is_loopback(t.daddr) || !host_addr_is(host, t.daddr, XNET_HA_LOCAL | XNET_HA_UPLINK))
		return XDP_PASS;
	if (subnet_lookup(t.daddr))
		return XDP_PASS;

	e = ct_lookup(&t, XNET_CT_IN, &k);
	if (!e)
		return XDP_PASS;
	/* A denied client is dropped (and counted) by tc. */
	if (e->kind == XNET_CT_DNAT && policy_denies(host, &t))
		return XDP_PASS;
	if (ct_changes_flow(e, XNET_CT_IN, &t))
		return XDP_PASS;
	addr = e->addr;
	port = e->port;
	ifindex = e->ifindex;

	/* nat_deliver's checks: the endpoint still owns the address (else tc drops it). */
	ep = source_endpoint(ifindex, &ep_tmp, &why);
	if (!ep || ep->ip != addr)
		return XDP_PASS;
	if (!upx_can_xmit(ifindex, len))
		return XDP_PASS;

	/* Committed: from here on the packet is ours. */
	ct_touch(e, len);
	upx_rewrite(iph, l4, t.proto, addr, port);
	/* Framed as its gateway frames everything: to the endpoint, from the gateway MAC. */
	mac_copy(eth->h_dest, ep->mac);
	mac_copy(eth->h_source, ep->gw_mac);
	return ctx_redirect(ifindex, 0);
}

SEC("xdp")
int uplink_xdp(struct xdp_md *ctx)
{
	return upx_ingress(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
