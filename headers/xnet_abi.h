/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xnet map ABI: everything the BPF programs and the userspace loader share.
 * Keys, values, flags, drop reasons and pin names. No code lives here, so that
 * both sides (and bpftool readers) agree on one definition.
 *
 * Addresses are stored in network byte order (__be32) exactly as they appear
 * in packets, so the datapath never converts.
 */
#ifndef XNET_ABI_H
#define XNET_ABI_H

#include <linux/types.h>

/*
 * The maps (all pinned under <root>/bpf/maps/<name>, with BTF):
 *   xnet_networks  HASH      __u32 net_id            -> struct xnet_network
 *   xnet_endpoints HASH      __u32 host veth ifindex -> struct xnet_endpoint
 *   xnet_fdb       HASH      struct xnet_mac_key     -> __u32 host veth ifindex
 *   xnet_ip2ep     HASH      __be32 endpoint ip      -> __u32 host veth ifindex
 *   xnet_ports     HASH      struct xnet_port_key    -> __u32 host veth ifindex
 *   xnet_subnets   LPM_TRIE  struct xnet_subnet_key  -> __u32 net_id
 *   xnet_gateways  HASH      __u32 gateway ifindex   -> __u32 net_id
 *   xnet_drops     PERCPU_ARRAY __u32 reason         -> struct xnet_drop_counter
 * Writer: the xnet CLI (user/datapath.c). Readers: the programs under bpf/, bpftool.
 */

/* Capacity limits. Overridable at build time (-DXNET_MAX_ENDPOINTS=...). */
#ifndef XNET_MAX_NETWORKS
#define XNET_MAX_NETWORKS	4096	/* bridge networks per host */
#endif
#ifndef XNET_MAX_ENDPOINTS
#define XNET_MAX_ENDPOINTS	65536	/* veth endpoints per host (no 1,024-port bridge limit) */
#endif
#ifndef XNET_MAX_FLOOD
#define XNET_MAX_FLOOD		65536	/* upper bound of one broadcast flood loop */
#endif

/* Network flags (struct xnet_network.flags). */
#define XNET_NET_ICC		(1U << 0)	/* endpoints may talk to each other (enable_icc) */
#define XNET_NET_INTERNAL	(1U << 1)	/* --internal: no traffic beyond the gateway (datapath: NAT issue) */
#define XNET_NET_MASQ		(1U << 2)	/* enable_ip_masquerade (datapath: NAT issue) */

/* xnet_networks: net_id -> network. Written by the CLI on network create/rm. */
struct xnet_network {
	__be32 subnet;		/* network address */
	__be32 mask;		/* netmask, e.g. 0xffff0000 in network order for /16 */
	__be32 gw_ip;		/* gateway address, held by the gateway device */
	__u32 gw_ifindex;	/* host-side gateway device (veth "xnbr-...") */
	__u8 gw_mac[6];		/* MAC of the gateway device, answered in ARP */
	__u16 flags;		/* XNET_NET_* */
	__u32 nports;		/* number of valid entries in xnet_ports for this net */
	__u32 mtu;		/* recorded MTU (informational for the datapath) */
};

/* xnet_endpoints: host-side veth ifindex -> endpoint. Written by the CLI. */
struct xnet_endpoint {
	__u32 net_id;		/* network this endpoint belongs to */
	__u32 ifindex;		/* host-side veth ifindex (same as the key) */
	__be32 ip;		/* the only source IP this endpoint may use */
	__u8 mac[6];		/* the only source MAC this endpoint may use */
	__u16 flags;		/* reserved, 0 */
};

/* xnet_fdb: MAC -> host-side veth ifindex (static 802.1d forwarding table). */
struct xnet_mac_key {
	__u8 mac[6];
	__u16 pad;		/* must be 0 */
};

/* xnet_ports: (net_id, idx) -> host-side ifindex; dense flood list 0..nports-1. */
struct xnet_port_key {
	__u32 net_id;
	__u32 idx;
};

/* xnet_subnets: LPM trie of every bridge subnet on the host -> net_id. */
struct xnet_subnet_key {
	__u32 prefixlen;	/* LPM prefix length in bits */
	__be32 addr;
};

/* xnet_drops: per-CPU counters indexed by enum xnet_drop_reason. */
struct xnet_drop_counter {
	__u64 packets;
	__u64 bytes;
};

/*
 * Named drop reasons. The value is the index into xnet_drops. Append only:
 * the numbers are ABI for anyone reading the pinned map.
 */
enum xnet_drop_reason {
	XNET_DROP_NONE = 0,		/* unused slot */
	XNET_DROP_INVALID_ETH,		/* frame shorter than an Ethernet header */
	XNET_DROP_INVALID_IP,		/* truncated IPv4, IHL < 5, bad version or total length */
	XNET_DROP_INVALID_ARP,		/* truncated or non-Ethernet/IPv4 ARP */
	XNET_DROP_UNKNOWN_ENDPOINT,	/* ingress on a device not in xnet_endpoints */
	XNET_DROP_SPOOF_MAC,		/* source MAC is not the endpoint's */
	XNET_DROP_SPOOF_IP,		/* source IP (or ARP sender) is not the endpoint's */
	XNET_DROP_UNKNOWN_DST,		/* unicast to a MAC/IP no endpoint owns */
	XNET_DROP_OTHER_NETWORK,	/* destination belongs to another network */
	XNET_DROP_ICC_DISABLED,		/* endpoint to endpoint with enable_icc=false */
	XNET_DROP_UNSUPPORTED_L3,	/* ethertype we do not carry (IPv6 off, ...) */
	XNET_DROP_ARP_UNANSWERED,	/* ARP request for an address nobody here owns */
	XNET_DROP_ARP_OTHER,		/* ARP reply / gratuitous ARP from a sandbox */
	XNET_DROP_NO_NETWORK,		/* endpoint or gateway refers to a missing network */
	XNET_DROP_MAX,
};

#define XNET_DROP_NAMES {			\
	[XNET_DROP_NONE] = "none",		\
	[XNET_DROP_INVALID_ETH] = "invalid-ethernet",	\
	[XNET_DROP_INVALID_IP] = "invalid-ipv4",	\
	[XNET_DROP_INVALID_ARP] = "invalid-arp",	\
	[XNET_DROP_UNKNOWN_ENDPOINT] = "unknown-endpoint",	\
	[XNET_DROP_SPOOF_MAC] = "spoofed-source-mac",	\
	[XNET_DROP_SPOOF_IP] = "spoofed-source-ip",	\
	[XNET_DROP_UNKNOWN_DST] = "unknown-destination",	\
	[XNET_DROP_OTHER_NETWORK] = "other-network",	\
	[XNET_DROP_ICC_DISABLED] = "icc-disabled",	\
	[XNET_DROP_UNSUPPORTED_L3] = "unsupported-ethertype",	\
	[XNET_DROP_ARP_UNANSWERED] = "arp-unanswered",	\
	[XNET_DROP_ARP_OTHER] = "arp-not-request",	\
	[XNET_DROP_NO_NETWORK] = "no-network",	\
}

/* Pin names, relative to <state root>/bpf/. */
#define XNET_PIN_MAPS_DIR	"maps"		/* maps/<map name> */
#define XNET_PIN_PROGS_DIR	"progs"		/* progs/<program name> */

#endif /* XNET_ABI_H */
