// SPDX-License-Identifier: GPL-2.0-only
/*
 * host: what NAT and port publishing need to know about the host itself,
 * and the admin's commands for it.
 *
 *   the uplink       the device outside traffic uses: the default route's,
 *                    or one the admin names (`xnet system config --uplink`).
 *                    Its address is the masquerade source; the uplink
 *                    programs (bpf/uplink.bpf.c) sit on its tc hooks.
 *   NAT ports        the source ports masquerade hands out. By default the
 *                    ports above the kernel's ip_local_port_range, so that a
 *                    translated flow can never take the tuple of a
 *                    connection the host itself opens (`--nat-ports`).
 *   host addresses   every IPv4 address of the host (xnet_hostaddrs): the
 *                    destinations that mean "a published port", for clients
 *                    from the wire, from sandboxes (hairpin) and from the
 *                    host's own sockets (the cgroup hooks of bpf/sock.bpf.c).
 *   the policy       the admin's rules for who may reach published ports
 *                    (Docker's DOCKER-USER chain), `xnet system policy`.
 *
 * host__apply() derives all of it from the store and the live host and
 * writes it to the datapath. It runs in every command that changes the
 * store (addresses and routes may have changed since the last one) and in
 * reconcile, and costs two netlink dumps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <json-c/json.h>
#include "cmd/cli.h"
#include "datapath/datapath.h"
#include "core/host.h"
#include "lib/log.h"
#include "lib/portspec.h"
#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "core/xnet.h"
#include "core/txn.h"
#include "lib/util.h"
#include "store/store.h"
#include "xnet_abi.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* ------------------------------------------------------------ settings */

/* "LO-HI", 1 <= LO <= HI <= 65535: a range of -p's grammar (lib/portspec.c), the dash required. */
static int parse_port_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	uint16_t a, b;

	if (!strchr(s, '-') || portspec__parse_range(s, &a, &b) || !a)
		return -EINVAL;
	*lo = a;
	*hi = b;
	return 0;
}

/*
 * The default NAT range: the larger gap outside the kernel's ephemeral range
 * (and above the privileged ports), so the host's own connections and the
 * translated ones never share a tuple.
 */
/* The kernel's ephemeral port range of this namespace (the default, 32768-60999, if unreadable). */
static void ephemeral_ports(unsigned *lo, unsigned *hi)
{
	char *s = util__read_file("/proc/sys/net/ipv4/ip_local_port_range");

	*lo = 32768;
	*hi = 60999;
	if (s) {
		if (sscanf(s, "%u %u", lo, hi) != 2 || *lo > *hi || *hi > 65535) {
			*lo = 32768;
			*hi = 60999;
		}
		free(s);
	}
}

static void default_nat_ports(uint16_t *lo, uint16_t *hi)
{
	unsigned eph_lo, eph_hi;

	ephemeral_ports(&eph_lo, &eph_hi);
	if (65535 - eph_hi >= (eph_lo > 1024 ? eph_lo - 1024 : 0)) {
		*lo = (uint16_t)(eph_hi + 1 > 65535 ? 65535 : eph_hi + 1);
		*hi = 65535;
	} else {
		*lo = 1024;
		*hi = (uint16_t)(eph_lo - 1);
	}
}

struct host_cfg {
	char uplink[IF_NAMESIZE + 8];	/* "auto" or a device name */
	char xdp[8];			/* uplink XDP fast path: "on", "off", "auto" */
	uint16_t nat_lo, nat_hi;
	bool nat_default;
};

static void host_cfg_read(struct xnet *x, struct host_cfg *c)
{
	char v[64];

	if (store__meta_get(&x->store, "host.uplink", c->uplink, sizeof(c->uplink)) || !c->uplink[0])
		snprintf(c->uplink, sizeof(c->uplink), "auto");
	if (store__meta_get(&x->store, "host.uplink_xdp", c->xdp, sizeof(c->xdp)) || !c->xdp[0])
		snprintf(c->xdp, sizeof(c->xdp), "auto");
	c->nat_default = store__meta_get(&x->store, "host.nat_ports", v, sizeof(v)) || parse_port_range(v, &c->nat_lo, &c->nat_hi);
	if (c->nat_default)
		default_nat_ports(&c->nat_lo, &c->nat_hi);
}

