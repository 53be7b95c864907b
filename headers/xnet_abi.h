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
 * NAT and port publishing:
 *   xnet_host      ARRAY[1]  0                       -> struct xnet_host
 *   xnet_hostaddrs HASH      __be32 host address     -> __u32 XNET_HA_* flags
 *   xnet_published HASH      struct xnet_pub_key     -> struct xnet_pub
 *   xnet_policy    LPM_TRIE  struct xnet_policy_key  -> __u32 XNET_POLICY_*
 *   xnet_ct        LRU_HASH  struct xnet_ct_key      -> struct xnet_ct_entry (programs write)
 *   xnet_ct_new    LRU_HASH  struct xnet_ct_key      -> struct xnet_ct_pending (programs write)
 *   xnet_ct_budget ARRAY     __u32 direction, bucket -> struct xnet_ct_budget (programs write)
 *   xnet_frags     LRU_HASH  struct xnet_frag_key    -> struct xnet_frag (programs write)
 *   xnet_sock_rev  LRU_HASH  struct xnet_sock_rev_key -> struct xnet_sock_rev (sock hooks write)
 *   xnet_sock_peer SK_STORAGE socket                 -> struct xnet_sock_peer (sock hooks write)
 * Embedded DNS:
 *   xnet_dns_names HASH      struct xnet_dns_key     -> struct xnet_dns_rrset
 *   xnet_dns_scope HASH      __u32 host veth ifindex -> struct xnet_dns_scope
 *   xnet_dns_ptr   HASH      __be32 endpoint ip      -> struct xnet_dns_ptr (read by the helper only)
 * Writer: the xnet CLI (user/datapath/), unless noted. Readers: the programs
 * under bpf/, bpftool.
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
#ifndef XNET_MAX_CT
#define XNET_MAX_CT		131072	/* NAT/conntrack entries (two per flow), LRU */
#endif
#ifndef XNET_MAX_CT_NEW
#define XNET_MAX_CT_NEW		131072	/* entries of unconfirmed flows (two per flow), LRU */
#endif
#ifndef XNET_CT_NEW_BUDGET
#define XNET_CT_NEW_BUDGET	32768	/* unconfirmed flows opened within one window, per direction */
#endif
#define XNET_CT_NEW_WINDOW	8	/* the window: 8 buckets of 2^30 ns (~1.07 s); a power of two */
#ifndef XNET_MAX_PUBLISHED
#define XNET_MAX_PUBLISHED	65536	/* published (host ip, port, proto) bindings */
#endif
#ifndef XNET_MAX_HOSTADDRS
#define XNET_MAX_HOSTADDRS	1024	/* IPv4 addresses of the host */
#endif
#ifndef XNET_MAX_POLICY
#define XNET_MAX_POLICY		4096	/* admin policy rules for published ports */
#endif
#ifndef XNET_MAX_FRAGS
#define XNET_MAX_FRAGS		8192	/* IPv4 datagrams in fragments being translated */
#endif
#ifndef XNET_MAX_SOCK_REV
#define XNET_MAX_SOCK_REV	65536	/* unconnected UDP sockets' (socket, backend) pairs */
#endif
#ifndef XNET_MAX_DNS_NAMES
#define XNET_MAX_DNS_NAMES	262144	/* (network, name) entries of the embedded DNS */
#endif

/* Network flags (struct xnet_network.flags). */
#define XNET_NET_ICC		(1U << 0)	/* endpoints may talk to each other (enable_icc) */
#define XNET_NET_INTERNAL	(1U << 1)	/* --internal: nothing beyond the own subnet (gateway IP included) */
#define XNET_NET_MASQ		(1U << 2)	/* enable_ip_masquerade: egress SNAT to the uplink address */
#define XNET_NET_DNS		(1U << 3)	/* embedded DNS at gw_ip:53 (user-defined networks only) */

/* Endpoint flags (struct xnet_endpoint.flags). */
#define XNET_EP_PUBLISHED	(1U << 0)	/* has published ports: its replies need reverse DNAT */

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
	__u16 flags;		/* XNET_EP_* */
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

