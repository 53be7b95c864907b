/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xnet_cache: the fast-path caches, shared by the programs and by
 * user/datapath/ (their only writer). Types and slot functions only.
 *
 * Why: on the target machine a BPF hash lookup costs ~33 ns (a call into
 * the kernel, with return thunks), an array lookup ~1 ns (the verifier
 * inlines it). The forwarding path of the ABI maps takes four hash lookups
 * (endpoint, network, fdb, target endpoint), four times the cost of the
 * bare redirect. These arrays carry the same facts, indexed so the hot paths
 * need no hash lookup at all:
 *
 *   xnet_ifcache   ARRAY  xnet_if_slot(ifindex) -> struct xnet_if_cache
 *                  the device's endpoint or gateway, with its network
 *   xnet_maccache  ARRAY  xnet_mac_slot(mac)    -> struct xnet_dst_cache
 *   xnet_ipcache   ARRAY  xnet_ip_slot(ip)      -> struct xnet_dst_cache
 *
 * All three are direct-mapped: a slot holds one device or endpoint and
 * names it (ifindex, MAC, IP), so a reader checks the slot is about what it
 * asked. ifindexes only grow over a host's life; taking them modulo the size
 * keeps a long-lived host on the fast path.
 *
 * They are caches, never the truth: an empty or non-matching slot (two
 * devices or endpoints on one slot, maps written by someone else) sends the
 * program to the ABI maps, with the same result.
 * datapath.c keeps them exact: it writes them with the ABI maps, clears them
 * before deleting, and rebuilds them on reload and sweep.
 */
#ifndef XNET_CACHE_H
#define XNET_CACHE_H

#include <linux/types.h>

#ifndef XNET_IFCACHE_BITS
#define XNET_IFCACHE_BITS	16	/* 2^16 slots of 48 B for devices */
#endif
#define XNET_IFCACHE_SLOTS	(1U << XNET_IFCACHE_BITS)
#ifndef XNET_DST_CACHE_BITS
#define XNET_DST_CACHE_BITS	16	/* 2^16 slots of 20 B per destination cache */
#endif
#define XNET_DST_CACHE_SLOTS	(1U << XNET_DST_CACHE_BITS)

/* struct xnet_if_cache.kind */
#define XNET_IFC_NONE		0	/* not cached: ask the ABI maps */
#define XNET_IFC_ENDPOINT	1	/* host-side veth of an endpoint */
#define XNET_IFC_GATEWAY	2	/* gateway device of a network */

/* MACs on 4-byte boundaries: the programs copy them as u32 + u16, and stack copies must be aligned. */
struct xnet_if_cache {
	__u16 kind;		/* XNET_IFC_* */
	__u16 net_flags;	/* XNET_NET_* of the network */
	__u32 net_id;
	__be32 ip;		/* endpoint: its only source IP */
	__u8 mac[6];		/* endpoint: its only source MAC */
	__u16 ep_flags;		/* endpoint: XNET_EP_* */
	__u8 gw_mac[6];		/* the network's gateway MAC */
	__u16 pad1;
	__u32 gw_ifindex;	/* the network's gateway device */
	__be32 subnet;
	__be32 mask;
	__be32 gw_ip;
	__u32 ifindex;		/* the device this slot describes */
};

struct xnet_dst_cache {
	__u8 mac[6];		/* endpoint MAC (the key of xnet_maccache) */
	__u16 valid;		/* 1 when the slot holds an endpoint */
	__be32 ip;		/* endpoint IP (the key of xnet_ipcache) */
	__u32 ifindex;		/* its host-side veth */
	__u32 net_id;		/* its network */
};

/* ifindexes are handed out in sequence: their low bits are already spread. */
static inline __u32 xnet_if_slot(__u32 ifindex)
{
	return ifindex & (XNET_IFCACHE_SLOTS - 1);
}

/* Fibonacci hashing: the top bits of x * 2^32/phi spread every input bit. */
static inline __u32 xnet_slot32(__u32 x)
{
	return (x * 0x9e3779b1U) >> (32 - XNET_DST_CACHE_BITS);
}

/*
 * Slot of a MAC, from its bytes as two native-endian loads (the same on both
 * sides of the map: one host). Bytes 2..5 are the endpoint's IPv4 address in
 * xnet's 02:42:a.b.c.d scheme, so they carry nearly all the entropy.
 */
static inline __u32 xnet_mac_slot(__u32 lo4_at_2, __u16 hi2_at_0)
{
	return xnet_slot32(lo4_at_2 ^ hi2_at_0);
}

static inline __u32 xnet_ip_slot(__be32 ip)
{
	return xnet_slot32((__u32)ip);
}

#endif /* XNET_CACHE_H */
