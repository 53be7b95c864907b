// SPDX-License-Identifier: GPL-2.0-only
/*
 * network: libnetwork's controller verbs for networks. create checks the
 * request (Docker's rules and messages, then the driver's options), takes
 * the subnet and gateway from IPAM, records the rows and has the driver
 * build the network, all in one transaction; remove, prune, connect and
 * disconnect likewise. A network's devices and datapath entries are made
 * and removed by its driver; the state root is marked dirty first, so that
 * a command killed half-way is repaired by the next one (core/txn.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/network.h"
#include "core/xnet.h"
#include "lib/log.h"
#include "drivers/driver.h"
#include "xnet_abi.h"
#include "core/ipam.h"
#include "lib/util.h"
#include "store/store.h"
#include "store/networks.h"
#include "store/endpoints.h"

bool network__has_endpoints(const struct network *n)
{
	return driver__of(n)->caps & XNET_DRV_ENDPOINTS;
}

struct xnet_driver_ctx network__driver_ctx(struct xnet *x, char *why, size_t whylen)
{
	if (whylen)
		why[0] = 0;
	return (struct xnet_driver_ctx){ .dp = x->dp, .why = why, .whylen = whylen };
}

int network__kernel_apply(struct xnet *x, const struct network *n)
{
	const struct xnet_driver *d = driver__of(n);
	struct xnet_driver_ctx c = network__driver_ctx(x, NULL, 0);

	if (!d->network_create)
		return 0;
	xnet__kernel_touch(x);
	return d->network_create(&c, n);
}

int network__kernel_remove(struct xnet *x, const struct network *n)
{
	const struct xnet_driver *d = driver__of(n);
	struct xnet_driver_ctx c = network__driver_ctx(x, NULL, 0);

	if (!d->network_delete)
		return 0;
	xnet__kernel_touch(x);
	return d->network_delete(&c, n);
}

/* ------------------------------------------------------------ create */

static int insert_kv(struct xnet *x, int (*insert)(struct store *, const char *, const char *, const char *),
		     const char *id, const struct network_kv *kv, int n)
{
	for (int i = 0; i < n; i++)
		if (insert(&x->store, id, kv[i].k, kv[i].v))
			return -EIO;
	return 0;
}

