// SPDX-License-Identifier: GPL-2.0-only
/*
 * reconcile: the kernel state is derived from the store.
 *
 * reconcile__all() makes the kernel match the store, whatever happened
 * before: it (re)creates gateway devices, sandbox namespaces and endpoint
 * veths that are missing, re-writes every map entry and re-attaches the
 * programs, then removes what the store does not know (links with our
 * prefixes, namespace files, state directories, map entries). It runs after a
 * command died half-way (the dirty marker), after a reboot (bpffs empty), on
 * a new build of the BPF programs, on any failed command, and on demand with
 * `xnet system reconcile`. The normal command path uses the same per-object
 * functions, so both paths are exercised by every test.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "datapath/datapath.h"
#include "core/dns.h"
#include "core/host.h"
#include "lib/log.h"
#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "core/ports.h"
#include "core/xnet.h"
#include "core/endpoint.h"
#include "core/sandbox.h"
#include "lib/util.h"
#include "store/store.h"
#include "xnet_abi.h"
#include "drivers/driver.h"
#include "core/network.h"
#include "store/networks.h"
#include "store/sandboxes.h"

/* ------------------------------------------------------------- the sweep */

/* A set of names: link names (15) or ids (64). */
struct names { char (*v)[XNET_ID_LEN + 1]; const char **p; int n, cap; };

static void names_add(struct names *s, const char *name)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = realloc(s->v, sizeof(*s->v) * (size_t)s->cap);
	}
	snprintf(s->v[s->n++], XNET_ID_LEN + 1, "%s", name);
}

static bool names_has(const struct names *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], name))
			return true;
	return false;
}

/* The names as a driver's keep set (valid until the next names_add). */
static struct xnet_names names_view(struct names *s)
{
	s->p = realloc(s->p, sizeof(*s->p) * (size_t)(s->n + 1));
	for (int i = 0; i < s->n; i++)
		s->p[i] = s->v[i];
	return (struct xnet_names){ .v = s->p, .n = s->n };
}

/* Remove entries of dir (namespaces or state directories) whose name is not a known id. */
static void sweep_dir(struct xnet *x, const char *dir, const struct names *ids, bool namespaces)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char path[PATH_MAX];

		if (de->d_name[0] == '.' || names_has(ids, de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		log_info("reconcile: removing leftover %s %s", namespaces ? "namespace" : "state", path);
		if (namespaces) {
			container__kill_netns(x, path, SIGKILL);
			netns__delete(path);
		} else {
			util__rm_rf(path);
		}
	}
	if (d)
		closedir(d);
}

/* Every driver removes its devices that no network or endpoint of the store names. */
static void sweep_drivers(struct xnet *x, const struct network *nets, int nnets, struct names *links)
{
	struct xnet_driver_ctx c = network__driver_ctx(x, NULL, 0);
	struct xnet_names keep = names_view(links);

	for (int i = 0; xnet_drivers[i]; i++) {
		const struct xnet_driver *d = xnet_drivers[i];
		struct network *mine = calloc((size_t)nnets + 1, sizeof(*mine));
		int n = 0;

		if (!d->sweep || !mine) {
			free(mine);
			continue;
		}
		for (int k = 0; k < nnets; k++)
			if (driver__of(&nets[k]) == d)
				mine[n++] = nets[k];
		d->sweep(&c, mine, n, &keep);
		free(mine);
	}
}

int reconcile__all(struct xnet *x)
{
	struct names links = { 0 }, ids = { 0 };
	struct network *nets = NULL;
	struct container *ctrs;
	__u32 *kidx = NULL, *ifx = NULL;
	int nk = 0, ni = 0, cap_i = 0, nn = 0, nc, rc = 0;

	if (!x->dp && xnet__datapath(x, NULL))
		return -1;
	xnet__kernel_touch(x);

	/* 1. Networks: each driver restores its devices and datapath entries. */
	if (store__networks_list(&x->store, STORE_NETWORKS_BY_KIDX, &nets, &nn))
		return -EIO;
	for (int i = 0; i < nn; i++) {
		const struct network *n = &nets[i];

		if (!driver__of(n)->network_create)
			continue;
		if (network__kernel_apply(x, n)) {
			log_error("reconcile: cannot restore network %s", n->name);
			rc = -EIO;
		}
		kidx = realloc(kidx, sizeof(*kidx) * (size_t)(nk + 1));
		kidx[nk++] = (__u32)n->kidx;
	}

	/* 2. Sandboxes: namespaces and endpoints. */
	if (store__containers_list(&x->store, STORE_CONTAINERS_BY_CREATED, &ctrs, &nc)) {
		free(nets);
		free(kidx);
		return -EIO;
	}
	for (int ci = 0; ci < nc; ci++) {
		struct container c = ctrs[ci];
		struct endpoint *eps = NULL;
		char path[PATH_MAX];
		int neps = 0;

		names_add(&ids, c.id);
		if (c.mode != NETMODE_DEFAULT && c.mode != NETMODE_NONE)
			continue;
		container__netns_path(x, &c, path, sizeof(path));
		if (!netns__exists(path)) {
			log_info("reconcile: recreating the namespace of %s", c.name);
			if (sandbox__netns_create(path)) {
				log_error("reconcile: cannot recreate the namespace of %s", c.name);
				rc = -EIO;
			}
		}
		endpoint__list(x, c.id, &eps, &neps);
		for (int k = 0; k < neps; k++) {
			struct xnet_driver_ctx dc = network__driver_ctx(x, NULL, 0);
			const struct xnet_driver *d;
			struct network n;
			int ifindex;

			names_add(&links, eps[k].host_ifname);
			if (store__network_get_id(&x->store, eps[k].network_id, &n))
				continue;
			d = driver__of(&n);
			if (!d->endpoint_exists || !d->endpoint_exists(&dc, &n, &eps[k], path)) {
				/* Half an endpoint is no endpoint: rebuild it whole. */
				if (d->endpoint_delete)
					d->endpoint_delete(&dc, &n, &eps[k], path);
				if (endpoint__kernel_apply(x, &c, &eps[k], &n, k == 0)) {
					log_error("reconcile: cannot restore endpoint %s of %s", eps[k].ifname, c.name);
					rc = -EIO;
					continue;
				}
			} else if (d->join && d->join(&dc, &n, &eps[k], path)) {
				rc = -EIO;
			}
			ifindex = nl__link_index(eps[k].host_ifname);
			if (ni == cap_i) {
				cap_i = cap_i ? cap_i * 2 : 64;
				ifx = realloc(ifx, sizeof(*ifx) * (size_t)cap_i);
			}
			ifx[ni++] = (__u32)ifindex;
		}
		free(eps);
	}
	store__containers_free(ctrs, nc);

	/* Published ports: entries (and XNET_EP_PUBLISHED) from the store, leftovers removed. */
	if (ports__reconcile(x))
		rc = -EIO;

	/* 3. Leftovers: links, namespaces, state directories, map entries. */
	sweep_drivers(x, nets, nn, &links);
	sweep_dir(x, x->netns_dir, &ids, true);
	sweep_dir(x, x->containers_dir, &ids, false);
	if (dp__sweep(x->dp, kidx, nk, ifx, ni))
		rc = -EIO;
	/* Embedded DNS: names, views and PTR names from the store, strays swept; resolv.conf files. */
	if (dns__reconcile(x))
		rc = -EIO;
	if (host__apply(x))
		rc = -EIO;
	free(kidx);
	free(ifx);
	free(nets);
	free(links.v);
	free(links.p);
	free(ids.v);
	if (!rc)
		x->reconciled = true;
	return rc;
}