/*
 * xnet_host[0]: host-wide NAT settings. uplink_ifindex 0 = no uplink (no
 * masquerade, no DNAT from the wire; host-local and hairpin paths work).
 */
struct xnet_host {
	__u32 uplink_ifindex;	/* the host's outward device (tc programs of uplink.bpf.c) */
	__be32 uplink_ip;	/* masquerade source; the address outside clients use */
	__u64 netns_cookie;	/* the host's network namespace: the sock hooks act only there */
	__u16 nat_port_min;	/* SNAT source ports, host byte order, inclusive */
	__u16 nat_port_max;
	__u32 flags;		/* XNET_HOST_* */
};
#define XNET_HOST_POLICY	(1U << 0)	/* xnet_policy has rules: consult it before DNAT */

/* xnet_hostaddrs: every IPv4 address of the host (flags say which kind). */
#define XNET_HA_LOCAL		(1U << 0)	/* an address of a host device */
#define XNET_HA_UPLINK		(1U << 1)	/* the uplink's address */
#define XNET_HA_GATEWAY		(1U << 2)	/* a network's gateway address */
#define XNET_HA_LOOPBACK	(1U << 3)	/* 127.0.0.0/8 (only host-local clients) */

/*
 * xnet_published: (host ip, port, proto) -> backend. host_ip 0 = every host
 * address (0.0.0.0). A binding on a loopback address is only reachable by
 * host-local clients (sock hooks), never from the wire (moby#45610).
 * Ports in network byte order.
 */
struct xnet_pub_key {
	__be32 host_ip;		/* 0 = any */
	__be16 port;		/* host port */
	__u8 proto;		/* IPPROTO_TCP / IPPROTO_UDP */
	__u8 pad;		/* must be 0 */
};
struct xnet_pub {
	__be32 backend_ip;	/* the endpoint's address */
	__be16 backend_port;	/* container port */
	__u16 flags;		/* reserved, 0 */
	__u32 ifindex;		/* the endpoint's host-side veth */
	__u32 net_id;		/* its network */
};

/*
 * xnet_policy: the admin's rules for published ports (Docker's DOCKER-USER),
 * applied to the client address before DNAT. Longest prefix wins; the key's
 * first 32 bits are (proto, pad, port) so that a rule can name one published
 * port; a rule for every port has proto 0 and port 0, and the datapath looks
 * up the port-specific key first, then the wildcard. No match = allow.
 * prefixlen = 32 + the source prefix length.
 */
struct xnet_policy_key {
	__u32 prefixlen;
	__u8 proto;		/* 0 = every published port */
	__u8 pad;
	__be16 port;		/* host port, 0 with proto 0 */
	__be32 saddr;
};
#define XNET_POLICY_ALLOW	1
#define XNET_POLICY_DENY	2

/*
 * xnet_ct: the one NAT/conntrack table (LRU). Two entries per flow, keyed by
 * the tuple as it appears on the wire at the point of translation:
 *   XNET_CT_OUT: as sent by a sandbox  -> rewrite the source to (addr, port)
 *   XNET_CT_IN:  as received by the host -> rewrite the destination to
 *                (addr, port) and deliver to endpoint ifindex
 * A masqueraded flow (sandbox -> outside) creates OUT(orig) + IN(reply);
 * a published flow (client -> host port) creates IN(orig) + OUT(reply).
 * A flow of a network without masquerade is recorded as a masqueraded one
 * with XNET_CTF_ROUTED and its own address and port as the "translation":
 * nothing is rewritten, but its IN entry lets the answers in.
 * ICMP echo uses the identifier as both ports (sport = dport = id).
 * A sandbox calling its own published port (XNET_CTF_SELF, with
 * XNET_CTF_HAIRPIN) is translated both ways, or its stack would see its own
 * address as the source: the caller's (A, sp) -> (H, P) becomes
 * (H, np) -> (A, p), H the host address it called, p the backend port.
 *   IN  {A, H, sp, P}  -> (A, p),  peer_port np: the source becomes (H, np)
 *   OUT {A, H, p, np}  -> (H, P),  peer_port sp: the destination becomes (A, sp)
 * np is claimed with the OUT entry: sp when free, else one of the NAT ports.
 */