/* The network namespace cookie of the calling thread (the sock hooks compare against it). */
static uint64_t netns_cookie(void)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		cookie = 0;
	close(fd);
	return cookie;
}

/* ------------------------------------------------------------ policy */

struct policy_rule {
	char cidr[32];
	uint8_t proto;		/* 0 = every published port */
	uint16_t port;
	uint32_t action;	/* XNET_POLICY_* */
};

static int policy_key(const struct policy_rule *r, struct xnet_policy_key *k)
{
	uint32_t net;
	int prefix;

	if (util__parse_cidr(r->cidr, &net, &prefix))
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->prefixlen = 32 + (uint32_t)prefix;
	k->proto = r->proto;
	k->port = htons(r->port);
	k->saddr = htonl(net & util__mask(prefix));
	return 0;
}

/* Every rule of the store, as map keys. */
static int policy_load(struct xnet *x, struct xnet_policy_key **keys, uint32_t **acts, int *n)
{
	sqlite3_stmt *st;
	int cap = 0;

	*keys = NULL;
	*acts = NULL;
	*n = 0;
	st = store__prepare(&x->store, "SELECT cidr, proto, port, action FROM policy");
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct policy_rule r = { 0 };

		snprintf(r.cidr, sizeof(r.cidr), "%s", (const char *)sqlite3_column_text(st, 0));
		r.proto = (uint8_t)sqlite3_column_int(st, 1);
		r.port = (uint16_t)sqlite3_column_int(st, 2);
		r.action = strcmp((const char *)sqlite3_column_text(st, 3), "deny") ? XNET_POLICY_ALLOW
										      : XNET_POLICY_DENY;
		if (*n == cap) {
			struct xnet_policy_key *nk;
			uint32_t *na;

			cap = cap ? cap * 2 : 16;
			nk = realloc(*keys, sizeof(**keys) * (size_t)cap);
			if (nk)
				*keys = nk;
			na = realloc(*acts, sizeof(**acts) * (size_t)cap);
			if (na)
				*acts = na;
			if (!nk || !na) {
				sqlite3_finalize(st);
				return -ENOMEM;	/* the caller frees what there is */
			}
		}
		if (policy_key(&r, &(*keys)[*n]))
			continue;	/* validated on the way in; cannot happen */
		(*acts)[(*n)++] = r.action;
	}
	sqlite3_finalize(st);
	return 0;
}

/* ------------------------------------------------------------ apply */

/* Resolve the configured uplink: ifindex and its (first) IPv4 address; 0 when there is none. */
static int uplink_resolve(const struct host_cfg *c, const struct nl_addr4 *addrs, int naddrs,
			  int *ifindex, struct in_addr *ip, bool strict)
{
	*ifindex = 0;
	ip->s_addr = 0;
	if (!strcmp(c->uplink, "auto")) {
		if (nl__default_route_dev(ifindex))
			return -EIO;
		if (!*ifindex) {
			log_info("host: no IPv4 default route: no uplink (sandboxes reach no outside "
				 "network, published ports only from this host)");
			return 0;
		}
	} else {
		*ifindex = nl__link_index(c->uplink);
		if (!*ifindex) {
			if (strict)
				return -ENODEV;
			log_warn("host: uplink %s does not exist: no masquerade, no published ports from "
				 "other hosts", c->uplink);
			return 0;
		}
	}
	for (int i = 0; i < naddrs; i++)
		if (addrs[i].ifindex == *ifindex) {
			*ip = addrs[i].addr;
			return 0;
		}
	if (strict)
		return -EADDRNOTAVAIL;
	log_warn("host: uplink (ifindex %d) has no IPv4 address: no masquerade, no published ports "
		 "from other hosts", *ifindex);
	*ifindex = 0;
	return 0;
}

