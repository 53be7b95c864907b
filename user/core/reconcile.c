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
#include "cmd/cli.h"
#include "datapath/datapath.h"
#include "core/dns.h"
#include "agents/dns/dns_helper.h"
#include "core/host.h"
#include "lib/log.h"
#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "core/ports.h"
#include "core/xnet.h"

void network__gw_name(const struct network *n, char *out)
{
	snprintf(out, 16, XNET_GW_PREFIX "%.8s", n->id);
}

void network__gw_mac(const struct network *n, uint8_t mac[6])
{
	util__mac_from_ip(n->gateway, mac);
}

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

int xnet__kernel(struct xnet *x)
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
	if (x->in_txn && owner == OWNER_ELSEWHERE)
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
		if (x->in_txn) {
			log_info("%s: reconciling the kernel to the store",
				 fresh ? "no pinned datapath found" : "new BPF programs loaded");
			return reconcile__all(x);
		}
		/* Not holding the lock: leave it to the next command that does. */
		store__kernel_touch(x);
		x->kernel_touched = false;
	}
	/* Addresses and routes change under us (DHCP, an admin): refresh them with every change. */
	if (x->in_txn && !x->kernel_gone && host__apply(x))
		log_warn("the host's NAT settings could not be refreshed (see above)");
	return 0;
}

int network__kernel_apply(struct xnet *x, const struct network *n)
{
	struct dp_network dn = { 0 };
	struct in_addr gw = { .s_addr = htonl(n->gateway) };
	char name[16];
	uint8_t mac[6];
	int ifindex = 0, rc;

	if (strcmp(n->driver, "bridge"))
		return 0;
	store__kernel_touch(x);
	network__gw_name(n, name);
	network__gw_mac(n, mac);
	rc = nl__gateway_ensure(name, mac, (uint32_t)n->mtu, gw, n->prefix, &ifindex);
	if (rc)
		return rc;
	/* No IPv6 neighbour discovery from the gateway: the datapath would only count it as a drop. */
	{
		char peer[20];

		snprintf(peer, sizeof(peer), "%sp", name);
		util__ipv6_off(name);
		util__ipv6_off(peer);
	}
	dn.net_id = (__u32)n->kidx;
	dn.subnet = htonl(n->subnet);
	dn.prefixlen = (__u8)n->prefix;
	dn.gw_ip = htonl(n->gateway);
	memcpy(dn.gw_mac, mac, 6);
	dn.gw_ifindex = (__u32)ifindex;
	dn.flags = (n->icc ? XNET_NET_ICC : 0) | (n->internal ? XNET_NET_INTERNAL : 0) | (n->masq ? XNET_NET_MASQ : 0) |
		   (dns__network_has_dns(n) ? XNET_NET_DNS : 0);
	dn.mtu = (__u32)n->mtu;
	return dp__network_set(x->dp, &dn);
}

int network__kernel_remove(struct xnet *x, const struct network *n)
{
	char name[16];
	int rc;

	if (strcmp(n->driver, "bridge"))
		return 0;
	store__kernel_touch(x);
	network__gw_name(n, name);
	rc = dp__network_del(x->dp, (__u32)n->kidx);
	if (rc)
		return rc;
	return nl__link_delete(name);
}

/* ------------------------------------------------------------- the sweep */

/* A set of names: link names (15) or ids (64). */
struct names { char (*v)[XNET_ID_LEN + 1]; int n, cap; };

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

struct sweep_ctx { struct names *keep; int removed; };

static int sweep_link(const char *name, int ifindex, void *arg)
{
	struct sweep_ctx *s = arg;
	char base[16];
	size_t l;

	(void)ifindex;
	snprintf(base, sizeof(base), "%s", name);
	l = strlen(base);
	/* xnbr-XXXXXXXXp is the peer of a gateway: it goes with its gateway. */
	if (!strncmp(base, XNET_GW_PREFIX, strlen(XNET_GW_PREFIX)) && l == strlen(XNET_GW_PREFIX) + 9 &&
	    base[l - 1] == 'p')
		base[l - 1] = '\0';
	if (names_has(s->keep, base))
		return 0;
	log_info("reconcile: removing leftover link %s", name);
	nl__link_delete(name);
	s->removed++;
	return 0;
}

int container__kill_netns(struct xnet *x, const char *netns_path, int sig);

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

