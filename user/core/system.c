// SPDX-License-Identifier: GPL-2.0-only
/*
 * system: what the `xnet system` verbs mean (reconcile, reload, drops,
 * teardown); cmd/system.c parses and prints them.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "agents/dns/dns_helper.h"
#include "core/agents.h"
#include "core/host.h"
#include "core/reconcile.h"
#include "core/sandbox.h"
#include "core/system.h"
#include "core/txn.h"
#include "core/xnet.h"
#include "datapath/datapath.h"
#include "drivers/driver.h"
#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/host.h"
#include "store/store.h"
#include "xnet_abi.h"
#include "core/network.h"
#include "store/networks.h"
#include "store/sandboxes.h"

int system__reconcile(struct xnet *x)
{
	if (txn__begin(x))
		return -1;
	if (reconcile__all(x)) {
		txn__rollback(x);
		return xerr(x, "reconcile failed (see the log above)");
	}
	return txn__commit(x) ? -1 : 0;
}

int system__reload(struct xnet *x, struct dp_swap **sw, int *n)
{
	char why[512];
	int rc;

	x->dp_as_pinned = true;
	if (txn__begin(x))
		return -1;
	/* A kill -9 half-way leaves the marker: the next command re-attaches the pinned programs everywhere. */
	xnet__kernel_touch(x);
	rc = dp__reload(x->dp, sw, n, why, sizeof(why));
	if (rc) {
		txn__rollback(x);
		return xerr(x, "reload failed: %s", why);
	}
	if (txn__commit(x)) {
		free(*sw);
		*sw = NULL;
		return -1;
	}
	return 0;
}

int system__drops(struct xnet *x, struct xnet_drop_counter c[XNET_DROP_MAX])
{
	if (txn__kernel(x) || dp__drop_stats(x->dp, c))
		return xerr(x, "cannot read the drop counters under %s", x->bpf_dir);
	return 0;
}

