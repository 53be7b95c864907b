// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * lxc: tc ingress on the host-side veth of every endpoint, i.e. every frame a
 * sandbox sends. It replaces the Linux bridge: anti-spoofing, an ARP
 * responder, L2 forwarding straight into the peer's namespace, flooding
 * within one network, and the way up to the host through the gateway device.
 *
 * The unicast path between endpoints is the one that must be short: two
 * array lookups (lib/lookup.h) and one helper call when the caches hold the
 * endpoints, which they do for everything user/datapath/ installed.
 *
 * Port publishing without the host in the way (lib/nat.h):
 *  - hairpin: a sandbox calling a published port on a host address is
 *    translated here and handed straight to the backend, keeping its own
 *    address (calling its own published port, it gets the host address it
 *    called as its source); the backend's answers (endpoints with
 *    XNET_EP_PUBLISHED) are translated back here and handed straight to the
 *    caller.
 *  - --internal networks stop here: nothing beyond their own subnet.
 *
 * Embedded DNS (lib/dns.h): A queries to the gateway's port 53 are answered
 * here from the maps; the rest goes to the helper process.
 */
#include "lib/common.h"
#include "lib/ctx.h"
#include "lib/maps.h"
#include "lib/lookup.h"
#include "lib/drop.h"
#include "lib/redirect.h"
#include "lib/eth.h"
#include "lib/ipv4.h"
#include "lib/arp.h"
#include "lib/flood.h"
#include "lib/nat.h"
#include "lib/dns.h"

/* Bytes we want linear before parsing: Ethernet + an Ethernet/IPv4 ARP packet (covers IPv4's 20). */
#define LXC_HDR_BYTES	(sizeof(struct ethhdr) + sizeof(struct arp_eth_ipv4))

/*
 * ARP from a sandbox: answer requests for the gateway and for endpoints of
 * the same network from the maps, drop everything else. The reply goes back
 * into the requesting sandbox only.
 */
static __always_inline int lxc_arp(struct __sk_buff *ctx, struct cursor *c, struct ethhdr *eth,
				   const struct xnet_if_cache *src)
{
	struct arp_eth_ipv4 *arp = arp_parse(c);
	const struct xnet_dst_cache *dst;
	struct xnet_dst_cache tmp;
	const __u8 *answer;
	__be32 tpa;

	if (!arp)
		return drop(ctx, XNET_DROP_INVALID_ARP);
	if (!mac_eq(arp->sha, src->mac))
		return drop(ctx, XNET_DROP_SPOOF_MAC);
	if (ip_load(arp->spa) != src->ip)
		return drop(ctx, XNET_DROP_SPOOF_IP);
	tpa = ip_load(arp->tpa);
	/* Replies and announcements (spa == tpa) have no one to answer. */
	if (arp->op != bpf_htons(XNET_ARPOP_REQUEST) || tpa == src->ip)
		return drop(ctx, XNET_DROP_ARP_OTHER);

	if (tpa == src->gw_ip) {
		answer = src->gw_mac;
	} else {
		dst = dst_by_ip(tpa, &tmp);
		if (!dst)
			return drop(ctx, XNET_DROP_ARP_UNANSWERED);
		if (dst->net_id != src->net_id)
			return drop(ctx, XNET_DROP_OTHER_NETWORK);
		if (!(src->net_flags & XNET_NET_ICC))
			return drop(ctx, XNET_DROP_ICC_DISABLED);
		answer = dst->mac;
	}
	arp_make_reply(eth, arp, answer);
	return ctx_redirect_peer(ctx_ifindex(ctx));
}

/*
 * A packet's flow tuple and outgoing conntrack lookup, each done at most
 * once per packet: a published endpoint's answers need the OUT entry first
 * (lxc_published_reply), the way out needs it again later (lxc_nat_out),
 * the hairpin check needs the tuple.
 */
struct lxc_flow {
	struct nat_tuple t;
	struct xnet_ct_key k;
	struct xnet_ct_entry *e;	/* the OUT entry, NULL when none */
	int ret;			/* tuple_parse's result, once parsed */
	bool parsed;
	bool looked_up;
};

static __always_inline int lxc_flow_parse(struct __sk_buff *ctx, const struct iphdr *iph, struct lxc_flow *fl)
{
	if (!fl->parsed) {
		fl->parsed = true;
		fl->ret = tuple_parse(ctx, iph, &fl->t);
	}
	return fl->ret;
}

