/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * eth: a bounds-checked header cursor that the parsers advance, the Ethernet
 * header, and MAC address helpers.
 *
 * MACs are compared and copied as one 32-bit and one 16-bit word. Packet
 * data is only 2-byte aligned, which the x86-64 and arm64 JITs handle and the
 * verifier accepts (no BPF_F_STRICT_ALIGNMENT); it halves the instructions
 * of byte-wise copies on the forwarding path.
 */
#ifndef XNET_LIB_ETH_H
#define XNET_LIB_ETH_H

#include "lib/common.h"

struct cursor {
	void *pos;
	void *end;
};

/* Return the next @len bytes and step over them, or NULL if they are not there. */
static __always_inline void *cursor_pull(struct cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

static __always_inline struct ethhdr *eth_parse(struct cursor *c)
{
	return cursor_pull(c, sizeof(struct ethhdr));
}

static __always_inline bool mac_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

static __always_inline void mac_copy(__u8 *dst, const __u8 *src)
{
	*(__u32 *)dst = *(const __u32 *)src;
	*(__u16 *)(dst + 4) = *(const __u16 *)(src + 4);
}

/* An 802.1Q or 802.1ad (QinQ) tag's ethertype. */
static __always_inline bool eth_is_vlan(__be16 proto)
{
	return proto == bpf_htons(0x8100) || proto == bpf_htons(0x88a8);
}

/* Group bit: broadcast and every multicast address. */
static __always_inline bool mac_is_group(const __u8 *mac)
{
	return mac[0] & 1;
}

#endif /* XNET_LIB_ETH_H */
