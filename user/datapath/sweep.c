// SPDX-License-Identifier: GPL-2.0-only
/*
 * datapath sweep: after a crash or an interrupted command, the maps are made
 * to say exactly what the store says (the networks and endpoints it keeps),
 * then the caches are rebuilt from them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/internal.h"
#include "lib/log.h"

static bool in_list(const __u32 *v, int n, __u32 x)
{
	for (int i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/*
 * Make net's flood list exactly its endpoints: entries that are still right
 * keep their order, wrong or repeated ones go, missing ones are appended.
 */
static int ports_rebuild(struct xnet_dp *dp, __u32 net_id, const __u32 *ep_keys,
			 const struct xnet_endpoint *eps, __u32 n_eps, __u32 *removed)
{
	struct xnet_port_key key = { .net_id = net_id };
	struct xnet_network net;
	__u32 *cur = NULL, *want = NULL, n_cur = 0, n_want = 0, port;
	int err = 0;

	if (map_lookup(dp, M_NETWORKS, &net_id, &net))
		return 0;
	cur = calloc(net.nports + 1, sizeof(*cur));
	want = calloc(net.nports + n_eps + 1, sizeof(*want));
	if (!cur || !want) {
		err = -ENOMEM;
		goto out;
	}
	for (key.idx = 0; key.idx < net.nports; key.idx++)
		cur[n_cur++] = map_lookup(dp, M_PORTS, &key, &port) ? 0 : port;
	for (__u32 i = 0; i < n_cur; i++) {
		bool member = false, dup = false;

		for (__u32 j = 0; j < n_eps; j++)
			member |= ep_keys[j] == cur[i] && eps[j].net_id == net_id;
		for (__u32 j = 0; j < n_want; j++)
			dup |= want[j] == cur[i];
		if (member && !dup)
			want[n_want++] = cur[i];
	}
	for (__u32 j = 0; j < n_eps; j++) {
		bool listed = false;

		if (eps[j].net_id != net_id)
			continue;
		for (__u32 i = 0; i < n_want; i++)
			listed |= want[i] == ep_keys[j];
		if (!listed)
			want[n_want++] = ep_keys[j];
	}
	if (n_want == n_cur && !memcmp(want, cur, n_cur * sizeof(*cur)))
		goto out;
	/* Slots first, then the count, then the surplus: the program only walks written slots. */
	for (key.idx = 0; !err && key.idx < n_want; key.idx++)
		if (key.idx >= n_cur || cur[key.idx] != want[key.idx])
			err = map_update(dp, M_PORTS, &key, &want[key.idx]);
	if (!err) {
		net.nports = n_want;
		err = map_update(dp, M_NETWORKS, &net_id, &net);
	}
	for (key.idx = n_want; !err && key.idx < n_cur; key.idx++)
		err = map_delete(dp, M_PORTS, &key);
	*removed += n_cur > n_want ? n_cur - n_want : 0;
out:
	free(cur);
	free(want);
	return err;
}

/* Stray fdb entries: a MAC whose endpoint is gone or has another MAC now. */
static int sweep_fdb(struct xnet_dp *dp, __u32 *removed)
{
	void *keys = NULL, *vals = NULL;
	__u32 n;
	int err = map_dump(dp->map_fd[M_FDB], sizeof(struct xnet_mac_key), sizeof(__u32), &keys, &vals, &n);

	for (__u32 i = 0; !err && i < n; i++) {
		struct xnet_mac_key *k = (struct xnet_mac_key *)keys + i;
		struct xnet_endpoint ep;
		__u32 v = ((__u32 *)vals)[i];

		if (map_lookup(dp, M_ENDPOINTS, &v, &ep) || memcmp(ep.mac, k->mac, 6)) {
			err = map_delete(dp, M_FDB, k);
			(*removed)++;
		}
	}
	free(keys);
	free(vals);
	return err;
}

/* Stray ip2ep entries: an address whose endpoint is gone or has another address now. */
static int sweep_ip2ep(struct xnet_dp *dp, __u32 *removed)
{
	void *keys = NULL, *vals = NULL;
	__u32 n;
	int err = map_dump(dp->map_fd[M_IP2EP], sizeof(__be32), sizeof(__u32), &keys, &vals, &n);

	for (__u32 i = 0; !err && i < n; i++) {
		__be32 ip = ((__be32 *)keys)[i];
		__u32 v = ((__u32 *)vals)[i];
		struct xnet_endpoint ep;

		if (map_lookup(dp, M_ENDPOINTS, &v, &ep) || ep.ip != ip) {
			err = map_delete(dp, M_IP2EP, &ip);
			(*removed)++;
		}
	}
	free(keys);
	free(vals);
	return err;
}

/* Subnets and gateways of networks the store does not keep. */
static int sweep_net_values(struct xnet_dp *dp, const __u32 *net_ids, int n_nets, __u32 *removed)
{
	void *keys = NULL, *vals = NULL;
	__u32 n;
	int err = 0;

	for (int m = M_SUBNETS; !err && m <= M_GATEWAYS; m++) {
		__u32 ksz = m == M_SUBNETS ? sizeof(struct xnet_subnet_key) : sizeof(__u32);

		err = map_dump(dp->map_fd[m], ksz, sizeof(__u32), &keys, &vals, &n);
		for (__u32 i = 0; !err && i < n; i++)
			if (!in_list(net_ids, n_nets, ((__u32 *)vals)[i])) {
				err = map_delete(dp, (enum dp_map)m, (char *)keys + (size_t)i * ksz);
				(*removed)++;
			}
		free(keys);
		free(vals);
		keys = vals = NULL;
	}
	return err;
}

