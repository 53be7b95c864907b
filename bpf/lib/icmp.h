/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * icmp: ICMP errors about translated flows. A router on the way answers a
 * sandbox's packet (as it left: from the host's address and NAT port) with
 * "fragmentation needed" or "time exceeded", quoting the packet's header.
 * For path MTU discovery and traceroute to work, the sandbox must get the
 * error addressed to itself, quoting the packet as it sent it:
 *
 *   outer destination   host address  -> sandbox address
 *   quoted source       host address  -> sandbox address (+ its IP checksum)
 *   quoted source port  NAT port      -> sandbox port (ICMP echo: identifier)
 *
 * and the ICMP checksum, which covers the quote, follows every change. The
 * quoted L4 checksum is left alone: the quote is usually cut short of it,
 * and receivers match errors to sockets by addresses and ports only.
 */
#ifndef XNET_LIB_ICMP_H
#define XNET_LIB_ICMP_H

#include "lib/nat.h"

/* ICMP header (8 bytes) + the quoted IPv4 header without options. */
struct icmp_quote {
	__u8 type;
	__u8 code;
	__be16 checksum;
	__be32 rest;
	struct iphdr ip;
};

static __always_inline bool icmp_is_error(__u8 type)
{
	return type == ICMP_DEST_UNREACH_T || type == ICMP_TIME_EXCEEDED_T;
}

/*
 * The flow the quoted packet belongs to: the answer to what was quoted, as
 * it would arrive (IN). Fills *k and returns the entry, NULL when none.
 */
static __always_inline struct xnet_ct_entry *
icmp_quote_flow(struct __sk_buff *ctx, const struct icmp_quote *q,
		__u32 ql4_off, struct xnet_ct_key *k, __be16 *qport)
{
	__u8 l4[8];
	__be16 sport, dport;

	if (bpf_skb_load_bytes(ctx, ql4_off, l4, sizeof(l4)))
		return NULL;
	switch (q->ip.protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		sport = *(__be16 *)&l4[0];
		dport = *(__be16 *)&l4[2];
		break;
	case IPPROTO_ICMP:
		/* Only our echo requests are translated, so only they are quoted back. */
		if (l4[0] != ICMP_ECHO_T)
			return NULL;
		sport = dport = *(__be16 *)&l4[4];
		break;
	default:
		return NULL;
	}
	*qport = sport;
	ct_key(k, q->ip.daddr, q->ip.saddr, dport, sport, q->ip.protocol, XNET_CT_IN);
	return ct_lookup_key(k);
}

/*
 * An ICMP error to a host address (tuple @t, outer header only), or with
 * @routed to a sandbox address. Returns the verdict when it is about one of
 * our flows of that kind (translated flows to a host address, flows of
 * networks without masquerade to the sandbox's own), translated and
 * delivered to the sandbox, TTL decremented; NAT_CONTINUE when it is not.
 * (A routed flow's "translation" is its own address and port: nothing
 * changes but the TTL.)
 */
static __always_inline int icmp_error_in(struct __sk_buff *ctx, const struct nat_tuple *t, bool routed)
{
	__u32 icsum_off = t->l4_off + offsetof(struct icmp_hdr, checksum);
	__u32 qip_off = t->l4_off + sizeof(struct icmp_hdr);
	__u32 qcsum_off = qip_off + offsetof(struct iphdr, check);
	__u32 qsaddr_off = qip_off + offsetof(struct iphdr, saddr);
	__u32 ql4_off, qport_off;
	struct xnet_ct_entry *e;
	struct nat_edit ed;
	struct icmp_quote q;
	struct xnet_ct_key k;
	__be16 qcsum_new, qport;
	__be32 addr;
	__be16 port;
	__u32 ifindex;

	if (t->frag != NAT_FRAG_NONE || t->ttl <= 1)
		return NAT_CONTINUE;
	if (bpf_skb_load_bytes(ctx, t->l4_off, &q, sizeof(q)))
		return NAT_CONTINUE;
	if (q.ip.version != 4 || q.ip.ihl < 5)
		return NAT_CONTINUE;
	ql4_off = qip_off + (q.ip.ihl & 0xf) * 4;
	e = icmp_quote_flow(ctx, &q, ql4_off, &k, &qport);
	if (!e || !(e->flags & XNET_CTF_ROUTED) != !routed)
		return NAT_CONTINUE;
	/* Copy out: the entry may change under us, the packet must be consistent. */
	addr = e->addr;
	port = e->port;
	ifindex = e->ifindex;
	e->last_seen = ct_now();
	qport_off = ql4_off + (q.ip.protocol == IPPROTO_ICMP ? offsetof(struct icmp_hdr, id) : 0);

	/* The quoted source port (or identifier). */
	if (port != qport) {
		if (bpf_l4_csum_replace(ctx, icsum_off, qport, port, 2) ||
		    bpf_skb_store_bytes(ctx, qport_off, &port, 2, 0))
			return drop(ctx, XNET_DROP_INVALID_L4);
	}
	/* The quoted source address, its header checksum, and both in the ICMP checksum. */
	if (bpf_l3_csum_replace(ctx, qcsum_off, q.ip.saddr, addr, 4) ||
	    bpf_skb_load_bytes(ctx, qcsum_off, &qcsum_new, 2) ||
	    bpf_l4_csum_replace(ctx, icsum_off, q.ip.check, qcsum_new, 2) ||
	    bpf_l4_csum_replace(ctx, icsum_off, q.ip.saddr, addr, 4) ||
	    bpf_skb_store_bytes(ctx, qsaddr_off, &addr, 4, 0))
		return drop(ctx, XNET_DROP_INVALID_L4);
	/* The outer destination: ICMP has no pseudo header, only the IP checksum moves. */
	nat_edit_init(&ed, t);
	ed.daddr = addr;
	ed.dec_ttl = true;
	return nat_deliver(ctx, t, &ed, ifindex);
}

#endif /* XNET_LIB_ICMP_H */