/* Validate everything before touching the store, so a bad flag changes nothing. */
static int create_validate(struct xnet *x, const struct network_req *a, const char *name, struct network *n,
			   uint32_t *aux_ips)
{
	const struct xnet_driver *drv;
	struct xnet_driver_opt opts[NETWORK_MAX_MULTI];
	struct xnet_driver_ctx dc;
	char who[300], ipbuf[16], why[8192];
	uint32_t mask, bcast;

	if (!util__valid_name(name))
		return xerr(x, "invalid network name \"%s\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
	drv = driver__get(a->driver ? a->driver : "bridge");
	if (!drv)
		return xerr(x, "plugin \"%s\" not found", a->driver);
	/* libnetwork's null and host drivers: one network each, the built-in one. */
	if (drv->caps & XNET_DRV_SINGLETON)
		return xerr(x, "only one instance of \"%s\" network is allowed", drv->name);
	if (a->ipv6)
		return xerr(x, "--ipv6 is not supported yet: xnet networks are IPv4 only");
	if (a->nsubnet > 1)
		return xerr(x, "multiple IPv4 subnets per network are not supported (got %d --subnet)", a->nsubnet);
	if (a->ngateway > 1 || a->nrange > 1)
		return xerr(x, "only one --gateway and one --ip-range per subnet");
	if ((a->gateway || a->ip_range || a->naux) && !a->subnet)
		return xerr(x, "%s requires --subnet", a->gateway ? "--gateway" : a->ip_range ? "--ip-range" : "--aux-address");

	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->driver, sizeof(n->driver), "%s", drv->name);
	n->icc = n->masq = true;
	n->mtu = 1500;
	n->internal = a->internal;
	n->attachable = a->attachable;

	for (int i = 0; i < a->nopts; i++)
		opts[i] = (struct xnet_driver_opt){ .key = a->opts[i].k, .value = a->opts[i].v };
	dc = network__driver_ctx(x, why, sizeof(why));
	if (drv->validate && drv->validate(&dc, n, opts, a->nopts))
		return xerr(x, "%s", why);

	if (a->subnet) {
		int rc = util__parse_cidr(a->subnet, &n->subnet, &n->prefix);

		if (rc)
			return xerr(x, "invalid CIDR address: %s", a->subnet);
		mask = util__mask(n->prefix);
		if (n->subnet & ~mask) {
			util__ip_str(n->subnet & mask, ipbuf);
			return xerr(x, "invalid subnet %s: it should be %s/%d", a->subnet, ipbuf, n->prefix);
		}
		if (util__prefix_reserved(n->subnet, n->prefix, who, sizeof(who)))
			return xerr(x, "invalid subnet %s: it overlaps %s", a->subnet, who);
		if (n->prefix > 30)
			return xerr(x, "invalid subnet %s: prefix too long, a network needs room for a gateway and endpoints",
				    a->subnet);
		if (ipam__overlaps(x, n->subnet, n->prefix, who, sizeof(who)))
			return xerr(x, "invalid pool request: Pool overlaps with other one on this address space (%s overlaps %s)",
				    a->subnet, who);
		rc = ipam__host_overlap(n->subnet, n->prefix, who, sizeof(who));
		if (rc < 0)
			return xerr(x, "cannot list the host's addresses and routes: %s", strerror(-rc));
		if (rc)
			return xerr(x, "subnet %s overlaps the host's %s", a->subnet, who);
	} else {
		int rc = ipam__pick_pool(x, &n->subnet, &n->prefix);

		if (rc == -ENOSPC)
			return xerr(x, "could not find an available, non-overlapping IPv4 address pool among the defaults to "
				       "assign to the network: all predefined address pools have been fully subnetted");
		if (rc)
			return xerr(x, "cannot list the host's addresses and routes: %s", strerror(-rc));
		mask = util__mask(n->prefix);
	}
	bcast = n->subnet | ~mask;
	n->range_start = n->subnet + 1;
	n->range_end = bcast - 1;
	if (a->ip_range) {
		uint32_t r;
		int rp;

		if (util__parse_cidr(a->ip_range, &r, &rp))
			return xerr(x, "invalid CIDR address: %s", a->ip_range);
		if (util__prefix_reserved(r, rp, who, sizeof(who)))
			return xerr(x, "invalid ip-range %s: it overlaps %s", a->ip_range, who);
		if (rp < n->prefix || (r & util__mask(n->prefix)) != n->subnet || (r & ~util__mask(rp)))
			return xerr(x, "no matching subnet for range %s", a->ip_range);
		snprintf(n->ip_range, sizeof(n->ip_range), "%s", a->ip_range);
		n->range_start = r > n->subnet ? r : n->subnet + 1;
		n->range_end = (r | ~util__mask(rp)) < bcast ? (r | ~util__mask(rp)) : bcast - 1;
		if (n->range_start > n->range_end)
			return xerr(x, "invalid ip-range %s: no usable address", a->ip_range);
	}
	for (int i = 0; i < a->naux; i++) {
		if (util__parse_ip(a->aux[i].v, &aux_ips[i]))
			return xerr(x, "invalid aux-address %s=%s: not an IPv4 address", a->aux[i].k, a->aux[i].v);
		if (util__prefix_reserved(aux_ips[i], 32, who, sizeof(who)))
			return xerr(x, "invalid aux-address %s=%s: it is in %s", a->aux[i].k, a->aux[i].v, who);
		if ((aux_ips[i] & mask) != n->subnet)
			return xerr(x, "no matching subnet for aux-address %s", a->aux[i].v);
	}
	if (a->gateway) {
		if (util__parse_ip(a->gateway, &n->gateway))
			return xerr(x, "invalid gateway address %s: not an IPv4 address", a->gateway);
		if (util__prefix_reserved(n->gateway, 32, who, sizeof(who)))
			return xerr(x, "invalid gateway address %s: it is in %s", a->gateway, who);
		if ((n->gateway & mask) != n->subnet || n->gateway == n->subnet || n->gateway == bcast)
			return xerr(x, "no matching subnet for gateway %s", a->gateway);
		for (int i = 0; i < a->naux; i++)
			if (aux_ips[i] == n->gateway)
				return xerr(x, "gateway %s is also given as aux-address %s", a->gateway, a->aux[i].k);
	} else {
		/* Lowest address of the range not taken by an aux-address. */
		for (uint32_t ip = n->range_start; ip <= n->range_end; ip++) {
			bool taken = false;

			for (int i = 0; i < a->naux; i++)
				taken |= aux_ips[i] == ip;
			if (!taken) {
				n->gateway = ip;
				break;
			}
		}
		if (!n->gateway)
			return xerr(x, "no address left for the gateway in %s", a->ip_range ? a->ip_range : a->subnet);
	}
	return 0;
}

