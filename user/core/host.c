// SPDX-License-Identifier: GPL-2.0-only
/*
 * host: what NAT and port publishing need to know about the host itself
 * (the admin's commands for it are `xnet system config|policy`:
 * cmd/system.c and core/system.c).
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
#include "datapath/datapath.h"
#include "core/host.h"
#include "lib/log.h"
#include "lib/portspec.h"
#include "kernel/netlink.h"
#include "kernel/netns.h"
#include "core/xnet.h"
#include "lib/util.h"
#include "store/host.h"
#include "store/store.h"
#include "xnet_abi.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* ------------------------------------------------------------ settings */

int host__nat_range(const char *s, uint16_t *lo, uint16_t *hi)
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
void host__ephemeral_ports(unsigned *lo, unsigned *hi)
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

	host__ephemeral_ports(&eph_lo, &eph_hi);
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
	c->nat_default = store__meta_get(&x->store, "host.nat_ports", v, sizeof(v)) || host__nat_range(v, &c->nat_lo, &c->nat_hi);
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
	struct policy_rule *r;
	int nr, rc;

	*keys = NULL;
	*acts = NULL;
	*n = 0;
	rc = store__policies_list(&x->store, false, &r, &nr);
	if (rc)
		return rc;
	*keys = calloc((size_t)nr + 1, sizeof(**keys));
	*acts = calloc((size_t)nr + 1, sizeof(**acts));
	if (!*keys || !*acts) {
		free(r);
		return -ENOMEM;	/* the caller frees what there is */
	}
	for (int i = 0; i < nr; i++) {
		if (policy_key(&r[i], &(*keys)[*n]))
			continue;	/* validated on the way in; cannot happen */
		(*acts)[(*n)++] = strcmp(r[i].action, "deny") ? XNET_POLICY_ALLOW : XNET_POLICY_DENY;
	}
	free(r);
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

/* ------------------------------------------------------------ settings, for system config */

int host__settings(struct xnet *x, struct host_settings *out)
{
	struct xnet_host h = { 0 };
	struct host_cfg cfg;

	memset(out, 0, sizeof(*out));
	host_cfg_read(x, &cfg);
	snprintf(out->uplink, sizeof(out->uplink), "%s", cfg.uplink);
	snprintf(out->xdp, sizeof(out->xdp), "%s", cfg.xdp);
	out->nat_lo = cfg.nat_lo;
	out->nat_hi = cfg.nat_hi;
	out->nat_default = cfg.nat_default;
	/* Not applied yet (no datapath entry): shown as no uplink. */
	if (x->dp)
		dp__host_get(x->dp, &h);
	if (h.uplink_ifindex) {
		if (!if_indextoname(h.uplink_ifindex, out->uplink_dev))
			snprintf(out->uplink_dev, sizeof(out->uplink_dev), "?");
		util__ip_be_str(h.uplink_ip, out->uplink_ip);
	}
	out->policy = h.flags & XNET_HOST_POLICY;
	return 0;
}

int host__uplink_check(struct xnet *x)
{
	struct host_cfg cfg;
	struct nl_addr4 *addrs = NULL;
	struct in_addr ip;
	int n = 0, ifindex, rc;

	host_cfg_read(x, &cfg);
	rc = nl__addrs_v4(&addrs, &n);
	rc = rc ?: uplink_resolve(&cfg, addrs, n, &ifindex, &ip, true);
	free(addrs);
	return rc;
}
