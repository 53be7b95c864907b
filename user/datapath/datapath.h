/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * datapath: the only user-space module that touches BPF objects.
 * Loads (or reuses pinned) programs and maps under <root>/bpf, attaches the
 * tc programs to devices, and writes map entries. All functions return 0 or
 * a negative errno and log what they changed at info level.
 */
#ifndef XNET_DATAPATH_H
#define XNET_DATAPATH_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "xnet_abi.h"

struct xnet_dp;

/*
 * Open the datapath pinned under bpf_dir (a bpffs mount, already mounted by
 * the caller). Maps are reused when pinned, created and pinned otherwise.
 * Programs are pinned under bpf_dir/progs; when the embedded objects differ
 * from what is pinned (new build), the programs are reloaded and re-pinned,
 * and *reloaded is set so the caller re-attaches every device.
 */
int dp__open(struct xnet_dp **dp, const char *bpf_dir, bool *reloaded);
void dp__close(struct xnet_dp *dp);
/*
 * Open what is pinned, whatever build it is (-ENOENT: nothing, or not all
 * of what this build needs, is pinned): `xnet system reload` swaps the
 * programs itself rather than through dp__open's implicit reload.
 */
int dp__open_as_pinned(struct xnet_dp **dp, const char *bpf_dir);

/*
 * `xnet system reload`: load this build's programs afresh over the pinned
 * maps (conntrack, NAT, endpoints: nothing is lost) and swap every
 * attachment to them, each in one step by the kernel: the tc filters of
 * gateways, endpoints and the uplink replaced in place, uplink_xdp with
 * XDP_FLAGS_REPLACE, the cgroup links with bpf_link_update(BPF_F_REPLACE).
 * Only then are the programs pinned and the build recorded. On success
 * *swaps (caller frees) lists every hook with its program ids before and
 * after. When a swap fails, the hooks swapped before it are put back, so
 * every hook keeps a program (the previous ones, or the new ones where
 * putting back failed too), and why says what happened.
 */
struct dp_swap {
	char prog[32];		/* program name */
	char hook[16];		/* "tc ingress", "tc egress", "xdp", "cgroup" */
	char dev[16];		/* device name ("" for a cgroup hook) */
	__u32 ifindex;
	__u32 old_id, new_id;	/* program ids before and after (old_id 0: nothing was attached) */
};
int dp__reload(struct xnet_dp *dp, struct dp_swap **swaps, int *n, char *why, size_t why_len);

/*
 * Network: writes xnet_networks[net_id] (keeping the current nports),
 * xnet_subnets[subnet/prefixlen] = net_id, xnet_gateways[gw_ifindex] = net_id,
 * and attaches the gateway program to tc egress of gw_ifindex (idempotent:
 * replaces an older attachment).
 */
struct dp_network {
	__u32 net_id;
	__be32 subnet;
	__u8 prefixlen;
	__be32 gw_ip;
	__u8 gw_mac[6];
	__u32 gw_ifindex;
	__u16 flags;		/* XNET_NET_* */
	__u32 mtu;
};
int dp__network_set(struct xnet_dp *dp, const struct dp_network *net);
/* Removes the network, its subnet, gateway and flood-list entries. Missing = 0. */
int dp__network_del(struct xnet_dp *dp, __u32 net_id);

/*
 * Endpoint: writes xnet_endpoints[ifindex], xnet_fdb[mac], xnet_ip2ep[ip],
 * adds ifindex to the network's flood list (once), and attaches the endpoint
 * program to tc ingress of ifindex (idempotent).
 */
struct dp_endpoint {
	__u32 net_id;
	__u32 ifindex;		/* host-side veth */
	__be32 ip;
	__u8 mac[6];
	__u16 flags;		/* XNET_EP_* (XNET_EP_PUBLISHED: the sandbox has published ports here) */
};
int dp__endpoint_set(struct xnet_dp *dp, const struct dp_endpoint *ep);
/* Removes every entry of the endpoint at ifindex. Missing = 0. */
int dp__endpoint_del(struct xnet_dp *dp, __u32 ifindex);

/*
 * Reconcile helper: remove every map entry that does not belong to the given
 * networks / endpoint ifindexes (kill -9 leftovers, deleted devices).
 */
int dp__sweep(struct xnet_dp *dp, const __u32 *net_ids, int n_nets,
	      const __u32 *ep_ifindexes, int n_eps);

/* ---------------------------------------------------------------- NAT */

/*
 * Host-wide NAT settings (xnet_host[0]). Attaches the uplink programs to tc
 * ingress and egress of uplink_ifindex (detaching them from a previous
 * uplink), or detaches them everywhere when uplink_ifindex is 0.
 */