int reconcile__all(struct xnet *x)
{
	struct names links = { 0 }, ids = { 0 };
	__u32 *kidx = NULL, *ifx = NULL;
	int nk = 0, ni = 0, cap_i = 0, rc = 0;
	struct sweep_ctx sc;
	sqlite3_stmt *st;

	if (!x->dp && xnet__kernel(x))
		return -1;
	store__kernel_touch(x);

	/* 1. Networks: gateway devices and network entries. */
	st = store__prepare(x, "SELECT " NETWORK_COLS " FROM networks WHERE driver = 'bridge' ORDER BY kidx");
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct network n;
		char gw[16];

		store__network_row(st, &n);
		if (network__kernel_apply(x, &n)) {
			log_error("reconcile: cannot restore network %s", n.name);
			rc = -EIO;
		}
		network__gw_name(&n, gw);
		names_add(&links, gw);
		kidx = realloc(kidx, sizeof(*kidx) * (size_t)(nk + 1));
		kidx[nk++] = (__u32)n.kidx;
	}
	sqlite3_finalize(st);

	/* 2. Sandboxes: namespaces and endpoints. */
	st = store__prepare(x, "SELECT " CONTAINER_COLS " FROM containers ORDER BY created");
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct container c;
		struct endpoint *eps = NULL;
		char path[PATH_MAX];
		int neps = 0;

		store__container_row(st, &c);
		names_add(&ids, c.id);
		if (strcmp(c.netmode, "default") && strcmp(c.netmode, "none")) {
			container__free(&c);
			continue;
		}
		container__netns_path(x, &c, path, sizeof(path));
		if (!netns__exists(path)) {
			log_info("reconcile: recreating the namespace of %s", c.name);
			if (netns__create(path)) {
				log_error("reconcile: cannot recreate the namespace of %s", c.name);
				rc = -EIO;
			}
		}
		endpoint__list(x, c.id, &eps, &neps);
		for (int k = 0; k < neps; k++) {
			struct network n;
			int ifindex = nl__link_index(eps[k].host_ifname);

			names_add(&links, eps[k].host_ifname);
			if (store__network_get_id(x, eps[k].network_id, &n))
				continue;
			if (!ifindex || !nl__sandbox_link_exists(path, eps[k].ifname)) {
				/* Half an endpoint is no endpoint: rebuild it whole. */
				nl__link_delete(eps[k].host_ifname);
				nl__sandbox_link_delete(path, eps[k].ifname);
				if (endpoint__kernel_apply(x, &c, &eps[k], &n, k == 0)) {
					log_error("reconcile: cannot restore endpoint %s of %s", eps[k].ifname, c.name);
					rc = -EIO;
					continue;
				}
				ifindex = nl__link_index(eps[k].host_ifname);
			} else {
				struct dp_endpoint de = { .net_id = (__u32)n.kidx, .ifindex = (__u32)ifindex,
							  .ip = htonl(eps[k].ip) };

				util__mac_from_ip(eps[k].ip, de.mac);
				if (dp__endpoint_set(x->dp, &de))
					rc = -EIO;
			}
			if (ni == cap_i) {
				cap_i = cap_i ? cap_i * 2 : 64;
				ifx = realloc(ifx, sizeof(*ifx) * (size_t)cap_i);
			}
			ifx[ni++] = (__u32)ifindex;
		}
		free(eps);
		container__free(&c);
	}
	sqlite3_finalize(st);

	/* Published ports: entries (and XNET_EP_PUBLISHED) from the store, leftovers removed. */
	if (ports__reconcile(x))
		rc = -EIO;

	/* 3. Leftovers: links, namespaces, state directories, map entries. */
	sc = (struct sweep_ctx){ .keep = &links };
	nl__link_foreach_prefix(XNET_EP_PREFIX, sweep_link, &sc);
	nl__link_foreach_prefix(XNET_GW_PREFIX, sweep_link, &sc);
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
	free(links.v);
	free(ids.v);
	if (!rc)
		x->reconciled = true;
	return rc;
}

/* ---------------------------------------------------------------- system */

static int system_reconcile(struct xnet *x, int argc, char **argv)
{
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL);

	if (i < 0)
		return CLI_EXIT(i);
	if (store__begin(x))
		return 1;
	if (reconcile__all(x)) {
		store__rollback(x);
		return xerr(x, "reconcile failed (see the log above)"), 1;
	}
	return store__commit(x) ? 1 : 0;
}

static int system_reload(struct xnet *x, int argc, char **argv)
{
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL), n = 0, rc;
	struct dp_swap *sw = NULL;
	char why[512];

	if (i < 0)
		return CLI_EXIT(i);
	x->dp_as_pinned = true;
	if (store__begin(x))
		return 1;
	/* A kill -9 half-way leaves the marker: the next command re-attaches the pinned programs everywhere. */
	store__kernel_touch(x);
	rc = dp__reload(x->dp, &sw, &n, why, sizeof(why));
	if (rc) {
		store__rollback(x);
		return xerr(x, "reload failed: %s", why), 1;
	}
	if (store__commit(x)) {
		free(sw);
		return 1;
	}
	if (x->json) {
		struct json_object *a = json_object_new_array();

		for (int k = 0; k < n; k++) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "Program", json_object_new_string(sw[k].prog));
			json_object_object_add(o, "Hook", json_object_new_string(sw[k].hook));
			json_object_object_add(o, "Device", json_object_new_string(sw[k].dev));
			json_object_object_add(o, "OldId", json_object_new_int64(sw[k].old_id));
			json_object_object_add(o, "NewId", json_object_new_int64(sw[k].new_id));
			json_object_array_add(a, o);
		}
		xnet__print_json(a);
	} else {
		printf("%-18s %-11s %-16s %8s %8s\n", "PROGRAM", "HOOK", "DEVICE", "OLD ID", "NEW ID");
		for (int k = 0; k < n; k++) {
			char old[16];

			snprintf(old, sizeof(old), "%u", sw[k].old_id);
			printf("%-18s %-11s %-16s %8s %8u\n", sw[k].prog, sw[k].hook, sw[k].dev[0] ? sw[k].dev : "-",
			       sw[k].old_id ? old : "-", sw[k].new_id);
		}
	}
	free(sw);
	return 0;
}

