// SPDX-License-Identifier: GPL-2.0-only
/*
 * ipam: address management, Docker's "default" IPAM driver rules.
 * Subnets never overlap on one host; endpoints get the lowest free address
 * of the network's range, skipping network, broadcast, gateway and
 * --aux-address entries; freed addresses are reused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include "kernel/netlink.h"
#include "core/xnet.h"
#include "xnet_abi.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/networks.h"

/* Docker's default address pools, in order (daemon/config defaults). */
static const struct { uint32_t base; int prefix; int size; } pools[] = {
	{ 0xac110000, 16, 16 },	/* 172.17.0.0/16 */
	{ 0xac120000, 16, 16 },	/* 172.18.0.0/16 */
	{ 0xac130000, 16, 16 },	/* 172.19.0.0/16 */
	{ 0xac140000, 14, 16 },	/* 172.20.0.0/14 in /16s */
	{ 0xac180000, 14, 16 },	/* 172.24.0.0/14 in /16s */
	{ 0xac1c0000, 14, 16 },	/* 172.28.0.0/14 in /16s */
	{ 0xc0a80000, 16, 20 },	/* 192.168.0.0/16 in /20s */
};

bool ipam__overlaps(struct xnet *x, uint32_t subnet, int prefix, char *who, size_t wholen)
{
	struct network *nets;
	bool hit = false;
	int nn;

	if (store__networks_list(&x->store, STORE_NETWORKS_ADDRESSED, &nets, &nn))
		return true;
	for (int i = 0; !hit && i < nn; i++) {
		uint32_t s = nets[i].subnet;
		int p = nets[i].prefix;

		if (util__prefix_overlap(subnet, prefix, s, p)) {
			char ip[16];

			util__ip_str(s, ip);
			snprintf(who, wholen, "network %s (%s/%d)", nets[i].name, ip, p);
			hit = true;
		}
	}
	free(nets);
	return hit;
}

/* A prefix the host itself uses: an address of one of its devices, or a route. */
struct host_prefix {
	uint32_t net;		/* host order; an address as it is */
	int prefix;
	char desc[128];
};

/*
 * Every IPv4 address of the host's devices and every route of its main
 * table but the default ones, leaving out our own gateway devices (other
 * networks are the store's business). A network there would take the
 * host's own address as its gateway, or pull traffic off a route.
 */
static int host_prefixes(struct host_prefix **out, int *n)
{
	struct nl_addr4 *addrs = NULL;
	struct nl_route4 *routes = NULL;
	struct host_prefix *v;
	int na = 0, nr = 0, rc, k = 0;
	size_t glen = strlen(XNET_GW_PREFIX);

	*out = NULL;
	*n = 0;
	rc = nl__addrs_v4(&addrs, &na);
	rc = rc ?: nl__routes_v4(&routes, &nr);
	v = rc ? NULL : calloc((size_t)(na + nr) + 1, sizeof(*v));
	if (!v) {
		free(addrs);
		free(routes);
		return rc ?: -ENOMEM;
	}
	for (int i = 0; i < na; i++) {
		char name[IF_NAMESIZE] = "?", ip[16];

		if_indextoname((unsigned)addrs[i].ifindex, name);
		if (!strncmp(name, XNET_GW_PREFIX, glen))
			continue;
		v[k].net = ntohl(addrs[i].addr.s_addr);
		v[k].prefix = addrs[i].prefixlen;
		util__ip_str(v[k].net, ip);
		snprintf(v[k].desc, sizeof(v[k].desc), "address %s/%d on %s", ip, v[k].prefix, name);
		k++;
	}
	for (int i = 0; i < nr; i++) {
		char name[IF_NAMESIZE] = "", ip[16], via[32] = "", dev[32] = "", type[24] = "";

		if (routes[i].ifindex > 0 && if_indextoname((unsigned)routes[i].ifindex, name) &&
		    !strncmp(name, XNET_GW_PREFIX, glen))
			continue;
		v[k].net = ntohl(routes[i].dst.s_addr);
		v[k].prefix = routes[i].prefixlen;
		util__ip_str(v[k].net, ip);
		if (routes[i].gateway.s_addr) {
			char gw[16];

			util__ip_str(ntohl(routes[i].gateway.s_addr), gw);
			snprintf(via, sizeof(via), " via %s", gw);
		}
		if (name[0])
			snprintf(dev, sizeof(dev), " dev %s", name);
		if (routes[i].type == RTN_BLACKHOLE)
			snprintf(type, sizeof(type), " (blackhole)");
		else if (routes[i].type == RTN_UNREACHABLE)
			snprintf(type, sizeof(type), " (unreachable)");
		else if (routes[i].type == RTN_PROHIBIT)
			snprintf(type, sizeof(type), " (prohibit)");
		snprintf(v[k].desc, sizeof(v[k].desc), "route %s/%d%s%s%s", ip, v[k].prefix, via, dev, type);
		k++;
	}
	free(addrs);
	free(routes);
	*out = v;
	*n = k;
	return 0;
}

