// SPDX-License-Identifier: GPL-2.0-only
/*
 * txn: a command's transaction over the store and the kernel together.
 *
 * Every mutating command runs inside one BEGIN IMMEDIATE transaction, which is
 * also the host-wide lock: only the holder changes the kernel. Before its first
 * kernel change a command creates <root>/dirty; it removes it after COMMIT. A
 * command killed in between leaves the marker, and the next command to take
 * the lock reconciles the kernel (links, namespaces, map entries) back to what
 * the store says, removing leftovers and re-adding what is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "core/agents.h"
#include "core/host.h"
#include "core/reconcile.h"
#include "core/txn.h"
#include "core/xnet.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"
#include "datapath/datapath.h"

int txn__kernel(struct xnet *x)
{
	const char *rebuild;

	if (x->dp)
		return 0;
	if (xnet__datapath(x, &rebuild))
		return -1;
	if (rebuild) {
		log_info("%s: reconciling the kernel to the store", rebuild);
		return reconcile__all(x);
	}
	/* Addresses and routes change under us (DHCP, an admin): refresh them with every change. */
	if (x->store.in_txn && !x->kernel_gone && host__apply(x))
		log_warn("the host's NAT settings could not be refreshed (see above)");
	return 0;
}

int txn__begin(struct xnet *x)
{
	bool dirty;

	if (store__begin(&x->store)) {
		xerr(x, "cannot lock the store %s: %s", x->store.path, store__errmsg(&x->store));
		return -EIO;
	}
	x->kernel_touched = false;
	x->reconciled = false;
	dirty = access(x->dirty_path, F_OK) == 0;
	/*
	 * Bring the kernel side up before the command changes anything: on a
	 * fresh root or after a reboot this reconciles the kernel to the store
	 * as it was, not to the command's half-written rows.
	 */
	if (txn__kernel(x)) {
		txn__rollback(x);
		return -EIO;
	}
	if (dirty && x->kernel_gone) {
		unlink(x->dirty_path);	/* nothing to repair: the teardown removes what is left */
	} else if (dirty) {
		/* An earlier command died between its first kernel change and COMMIT. */
		if (!x->reconciled)
			log_warn("state root %s was left dirty by an interrupted command: reconciling", x->root);
		if (!x->reconciled && reconcile__all(x)) {
			txn__rollback(x);
			return xerr(x, "cannot repair the kernel state from %s", x->store.path);
		}
		unlink(x->dirty_path);
		/* Repaired: this command's own changes need a marker of their own. */
		x->kernel_touched = false;
	}
	return 0;
}

int txn__commit(struct xnet *x)
{
	/* The command's own address changes (a gateway added or removed) into xnet_hostaddrs, under the lock. */
	if (x->kernel_touched && x->dp && host__addrs_refresh(x))
		log_warn("the host addresses could not be refreshed: the next command retries");
	util__failpoint("before-commit");
	if (store__commit(&x->store)) {
		xerr(x, "cannot commit to %s: %s", x->store.path, store__errmsg(&x->store));
		txn__rollback(x);
		return -EIO;
	}
	if (x->kernel_touched) {
		unlink(x->dirty_path);
		/* The DNS helper follows the networks: started, told, or stopped. */
		agents__dns_sync(x);
	}
	x->kernel_touched = false;
	return 0;
}

void txn__rollback(struct xnet *x)
{
	if (!x->store.in_txn)
		return;
	store__rollback(&x->store);
	if (x->kernel_touched) {
		/* Undo our half-done kernel changes while we still hold the lock. */
		if (store__begin(&x->store) == 0) {
			if (txn__kernel(x) == 0 && reconcile__all(x) == 0)
				unlink(x->dirty_path);
			store__commit(&x->store);
		}
	}
	x->kernel_touched = false;
}

void txn__close(struct xnet *x)
{
	/* A command that returned inside its transaction: undo the store, and the kernel with it. */
	txn__rollback(x);
	store__close(&x->store);
	if (x->dp) {
		dp__close(x->dp);
		x->dp = NULL;
	}
}
