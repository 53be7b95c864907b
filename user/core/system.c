// SPDX-License-Identifier: GPL-2.0-only
/*
 * system: what the `xnet system` verbs mean (reconcile, reload, drops,
 * teardown); cmd/system.c parses and prints them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "agents/dns/dns_helper.h"
#include "core/agents.h"
#include "core/reconcile.h"
#include "core/sandbox.h"
#include "core/system.h"
#include "core/txn.h"
#include "core/xnet.h"
#include "datapath/datapath.h"
#include "drivers/driver.h"
#include "kernel/netns.h"
#include "lib/log.h"
#include "lib/util.h"
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