/* xnet_hostaddrs := every IPv4 address of the host, flagged by kind. */
static int host_addrs_write(struct xnet *x, const struct nl_addr4 *addrs, int naddrs, int uplink_ifindex)
{
	__be32 *ha = calloc((size_t)naddrs + 1, sizeof(*ha));
	uint32_t *flags = calloc((size_t)naddrs + 1, sizeof(*flags));
	int rc;

	if (!ha || !flags) {
		free(ha);
		free(flags);
		return -ENOMEM;
	}
	for (int i = 0; i < naddrs; i++) {
		char name[IF_NAMESIZE] = "";
		uint32_t a = ntohl(addrs[i].addr.s_addr);

		ha[i] = addrs[i].addr.s_addr;
		if_indextoname((unsigned)addrs[i].ifindex, name);
		if ((a >> 24) == 127)
			flags[i] = XNET_HA_LOOPBACK;
		else if (!strncmp(name, XNET_GW_PREFIX, strlen(XNET_GW_PREFIX)))
			flags[i] = XNET_HA_GATEWAY;
		else
			flags[i] = XNET_HA_LOCAL | (addrs[i].ifindex == uplink_ifindex ? XNET_HA_UPLINK : 0);
	}
	rc = dp__hostaddrs_replace(x->dp, ha, flags, naddrs);
	free(ha);
	free(flags);
	return rc;
}

int host__addrs_refresh(struct xnet *x)
{
	struct xnet_host h = { 0 };
	struct nl_addr4 *addrs = NULL;
	int naddrs = 0, rc;

	if (!x->dp)
		return 0;
	dp__host_get(x->dp, &h);
	rc = nl__addrs_v4(&addrs, &naddrs);
	rc = rc ?: host_addrs_write(x, addrs, naddrs, (int)h.uplink_ifindex);
	if (rc)
		log_error("host: cannot refresh the host addresses: %s", strerror(-rc));
	free(addrs);
	return rc;
}