static int system_drops(struct xnet *x, int argc, char **argv)
{
	static const char *const names[] = XNET_DROP_NAMES;
	struct xnet_drop_counter c[XNET_DROP_MAX];
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL);

	if (i < 0)
		return CLI_EXIT(i);
	if (xnet__kernel(x) || dp__drop_stats(x->dp, c))
		return xerr(x, "cannot read the drop counters under %s", x->bpf_dir), 1;
	if (x->json) {
		struct json_object *o = json_object_new_object();

		for (int r = 1; r < XNET_DROP_MAX; r++) {
			struct json_object *e = json_object_new_object();

			json_object_object_add(e, "packets", json_object_new_int64((int64_t)c[r].packets));
			json_object_object_add(e, "bytes", json_object_new_int64((int64_t)c[r].bytes));
			json_object_object_add(o, names[r], e);
		}
		xnet__print_json(o);
		return 0;
	}
	printf("%-24s %12s %14s\n", "REASON", "PACKETS", "BYTES");
	for (int r = 1; r < XNET_DROP_MAX; r++)
		printf("%-24s %12llu %14llu\n", names[r], (unsigned long long)c[r].packets,
		       (unsigned long long)c[r].bytes);
	return 0;
}

static int system_teardown(struct xnet *x, int argc, char **argv)
{
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL), rc = 0;
	sqlite3_stmt *st;

	if (i < 0)
		return CLI_EXIT(i);
	x->teardown = true;
	if (store__begin(x))
		return 1;
	/* Sandboxes first (their endpoints hold the networks), then networks. */
	for (;;) {
		struct container c;
		int got = 0;

		st = store__prepare(x, "SELECT " CONTAINER_COLS " FROM containers ORDER BY netmode LIKE 'container:%' DESC LIMIT 1");
		if (!st)
			break;
		if (sqlite3_step(st) == SQLITE_ROW) {
			store__container_row(st, &c);
			got = 1;
		}
		sqlite3_finalize(st);
		if (!got)
			break;
		if (container__remove(x, &c, true)) {
			container__free(&c);
			rc = 1;
			break;
		}
		container__free(&c);
	}
	st = store__prepare(x, "SELECT " NETWORK_COLS " FROM networks WHERE driver = 'bridge'");
	while (!rc && st && sqlite3_step(st) == SQLITE_ROW) {
		struct network n;

		store__network_row(st, &n);
		if (network__kernel_remove(x, &n))
			rc = 1;
	}
	if (st)
		sqlite3_finalize(st);
	if (rc) {
		store__rollback(x);
		return xerr(x, "teardown failed (see the log above)"), 1;
	}
	store__exec(x, "DELETE FROM endpoints; DELETE FROM containers; DELETE FROM networks;");
	store__commit(x);
	dns__helper_stop(x);
	/* Then the mounts and files under the root. */
	dp__host_teardown(x->dp);
	dp__close(x->dp);
	x->dp = NULL;
	store__close(x);
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
		unlink(x->db_path);
		snprintf(p, sizeof(p), "%s-wal", x->db_path);
		unlink(p);
		snprintf(p, sizeof(p), "%s-shm", x->db_path);
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

static const struct cli_cmd system_cmds[] = {
	{ "config", host__cmd_config, "", "Show or set the uplink and the NAT port range", config_opts },
	{ "dns-helper", dns_helper__cmd, "", "Run the embedded DNS helper (xnet starts it when needed)", NULL },
	{ "drops", system_drops, "", "Show the datapath's drop counters by reason", NULL },
	{ "gc", gc__cmd, "", "Remove the socket hooks and BPF objects of hosts whose network namespace is gone", NULL },
	{ "policy", host__cmd_policy, CLI_GROUP, "Manage who may reach published ports from other hosts", NULL },
	{ "reconcile", system_reconcile, "", "Repair the kernel state (links, namespaces, maps) from the store", NULL },
	{ "reload", system_reload, "", "Swap this build's BPF programs onto every device and hook, keeping the maps (no flow is lost)", NULL },
	{ "teardown", system_teardown, "", "Remove every sandbox, network, device and pinned object of this root", NULL },
	{ 0 }
};

int cmd_system(struct xnet *x, int argc, char **argv)
{
	return cli__dispatch(x, system_cmds, argv[0], "Manage xnet itself", argc - 1, argv + 1);
}
