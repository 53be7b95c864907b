/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * arp: Ethernet/IPv4 ARP parsing and the in-place reply. The datapath answers
 * every ARP request itself (the proxy never floods), so a sandbox learns
 * exactly the MACs the maps allow it to reach.
 */
#ifndef XNET_LIB_ARP_H
#define XNET_LIB_ARP_H

#include "lib/eth.h"

#define XNET_ARPHRD_ETHER	1
#define XNET_ARPOP_REQUEST	1
#define XNET_ARPOP_REPLY	2

/*
 * RFC 826 packet for hardware Ethernet / protocol IPv4 (28 bytes). Addresses
 * are byte arrays: spa and tpa sit at odd 16-bit offsets, and a __be32 field
 * would make the compiler pad the struct.
 */
struct arp_eth_ipv4 {
	__be16 htype;
	__be16 ptype;
	__u8 hlen;
	__u8 plen;
	__be16 op;
	__u8 sha[ETH_ALEN];
	__u8 spa[4];
	__u8 tha[ETH_ALEN];
	__u8 tpa[4];
};

_Static_assert(sizeof(struct arp_eth_ipv4) == 28, "ARP packet layout");

static __always_inline __be32 ip_load(const __u8 *p)
{
	return *(const __be32 *)p;
}

static __always_inline void ip_store(__u8 *p, __be32 ip)
{
	*(__be32 *)p = ip;
}

/* Return the ARP packet at the cursor if it is a complete Ethernet/IPv4 one. */
static __always_inline struct arp_eth_ipv4 *arp_parse(struct cursor *c)
{
	struct arp_eth_ipv4 *arp = cursor_pull(c, sizeof(*arp));

	if (!arp)
		return NULL;
	if (arp->htype != bpf_htons(XNET_ARPHRD_ETHER) ||
	    arp->ptype != bpf_htons(ETH_P_IP) ||
	    arp->hlen != ETH_ALEN || arp->plen != 4)
		return NULL;
	return arp;
}

/*
 * Turn a request into the reply from @mac (owner of the asked address), in
 * place: op 2, sender = answered MAC/IP, target = requester; Ethernet from
 * @mac to the requester. Exactly the bytes a Linux host would send back.
 */
static __always_inline void arp_make_reply(struct ethhdr *eth, struct arp_eth_ipv4 *arp,
					   const __u8 *mac)
{
	__be32 asked = ip_load(arp->tpa);

	arp->op = bpf_htons(XNET_ARPOP_REPLY);
	mac_copy(arp->tha, arp->sha);
	ip_store(arp->tpa, ip_load(arp->spa));
	mac_copy(arp->sha, mac);
	ip_store(arp->spa, asked);
	mac_copy(eth->h_dest, arp->tha);
	mac_copy(eth->h_source, mac);
}

#endif /* XNET_LIB_ARP_H */