int dp__host_set(struct xnet_dp *dp, const struct xnet_host *h);
int dp__host_get(struct xnet_dp *dp, struct xnet_host *h);
/*
 * The XDP fast path on the uplink for the next dp__host_set(): "on" wherever
 * native XDP works, "off", or "auto" (not on a veth, where it measured
 * slower than tc). -EINVAL for anything else.
 */
int dp__uplink_xdp_mode(struct xnet_dp *dp, const char *mode);

/* Replace the set of host addresses (xnet_hostaddrs) with exactly these. */
int dp__hostaddrs_replace(struct xnet_dp *dp, const __be32 *addrs, const __u32 *flags, int n);

/*
 * Published ports: one entry per (host ip, host port, proto). Deleting also
 * removes the conntrack entries of flows through that binding, so a removed
 * port stops answering at once and can be published again. Missing = 0.
 */
int dp__published_set(struct xnet_dp *dp, const struct xnet_pub_key *k, const struct xnet_pub *v);
int dp__published_del(struct xnet_dp *dp, const struct xnet_pub_key *k);
/* Reconcile: remove every published entry not in keep[0..n). */
int dp__published_sweep(struct xnet_dp *dp, const struct xnet_pub_key *keep, int n);

/* Remove every conntrack entry to or from this endpoint address (rm, disconnect). */
int dp__ct_flush_ip(struct xnet_dp *dp, __be32 ip);

/* Admin policy for published ports (xnet_policy). */
int dp__policy_set(struct xnet_dp *dp, const struct xnet_policy_key *k, __u32 action);
int dp__policy_del(struct xnet_dp *dp, const struct xnet_policy_key *k);
int dp__policy_sweep(struct xnet_dp *dp, const struct xnet_policy_key *keep, int n);

/*
 * The socket hooks (sock_* programs of bpf/sock.bpf.c) on the cgroup at
 * cgroup_fd (the root of cgroup v2), through links pinned under
 * <bpf_dir>/links. Idempotent; a new build swaps its programs in.
 */
int dp__sock_attach(struct xnet_dp *dp, int cgroup_fd);
/* Whether every hook is attached with this build's program (no cgroup fd needed then). */
bool dp__sock_current(struct xnet_dp *dp);
/* Undo dp__host_set and dp__sock_attach (teardown): uplink programs off, links unpinned. */
int dp__host_teardown(struct xnet_dp *dp);

/*
 * The owner of the hooks: the host's network namespace, as a lasting
 * identity (netns__self_id()), kept in xnet_meta so that `system gc` can
 * tell, from the pins alone, that the namespace the hooks serve is gone.
 * dp__owner_read works on any root's bpffs (bpf_dir), -ENOENT when nothing
 * is recorded. dp__unpin_all removes every pin under bpf_dir but xnet_meta
 * (the owner record, a few KB): links first (that detaches the hooks), then
 * programs and maps (their memory goes with the last reference); it returns
 * how many pins went, or -errno.
 */
#define DP_OWNER_WORDS 3
int dp__owner_set(struct xnet_dp *dp, const __u64 id[DP_OWNER_WORDS]);
int dp__owner_read(const char *bpf_dir, __u64 id[DP_OWNER_WORDS]);
int dp__unpin_all(const char *bpf_dir);

/*
 * Embedded DNS (user/dns.c decides what goes in). A name's addresses: n of
 * them (at most XNET_DNS_MAX_ADDRS are kept), n == 0 deletes the name.
 * Sweep: delete every name not in keep[0..n) (sorts keep). Scope and PTR
 * entries: NULL deletes. dp__endpoint_del removes an endpoint's scope and PTR
 * entries, dp__network_del a network's names, dp__sweep what belongs to
 * neither a kept endpoint nor a kept network.
 */
int dp__dns_name_set(struct xnet_dp *dp, const struct xnet_dns_key *k, const __be32 *addrs, int n);
int dp__dns_names_sweep(struct xnet_dp *dp, struct xnet_dns_key *keep, int n_keep);
int dp__dns_scope_set(struct xnet_dp *dp, __u32 ifindex, const struct xnet_dns_scope *scope);
int dp__dns_ptr_set(struct xnet_dp *dp, __be32 ip, const struct xnet_dns_ptr *ptr);

/* Sum of the per-CPU drop counters, indexed by enum xnet_drop_reason. */
int dp__drop_stats(struct xnet_dp *dp, struct xnet_drop_counter out[XNET_DROP_MAX]);

/* Bytes of kernel memory used by our maps (from bpf_map_info / fdinfo). */
int dp__map_memory(struct xnet_dp *dp, uint64_t *bytes);

#endif /* XNET_DATAPATH_H */