static __always_inline struct xnet_ct_entry *lxc_flow_out(struct __sk_buff *ctx, const struct iphdr *iph,
							  struct lxc_flow *fl)
{
	if (!fl->looked_up) {
		fl->looked_up = true;
		fl->e = lxc_flow_parse(ctx, iph, fl) == TUPLE_OK ? ct_lookup(&fl->t, XNET_CT_OUT, &fl->k) : NULL;
	}
	return fl->e;
}

/*
 * Hairpin: a sandbox calling a host address (the gateway's included, not
 * loopback). Known flow (IN) or a new one to a published port: the
 * destination becomes the backend and the frame goes straight to it, with
 * the caller's address kept, unless the caller is the backend itself
 * (self_create). Not handled: everything else (the host's own services,
 * ping). Another network's backend is fine: that is what publishing is for.
 * Only a packet to a published port can be a hairpin flow's: the small,
 * warm binding table is asked before the conntrack table, so the host's own
 * conversations with sandboxes (answers to host clients, to the DNS helper)
 * never pay for a conntrack miss.
 *
 * Returns true with *verdict set when the frame was handled. (A bool apart
 * from the verdict: the verifier must see that the caller's packet pointers
 * are only used again on paths that called no packet-changing helper.)
 */
static __always_inline bool lxc_hairpin(struct __sk_buff *ctx, const struct iphdr *iph, struct lxc_flow *fl,
					int *verdict)
{
	const struct xnet_host *host = host_get();
	struct nat_tuple *t = &fl->t;
	const struct xnet_pub *pub;
	struct xnet_ct_entry in, *e;
	struct nat_edit ed;
	struct xnet_ct_key k;
	int ret;

	if (!host_addr_is(host, iph->daddr, XNET_HA_LOCAL | XNET_HA_UPLINK | XNET_HA_GATEWAY))
		return false;
	ret = lxc_flow_parse(ctx, iph, fl);
	if (ret < 0) {
		*verdict = drop(ctx, -ret);
		return true;
	}
	if (ret != TUPLE_OK || t->proto == IPPROTO_ICMP)
		return false;
	pub = pub_lookup(t->daddr, t->dport, t->proto);
	if (!pub)
		return false;

	e = ct_lookup(t, XNET_CT_IN, &k);
	if (e && e->kind == XNET_CT_DNAT) {
		in = *e;
		ct_account(e, &k, t, ctx_len(ctx));
	} else {
		if (t->frag == NAT_FRAG_LATER)
			return false;
		if (t->proto == IPPROTO_TCP &&
		    (t->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) != TCPF_SYN)
			return false;
		if (pub->ifindex != ctx_ifindex(ctx))
			ret = dnat_create(t, pub, XNET_CTF_HAIRPIN, ctx_ifindex(ctx), ctx_len(ctx),
					  XNET_CT_BUDGET_OUT, &in);
		else	/* Its own published port: the source is translated too (self_create). */
			ret = self_create(t, pub, host, ctx_ifindex(ctx), ctx_len(ctx), &in);
		if (ret < 0) {
			*verdict = drop(ctx, -ret);
			return true;
		}
	}
	frag_record(t);
	nat_edit_init(&ed, t);
	ed.daddr = in.addr;
	ed.dport = in.port;
	if (in.flags & XNET_CTF_SELF) {
		ed.saddr = t->daddr;
		ed.sport = in.peer_port;
	}
	*verdict = nat_deliver(ctx, t, &ed, in.ifindex);
	return true;
}

/*
 * A backend's answer in a hairpin flow: the source becomes the published
 * address again, and the frame goes straight back to the calling sandbox.
 * Answers to outside clients (no XNET_CTF_HAIRPIN) go on to lxc_nat_out,
 * with the entry found here. True with *verdict set when handled.
 */
static __always_inline bool lxc_published_reply(struct __sk_buff *ctx, const struct iphdr *iph,
						struct lxc_flow *fl, int *verdict)
{
	struct xnet_ct_entry *e = lxc_flow_out(ctx, iph, fl);
	struct nat_edit ed;
	__be16 port, peer_port;
	__u32 ifindex;
	__be32 addr;
	bool self;

	if (!e || !(e->flags & XNET_CTF_HAIRPIN))
		return false;
	addr = e->addr;
	port = e->port;
	ifindex = e->ifindex;
	self = e->flags & XNET_CTF_SELF;
	peer_port = e->peer_port;
	ct_account(e, &fl->k, &fl->t, ctx_len(ctx));
	frag_record(&fl->t);
	nat_edit_init(&ed, &fl->t);
	ed.saddr = addr;
	ed.sport = port;
	/* To itself (XNET_CTF_SELF): the destination goes back to its own address and port. */
	if (self) {
		ed.daddr = fl->t.saddr;
		ed.dport = peer_port;
	}
	*verdict = nat_deliver(ctx, &fl->t, &ed, ifindex);
	return true;
}

