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
#include "datapath/datapath.h"
#include "kernel/netns.h"
#include "lib/log.h"
#include "lib/util.h"
#include "store/store.h"

/*
 * Whose is this root? The host namespace recorded in xnet_meta (see gc.c),
 * which gc keeps when it removes the rest of a gone host's pins.
 */
enum root_owner { OWNER_UNKNOWN, OWNER_SELF, OWNER_GONE, OWNER_ELSEWHERE };

static enum root_owner root_owner(struct xnet *x)
{
	uint64_t have[NETNS_ID_WORDS], self[NETNS_ID_WORDS];
	int alive;

	if (dp__owner_read(x->bpf_dir, (__u64 *)have))
		return OWNER_UNKNOWN;
	if (!netns__self_id(self) && !memcmp(have, self, sizeof(have)))
		return OWNER_SELF;
	alive = netns__id_alive(have);
	return alive == 0 ? OWNER_GONE : alive == 1 ? OWNER_ELSEWHERE : OWNER_UNKNOWN;
}

int txn__kernel(struct xnet *x)
{
	char probe[PATH_MAX + 64];
	bool fresh, reloaded = false;
	enum root_owner owner;
	int rc;

	if (x->dp)
		return 0;
	rc = netns__mount_bpffs(x->bpf_dir);
	if (rc)
		return xerr(x, "cannot mount bpffs at %s: %s", x->bpf_dir, strerror(-rc));
	rc = netns__prepare_dir(x->netns_dir);
	if (rc)
		return xerr(x, "cannot prepare %s for namespace mounts: %s", x->netns_dir, strerror(-rc));
	util__mkdir_p(x->containers_dir);
	/*
	 * A command that changes things must run in the host's own namespace:
	 * the uplink, the addresses and the hooks' cookie are taken from where
	 * it runs, and it would attach this root's programs to another host's
	 * devices. A root whose namespace is gone starts over here.
	 */
	owner = root_owner(x);
	if (x->store.in_txn && owner == OWNER_ELSEWHERE)
		return xerr(x, "the state root %s belongs to a host in another network namespace, which still "
			       "exists: run xnet there (ip netns exec NAME xnet ...)", x->root);
	/* No pinned maps on a non-empty store = the host rebooted (or someone unmounted us). */
	snprintf(probe, sizeof(probe), "%s/maps/xnet_networks", x->bpf_dir);
	fresh = access(probe, F_OK) != 0;
	/* `system reload` swaps the programs itself: no implicit reload of another build first. */
	rc = x->dp_as_pinned && !fresh ? dp__open_as_pinned(&x->dp, x->bpf_dir) : -ENOENT;
	if (rc)
		rc = dp__open(&x->dp, x->bpf_dir, &reloaded);
	if (rc) {
		x->dp = NULL;
		return xerr(x, "cannot load the BPF datapath under %s: %s", x->bpf_dir, strerror(-rc));
	}
	if (fresh && x->teardown && owner == OWNER_GONE) {
		/*
		 * The host's namespace is gone, and gc removed its pins: nothing
		 * of it is left in the kernel but the sandboxes' namespaces.
		 * Rebuilding it here, in whatever namespace runs the teardown,
		 * only to remove it again would attach its programs to this
		 * namespace's devices: the teardown stops the sandboxes and
		 * removes mounts and files.
		 */
		log_info("teardown: the network namespace of this host is gone: nothing to rebuild");
		x->kernel_gone = true;
	} else if (fresh || reloaded) {
		if (x->store.in_txn) {
			log_info("%s: reconciling the kernel to the store",
				 fresh ? "no pinned datapath found" : "new BPF programs loaded");
			return reconcile__all(x);
		}
		/* Not holding the lock: leave it to the next command that does. */
		txn__kernel_touch(x);
		x->kernel_touched = false;
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

void txn__kernel_touch(struct xnet *x)
{
	int fd;

	if (x->kernel_touched)
		return;
	fd = open(x->dirty_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	x->kernel_touched = true;
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