int host__apply(struct xnet *x)
{
	struct xnet_policy_key *pkeys = NULL;
	struct xnet_host h = { 0 };
	struct nl_addr4 *addrs = NULL;
	struct host_cfg cfg;
	struct in_addr uip;
	uint32_t *pacts = NULL;
	int naddrs = 0, npol = 0, ifindex = 0, cg, rc;

	host_cfg_read(x, &cfg);
	rc = nl__addrs_v4(&addrs, &naddrs);
	rc = rc ?: uplink_resolve(&cfg, addrs, naddrs, &ifindex, &uip, false);
	rc = rc ?: policy_load(x, &pkeys, &pacts, &npol);
	if (rc)
		goto out;

	rc = host_addrs_write(x, addrs, naddrs, ifindex);

	/* Policy before the flag that makes the datapath consult it. */
	for (int i = 0; !rc && i < npol; i++)
		rc = dp__policy_set(x->dp, &pkeys[i], pacts[i]);
	rc = rc ?: dp__policy_sweep(x->dp, pkeys, npol);

	h.uplink_ifindex = (__u32)ifindex;
	h.uplink_ip = ifindex ? uip.s_addr : 0;
	h.netns_cookie = netns_cookie();
	h.nat_port_min = cfg.nat_lo;
	h.nat_port_max = cfg.nat_hi;
	h.flags = npol ? XNET_HOST_POLICY : 0;
	dp__uplink_xdp_mode(x->dp, cfg.xdp);
	rc = rc ?: dp__host_set(x->dp, &h);

	/*
	 * Sandboxes send IPv4 BIG TCP segments (192 KiB, see netlink.c); a
	 * forwarded segment larger than the uplink's GSO limit is split in
	 * software before it leaves, which halves masquerade throughput on a
	 * veth uplink. Raise the limit where the device allows it.
	 */
	if (!rc && ifindex)
		nl__link_big_tcp(ifindex);

	/* Forwarding between the gateways and the uplink, as dockerd sets at start. */
	if (!rc && ifindex) {
		char *f = util__read_file("/proc/sys/net/ipv4/ip_forward");

		if (!f || f[0] != '1') {
			int err = util__write_proc("/proc/sys/net/ipv4/ip_forward", "1");

			if (err)
				log_warn("host: cannot enable IPv4 forwarding: sandboxes will not reach "
					 "outside: %s", strerror(-err));
			else
				log_info("host: enabled IPv4 forwarding (net.ipv4.ip_forward=1)");
		}
		free(f);
	}

	/*
	 * The host's own sockets: cgroup hooks on the root of cgroup v2. They
	 * run for every process of the machine and stay until unpinned, so
	 * they record whose they are first: `system gc` removes them once this
	 * namespace is gone (gc.c). Kernels before 6.18 cannot name it; then
	 * only `system teardown` removes them, as before.
	 */
	if (!rc) {
		uint64_t id[NETNS_ID_WORDS];

		_Static_assert(NETNS_ID_WORDS == DP_OWNER_WORDS, "owner identity size");
		if (!netns__self_id(id))
			rc = dp__owner_set(x->dp, (const __u64 *)id);
	}
	if (!rc && !dp__sock_current(x->dp)) {
		cg = netns__cgroup2_root_fd();
		rc = cg < 0 ? cg : dp__sock_attach(x->dp, cg);
		if (cg >= 0)
			close(cg);
	}
out:
	if (rc)
		log_error("host: cannot apply the NAT settings: %s", strerror(-rc));
	free(addrs);
	free(pkeys);
	free(pacts);
	return rc;
}

/* ------------------------------------------------------------ CLI */

/*
 * A NAT range the admin gives must keep what the default keeps: a translated
 * flow never takes the tuple of a connection the host opens itself (the
 * ephemeral range), nor a port a sandbox publishes.
 */