/*
 * The way out, for a flow NAT already knows: a masqueraded one (SNAT), a
 * routed one of a network without masquerade (recorded, not translated) or
 * the answers of a published port to an outside client (DNAT). The source
 * is translated here and the frame is sent straight out of the uplink with
 * the next hop the host's FIB gives (bpf_fib_lookup: routes, rules and the
 * neighbour table), TTL decremented as the host would. This skips the
 * gateway's ingress, the host's forwarding path and uplink_egress' rewrite;
 * uplink_egress then sees an already translated frame and lets it pass.
 * Whatever this cannot finish (a new flow, fragments, TTL 1, a route that is
 * not via the uplink, a next hop not resolved yet, a frame over the MTU)
 * takes the host's path, where uplink_egress does the same translation.
 * True with *verdict set when handled.
 */
static __always_inline bool lxc_nat_out(struct __sk_buff *ctx, const struct iphdr *iph,
					const struct xnet_if_cache *src, struct lxc_flow *fl,
					int *verdict)
{
	const struct xnet_host *host = host_get();
	struct bpf_fib_lookup fib = {};
	struct xnet_ct_entry *e;
	struct nat_edit ed;
	long rc;

	if (!host || !host->uplink_ifindex)
		return false;
	e = lxc_flow_out(ctx, iph, fl);
	if (!e || (e->flags & XNET_CTF_HAIRPIN) || fl->t.frag != NAT_FRAG_NONE || fl->t.ttl <= 1)
		return false;

	fib.family = 2;	/* AF_INET */
	fib.tos = iph->tos;
	fib.l4_protocol = fl->t.proto;
	/* A GSO frame's segments fit the MTU; its own length may not (BIG TCP). */
	fib.tot_len = ctx->gso_segs > 1 ? 0 : bpf_ntohs(iph->tot_len);
	fib.ifindex = src->gw_ifindex;	/* as if it came in there, for policy routing */
	fib.ipv4_src = e->addr;
	fib.ipv4_dst = fl->t.daddr;
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS || fib.ifindex != host->uplink_ifindex)
		return false;

	nat_edit_init(&ed, &fl->t);
	if (!(e->flags & XNET_CTF_ROUTED)) {	/* routed: its own address, nothing to translate */
		ed.saddr = e->addr;
		ed.sport = e->port;
	}
	ed.dec_ttl = true;
	ed.macs = true;
	__builtin_memcpy(ed.mac, fib.dmac, ETH_ALEN);
	__builtin_memcpy(ed.mac + ETH_ALEN, fib.smac, ETH_ALEN);
	ct_account(e, &fl->k, &fl->t, ctx_len(ctx));
	if (nat_apply(ctx, &fl->t, &ed, true)) {
		*verdict = drop(ctx, XNET_DROP_INVALID_L4);
		return true;
	}
	*verdict = ctx_redirect(fib.ifindex, 0);
	return true;
}

/* Up to the host, as if received on the gateway device (Docker's docker0). */
static __always_inline int lxc_to_host(struct __sk_buff *ctx, const struct iphdr *iph,
				       const struct xnet_if_cache *src, struct lxc_flow *fl)
{
	__u32 *dst_net;
	int verdict;

	if (unlikely(src->net_flags & XNET_NET_INTERNAL)) {
		/* --internal: the own subnet (the gateway address included) and nothing else. */
		if ((iph->daddr & src->mask) != src->subnet)
			return drop(ctx, XNET_DROP_INTERNAL);
	} else if (lxc_hairpin(ctx, iph, fl, &verdict)) {
		return verdict;
	}

	/*
	 * Another bridge subnet through our gateway is Docker's inter-network
	 * isolation. Own subnet and the outside world skip the trie walk.
	 */
	if ((iph->daddr & src->mask) != src->subnet) {
		dst_net = subnet_lookup(iph->daddr);
		if (dst_net && *dst_net != src->net_id)
			return drop(ctx, XNET_DROP_OTHER_NETWORK);
		/* Beyond the host: NAT's own way out, for flows it knows. */
		if (!dst_net && (src->net_flags & XNET_NET_MASQ || src->ep_flags & XNET_EP_PUBLISHED) &&
		    lxc_nat_out(ctx, iph, src, fl, &verdict))
			return verdict;
	}
	return ctx_redirect(src->gw_ifindex, BPF_F_INGRESS);
}