struct xnet_ct_key {
	__be32 saddr;
	__be32 daddr;
	__be16 sport;
	__be16 dport;
	__u8 proto;
	__u8 dir;		/* XNET_CT_OUT / XNET_CT_IN */
	__u16 pad;		/* must be 0 */
};
#define XNET_CT_OUT		1
#define XNET_CT_IN		2

struct xnet_ct_entry {
	__be32 addr;		/* translated address (see dir) */
	__be16 port;		/* translated port (ICMP: identifier) */
	__u8 kind;		/* XNET_CT_SNAT / XNET_CT_DNAT */
	__u8 state;		/* XNET_CT_ST_* (TCP), NEW/ESTABLISHED for others */
	__u32 ifindex;		/* IN: endpoint host veth to deliver to; OUT: 0 */
	__u16 flags;		/* XNET_CTF_* */
	__be16 peer_port;	/* XNET_CTF_SELF: the other side's translated port (see above) */
	__u64 last_seen;	/* ct_now() (coarse monotonic ns) of the last packet */
	__u64 packets;
	__u64 bytes;
};
#define XNET_CT_SNAT		1	/* masquerade: sandbox -> outside */
#define XNET_CT_DNAT		2	/* published port: client -> sandbox */
#define XNET_CTF_HAIRPIN	(1U << 0)	/* client is a local sandbox: deliver in lxc */
#define XNET_CTF_SEEN_REPLY	(1U << 1)
#define XNET_CTF_ROUTED		(1U << 2)	/* not translated: a network without masquerade */
#define XNET_CTF_SELF		(1U << 3)	/* hairpin to the caller's own published port */
#define XNET_CTF_PENDING	(1U << 4)	/* in xnet_ct_new: not confirmed yet (below) */
#define XNET_CTF_ACK_KNOWN	(1U << 5)	/* xnet_ct_pending.ack holds the ACK that confirms */
#define XNET_CTF_ASSURED	(1U << 6)	/* a datagram flow confirmed in place (xnet_ct_new) */
#define XNET_CT_ST_NEW		0
#define XNET_CT_ST_ESTABLISHED	1
#define XNET_CT_ST_CLOSING	2	/* FIN seen */
#define XNET_CT_ST_CLOSED	3	/* RST seen */

/*
 * xnet_ct_new: flows not confirmed yet, and datagram flows; same keys, the
 * entry wrapped with what confirmation needs. Every flow starts here
 * (XNET_CTF_PENDING). A TCP flow moves to xnet_ct when the opener
 * acknowledges the answer's SYN-ACK: its ACK number must be that SYN-ACK's
 * sequence + 1, so a blind sender of spoofed segments cannot confirm, and
 * xnet_ct holds nothing but TCP connections that completed a handshake. A
 * UDP or ICMP flow, which proves nothing of its sender, is *assured* in
 * place (XNET_CTF_ASSURED) when the opener speaks again after an answer,
 * and lives in this LRU table all its life. At most XNET_CT_NEW_BUDGET new
 * flows per direction (from the wire; from sandboxes) may be opened and
 * left unconfirmed within a window of XNET_CT_NEW_WINDOW buckets
 * (xnet_ct_budget): beyond that, new flows are dropped
 * (XNET_DROP_CT_UNCONFIRMED_FULL). docs/ARCHITECTURE.md, "SYN floods".
 */
struct xnet_ct_pending {
	struct xnet_ct_entry e;
	__u32 ack;		/* XNET_CTF_ACK_KNOWN: the opener's ACK number that confirms (host order) */
	__u32 born;		/* ct_now() >> 30 when opened: its bucket in xnet_ct_budget */
	__u32 budget;		/* XNET_CT_BUDGET_IN / XNET_CT_BUDGET_OUT: whose budget it took */
	__u32 pad;
};
#define XNET_CT_BUDGET_IN	0	/* flows from the wire: published ports */
#define XNET_CT_BUDGET_OUT	1	/* flows sandboxes open: masquerade, routed, hairpin */