int network__add(struct xnet *x, const struct network_req *a, struct network *out)
{
	uint32_t aux_ips[NETWORK_MAX_MULTI];
	struct network n, existing;
	int rc = 1;

	if (store__network_get(&x->store, a->name, &existing) == 0 && !strcmp(existing.name, a->name)) {
		xerr(x, "network with name %s already exists", a->name);
		goto out_fail;
	}
	if (create_validate(x, a, a->name, &n, aux_ips))
		goto out_fail;
	util__random_id(n.id);
	util__now_rfc3339(n.created, sizeof(n.created));
	n.kidx = ipam__alloc_kidx(x);
	if (n.kidx < 0) {
		xerr(x, "too many networks on this host (at most %d)", XNET_MAX_NETWORKS - 1);
		goto out_fail;
	}
	rc = store__network_insert(&x->store, &n);
	if (!rc)
		rc = insert_kv(x, store__network_label_insert, n.id, a->labels, a->nlabels);
	if (!rc)
		rc = insert_kv(x, store__network_option_insert, n.id, a->opts, a->nopts);
	for (int k = 0; !rc && k < a->naux; k++)
		rc = store__network_aux_insert(&x->store, n.id, a->aux[k].k, aux_ips[k]);
	if (rc) {
		xerr(x, "cannot record network %s in %s", n.name, x->store.path);
		rc = 1;
		goto out_fail;
	}
	util__failpoint("network-create-before-kernel");
	if (network__kernel_apply(x, &n)) {
		xerr(x, "cannot create the datapath of network %s (see the log above)", n.name);
		rc = 1;
		goto out_fail;
	}
	*out = n;
	return 0;
out_fail:
	return -1;
}

void network__req_free(struct network_req *r)
{
	for (int k = 0; k < r->naux; k++) free(r->aux[k].k), free(r->aux[k].v);
	for (int k = 0; k < r->nlabels; k++) free(r->labels[k].k), free(r->labels[k].v);
	for (int k = 0; k < r->nopts; k++) free(r->opts[k].k), free(r->opts[k].v);
}

/* ------------------------------------------------------------ remove */

static int endpoint_names(struct xnet *x, const struct network *n, struct strbuf *out)
{
	struct store_member *m;
	int cnt;

	if (store__network_members(&x->store, n->id, STORE_MEMBERS_BY_NAME, &m, &cnt))
		return -1;
	for (int i = 0; i < cnt; i++)
		util__sb_add(out, ", ", "%s", m[i].name);
	free(m);
	/* Sandboxes in "container:" mode of a member count as users too, but have no endpoint. */
	return cnt;
}

/* Remove one custom network without endpoints; the caller holds the transaction. */
int network__remove_one(struct xnet *x, const struct network *n)
{
	int rc;

	if (network__kernel_remove(x, n))
		return xerr(x, "cannot remove the datapath of network %s", n->name);
	rc = store__network_delete(&x->store, n->id) ? -1 : 0;
	if (!rc)
		log_info("removed network %s (%s)", n->name, n->id);
	return rc;
}

int network__delete(struct xnet *x, const struct network *n)
{
	struct strbuf names = { 0 };
	int cnt;

	if (n->builtin)
		return xerr(x, "%s is a pre-defined network and cannot be removed", n->name);
	cnt = endpoint_names(x, n, &names);
	if (cnt != 0) {
		xerr(x, "error while removing network: network %s has active endpoints (%s)", n->name,
		     util__sb_str(&names));
		util__sb_free(&names);
		return -1;
	}
	return network__remove_one(x, n);
}