static const struct host_prefix *host_hit(const struct host_prefix *v, int n, uint32_t subnet, int prefix)
{
	for (int i = 0; i < n; i++)
		if (util__prefix_overlap(subnet, prefix, v[i].net, v[i].prefix))
			return &v[i];
	return NULL;
}

int ipam__host_overlap(uint32_t subnet, int prefix, char *who, size_t wholen)
{
	const struct host_prefix *hit;
	struct host_prefix *v;
	int n, rc = host_prefixes(&v, &n);

	if (rc)
		return rc;
	hit = host_hit(v, n, subnet, prefix);
	if (hit)
		snprintf(who, wholen, "%s", hit->desc);
	free(v);
	return hit ? 1 : 0;
}

int ipam__pick_pool(struct xnet *x, uint32_t *subnet, int *prefix)
{
	struct host_prefix *host;
	int nhost, rc;
	char who[300];

	/* Docker skips pools that overlap the host's own routes; its addresses too (a /32 has no route). */
	rc = host_prefixes(&host, &nhost);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		uint32_t n = 1u << (pools[i].size - pools[i].prefix);

		for (uint32_t k = 0; k < n; k++) {
			uint32_t s = pools[i].base + (k << (32 - pools[i].size));

			if (ipam__overlaps(x, s, pools[i].size, who, sizeof(who)) ||
			    host_hit(host, nhost, s, pools[i].size))
				continue;
			*subnet = s;
			*prefix = pools[i].size;
			free(host);
			return 0;
		}
	}
	free(host);
	return -ENOSPC;
}

/* Is ip reserved in n (network, broadcast, gateway, aux) or used by an endpoint? */
static int ip_state(struct xnet *x, const struct network *n, uint32_t ip)
{
	uint32_t mask = util__mask(n->prefix);

	if (ip == n->subnet || ip == (n->subnet | ~mask) || ip == n->gateway)
		return 1;
	return store__network_ip_user(&x->store, n->id, ip);
}

int ipam__allocate(struct xnet *x, const struct network *n, uint32_t *out)
{
	uint32_t *taken;
	int ntaken, rc;

	if (store__network_ips_taken(&x->store, n, &taken, &ntaken))
		return -EIO;
	rc = util__lowest_free(n->range_start, n->range_end, n->subnet | ~util__mask(n->prefix), taken, ntaken, out);
	free(taken);
	return rc;
}

int ipam__check_user_ip(struct xnet *x, const struct network *n, uint32_t ip, const char *given)
{
	int s;

	if ((ip & util__mask(n->prefix)) != n->subnet)
		return xerr(x, "Invalid address %s: It does not belong to any of this network's subnets", given);
	s = ip_state(x, n, ip);
	if (s < 0)
		return xerr(x, "cannot read the store");
	if (s)
		return xerr(x, "Address already in use: %s is %s on network %s", given,
			    s == 2 ? "taken by another endpoint" : "reserved", n->name);
	return 0;
}

int ipam__alloc_kidx(struct xnet *x)
{
	int *used, nused, cand = 1;

	if (store__network_kidx_list(&x->store, &used, &nused))
		return -EIO;
	for (int i = 0; i < nused; i++) {
		int k = used[i];

		if (k == cand)
			cand++;
		else if (k > cand)
			break;
	}
	free(used);
	return cand < XNET_MAX_NETWORKS ? cand : -ENOSPC;
}
