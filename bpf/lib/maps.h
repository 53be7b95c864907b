/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maps: definitions of the xnet maps (layouts in headers/xnet_abi.h).
 * Both programs include this file; user space pins every map under
 * <root>/bpf/maps/<name>, so the lxc and gateway objects share one set.
 *
 * Hash maps are BPF_F_NO_PREALLOC: their kernel memory then grows with the
 * entries in use instead of being reserved for 65,536 endpoints up front.
 * Lookups cost the same; only updates allocate.
 */
#ifndef XNET_LIB_MAPS_H
#define XNET_LIB_MAPS_H

#include "lib/common.h"
#include "xnet_cache.h"

/* net_id -> network (subnet, gateway, flags, flood-list length). CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNET_MAX_NETWORKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct xnet_network);
} xnet_networks SEC(".maps");

/* host-side veth ifindex -> endpoint (the only MAC/IP it may send from). CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNET_MAX_ENDPOINTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct xnet_endpoint);
} xnet_endpoints SEC(".maps");

/* endpoint MAC -> host-side veth ifindex: the static forwarding table. CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNET_MAX_ENDPOINTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xnet_mac_key);
	__type(value, __u32);
} xnet_fdb SEC(".maps");

/* endpoint IPv4 -> host-side veth ifindex: ARP answers and gateway egress. CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNET_MAX_ENDPOINTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __be32);
	__type(value, __u32);
} xnet_ip2ep SEC(".maps");

/* (net_id, idx) -> host-side veth ifindex: dense flood list per network. CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNET_MAX_ENDPOINTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xnet_port_key);
	__type(value, __u32);
} xnet_ports SEC(".maps");

/* every bridge subnet on the host -> net_id: isolation through the gateway. CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XNET_MAX_NETWORKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* required for LPM tries */
	__type(key, struct xnet_subnet_key);
	__type(value, __u32);
} xnet_subnets SEC(".maps");

/* gateway device ifindex -> net_id. CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNET_MAX_NETWORKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u32);
} xnet_gateways SEC(".maps");

/* enum xnet_drop_reason -> per-CPU packets/bytes. Programs write, CLI reads. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XNET_DROP_MAX);
	__type(key, __u32);
	__type(value, struct xnet_drop_counter);
} xnet_drops SEC(".maps");

/* ---------------------------------------------------------------- NAT */

/* [0] -> uplink, masquerade address, host netns cookie, SNAT port range. CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xnet_host);
} xnet_host SEC(".maps");

/* every IPv4 address of the host -> XNET_HA_*: "is this the host?" for DNAT. CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNET_MAX_HOSTADDRS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __be32);
	__type(value, __u32);
} xnet_hostaddrs SEC(".maps");

/* (host ip or 0, port, proto) -> backend endpoint. CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNET_MAX_PUBLISHED);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xnet_pub_key);
	__type(value, struct xnet_pub);
} xnet_published SEC(".maps");

/* (proto, port, client prefix) -> allow/deny, before DNAT. CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, XNET_MAX_POLICY);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xnet_policy_key);
	__type(value, __u32);
} xnet_policy SEC(".maps");

/* The NAT/conntrack table of confirmed flows: two entries per flow. Programs write; CLI flushes on rm. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XNET_MAX_CT);
	__type(key, struct xnet_ct_key);
	__type(value, struct xnet_ct_entry);
} xnet_ct SEC(".maps");

/* Flows not confirmed yet, and datagram flows (lib/ct.h): two entries per flow. Programs write; CLI flushes on rm. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XNET_MAX_CT_NEW);
	__type(key, struct xnet_ct_key);
	__type(value, struct xnet_ct_pending);
} xnet_ct_new SEC(".maps");

/* Unconfirmed flows opened per direction and bucket of time (lib/ct.h, ct_budget_take). Programs write. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * XNET_CT_NEW_WINDOW);
	__type(key, __u32);
	__type(value, struct xnet_ct_budget);
} xnet_ct_budget SEC(".maps");

/* First fragment's ports, for the fragments after it. Programs write. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XNET_MAX_FRAGS);
	__type(key, struct xnet_frag_key);
	__type(value, struct xnet_frag);
} xnet_frags SEC(".maps");

/* A connected host socket -> the published address it used. Sock hooks write. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct xnet_sock_peer);
} xnet_sock_peer SEC(".maps");

/* Unconnected UDP host socket + backend -> the published address it used. Sock hooks write. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XNET_MAX_SOCK_REV);
	__type(key, struct xnet_sock_rev_key);
	__type(value, struct xnet_sock_rev);
} xnet_sock_rev SEC(".maps");

/* Embedded DNS: (network, name) -> addresses. CLI writes; lxc answers from it and bumps rotor. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNET_MAX_DNS_NAMES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xnet_dns_key);
	__type(value, struct xnet_dns_rrset);
} xnet_dns_names SEC(".maps");

/* Embedded DNS: endpoint host veth -> the networks its sandbox resolves, its --dns servers. CLI writes. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNET_MAX_ENDPOINTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct xnet_dns_scope);
} xnet_dns_scope SEC(".maps");

/* Embedded DNS: endpoint address -> its PTR name. CLI writes; only the helper reads it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XNET_MAX_ENDPOINTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __be32);
	__type(value, struct xnet_dns_ptr);
} xnet_dns_ptr SEC(".maps");

/*
 * Fast-path caches (headers/xnet_cache.h): derived from the maps above by
 * user/datapath/, read first by the programs, which fall back to the maps
 * above on a miss. Arrays, so the verifier inlines their lookups.
 */

/* xnet_if_slot(ifindex) -> the endpoint or gateway on it, with its network. datapath.c writes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XNET_IFCACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct xnet_if_cache);
} xnet_ifcache SEC(".maps");

/* xnet_mac_slot(endpoint MAC) -> endpoint. datapath.c writes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XNET_DST_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct xnet_dst_cache);
} xnet_maccache SEC(".maps");

/* xnet_ip_slot(endpoint IPv4) -> endpoint. datapath.c writes. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XNET_DST_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct xnet_dst_cache);
} xnet_ipcache SEC(".maps");

#endif /* XNET_LIB_MAPS_H */