/* Unicast to another MAC: straight into the owner's namespace, frame unchanged. */
static __always_inline int lxc_to_peer(struct __sk_buff *ctx, const struct ethhdr *eth,
				       const struct xnet_if_cache *src)
{
	struct xnet_dst_cache tmp;
	const struct xnet_dst_cache *dst = dst_by_mac(eth->h_dest, &tmp);

	if (!dst)
		return drop(ctx, XNET_DROP_UNKNOWN_DST);
	if (dst->net_id != src->net_id)
		return drop(ctx, XNET_DROP_OTHER_NETWORK);
	if (!(src->net_flags & XNET_NET_ICC))
		return drop(ctx, XNET_DROP_ICC_DISABLED);
	return ctx_redirect_peer(dst->ifindex);
}

/* Broadcast/multicast: a copy to every other port of the network. */
static __always_inline int lxc_flood(struct __sk_buff *ctx, const struct xnet_if_cache *src)
{
	const struct xnet_network *net;

	if (!(src->net_flags & XNET_NET_ICC))
		return drop(ctx, XNET_DROP_ICC_DISABLED);
	net = network_lookup(src->net_id);
	if (!net)
		return drop(ctx, XNET_DROP_NO_NETWORK);
	flood(ctx, src->net_id, net, ctx_ifindex(ctx));
	/* The copies are out; the original has nowhere left to go (not a drop). */
	return TC_ACT_SHOT;
}

static __always_inline int lxc_ipv4(struct __sk_buff *ctx, struct cursor *c, struct ethhdr *eth,
				    const struct xnet_if_cache *src)
{
	struct iphdr *iph = ipv4_parse(ctx, c);
	struct lxc_flow fl;
	int verdict;

	if (!iph)
		return drop(ctx, XNET_DROP_INVALID_IP);
	if (iph->saddr != src->ip)
		return drop(ctx, XNET_DROP_SPOOF_IP);

	fl.parsed = false;
	fl.looked_up = false;
	/* Only endpoints with published ports pay for the conntrack lookup here. */
	if (unlikely(src->ep_flags & XNET_EP_PUBLISHED) &&
	    lxc_published_reply(ctx, iph, &fl, &verdict))
		return verdict;

	if (unlikely(mac_is_group(eth->h_dest)))
		return lxc_flood(ctx, src);
	if (mac_eq(eth->h_dest, src->gw_mac)) {
		/* Embedded DNS: answered here, or straight to the helper (lib/dns.h). */
		if (dns_wanted(iph, src) && dns_handle(ctx, iph, c, src, &verdict))
			return verdict;
		return lxc_to_host(ctx, iph, src, &fl);
	}
	return lxc_to_peer(ctx, eth, src);
}

static __always_inline int lxc_handle(struct __sk_buff *ctx)
{
	enum xnet_drop_reason reason = XNET_DROP_NONE;
	const struct xnet_if_cache *src;
	struct xnet_if_cache tmp;
	struct ethhdr *eth;
	struct cursor c;

	src = source_endpoint(ctx_ifindex(ctx), &tmp, &reason);
	if (!src)
		return drop(ctx, reason);

	c.pos = ctx_data(ctx);
	c.end = ctx_data_end(ctx);
	if (unlikely(c.pos + LXC_HDR_BYTES > c.end)) {
		/* Short frame, or headers outside the linear head: rare. */
		ctx_pull(ctx, LXC_HDR_BYTES);
		c.pos = ctx_data(ctx);
		c.end = ctx_data_end(ctx);
	}
	eth = eth_parse(&c);
	if (!eth)
		return drop(ctx, XNET_DROP_INVALID_ETH);
	if (!mac_eq(eth->h_source, src->mac))
		return drop(ctx, XNET_DROP_SPOOF_MAC);
	/*
	 * xnet offers no VLANs: a tagged frame is refused, whether the veth
	 * moved its tag into the skb before tc runs (skb_vlan_untag: then the
	 * frame looks untagged) or a second tag is still in the data.
	 */
	if (unlikely(ctx->vlan_present || eth_is_vlan(eth->h_proto)))
		return drop(ctx, XNET_DROP_VLAN);

	if (likely(eth->h_proto == bpf_htons(ETH_P_IP)))
		return lxc_ipv4(ctx, &c, eth, src);
	if (eth->h_proto == bpf_htons(ETH_P_ARP))
		return lxc_arp(ctx, &c, eth, src);
	return drop(ctx, XNET_DROP_UNSUPPORTED_L3);
}

SEC("tc")
int lxc_ingress(struct __sk_buff *ctx)
{
	return lxc_handle(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