/*
 * xnet_ct_budget: ARRAY[2 * XNET_CT_NEW_WINDOW], per direction one word per
 * bucket of 2^30 ns: (bucket number << 32) | flows opened in it and not
 * confirmed since.
 */
struct xnet_ct_budget {
	__u64 word;
};

/* xnet_frags: non-first fragments carry no ports; the first one records them. */
struct xnet_frag_key {
	__be32 saddr;
	__be32 daddr;
	__be16 id;
	__u8 proto;
	__u8 pad;
};
struct xnet_frag {
	__be16 sport;
	__be16 dport;
	__u32 pad;
	__u64 last_seen;
};

/*
 * xnet_sock_peer: a host socket connect()ed to a published port -> the
 * backend it was sent to and the published address it asked for
 * (recvmsg4/getpeername4 show the latter). Socket-local storage: it lives
 * and dies with the socket, and costs no shared table.
 */
struct xnet_sock_peer {
	__be32 backend_ip;
	__be32 addr;		/* the address the application used */
	__be16 backend_port;
	__be16 port;
	__u16 flags;		/* XNET_SOCKF_* */
	__u16 pad;
};
/* The application asked for [::1] (an IPv6 socket), not for addr: show it that. */
#define XNET_SOCKF_LOOPBACK6	(1U << 0)

/*
 * xnet_sock_rev: the same for unconnected UDP sockets (sendmsg4), which may
 * talk to several published ports: one entry per (socket, backend).
 */
struct xnet_sock_rev_key {
	__u64 cookie;		/* bpf_get_socket_cookie() */
	__be32 addr;		/* backend address the socket was sent to */
	__be16 port;
	__u16 pad;
};
struct xnet_sock_rev {
	__be32 addr;		/* the address the application used */
	__be16 port;
	__u16 flags;		/* XNET_SOCKF_* */
};

/*
 * Embedded DNS. A user-defined network's DNS address is its gateway address,
 * port 53 (resolv.conf of its sandboxes names it). The lxc program answers A
 * queries over UDP for the names below from these maps, in place, and hands
 * everything else to the helper process (`xnet system dns-helper`), which
 * listens on the same address in the host's namespace and reads the same
 * maps (TCP, PTR, forwarding).
 *
 * xnet_dns_names: (network, name) -> the addresses of that name there. Names
 * are in DNS wire format (length-prefixed labels ending with the root label
 * 0), ASCII-lowercased, zero padded to XNET_DNS_NAME_LEN. One entry per name
 * form of every endpoint: sandbox name, hostname, short ID, aliases, and each
 * of those followed by ".<network name>". A name shared by several endpoints
 * (an alias) lists all their addresses; answers start at rotor % count and
 * wrap, and the datapath bumps rotor for every answer (round robin).
 */
#define XNET_DNS_NAME_LEN	256	/* a wire-format name is at most 255 bytes */
#define XNET_DNS_MAX_ADDRS	32	/* addresses per name (more: the first 32 by endpoint order) */
#define XNET_DNS_SCOPE_MAX	32	/* networks whose names one sandbox resolves */
#define XNET_DNS_MAX_SERVERS	3	/* --dns servers the helper forwards to */
#define XNET_DNS_TTL		600	/* seconds, as Docker */

struct xnet_dns_key {
	__u32 net_id;
	__u8 name[XNET_DNS_NAME_LEN];
};
struct xnet_dns_rrset {
	__u32 count;		/* valid addrs[] entries, 1..XNET_DNS_MAX_ADDRS */
	__u32 rotor;		/* bumped by each answer (atomic add): where the next one starts */
	__be32 addrs[XNET_DNS_MAX_ADDRS];
};

