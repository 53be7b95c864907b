/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * csum_diff: incremental Internet checksum updates by plain arithmetic
 * (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')), for contexts without the
 * skb checksum helpers (XDP). Context-free: they take and return checksum
 * values, the caller reads and writes the fields.
 *
 * Words are used as they sit in memory (network order loaded natively):
 * the one's complement sum does not depend on byte order (RFC 1071 2.B),
 * as long as the checksum field is read and written the same way.
 */
#ifndef XNET_LIB_CSUM_DIFF_H
#define XNET_LIB_CSUM_DIFF_H

#include <linux/types.h>
#include <bpf/bpf_endian.h>

/* End-around carry: a sum of up to 2^16 16-bit words folded to 16 bits. */
static __always_inline __u16 csum_fold32(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* The checksum @check after one 16-bit word changed from @from to @to. */
static __always_inline __u16 csum_replace_u16(__u16 check, __u16 from, __u16 to)
{
	__u32 s = (__u16)~check + (__u16)~from + (__u32)to;

	return (__u16)~csum_fold32(s);
}

/* The same for a 32-bit field (an IPv4 address): two words at once. */
static __always_inline __u16 csum_replace_u32(__u16 check, __u32 from, __u32 to)
{
	__u32 s = (__u16)~check;

	s += (~from & 0xffff) + (~from >> 16);
	s += (to & 0xffff) + (to >> 16);
	return (__u16)~csum_fold32(s);
}

/*
 * One 16-bit word changed from @from to @to: its share of an RFC 1624 diff
 * (~m + m'), to be summed with the others and handed to the kernel's
 * checksum helpers as a diff (bpf_l4_csum_replace with size 0).
 */
static __always_inline __u32 csum_word_diff(__u16 from, __u16 to)
{
	return from == to ? 0 : (__u32)(__u16)~from + to;
}

/* The same for a 32-bit field (an IPv4 address): both words. */
static __always_inline __u32 csum_addr_diff(__u32 from, __u32 to)
{
	return csum_word_diff(from & 0xffff, to & 0xffff) + csum_word_diff(from >> 16, to >> 16);
}

/*
 * The IPv4 pseudo header's sum, folded, not complemented: what a
 * CHECKSUM_PARTIAL packet carries in its L4 checksum field (the device, or
 * whoever takes the packet over, adds the L4 bytes and complements).
 */
static __always_inline __u16 csum_pseudo_ipv4(__u32 saddr, __u32 daddr, __u8 proto, __u16 l4_len)
{
	__u32 s = (saddr & 0xffff) + (saddr >> 16) + (daddr & 0xffff) + (daddr >> 16);

	s += bpf_htons((__u16)proto) + bpf_htons(l4_len);	/* memory order, as the addresses */
	return csum_fold32(s);
}

/*
 * UDP: a checksum of 0 means "none" (RFC 768) and stays 0; a computed 0
 * is sent as 0xffff, as the kernel's CSUM_MANGLED_0.
 */
static __always_inline __u16 csum_udp_mangle(__u16 check)
{
	return check ? check : 0xffff;
}

#endif /* XNET_LIB_CSUM_DIFF_H */
