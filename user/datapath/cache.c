// SPDX-License-Identifier: GPL-2.0-only
/*
 * datapath caches: the array maps the programs try before the ABI hash maps
 * (headers/xnet_cache.h says why), and xnet_xdp_tx, the endpoints an XDP
 * redirect can reach. All of it is derived from the ABI maps: written beside
 * them, and rebuilt from them after a reload and in the sweep.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/internal.h"
#include "kernel/netdev.h"
#include "lib/log.h"

/* ------------------------------------------------------------ caches */

void dp_ifc_from_network(struct xnet_if_cache *c, __u16 kind, __u32 net_id,
			 const struct xnet_network *net)
{
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->net_flags = net->flags;
	c->net_id = net_id;
	memcpy(c->gw_mac, net->gw_mac, 6);
	c->gw_ifindex = net->gw_ifindex;
	c->subnet = net->subnet;
	c->mask = net->mask;
	c->gw_ip = net->gw_ip;
}

void dp_ifc_from_endpoint(struct xnet_if_cache *c, const struct xnet_endpoint *ep,
			  const struct xnet_network *net)
{
	dp_ifc_from_network(c, XNET_IFC_ENDPOINT, ep->net_id, net);
	c->ip = ep->ip;
	memcpy(c->mac, ep->mac, 6);
	c->ep_flags = ep->flags;
}

static void dst_from_endpoint(struct xnet_dst_cache *d, __u32 ifindex, const struct xnet_endpoint *ep)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->mac, ep->mac, 6);
	d->valid = 1;
	d->ip = ep->ip;
	d->ifindex = ifindex;
	d->net_id = ep->net_id;
}

/* The same loads the program does (lib/lookup.h dst_by_mac), done on our side. */
__u32 dp_mac_slot(const __u8 *mac)
{
	__u32 lo;
	__u16 hi;

	memcpy(&lo, mac + 2, 4);
	memcpy(&hi, mac, 2);
	return xnet_mac_slot(lo, hi);
}

/* Does the device a cache slot names still hold that role in the ABI maps? */
static bool ifc_owner_alive(struct xnet_dp *dp, const struct xnet_if_cache *c)
{
	struct xnet_endpoint ep;
	__u32 net_id;

	if (c->kind == XNET_IFC_ENDPOINT)
		return !map_lookup(dp, M_ENDPOINTS, &c->ifindex, &ep);
	if (c->kind == XNET_IFC_GATEWAY)
		return !map_lookup(dp, M_GATEWAYS, &c->ifindex, &net_id);
	return false;
}

/* Describe ifindex in its slot, unless another live device holds the slot (it keeps it). */
int dp_ifc_set(struct xnet_dp *dp, __u32 ifindex, const struct xnet_if_cache *c)
{
	__u32 slot = xnet_if_slot(ifindex);
	struct xnet_if_cache cur, want = *c;

	want.ifindex = ifindex;
	if (!map_lookup(dp, M_IFCACHE, &slot, &cur)) {
		if (cur.kind != XNET_IFC_NONE && cur.ifindex != ifindex && ifc_owner_alive(dp, &cur)) {
			log_debug("datapath: ifcache slot %u is taken by ifindex %u; ifindex %u uses the hash maps",
				  slot, cur.ifindex, ifindex);
			return 0;
		}
		if (!memcmp(&cur, &want, sizeof(want)))
			return 0;
	}
	return map_update(dp, M_IFCACHE, &slot, &want);
}

/* Clear ifindex's cache entry if it is of this kind (and network, unless net_id is NULL). */
int dp_ifc_clear(struct xnet_dp *dp, __u32 ifindex, __u16 kind, const __u32 *net_id)
{
	__u32 slot = xnet_if_slot(ifindex);
	struct xnet_if_cache c, zero = {};

	if (map_lookup(dp, M_IFCACHE, &slot, &c) || c.ifindex != ifindex)
		return 0;
	if (c.kind != kind || (net_id && c.net_id != *net_id))
		return 0;
	return map_update(dp, M_IFCACHE, &slot, &zero);
}