int system__teardown(struct xnet *x)
{
	struct network *nets;
	int nn, rc = 0;

	x->teardown = true;
	if (txn__begin(x))
		return -1;
	/* Sandboxes first (their endpoints hold the networks), then networks. */
	for (;;) {
		struct container c;

		if (store__container_first(&x->store, &c))
			break;
		if (container__remove(x, &c, true)) {
			container__free(&c);
			rc = 1;
			break;
		}
		container__free(&c);
	}
	store__networks_list(&x->store, STORE_NETWORKS_ALL, &nets, &nn);
	for (int i = 0; !rc && i < nn; i++)
		if (network__kernel_remove(x, &nets[i]))
			rc = 1;
	free(nets);
	if (rc) {
		txn__rollback(x);
		return xerr(x, "teardown failed (see the log above)");
	}
	store__clear(&x->store);
	txn__commit(x);
	agents__dns_stop(x);
	/* Then the mounts and files under the root. */
	dp__host_teardown(x->dp);
	dp__close(x->dp);
	x->dp = NULL;
	store__close(&x->store);
	{
		char p[PATH_MAX + 32];

		snprintf(p, sizeof(p), "%s/maps", x->bpf_dir);
		util__rm_rf(p);
		snprintf(p, sizeof(p), "%s/progs", x->bpf_dir);
		util__rm_rf(p);
		netns__umount(x->bpf_dir);
		rmdir(x->bpf_dir);
		netns__umount(x->netns_dir);
		util__rm_rf(x->netns_dir);
		util__rm_rf(x->containers_dir);
		unlink(x->store.path);
		snprintf(p, sizeof(p), "%s-wal", x->store.path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", x->store.path);
		unlink(p);
		unlink(x->dirty_path);
		snprintf(p, sizeof(p), "%s/ports.reserved", x->root);
		unlink(p);
		snprintf(p, sizeof(p), "%s/" XNET_DNS_HELPER_LOCK, x->root);
		unlink(p);
		rmdir(x->root);
	}
	log_info("tore down everything under %s", x->root);
	return 0;
}

/* ------------------------------------------------------------ config, policy */

/*
 * A NAT range the admin gives must keep what the default keeps: a translated
 * flow never takes the tuple of a connection the host opens itself (the
 * ephemeral range), nor a port a sandbox publishes.
 */
static int nat_ports_check(struct xnet *x, const char *spec, uint16_t lo, uint16_t hi)
{
	unsigned eph_lo, eph_hi;
	char name[256];
	uint16_t port;
	uint8_t proto;
	int rc;

	host__ephemeral_ports(&eph_lo, &eph_hi);
	if (lo <= eph_hi && hi >= eph_lo)
		return xerr(x, "invalid NAT port range \"%s\": it overlaps the ephemeral port range %u-%u of the "
			       "host's own connections (net.ipv4.ip_local_port_range)", spec, eph_lo, eph_hi);
	rc = store__published_in_range(&x->store, lo, hi, &port, &proto, name, sizeof(name));
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return -1;
	return xerr(x, "invalid NAT port range \"%s\": it contains port %d/%s, published by sandbox %s", spec,
		    port, proto == IPPROTO_UDP ? "udp" : "tcp", name);
}

int system__config(struct xnet *x, const char *uplink, const char *nat_ports, const char *xdp)
{
	uint16_t lo, hi;
	int rc;

	if (nat_ports && strcmp(nat_ports, "default")) {
		if (host__nat_range(nat_ports, &lo, &hi))
			return xerr(x, "invalid NAT port range \"%s\": want LO-HI with 1 <= LO <= HI <= 65535",
				    util__quote(nat_ports));
		if (nat_ports_check(x, nat_ports, lo, hi))
			return -1;
	}
	if (xdp && strcmp(xdp, "on") && strcmp(xdp, "off") && strcmp(xdp, "auto"))
		return xerr(x, "invalid uplink XDP mode \"%s\": want on, off or auto", xdp);
	if (uplink && strcmp(uplink, "auto") &&
	    (!uplink[0] || strlen(uplink) >= IF_NAMESIZE || !nl__link_index(uplink)))
		return xerr(x, "uplink device \"%s\" not found", uplink);
	if (txn__begin(x))
		return -1;
	if (txn__kernel(x))
		goto fail;
	if (uplink || nat_ports || xdp) {
		if ((xdp && store__meta_set(&x->store, "host.uplink_xdp", xdp)) ||
		    (uplink && store__meta_set(&x->store, "host.uplink", uplink)) ||
		    (nat_ports && store__meta_set(&x->store, "host.nat_ports", strcmp(nat_ports, "default") ? nat_ports : "")))
			goto fail;
		rc = host__uplink_check(x);
		if (rc == -EADDRNOTAVAIL) {
			xerr(x, "uplink device \"%s\" has no IPv4 address", uplink);
			goto fail;
		}
		if (rc) {
			struct host_settings s;

			host__settings(x, &s);
			xerr(x, "cannot use uplink \"%s\": %s", s.uplink, strerror(-rc));
			goto fail;
		}
		if (host__apply(x)) {
			xerr(x, "cannot apply the host settings (see the log above)");
			goto fail;
		}
	}
	return txn__commit(x) ? -1 : 0;
fail:
	txn__rollback(x);
	return -1;
}

int system__config_get(struct xnet *x, struct host_settings *s)
{
	if (txn__kernel(x) || host__settings(x, s))
		return xerr(x, "cannot read the host settings under %s", x->bpf_dir);
	return 0;
}

static int policy_change(struct xnet *x, const struct policy_rule *r, bool add, const char *port_given)
{
	char now[64];
	int rc;

	if (txn__begin(x))
		return -1;
	if (txn__kernel(x))
		goto fail;
	if (add) {
		util__now_rfc3339(now, sizeof(now));
		if (store__policy_put(&x->store, r, now))
			goto fail;
	} else {
		rc = store__policy_delete(&x->store, r);
		if (rc == -ENOENT) {
			xerr(x, "no policy rule for %s%s%s", r->cidr, port_given ? " on port " : "",
			     port_given ? port_given : "");
			goto fail;
		}
		if (rc)
			goto fail;
	}
	if (host__apply(x)) {
		xerr(x, "cannot apply the policy (see the log above)");
		goto fail;
	}
	return txn__commit(x) ? -1 : 0;
fail:
	txn__rollback(x);
	return -1;
}

int system__policy_add(struct xnet *x, const struct policy_rule *r)
{
	return policy_change(x, r, true, NULL);
}

int system__policy_rm(struct xnet *x, const struct policy_rule *r, const char *port_given)
{
	return policy_change(x, r, false, port_given);
}

int system__policies(struct xnet *x, struct policy_rule **v, int *n)
{
	return store__policies_list(&x->store, true, v, n) ? -1 : 0;
}