/*
 * xnet_dns_scope: host veth ifindex of an endpoint -> what its sandbox may
 * resolve: the names of every DNS network it is connected to (in endpoint
 * order, eth0 first), and where the helper forwards the rest. The same value
 * is written for every endpoint of the sandbox. No entry: the sandbox gets no
 * embedded DNS (the default bridge), the datapath leaves its queries alone.
 */
struct xnet_dns_server {
	__u8 family;		/* AF_INET or AF_INET6 */
	__u8 pad;
	__be16 port;		/* 53 */
	__u8 addr[16];		/* IPv4 in the first 4 bytes */
};
struct xnet_dns_scope {
	__u32 nnets;		/* valid net_ids[] entries */
	__u32 flags;		/* XNET_DNS_F_* */
	__u32 net_ids[XNET_DNS_SCOPE_MAX];
	__u32 nservers;		/* 0: the host's resolvers (its resolv.conf) */
	__u32 pad;
	struct xnet_dns_server servers[XNET_DNS_MAX_SERVERS];	/* --dns, in order */
};
/* Some network of the sandbox reaches beyond the host (not --internal): the helper may forward. */
#define XNET_DNS_F_FORWARD	(1U << 0)

/* xnet_dns_ptr: endpoint address -> "<sandbox name>.<network name>." for PTR answers. */
struct xnet_dns_ptr {
	__u32 net_id;		/* answered only to sandboxes with this network in their scope */
	__u8 name[XNET_DNS_NAME_LEN];	/* wire format, as in xnet_dns_key */
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
	XNET_DROP_INTERNAL,		/* --internal network: destination outside its subnet */
	XNET_DROP_NAT_EXHAUSTED,	/* no free SNAT source port for this destination */
	XNET_DROP_INVALID_L4,		/* truncated TCP/UDP/ICMP header on a NAT path */
	XNET_DROP_FRAG_UNKNOWN,		/* a non-first fragment of no known datagram */
	XNET_DROP_ROUTED_TO_SANDBOX,	/* outside routed straight to a sandbox address */
	XNET_DROP_POLICY,		/* the admin's policy denies this client */
	XNET_DROP_LOOPBACK_WIRE,	/* loopback destination arriving from the wire */
	XNET_DROP_CT_INVALID,		/* not a valid packet of a tracked flow (e.g. ICMP error for nothing) */
	XNET_DROP_DNS_SHORT,		/* to the DNS address: shorter than a DNS header (12 bytes) */
	XNET_DROP_DNS_NOT_QUERY,	/* to the DNS address: a response (QR=1), never answered */
	XNET_DROP_CT_UNCONFIRMED_FULL,	/* a new flow while XNET_CT_NEW_BUDGET unconfirmed ones are open */
	XNET_DROP_VLAN,			/* an 802.1Q/802.1ad tagged frame: xnet offers no VLANs */
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
	[XNET_DROP_INTERNAL] = "internal-network",	\
	[XNET_DROP_NAT_EXHAUSTED] = "nat-ports-exhausted",	\
	[XNET_DROP_INVALID_L4] = "invalid-l4",	\
	[XNET_DROP_FRAG_UNKNOWN] = "fragment-unknown",	\
	[XNET_DROP_ROUTED_TO_SANDBOX] = "routed-to-sandbox",	\
	[XNET_DROP_POLICY] = "policy-denied",	\
	[XNET_DROP_LOOPBACK_WIRE] = "loopback-from-wire",	\
	[XNET_DROP_CT_INVALID] = "ct-invalid",	\
	[XNET_DROP_DNS_SHORT] = "dns-short",	\
	[XNET_DROP_DNS_NOT_QUERY] = "dns-not-query",	\
	[XNET_DROP_CT_UNCONFIRMED_FULL] = "ct-unconfirmed-full",	\
	[XNET_DROP_VLAN] = "vlan-tagged",	\
}

/* Pin names, relative to <state root>/bpf/. */
#define XNET_PIN_MAPS_DIR	"maps"		/* maps/<map name> */
#define XNET_PIN_PROGS_DIR	"progs"		/* progs/<program name> */

#endif /* XNET_ABI_H */