/* Claim the slot for ep unless another live endpoint holds it (that one keeps it: first come). */
int dp_dst_claim(struct xnet_dp *dp, enum dp_map m, __u32 slot, __u32 ifindex,
		 const struct xnet_endpoint *ep)
{
	struct xnet_dst_cache cur, want;
	struct xnet_endpoint owner;

	dst_from_endpoint(&want, ifindex, ep);
	if (!map_lookup(dp, m, &slot, &cur) && cur.valid && cur.ifindex != ifindex &&
	    !map_lookup(dp, M_ENDPOINTS, &cur.ifindex, &owner) &&
	    (m == M_MACCACHE ? !memcmp(owner.mac, cur.mac, 6) : owner.ip == cur.ip)) {
		log_debug("datapath: %s slot %u is taken by ifindex %u; ifindex %u uses the hash maps",
			  map_names[m], slot, cur.ifindex, ifindex);
		return 0;
	}
	if (!memcmp(&cur, &want, sizeof(want)))
		return 0;
	return map_update(dp, m, &slot, &want);
}

/* Release ifindex's slot and hand it to another endpoint that hashes there, if any. */
int dp_dst_release(struct xnet_dp *dp, enum dp_map m, __u32 slot, __u32 ifindex)
{
	struct xnet_dst_cache cur, zero = {};
	struct xnet_endpoint *eps;
	__u32 *keys, n;
	int err;

	if (map_lookup(dp, m, &slot, &cur) || !cur.valid || cur.ifindex != ifindex)
		return 0;
	err = map_update(dp, m, &slot, &zero);
	if (err)
		return err;
	if (map_dump(dp->map_fd[M_ENDPOINTS], sizeof(__u32), sizeof(*eps), (void **)&keys,
		     (void **)&eps, &n))
		return 0;	/* the slot stays empty: slower, still right */
	for (__u32 i = 0; i < n; i++) {
		__u32 s = m == M_MACCACHE ? dp_mac_slot(eps[i].mac) : xnet_ip_slot(eps[i].ip);

		if (keys[i] != ifindex && s == slot) {
			err = dp_dst_claim(dp, m, slot, keys[i], &eps[i]);
			break;
		}
	}
	free(keys);
	free(eps);
	return err;
}

/* Rewrite the cache entries of every endpoint of net_id (network facts changed). */
int dp_ifc_refresh_network(struct xnet_dp *dp, __u32 net_id, const struct xnet_network *net)
{
	struct xnet_endpoint *eps;
	__u32 *keys, n;
	int err = map_dump(dp->map_fd[M_ENDPOINTS], sizeof(__u32), sizeof(*eps), (void **)&keys,
			   (void **)&eps, &n);

	for (__u32 i = 0; !err && i < n; i++) {
		struct xnet_if_cache c;

		if (eps[i].net_id != net_id)
			continue;
		if (net) {
			dp_ifc_from_endpoint(&c, &eps[i], net);
			err = dp_ifc_set(dp, keys[i], &c);
		} else {
			err = dp_ifc_clear(dp, keys[i], XNET_IFC_ENDPOINT, &net_id);
		}
	}
	free(keys);
	free(eps);
	return err;
}

/*
 * Recompute all three caches from the ABI maps and write the difference
 * (after a reload, and in the sweep): whatever happened before, afterwards
 * every cache entry says what the ABI maps say.
 */
struct ep_ref {
	__u32 ifindex;
	const struct xnet_endpoint *ep;
};

static int ep_ref_cmp(const void *a, const void *b)
{
	__u32 x = ((const struct ep_ref *)a)->ifindex, y = ((const struct ep_ref *)b)->ifindex;

	return x < y ? -1 : x > y;
}

static int xdp_tx_rebuild(struct xnet_dp *dp, const struct ep_ref *order, __u32 n_eps, __u32 *changed);