static int nat_ports_check(struct xnet *x, const char *spec, uint16_t lo, uint16_t hi)
{
	unsigned eph_lo, eph_hi;
	sqlite3_stmt *st;
	int rc = 0;

	ephemeral_ports(&eph_lo, &eph_hi);
	if (lo <= eph_hi && hi >= eph_lo)
		return xerr(x, "invalid NAT port range \"%s\": it overlaps the ephemeral port range %u-%u of the "
			       "host's own connections (net.ipv4.ip_local_port_range)", spec, eph_lo, eph_hi);
	st = store__prepare(&x->store, "SELECT p.host_port, p.proto, c.name FROM published_ports p JOIN containers c "
			       "ON c.id = p.container_id WHERE p.host_port BETWEEN ? AND ? ORDER BY p.host_port LIMIT 1");
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, lo);
	sqlite3_bind_int(st, 2, hi);
	if (sqlite3_step(st) == SQLITE_ROW)
		rc = xerr(x, "invalid NAT port range \"%s\": it contains port %d/%s, published by sandbox %s", spec,
			  sqlite3_column_int(st, 0), sqlite3_column_int(st, 1) == IPPROTO_UDP ? "udp" : "tcp",
			  (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	return rc;
}

const struct cli_opt config_opts[] = {
	{ "uplink", 0, "string", "Device outside traffic uses, or \"auto\" for the default route's" },
	{ "nat-ports", 0, "range", "Source ports for masquerade (LO-HI), or \"default\"" },
	{ "uplink-xdp", 0, "mode", "XDP fast path on the uplink: on, off, or auto (not on a veth)" },
	{ 0 }
};

struct config_args {
	const char *uplink, *nat_ports, *xdp;
};

static int config_opt(void *ctx, int idx, const char *arg)
{
	struct config_args *a = ctx;

	if (idx == 0)
		a->uplink = arg;
	else if (idx == 1)
		a->nat_ports = arg;
	else
		a->xdp = arg;
	return 0;
}

static int config_show(struct xnet *x)
{
	struct xnet_host h = { 0 };
	struct host_cfg cfg;
	char ifn[IF_NAMESIZE] = "", ip[INET_ADDRSTRLEN] = "";
	struct in_addr a;

	host_cfg_read(x, &cfg);
	dp__host_get(x->dp, &h);
	if (h.uplink_ifindex && !if_indextoname(h.uplink_ifindex, ifn))
		snprintf(ifn, sizeof(ifn), "?");
	a.s_addr = h.uplink_ip;
	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	if (x->json) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "Uplink", json_object_new_string(cfg.uplink));
		json_object_object_add(o, "UplinkDevice", json_object_new_string(ifn));
		json_object_object_add(o, "UplinkAddress", json_object_new_string(h.uplink_ifindex ? ip : ""));
		json_object_object_add(o, "NatPortMin", json_object_new_int(cfg.nat_lo));
		json_object_object_add(o, "NatPortMax", json_object_new_int(cfg.nat_hi));
		json_object_object_add(o, "UplinkXdp", json_object_new_string(cfg.xdp));
		json_object_object_add(o, "Policy", json_object_new_boolean(h.flags & XNET_HOST_POLICY));
		xnet__print_json(o);
		return 0;
	}
	printf("Uplink:     %s", cfg.uplink);
	if (h.uplink_ifindex)
		printf(" (%s, %s)\n", ifn, ip);
	else
		printf(" (none: no masquerade, published ports reachable from this host only)\n");
	printf("NAT ports:  %u-%u%s\n", cfg.nat_lo, cfg.nat_hi, cfg.nat_default ? " (default)" : "");
	printf("Uplink XDP: %s\n", cfg.xdp);
	printf("Policy:     %s\n", h.flags & XNET_HOST_POLICY ? "on (xnet system policy ls)" : "none (every client allowed)");
	return 0;
}

static int system_config(struct xnet *x, int argc, char **argv)
{
	struct config_args a = { 0 };
	uint16_t lo, hi;
	int i = cli__parse(x, cli__current, argv[0], argc, argv, config_opt, &a);

	if (i < 0)
		return CLI_EXIT(i);
	if (a.nat_ports && strcmp(a.nat_ports, "default")) {
		if (parse_port_range(a.nat_ports, &lo, &hi))
			return xerr(x, "invalid NAT port range \"%s\": want LO-HI with 1 <= LO <= HI <= 65535",
				    util__quote(a.nat_ports)), 1;
		if (nat_ports_check(x, a.nat_ports, lo, hi))
			return 1;
	}
	if (a.xdp && strcmp(a.xdp, "on") && strcmp(a.xdp, "off") && strcmp(a.xdp, "auto"))
		return xerr(x, "invalid uplink XDP mode \"%s\": want on, off or auto", a.xdp), 1;
	if (a.uplink && strcmp(a.uplink, "auto") &&
	    (!a.uplink[0] || strlen(a.uplink) >= IF_NAMESIZE || !nl__link_index(a.uplink)))
		return xerr(x, "uplink device \"%s\" not found", a.uplink), 1;
	if (txn__begin(x))
		return 1;
	if (txn__kernel(x))
		goto fail;
	if (a.uplink || a.nat_ports || a.xdp) {
		struct host_cfg cfg;
		struct nl_addr4 *addrs = NULL;
		struct in_addr ip;
		int n = 0, ifindex, rc;

		if ((a.xdp && store__meta_set(&x->store, "host.uplink_xdp", a.xdp)) ||
		    (a.uplink && store__meta_set(&x->store, "host.uplink", a.uplink)) ||
		    (a.nat_ports && store__meta_set(&x->store, "host.nat_ports", strcmp(a.nat_ports, "default") ? a.nat_ports : "")))
			goto fail;
		host_cfg_read(x, &cfg);
		rc = nl__addrs_v4(&addrs, &n);
		rc = rc ?: uplink_resolve(&cfg, addrs, n, &ifindex, &ip, true);
		free(addrs);
		if (rc == -EADDRNOTAVAIL) {
			xerr(x, "uplink device \"%s\" has no IPv4 address", a.uplink);
			goto fail;
		}
		if (rc) {
			xerr(x, "cannot use uplink \"%s\": %s", cfg.uplink, strerror(-rc));
			goto fail;
		}
		if (host__apply(x)) {
			xerr(x, "cannot apply the host settings (see the log above)");
			goto fail;
		}
	}
	if (txn__commit(x))
		return 1;
	return a.uplink || a.nat_ports || a.xdp ? 0 : config_show(x);
fail:
	txn__rollback(x);
	return 1;
}

