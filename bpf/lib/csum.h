/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * csum: where the fields NAT rewrites sit in a frame, and the flags for the
 * kernel's bpf_l4_csum_replace. The rewrite itself is lib/nat.h's
 * nat_apply(): headers edited in place (or in stack copies stored back),
 * the IPv4 header checksum by hand (lib/csum_diff.h), the L4 checksum
 * through bpf_l4_csum_replace, which also keeps skb->csum right for
 * CHECKSUM_COMPLETE packets and leaves CHECKSUM_PARTIAL ones (GSO,
 * offload) for the device to finish, which recomputing by hand would not.
 */
#ifndef XNET_LIB_CSUM_H
#define XNET_LIB_CSUM_H

#include <stddef.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include "lib/ctx.h"

/* The IPv4 header of an Ethernet frame starts right after Ethernet. */
#define IP4_OFF			ETH_HLEN

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

#endif /* XNET_LIB_CSUM_H */