int dp_cache_rebuild(struct xnet_dp *dp)
{
	struct ep_ref *order = NULL;
	struct xnet_if_cache *ifc_want = NULL, *ifc_have = NULL;
	struct xnet_dst_cache *mac_want = NULL, *ip_want = NULL, *dst_have = NULL;
	struct xnet_network *nets = NULL;
	struct xnet_endpoint *eps = NULL;
	__u32 *net_keys = NULL, *ep_keys = NULL, *gw_keys = NULL, *gw_vals = NULL, *keys = NULL;
	__u32 n_nets, n_eps, n_gws, n, changed = 0;
	int err;

	ifc_want = calloc(XNET_IFCACHE_SLOTS, sizeof(*ifc_want));
	mac_want = calloc(XNET_DST_CACHE_SLOTS, sizeof(*mac_want));
	ip_want = calloc(XNET_DST_CACHE_SLOTS, sizeof(*ip_want));
	if (!ifc_want || !mac_want || !ip_want) {
		err = -ENOMEM;
		goto out;
	}
	err = map_dump(dp->map_fd[M_NETWORKS], sizeof(__u32), sizeof(*nets), (void **)&net_keys,
		       (void **)&nets, &n_nets);
	err = err ?: map_dump(dp->map_fd[M_ENDPOINTS], sizeof(__u32), sizeof(*eps), (void **)&ep_keys,
			      (void **)&eps, &n_eps);
	err = err ?: map_dump(dp->map_fd[M_GATEWAYS], sizeof(__u32), sizeof(__u32), (void **)&gw_keys,
			      (void **)&gw_vals, &n_gws);
	if (err)
		goto out;

	/* Gateways first (few, and every packet from the host passes one). */
	for (__u32 g = 0; g < n_gws; g++) {
		struct xnet_if_cache *w = &ifc_want[xnet_if_slot(gw_keys[g])];

		for (__u32 i = 0; i < n_nets && w->kind == XNET_IFC_NONE; i++)
			if (net_keys[i] == gw_vals[g]) {
				dp_ifc_from_network(w, XNET_IFC_GATEWAY, net_keys[i], &nets[i]);
				w->ifindex = gw_keys[g];
			}
	}
	/* Lowest ifindex first, so that who owns a contended slot does not depend on hash order. */
	order = calloc(n_eps ? n_eps : 1, sizeof(*order));
	if (!order) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 i = 0; i < n_eps; i++)
		order[i] = (struct ep_ref){ ep_keys[i], &eps[i] };
	qsort(order, n_eps, sizeof(*order), ep_ref_cmp);
	for (__u32 o = 0; o < n_eps; o++) {
		__u32 ifindex = order[o].ifindex, ms, is;
		const struct xnet_endpoint *ep = order[o].ep;
		struct xnet_if_cache *w = &ifc_want[xnet_if_slot(ifindex)];

		for (__u32 i = 0; i < n_nets && w->kind == XNET_IFC_NONE; i++)
			if (net_keys[i] == ep->net_id) {
				dp_ifc_from_endpoint(w, ep, &nets[i]);
				w->ifindex = ifindex;
			}
		ms = dp_mac_slot(ep->mac);
		is = xnet_ip_slot(ep->ip);
		if (!mac_want[ms].valid)
			dst_from_endpoint(&mac_want[ms], ifindex, ep);
		if (!ip_want[is].valid)
			dst_from_endpoint(&ip_want[is], ifindex, ep);
	}

	/* Write the differences. */
	err = map_dump(dp->map_fd[M_IFCACHE], sizeof(__u32), sizeof(*ifc_have), (void **)&keys,
		       (void **)&ifc_have, &n);
	for (__u32 i = 0; !err && i < n; i++) {
		if (keys[i] >= XNET_IFCACHE_SLOTS || !memcmp(&ifc_have[i], &ifc_want[keys[i]], sizeof(*ifc_have)))
			continue;
		err = map_update(dp, M_IFCACHE, &keys[i], &ifc_want[keys[i]]);
		changed++;
	}
	free(keys);
	keys = NULL;
	for (int m = M_MACCACHE; !err && m <= M_IPCACHE; m++) {
		struct xnet_dst_cache *want = m == M_MACCACHE ? mac_want : ip_want;

		err = map_dump(dp->map_fd[m], sizeof(__u32), sizeof(*dst_have), (void **)&keys,
			       (void **)&dst_have, &n);
		for (__u32 i = 0; !err && i < n; i++) {
			if (keys[i] >= XNET_DST_CACHE_SLOTS ||
			    !memcmp(&dst_have[i], &want[keys[i]], sizeof(*dst_have)))
				continue;
			err = map_update(dp, (enum dp_map)m, &keys[i], &want[keys[i]]);
			changed++;
		}
		free(keys);
		free(dst_have);
		keys = NULL;
		dst_have = NULL;
	}
	err = err ?: xdp_tx_rebuild(dp, order, n_eps, &changed);
	if (!err && changed)
		log_info("datapath: rebuilt fast-path caches (%u entries changed)", changed);
out:
	free(order);
	free(ifc_want);
	free(ifc_have);
	free(mac_want);
	free(ip_want);
	free(dst_have);
	free(net_keys);
	free(nets);
	free(ep_keys);
	free(eps);
	free(gw_keys);
	free(gw_vals);
	free(keys);
	if (err)
		log_error("cannot rebuild the datapath caches: %s", strerror(-err));
	return err;
}

/* ------------------------------------------------------------ xdp_tx */

/*
 * What xnet_xdp_tx should say about endpoint ifindex: filled in *tx when an
 * XDP redirect to it reaches the sandbox, zeroed (with the reason in why)
 * otherwise. ns: an open netdev__open() socket, or NULL when the kernel has
 * no netdev family (or it could not be opened).
 */
