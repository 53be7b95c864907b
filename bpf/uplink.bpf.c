// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * uplink: tc ingress and egress of the host's outward device. This is
 * Docker's nat table without iptables:
 *
 *   uplink_egress   sandboxes' packets leaving the host (already routed,
 *                   MACs filled): masquerade to the uplink address, and
 *                   answers of published flows back to the published address.
 *   uplink_ingress  packets arriving for a host address: answers of
 *                   masqueraded flows and new or known connections to
 *                   published ports, translated and handed straight into
 *                   the sandbox (bpf_redirect_peer, no second routing).
 *                   Loopback and sandbox destinations from the wire are
 *                   refused: only published ports reach sandboxes.
 *
 * Everything else is the host's own traffic and passes untouched (TC_ACT_OK).
 */
#include "lib/common.h"
#include "lib/ctx.h"
#include "lib/maps.h"
#include "lib/lookup.h"
#include "lib/drop.h"
#include "lib/eth.h"
#include "lib/ipv4.h"
#include "lib/ct.h"
#include "lib/nat.h"
#include "lib/icmp.h"

#define UP_HDR_BYTES	(sizeof(struct ethhdr) + sizeof(struct iphdr))

/* The IPv4 header of an Ethernet frame, NULL for anything else or anything malformed. */
static __always_inline struct iphdr *up_ipv4(struct __sk_buff *ctx)
{
	struct ethhdr *eth;
	struct cursor c;

	c.pos = ctx_data(ctx);
	c.end = ctx_data_end(ctx);
	if (unlikely(c.pos + UP_HDR_BYTES > c.end)) {
		ctx_pull(ctx, UP_HDR_BYTES);
		c.pos = ctx_data(ctx);
		c.end = ctx_data_end(ctx);
	}
	eth = eth_parse(&c);
	if (!eth || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	return ipv4_parse(ctx, &c);
}

/* ------------------------------------------------------------ egress */

/*
 * A new flow of a network without masquerade (Docker's
 * enable_ip_masquerade=false): it leaves with the sandbox's own address,
 * and the outside is expected to route the subnet back. It is recorded
 * (routed_create) so that its answers get in: a sandbox address is
 * otherwise closed to the wire (up_routed_in).
 */
static __always_inline int up_routed_new(struct __sk_buff *ctx, const struct nat_tuple *t)
{
	const struct xnet_dst_cache *ep;
	struct xnet_dst_cache ep_tmp;
	int err;

	if (t->frag == NAT_FRAG_LATER)
		return TC_ACT_OK;	/* its first fragment was recorded, or it goes unrecorded */
	/* Only a question opens an ICMP flow; a stray echo reply has nothing to answer. */
	if (t->proto == IPPROTO_ICMP && t->icmp_type != ICMP_ECHO_T)
		return TC_ACT_OK;
	/* The gateway address is in the subnet too: the host's own, not a sandbox's. */
	ep = dst_by_ip(t->saddr, &ep_tmp);
	if (!ep)
		return TC_ACT_OK;
	err = routed_create(t, ep->ifindex, ctx_len(ctx));
	if (err)
		return drop(ctx, -err);
	frag_record(t);
	return TC_ACT_OK;
}

/*
 * The host address routing picks as source for a packet to @dst out of the
 * uplink (a route's own source, else the device's primary address), 0
 * when it has no answer: no route, forwarding off on the uplink (xnet
 * turns it on), or a kernel before 6.7 (no BPF_FIB_LOOKUP_SRC).
 */
static __always_inline __be32 up_route_src(struct __sk_buff *ctx, const struct xnet_host *host,
					   __u8 proto, __be32 dst)
{
	struct bpf_fib_lookup fib = {};

	fib.family = 2;	/* AF_INET */
	fib.l4_protocol = proto;
	fib.ifindex = host->uplink_ifindex;
	fib.ipv4_dst = dst;
	if (bpf_fib_lookup(ctx, &fib, sizeof(fib),
			   BPF_FIB_LOOKUP_OUTPUT | BPF_FIB_LOOKUP_SRC | BPF_FIB_LOOKUP_SKIP_NEIGH) !=
	    BPF_FIB_LKUP_RET_SUCCESS)
		return 0;
	return fib.ipv4_src;
}

/*
 * The source a new masqueraded flow takes: routing's for its destination,
 * found per flow as MASQUERADE finds it. So a flow opened after the
 * uplink's address changed (a new DHCP lease) leaves with the new one, with
 * no xnet command in between. Without an answer, the address xnet recorded.
 */
static __always_inline __be32 snat_source(struct __sk_buff *ctx, const struct nat_tuple *t,
					  const struct xnet_host *host)
{
	__be32 src = up_route_src(ctx, host, t->proto, t->daddr);

	return src ? src : host->uplink_ip;
}

/*
 * A packet from a sandbox subnet that no flow knows yet. Masquerade when its
 * network asks for it, refuse it for --internal networks (lxc already does;
 * this is the last door out), route it unchanged otherwise (up_routed_new).
 */
static __always_inline int up_snat_new(struct __sk_buff *ctx, struct nat_tuple *t, __u32 net_id)
{
	const struct xnet_network *net = network_lookup(net_id);
	const struct xnet_dst_cache *ep;
	const struct xnet_host *host;
	struct xnet_dst_cache ep_tmp;
	struct xnet_ct_entry out;
	struct nat_edit ed;
	int err;

	if (!net)
		return drop(ctx, XNET_DROP_NO_NETWORK);
	if (net->flags & XNET_NET_INTERNAL)
		return drop(ctx, XNET_DROP_INTERNAL);
	if (!(net->flags & XNET_NET_MASQ))
		return up_routed_new(ctx, t);
	if (t->frag == NAT_FRAG_LATER)
		return drop(ctx, XNET_DROP_FRAG_UNKNOWN);	/* its flow is gone */
	/* Only a question opens an ICMP flow; a stray echo reply has nothing to answer. */
	if (t->proto == IPPROTO_ICMP && t->icmp_type != ICMP_ECHO_T)
		return TC_ACT_OK;
	host = host_get();
	if (!host || !host->uplink_ip)
		return TC_ACT_OK;
	/* The gateway address is in the subnet too: the host's own, not a sandbox's. */
	ep = dst_by_ip(t->saddr, &ep_tmp);
	if (!ep)
		return TC_ACT_OK;

	err = snat_create(t, host, snat_source(ctx, t, host), ep->ifindex, ctx_len(ctx), &out);
	if (err)
		return drop(ctx, -err);
	frag_record(t);
	nat_edit_init(&ed, t);
	ed.saddr = out.addr;
	ed.sport = out.port;
	if (nat_apply(ctx, t, &ed, false))
		return drop(ctx, XNET_DROP_INVALID_L4);
	return TC_ACT_OK;
}

static __always_inline int up_egress(struct __sk_buff *ctx)
{
	struct xnet_ct_entry *e;
	struct nat_edit ed;
	struct nat_tuple t;
	struct xnet_ct_key k;
	struct iphdr *iph;
	__u32 *net_id;
	int ret;

	/*
	 * Redirected here by lxc (lxc_nat_out), whose skb_iif is still the
	 * endpoint's host veth: translated and accounted there already. The
	 * host's own packets (skb_iif 0) and those it routed (the gateway
	 * device's, or another device's) go on.
	 */
	if (ctx->ingress_ifindex && is_endpoint_dev(ctx->ingress_ifindex))
		return TC_ACT_OK;
	iph = up_ipv4(ctx);
	if (!iph)
		return TC_ACT_OK;
	/* Only sandboxes' packets are ours: one trie lookup for the host's own. */
	net_id = subnet_lookup(iph->saddr);
	if (!net_id)
		return TC_ACT_OK;

	ret = tuple_parse(ctx, iph, &t);
	if (ret < 0)
		return drop(ctx, -ret);
	if (ret == TUPLE_FRAG_UNKNOWN)
		return drop(ctx, XNET_DROP_FRAG_UNKNOWN);
	if (ret == TUPLE_OTHER)
		return TC_ACT_OK;

	/* Masqueraded flows and answers of published ones alike: source -> (addr, port). */
	e = ct_lookup(&t, XNET_CT_OUT, &k);
	if (e) {
		nat_edit_init(&ed, &t);
		ed.saddr = e->addr;
		ed.sport = e->port;
		ct_account(e, &k, &t, ctx_len(ctx));
		frag_record(&t);
		/* Routed: its own address and port, nothing to rewrite. */
		if (ed.saddr == t.saddr && ed.sport == t.sport)
			return TC_ACT_OK;
		if (nat_apply(ctx, &t, &ed, false))
			return drop(ctx, XNET_DROP_INVALID_L4);
		return TC_ACT_OK;
	}
	return up_snat_new(ctx, &t, *net_id);
}

/* ----------------------------------------------------------- ingress */

/* Destination -> (addr, port), one hop further, into the sandbox behind @ifindex. */
static __always_inline int up_forward(struct __sk_buff *ctx, const struct nat_tuple *t, __be32 addr,
				      __be16 port, __u32 ifindex)
{
	struct nat_edit ed;

	frag_record(t);
	nat_edit_init(&ed, t);
	ed.daddr = addr;
	ed.dport = port;
	ed.dec_ttl = true;
	return nat_deliver(ctx, t, &ed, ifindex);
}

/*
 * For a client's first packet to @t->daddr, an address xnet has not listed
 * (the uplink's new one, see up_ingress): is it ours? BPF cannot ask for a
 * local address as such (bpf_fib_lookup answers NOT_FWDED for a local
 * destination and an unroutable one alike), so ask the other way round:
 * the source routing picks to answer this client out of the uplink is
 * always an address of the host, and the client called exactly it. An
 * address the host holds but would not answer from waits for the next
 * xnet command, which lists it.
 */
static __always_inline bool up_answers_from(struct __sk_buff *ctx, const struct xnet_host *host,
					    const struct nat_tuple *t)
{
	return up_route_src(ctx, host, t->proto, t->saddr) == t->daddr;
}

/*
 * A connection to a host address that no flow knows: a published port? Only
 * a flow's first packet opens one (TCP SYN, any UDP datagram); a TCP segment
 * of no known connection goes to the host, which answers with a reset.
 */
static __always_inline int up_dnat_new(struct __sk_buff *ctx, const struct nat_tuple *t,
				       const struct xnet_host *host, bool unlisted)
{
	const struct xnet_pub *pub;
	struct xnet_ct_entry in;
	int err;

	if (t->frag == NAT_FRAG_LATER)
		return TC_ACT_OK;
	if (t->proto == IPPROTO_TCP) {
		if ((t->tcp_flags & (TCPF_SYN | TCPF_ACK | TCPF_RST)) != TCPF_SYN)
			return TC_ACT_OK;
	} else if (t->proto != IPPROTO_UDP) {
		return TC_ACT_OK;
	}
	pub = pub_lookup(t->daddr, t->dport, t->proto);
	if (!pub)
		return TC_ACT_OK;
	if (unlisted && !up_answers_from(ctx, host, t))
		return TC_ACT_OK;
	if (policy_denies(host, t))
		return drop(ctx, XNET_DROP_POLICY);
	err = dnat_create(t, pub, 0, 0, ctx_len(ctx), XNET_CT_BUDGET_IN, &in);
	if (err)
		return drop(ctx, -err);
	return up_forward(ctx, t, in.addr, in.port, in.ifindex);
}

/*
 * From the wire to a sandbox address: only answers of flows that sandboxes
 * of networks without masquerade opened (XNET_CTF_ROUTED), and ICMP errors
 * about them, get in, untranslated, straight to the sandbox. Everything
 * else is dropped: only published ports lead into sandboxes.
 */
static __always_inline int up_routed_in(struct __sk_buff *ctx, struct iphdr *iph)
{
	struct xnet_ct_entry *e;
	struct nat_edit ed;
	struct nat_tuple t;
	struct xnet_ct_key k;
	__u32 ifindex;
	int ret;

	ret = tuple_parse(ctx, iph, &t);
	if (ret < 0)
		return drop(ctx, -ret);
	if (ret == TUPLE_OTHER) {
		if (t.proto == IPPROTO_ICMP && icmp_is_error(t.icmp_type)) {
			ret = icmp_error_in(ctx, &t, true);
			if (ret != NAT_CONTINUE)
				return ret;
		}
		return drop(ctx, XNET_DROP_ROUTED_TO_SANDBOX);
	}
	if (ret == TUPLE_FRAG_UNKNOWN)
		return drop(ctx, XNET_DROP_ROUTED_TO_SANDBOX);
	e = ct_lookup(&t, XNET_CT_IN, &k);
	if (!e || !(e->flags & XNET_CTF_ROUTED))
		return drop(ctx, XNET_DROP_ROUTED_TO_SANDBOX);
	/* The host forwards it, and answers time-exceeded, as for translated flows. */
	if (t.ttl <= 1)
		return TC_ACT_OK;
	ifindex = e->ifindex;
	ct_account(e, &k, &t, ctx_len(ctx));
	frag_record(&t);
	nat_edit_init(&ed, &t);	/* its own address: the TTL is all that changes */
	ed.dec_ttl = true;
	return nat_deliver(ctx, &t, &ed, ifindex);
}

static __always_inline int up_ingress(struct __sk_buff *ctx)
{
	const struct xnet_host *host;
	struct xnet_ct_entry *e;
	struct nat_tuple t;
	struct xnet_ct_key k;
	struct iphdr *iph;
	bool unlisted;
	__be32 daddr;
	int ret;

	/*
	 * A frame of a VLAN (its tag moved into the skb, VLAN id not 0) is
	 * not the uplink's own traffic: never translated, never opening a
	 * flow; the host hands it to its VLAN device, if it has one, or drops
	 * it. (A tag still in the data is not IPv4 to up_ipv4: it passes too.)
	 */
	if (unlikely(ctx->vlan_present && (ctx->vlan_tci & 0x0fff)))
		return TC_ACT_OK;
	iph = up_ipv4(ctx);
	if (!iph)
		return TC_ACT_OK;
	daddr = iph->daddr;
	/*
	 * Nothing from the wire may reach 127/8 (moby#45610: a neighbour routing
	 * 127.0.0.1 to us must not reach a port published on 127.0.0.1), nor a
	 * sandbox address, but for answers to what a sandbox without masquerade
	 * sent: only published ports lead into sandboxes.
	 */
	if (unlikely(ipv4_is_loopback(daddr)))
		return drop(ctx, XNET_DROP_LOOPBACK_WIRE);
	if (unlikely(subnet_lookup(daddr) != NULL))
		return up_routed_in(ctx, iph);
	host = host_get();
	if (!host || !host->uplink_ifindex)
		return TC_ACT_OK;
	/*
	 * An address xnet has not listed may still be the uplink's new one (a
	 * DHCP lease changed it since the last xnet command): answers of the
	 * flows masqueraded to it since (snat_source) come back there, and
	 * new clients of published ports may call it (up_answers_from makes
	 * sure it is ours). A flow is only ever recorded with an address
	 * routing gave us. Traffic the host routes on costs a conntrack miss
	 * and passes, malformed or not.
	 */
	unlisted = !host_addr_is(host, daddr, XNET_HA_LOCAL | XNET_HA_UPLINK);
	if (unlisted && ipv4_is_multicast_or_bcast(daddr))
		return TC_ACT_OK;	/* a LAN's chatter (DHCP, mDNS): never an answer of ours */

	ret = tuple_parse(ctx, iph, &t);
	if (ret < 0)
		return unlisted ? TC_ACT_OK : drop(ctx, -ret);
	/*
	 * A later fragment of no translated datagram: the host's own (it could
	 * not be told from ours had we dropped it) or one whose first fragment
	 * is late. The host reassembles or times it out.
	 */
	if (ret == TUPLE_FRAG_UNKNOWN)
		return TC_ACT_OK;
	if (ret == TUPLE_OTHER) {
		if (t.proto == IPPROTO_ICMP && icmp_is_error(t.icmp_type)) {
			ret = icmp_error_in(ctx, &t, false);
			if (ret != NAT_CONTINUE)
				return ret;
		}
		return TC_ACT_OK;
	}
	/* Our delivery skips the host's forwarding, and with it the TTL check: let the host do it. */
	if (t.ttl <= 1)
		return TC_ACT_OK;

	e = ct_lookup(&t, XNET_CT_IN, &k);
	if (e) {
		__be32 addr = e->addr;
		__be16 port = e->port;
		__u32 ifindex = e->ifindex;

		/* Rules apply to running connections too, as DOCKER-USER does. */
		if (e->kind == XNET_CT_DNAT && policy_denies(host, &t))
			return drop(ctx, XNET_DROP_POLICY);
		ct_account(e, &k, &t, ctx_len(ctx));
		return up_forward(ctx, &t, addr, port, ifindex);
	}
	return up_dnat_new(ctx, &t, host, unlisted);
}

SEC("tc")
int uplink_egress(struct __sk_buff *ctx)
{
	return up_egress(ctx);
}

SEC("tc")
int uplink_ingress(struct __sk_buff *ctx)
{
	return up_ingress(ctx);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