static const struct cli_opt policy_opts[] = {
	{ "port", 'p', "port", "Only this published host port: PORT[/PROTO] (default: every published port)" },
	{ 0 }
};

struct policy_args {
	const char *port;
};

static int policy_opt(void *ctx, int idx, const char *arg)
{
	((struct policy_args *)ctx)->port = arg;
	(void)idx;
	return 0;
}

/* --port PORT[/tcp|/udp] */
static int parse_policy_port(struct xnet *x, const char *s, struct policy_rule *r)
{
	char buf[32], *slash;
	uint16_t p;

	if (strlen(s) >= sizeof(buf))
		return xerr(x, "invalid port \"%s\" in --port: want PORT[/PROTO], 1-65535", util__quote(s));
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	r->proto = IPPROTO_TCP;
	if (slash) {
		*slash++ = 0;
		if (!strcmp(slash, "udp"))
			r->proto = IPPROTO_UDP;
		else if (strcmp(slash, "tcp"))
			return xerr(x, "invalid protocol \"%s\" in --port %s: want tcp or udp", util__quote(slash),
				    util__quote(s));
	}
	if (portspec__parse_port(buf, strlen(buf), &p) || !p)
		return xerr(x, "invalid port \"%s\" in --port: want PORT[/PROTO], 1-65535", util__quote(s));
	r->port = p;
	return 0;
}

static int policy_rule_parse(struct xnet *x, const struct policy_args *a, const char *cidr,
			     struct policy_rule *r)
{
	uint32_t net;
	int prefix;
	char ip[16];

	memset(r, 0, sizeof(*r));
	if (a->port && parse_policy_port(x, a->port, r))
		return -1;
	if (util__parse_cidr(cidr, &net, &prefix)) {
		if (util__parse_ip(cidr, &net))
			return xerr(x, "invalid source \"%s\": want an IPv4 address or CIDR (10.0.0.0/8)", cidr);
		prefix = 32;
	}
	/* Stored in canonical form, so that rm finds what add wrote. */
	util__ip_str(net & util__mask(prefix), ip);
	snprintf(r->cidr, sizeof(r->cidr), "%s/%d", ip, prefix);
	return 0;
}