static void xdp_tx_probe(struct netdev_sock *ns, __u32 ifindex, struct xnet_xdp_tx *tx, const char **why)
{
	uint64_t features = 0;
	uint32_t mtu = 0;

	memset(tx, 0, sizeof(*tx));
	if (!ns) {
		*why = "the kernel does not report XDP features (netdev genetlink family)";
	} else if (netdev__xdp_features(ns, ifindex, &features)) {
		*why = "its XDP features cannot be read";
	} else if (!(features & NETDEV_XDP_NDO_XMIT)) {
		*why = "its peer in the sandbox has no NAPI (GRO off)";
	} else if (netdev__mtu(ifindex, &mtu)) {
		*why = "its MTU cannot be read";
	} else {
		tx->ifindex = ifindex;
		tx->mtu = mtu;
		*why = NULL;
	}
}

/* Does another endpoint, still in xnet_endpoints, own this xnet_xdp_tx slot? */
static bool xdp_tx_taken(struct xnet_dp *dp, __u32 slot, __u32 ifindex)
{
	struct xnet_endpoint ep;
	struct xnet_xdp_tx cur;

	return !map_lookup(dp, M_XDP_TX, &slot, &cur) && cur.ifindex && cur.ifindex != ifindex &&
	       !map_lookup(dp, M_ENDPOINTS, &cur.ifindex, &ep);
}

/* Probe endpoint ifindex and write its xnet_xdp_tx slot (first come keeps a shared slot). */
int dp_xdp_tx_set(struct xnet_dp *dp, __u32 ifindex)
{
	__u32 slot = xnet_if_slot(ifindex);
	struct xnet_xdp_tx want, cur = { 0 };
	char name[IF_NAMESIZE];
	struct netdev_sock *ns;
	const char *why;

	netdev__open(&ns);	/* NULL when it cannot: the probe says why */
	xdp_tx_probe(ns, ifindex, &want, &why);
	netdev__close(ns);
	if (xdp_tx_taken(dp, slot, ifindex))
		return 0;
	map_lookup(dp, M_XDP_TX, &slot, &cur);
	if (!memcmp(&cur, &want, sizeof(want)) || (!want.ifindex && cur.ifindex != ifindex))
		return 0;
	if (why)
		log_info("datapath: endpoint %s (ifindex %u) takes published traffic through tc only: %s",
			 dp_ifname(ifindex, name), ifindex, why);
	else
		log_debug("datapath: endpoint %s (ifindex %u) on the XDP fast path (MTU %u)",
			  dp_ifname(ifindex, name), ifindex, want.mtu);
	return map_update(dp, M_XDP_TX, &slot, &want);
}

int dp_xdp_tx_clear(struct xnet_dp *dp, __u32 ifindex)
{
	__u32 slot = xnet_if_slot(ifindex);
	struct xnet_xdp_tx cur, zero = { 0 };

	if (map_lookup(dp, M_XDP_TX, &slot, &cur) || cur.ifindex != ifindex)
		return 0;
	return map_update(dp, M_XDP_TX, &slot, &zero);
}

/*
 * The whole xnet_xdp_tx from the endpoints (lowest ifindex first, as the
 * caches), written where it differs. Part of dp_cache_rebuild.
 */
static int xdp_tx_rebuild(struct xnet_dp *dp, const struct ep_ref *order, __u32 n_eps, __u32 *changed)
{
	struct xnet_xdp_tx *want = calloc(XNET_IFCACHE_SLOTS, sizeof(*want)), *have = NULL;
	struct netdev_sock *ns;
	__u32 *keys = NULL, n;
	int err;

	if (!want)
		return -ENOMEM;
	netdev__open(&ns);
	for (__u32 o = 0; o < n_eps; o++) {
		struct xnet_xdp_tx *w = &want[xnet_if_slot(order[o].ifindex)];
		const char *why;

		if (!w->ifindex)
			xdp_tx_probe(ns, order[o].ifindex, w, &why);
	}
	netdev__close(ns);
	err = map_dump(dp->map_fd[M_XDP_TX], sizeof(__u32), sizeof(*have), (void **)&keys, (void **)&have, &n);
	for (__u32 i = 0; !err && i < n; i++) {
		if (keys[i] >= XNET_IFCACHE_SLOTS || !memcmp(&have[i], &want[keys[i]], sizeof(*have)))
			continue;
		err = map_update(dp, M_XDP_TX, &keys[i], &want[keys[i]]);
		(*changed)++;
	}
	free(keys);
	free(have);
	free(want);
	return err;
}
