/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ipv4: header validation and address classes.
 */
#ifndef XNET_LIB_IPV4_H
#define XNET_LIB_IPV4_H

#include <linux/in.h>
#include <linux/ip.h>
#include "lib/ctx.h"
#include "lib/eth.h"

/*
 * Return the IPv4 header at the cursor if it is well formed, NULL otherwise:
 * 20 bytes present, version 4, IHL >= 5, the whole header (options included)
 * present, and ihl*4 <= tot_len <= the bytes after the Ethernet header.
 * tot_len is checked against the skb length, not the linear head, so GSO
 * packets with paged payload pass. Shorter tot_len (Ethernet padding) is fine.
 * Options are allowed: the cursor steps over them. tot_len 0 is accepted
 * only for a TCP GSO packet (IPv4 BIG TCP), as the kernel does.
 */
static __always_inline struct iphdr *ipv4_parse(struct __sk_buff *ctx, struct cursor *c)
{
	struct iphdr *iph = c->pos;
	__u32 hlen = sizeof(*iph), tot;

	if ((void *)(iph + 1) > c->end)
		return NULL;
	/* Nearly every packet is 0x45: one compare instead of two field checks. */
	if (unlikely(*(__u8 *)iph != 0x45)) {
		if (iph->version != 4 || iph->ihl < 5)
			return NULL;
		hlen = iph->ihl * 4;
		if ((void *)iph + hlen > c->end)
			return NULL;
	}
	tot = bpf_ntohs(iph->tot_len);
	/*
	 * IPv4 BIG TCP (the endpoints' veths allow GSO packets up to 192 KiB):
	 * a TCP GSO packet over 64 KiB carries tot_len 0 and its length in the
	 * skb, exactly as the kernel's iph_totlen() reads it. Nothing else may.
	 */
	if (unlikely(tot == 0) && ctx->gso_size && iph->protocol == IPPROTO_TCP)
		tot = ctx_len(ctx) - ETH_HLEN;
	if (tot < hlen || tot + ETH_HLEN > ctx_len(ctx))
		return NULL;
	c->pos = (void *)iph + hlen;
	return iph;
}

/* 224.0.0.0/4 (multicast) and 255.255.255.255 (limited broadcast). */
static __always_inline bool ipv4_is_multicast_or_bcast(__be32 addr)
{
	return (addr & bpf_htonl(0xf0000000)) == bpf_htonl(0xe0000000) ||
	       addr == bpf_htonl(0xffffffff);
}

#endif /* XNET_LIB_IPV4_H */