static int policy_change(struct xnet *x, int argc, char **argv, bool add)
{
	struct policy_args a = { 0 };
	struct policy_rule r;
	const char *action = NULL, *cidr;
	sqlite3_stmt *st;
	char now[64];
	int i = cli__parse(x, cli__current, argv[0], argc, argv, policy_opt, &a), changes;

	if (i < 0)
		return CLI_EXIT(i);
	if (add) {
		action = argv[i];
		if (strcmp(action, "allow") && strcmp(action, "deny"))
			return xerr(x, "invalid action \"%s\": want allow or deny", action), 1;
		i++;
	}
	cidr = argv[i];
	if (policy_rule_parse(x, &a, cidr, &r))
		return 1;
	if (txn__begin(x))
		return 1;
	if (txn__kernel(x))
		goto fail;
	if (add) {
		util__now_rfc3339(now, sizeof(now));
		st = store__prepare(&x->store, "INSERT INTO policy (cidr, proto, port, action, created) VALUES (?, ?, ?, ?, ?)"
				       " ON CONFLICT (cidr, proto, port) DO UPDATE SET action = excluded.action");
	} else {
		st = store__prepare(&x->store, "DELETE FROM policy WHERE cidr = ? AND proto = ? AND port = ?");
	}
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, r.cidr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r.proto);
	sqlite3_bind_int(st, 3, r.port);
	if (add) {
		sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	}
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	changes = store__changes(&x->store);
	if (!add && !changes) {
		xerr(x, "no policy rule for %s%s%s", r.cidr, a.port ? " on port " : "", a.port ? a.port : "");
		goto fail;
	}
	if (host__apply(x)) {
		xerr(x, "cannot apply the policy (see the log above)");
		goto fail;
	}
	return txn__commit(x) ? 1 : 0;
fail:
	txn__rollback(x);
	return 1;
}

static int policy_add(struct xnet *x, int argc, char **argv)
{
	return policy_change(x, argc, argv, true);
}

static int policy_rm(struct xnet *x, int argc, char **argv)
{
	return policy_change(x, argc, argv, false);
}

static int policy_ls(struct xnet *x, int argc, char **argv)
{
	int i = cli__parse(x, cli__current, argv[0], argc, argv, NULL, NULL);
	struct json_object *arr = NULL;
	struct cli_table *t = NULL;
	sqlite3_stmt *st;

	if (i < 0)
		return CLI_EXIT(i);
	/* Longest prefix first, port rules before the rules for every port: the order of evaluation. */
	st = store__prepare(&x->store, "SELECT cidr, proto, port, action FROM policy ORDER BY port = 0, "
			       "CAST(substr(cidr, instr(cidr, '/') + 1) AS INTEGER) DESC, cidr, port");
	if (!st)
		return 1;
	if (x->json)
		arr = json_object_new_array();
	else {
		t = cli__table_new(3);
		cli__table_row(t, "ACTION", "SOURCE", "PORT");
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *cidr = (const char *)sqlite3_column_text(st, 0);
		const char *action = (const char *)sqlite3_column_text(st, 3);
		int proto = sqlite3_column_int(st, 1), port = sqlite3_column_int(st, 2);
		char pbuf[24];

		if (port)
			snprintf(pbuf, sizeof(pbuf), "%d/%s", port, proto == IPPROTO_UDP ? "udp" : "tcp");
		else
			snprintf(pbuf, sizeof(pbuf), "*");
		if (arr) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "Action", json_object_new_string(action));
			json_object_object_add(o, "Source", json_object_new_string(cidr));
			json_object_object_add(o, "Port", json_object_new_string(pbuf));
			json_object_array_add(arr, o);
		} else {
			cli__table_row(t, action, cidr, pbuf);
		}
	}
	sqlite3_finalize(st);
	if (arr)
		xnet__print_json(arr);
	else
		cli__table_print(t);
	return 0;
}

static const struct cli_cmd policy_cmds[] = {
	{ "add", policy_add, "allow|deny SOURCE", "Allow or deny clients (IPv4 address or CIDR) to reach published ports", policy_opts },
	{ "ls", policy_ls, "", "List the rules (longest prefix wins; port rules before rules for every port)", NULL },
	{ "rm", policy_rm, "SOURCE", "Remove a rule", policy_opts },
	{ 0 }
};

static int system_policy(struct xnet *x, int argc, char **argv)
{
	return cli__dispatch(x, policy_cmds, argv[0],
			     "Who may reach published ports from other hosts (no rule: everyone)",
			     argc - 1, argv + 1);
}

int host__cmd_config(struct xnet *x, int argc, char **argv)
{
	return system_config(x, argc, argv);
}

int host__cmd_policy(struct xnet *x, int argc, char **argv)
{
	return system_policy(x, argc, argv);
}
