/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * csum: rewriting IPv4 header fields and L4 ports in place, with the
 * checksums kept right by incremental update (RFC 1624) through the kernel's
 * bpf_l3/l4_csum_replace. The helpers also keep skb->csum right for
 * CHECKSUM_COMPLETE packets and leave CHECKSUM_PARTIAL ones (GSO, offload)
 * for the device to finish, which recomputing by hand would not.
 *
 * Every function takes byte offsets from the start of the frame, never
 * packet pointers: each helper call invalidates those.
 */
#ifndef XNET_LIB_CSUM_H
#define XNET_LIB_CSUM_H

#include <stddef.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include "lib/ctx.h"

/* IPv4 fields of an Ethernet frame (the header starts right after Ethernet). */
#define IP4_OFF			ETH_HLEN
#define IP4_TTL_OFF		(IP4_OFF + offsetof(struct iphdr, ttl))
#define IP4_CSUM_OFF		(IP4_OFF + offsetof(struct iphdr, check))
#define IP4_SADDR_OFF		(IP4_OFF + offsetof(struct iphdr, saddr))
#define IP4_DADDR_OFF		(IP4_OFF + offsetof(struct iphdr, daddr))

/*
 * ICMP header as far as we touch it (linux/icmp.h drags in libc headers
 * that do not exist for the BPF target).
 */
struct icmp_hdr {
	__u8 type;
	__u8 code;
	__be16 checksum;
	__be16 id;		/* echo request/reply: the identifier NAT translates */
	__be16 sequence;
};

/* Where the checksum sits in an L4 header; 0: the protocol has none we keep. */
static __always_inline __u32 l4_csum_field(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return offsetof(struct tcphdr, check);
	case IPPROTO_UDP:
		return offsetof(struct udphdr, check);
	case IPPROTO_ICMP:
		return offsetof(struct icmp_hdr, checksum);
	}
	return 0;
}

/*
 * bpf_l4_csum_replace flags for a change of @size bytes. TCP and UDP sum a
 * pseudo header holding the addresses, ICMP does not. A UDP checksum of 0
 * means "none" and must stay 0 (BPF_F_MARK_MANGLED_0 also writes a computed
 * 0 as 0xffff).
 */
static __always_inline __u64 l4_csum_flags(__u8 proto, bool pseudo, __u32 size)
{
	__u64 flags = size;

	if (pseudo && proto != IPPROTO_ICMP)
		flags |= BPF_F_PSEUDO_HDR;
	if (proto == IPPROTO_UDP)
		flags |= BPF_F_MARK_MANGLED_0;
	return flags;
}

/*
 * Replace the IPv4 address at @addr_off (IP4_SADDR_OFF or IP4_DADDR_OFF):
 * header checksum, and the L4 checksum at @l4_csum_off when the packet
 * carries one (0: a non-first fragment or a protocol without pseudo header).
 */
static __always_inline int csum_set_addr(struct __sk_buff *ctx, __u32 addr_off, __be32 from,
					 __be32 to, __u32 l4_csum_off, __u8 proto)
{
	if (from == to)
		return 0;
	if (l4_csum_off && proto != IPPROTO_ICMP &&
	    bpf_l4_csum_replace(ctx, l4_csum_off, from, to, l4_csum_flags(proto, true, 4)))
		return -1;
	if (bpf_l3_csum_replace(ctx, IP4_CSUM_OFF, from, to, 4))
		return -1;
	return bpf_skb_store_bytes(ctx, addr_off, &to, 4, 0) ? -1 : 0;
}

/* Replace the 16-bit port (or ICMP identifier) at @port_off, fixing the L4 checksum. */
static __always_inline int csum_set_port(struct __sk_buff *ctx, __u32 port_off, __be16 from,
					 __be16 to, __u32 l4_csum_off, __u8 proto)
{
	if (from == to)
		return 0;
	if (bpf_l4_csum_replace(ctx, l4_csum_off, from, to, l4_csum_flags(proto, false, 2)))
		return -1;
	return bpf_skb_store_bytes(ctx, port_off, &to, 2, 0) ? -1 : 0;
}

/*
 * Forwarding past the host's routing decrements the TTL like the host would.
 * TTL and protocol share one 16-bit checksum word.
 */
static __always_inline int csum_dec_ttl(struct __sk_buff *ctx, __u8 ttl, __u8 proto)
{
	__be16 from = bpf_htons(((__u16)ttl << 8) | proto);
	__be16 to = bpf_htons(((__u16)(ttl - 1) << 8) | proto);
	__u8 nttl = ttl - 1;

	if (bpf_l3_csum_replace(ctx, IP4_CSUM_OFF, from, to, 2))
		return -1;
	return bpf_skb_store_bytes(ctx, IP4_TTL_OFF, &nttl, 1, 0) ? -1 : 0;
}

#endif /* XNET_LIB_CSUM_H */