/* Flood-list slots of networks that are gone, or beyond their network's count. */
static int sweep_ports(struct xnet_dp *dp, __u32 *removed)
{
	void *keys = NULL, *vals = NULL;
	__u32 n;
	int err = map_dump(dp->map_fd[M_PORTS], sizeof(struct xnet_port_key), sizeof(__u32), &keys, &vals, &n);

	for (__u32 i = 0; !err && i < n; i++) {
		struct xnet_port_key *k = (struct xnet_port_key *)keys + i;
		struct xnet_network net;

		if (map_lookup(dp, M_NETWORKS, &k->net_id, &net) || k->idx >= net.nports) {
			err = map_delete(dp, M_PORTS, k);
			(*removed)++;
		}
	}
	free(keys);
	free(vals);
	return err;
}

/*
 * Embedded DNS: views of endpoints that are gone, PTR names of addresses
 * nobody holds, names of networks that are gone (the names of kept networks
 * are core/dns.c's to rebuild).
 */
static int sweep_dns(struct xnet_dp *dp, const __u32 *net_ids, int n_nets, const __u32 *ep_keys,
		     __u32 n_ep_keys, __u32 *removed)
{
	void *keys = NULL, *vals = NULL;
	__u32 n;
	int err;

	if (!(err = map_dump(dp->map_fd[M_DNS_SCOPE], sizeof(__u32), sizeof(struct xnet_dns_scope),
			     &keys, &vals, &n))) {
		for (__u32 i = 0; !err && i < n; i++)
			if (!in_list(ep_keys, (int)n_ep_keys, ((__u32 *)keys)[i])) {
				err = map_delete(dp, M_DNS_SCOPE, (__u32 *)keys + i);
				(*removed)++;
			}
		free(keys);
		free(vals);
		keys = vals = NULL;
	}
	if (!err && !(err = map_dump(dp->map_fd[M_DNS_PTR], sizeof(__be32), sizeof(struct xnet_dns_ptr),
				     &keys, &vals, &n))) {
		for (__u32 i = 0; !err && i < n; i++) {
			__u32 owner;

			if (map_lookup(dp, M_IP2EP, (__be32 *)keys + i, &owner)) {
				err = map_delete(dp, M_DNS_PTR, (__be32 *)keys + i);
				(*removed)++;
			}
		}
		free(keys);
		free(vals);
		keys = vals = NULL;
	}
	if (!err && !(err = map_dump(dp->map_fd[M_DNS_NAMES], sizeof(struct xnet_dns_key),
				     sizeof(struct xnet_dns_rrset), &keys, &vals, &n))) {
		struct xnet_dns_key *dk = keys;

		for (__u32 i = 0; !err && i < n; i++)
			if (!in_list(net_ids, n_nets, dk[i].net_id)) {
				err = map_delete(dp, M_DNS_NAMES, &dk[i]);
				(*removed)++;
			}
		free(keys);
		free(vals);
	}
	return err;
}

int dp__sweep(struct xnet_dp *dp, const __u32 *net_ids, int n_nets,
	      const __u32 *ep_ifindexes, int n_eps)
{
	struct xnet_endpoint *eps = NULL;
	struct xnet_network *nets = NULL;
	__u32 *net_keys = NULL, *ep_keys = NULL, n_net_keys = 0, n_ep_keys = 0, removed = 0;
	int err;

	/* 1. Whole networks and endpoints the store does not know. */
	err = map_dump(dp->map_fd[M_NETWORKS], sizeof(__u32), sizeof(*nets), (void **)&net_keys,
		       (void **)&nets, &n_net_keys);
	for (__u32 i = 0; !err && i < n_net_keys; i++)
		if (!in_list(net_ids, n_nets, net_keys[i])) {
			err = dp__network_del(dp, net_keys[i]);
			removed++;
		}
	err = err ?: map_dump(dp->map_fd[M_ENDPOINTS], sizeof(__u32), sizeof(*eps), (void **)&ep_keys,
			      (void **)&eps, &n_ep_keys);
	for (__u32 i = 0; !err && i < n_ep_keys; i++)
		if (!in_list(ep_ifindexes, n_eps, ep_keys[i]) || !in_list(net_ids, n_nets, eps[i].net_id)) {
			err = dp__endpoint_del(dp, ep_keys[i]);
			removed++;
		}
	free(ep_keys);
	free(eps);
	ep_keys = NULL;
	eps = NULL;
	/* 2. Stray entries: what is left must agree with the kept endpoints. */
	err = err ?: map_dump(dp->map_fd[M_ENDPOINTS], sizeof(__u32), sizeof(*eps), (void **)&ep_keys,
			      (void **)&eps, &n_ep_keys);
	err = err ?: sweep_fdb(dp, &removed);
	err = err ?: sweep_ip2ep(dp, &removed);
	err = err ?: sweep_net_values(dp, net_ids, n_nets, &removed);
	/* 3. Flood lists: exactly the kept endpoints of each kept network. */
	err = err ?: sweep_ports(dp, &removed);
	for (int i = 0; !err && i < n_nets; i++)
		err = ports_rebuild(dp, net_ids[i], ep_keys, eps, n_ep_keys, &removed);
	err = err ?: sweep_dns(dp, net_ids, n_nets, ep_keys, n_ep_keys, &removed);
	/* 4. The caches, from what is now the truth. */
	err = err ?: dp_cache_rebuild(dp);
	if (err)
		log_error("datapath sweep failed: %s", strerror(-err));
	else if (removed)
		log_info("datapath: sweep removed %u stale entries", removed);
	free(net_keys);
	free(nets);
	free(ep_keys);
	free(eps);
	return err;
}
