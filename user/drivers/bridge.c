// SPDX-License-Identifier: GPL-2.0-only
/*
 * bridge: Docker's default network type, without a Linux bridge. A network
 * is a gateway veth pair on the host (xnbr-<id>, carrying the gateway
 * address) and its entry in the datapath's maps; an endpoint is a veth pair
 * whose sandbox end lives in the sandbox's namespace (its key) and whose
 * host end carries the lxc program. Every forwarding decision is the
 * datapath's (docs/ARCHITECTURE.md).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "datapath/datapath.h"
#include "drivers/bridge.h"
#include "drivers/driver.h"
#include "kernel/netlink.h"
#include "lib/log.h"
#include "lib/util.h"
#include "xnet_abi.h"

static int refuse(struct xnet_driver_ctx *c, const char *fmt, const char *a, const char *b)
{
	snprintf(c->why, c->whylen, fmt, a, b);
	return -EINVAL;
}

static int parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "True") || !strcmp(s, "TRUE") || !strcmp(s, "t")) {
		*out = true;
		return 0;
	}
	if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "False") || !strcmp(s, "FALSE") || !strcmp(s, "f")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int bridge_validate(struct xnet_driver_ctx *c, struct network *n, const struct xnet_driver_opt *opts, int nopts)
{
	for (int i = 0; i < nopts; i++) {
		const char *k = opts[i].key, *v = opts[i].value;
		bool b;

		if (!strcmp(k, BRIDGE_OPT_ICC) || !strcmp(k, BRIDGE_OPT_MASQ)) {
			if (parse_bool(v, &b))
				return refuse(c, "invalid value \"%s\" for option %s: expected true or false", v, k);
			if (!strcmp(k, BRIDGE_OPT_ICC))
				n->icc = b;
			else
				n->masq = b;
		} else if (!strcmp(k, DRIVER_OPT_MTU)) {
			char *end;
			long m = strtol(v, &end, 10);

			if (!*v || *end || m < 68 || m > 65535)
				return refuse(c, "invalid MTU \"%s\": must be a number between 68 and 65535%s", v, "");
			n->mtu = (int)m;
		} else if (!strcmp(k, BRIDGE_OPT_HOSTIP)) {
			uint32_t ip;

			if (util__parse_ip(v, &ip))
				return refuse(c, "invalid value \"%s\" for option %s: not an IPv4 address", v, k);
		} else if (!strcmp(k, BRIDGE_OPT_NAME)) {
			/* Recorded; xnet names its gateway device itself (xnbr-<id>), see docs. */
		} else if (strncmp(k, "com.docker.network.", 19)) {
			/* Unknown non-Docker options are kept as labels of the driver, like Docker does. */
		} else {
			return refuse(c, "unknown bridge option \"%s\"%s", k, "");
		}
	}
	return 0;
}

/* The gateway veth: xnbr-<8 hex of the network id>, its peer the same with a 'p'. */
static void gw_name(const struct network *n, char out[16])
{
	snprintf(out, 16, XNET_GW_PREFIX "%.8s", n->id);
}

static int bridge_network_create(struct xnet_driver_ctx *c, const struct network *n)
{
	struct dp_network dn = { 0 };
	struct in_addr gw = { .s_addr = htonl(n->gateway) };
	char name[16], peer[20];
	uint8_t mac[6];
	int ifindex = 0, rc;

	gw_name(n, name);
	util__mac_from_ip(n->gateway, mac);
	rc = nl__gateway_ensure(name, mac, (uint32_t)n->mtu, gw, n->prefix, &ifindex);
	if (rc)
		return rc;
	/* No IPv6 neighbour discovery from the gateway: the datapath would only count it as a drop. */
	snprintf(peer, sizeof(peer), "%sp", name);
	util__ipv6_off(name);
	util__ipv6_off(peer);
	dn.net_id = (__u32)n->kidx;
	dn.subnet = htonl(n->subnet);
	dn.prefixlen = (__u8)n->prefix;
	dn.gw_ip = htonl(n->gateway);
	memcpy(dn.gw_mac, mac, 6);
	dn.gw_ifindex = (__u32)ifindex;
	dn.flags = (n->icc ? XNET_NET_ICC : 0) | (n->internal ? XNET_NET_INTERNAL : 0) | (n->masq ? XNET_NET_MASQ : 0) |
		   (driver__network_has_dns(n) ? XNET_NET_DNS : 0);
	dn.mtu = (__u32)n->mtu;
	return dp__network_set(c->dp, &dn);
}

static int bridge_network_delete(struct xnet_driver_ctx *c, const struct network *n)
{
	char name[16];
	int rc;

	gw_name(n, name);
	rc = dp__network_del(c->dp, (__u32)n->kidx);
	if (rc)
		return rc;
	return nl__link_delete(name);
}

static int bridge_endpoint_create(struct xnet_driver_ctx *c, const struct network *n, const struct endpoint *e,
				  const char *sandbox_key, bool default_route)
{
	struct in_addr addr = { .s_addr = htonl(e->ip) };
	struct in_addr gw = { .s_addr = default_route ? htonl(n->gateway) : 0 };
	uint8_t mac[6];
	int ifindex = 0, rc;

	(void)c;
	util__mac_from_ip(e->ip, mac);
	rc = nl__endpoint_create(e->host_ifname, sandbox_key, e->ifname, mac, (uint32_t)n->mtu, addr, n->prefix, gw,
				 &ifindex);
	if (rc)
		return rc;
	util__ipv6_off(e->host_ifname);
	return 0;
}

static int bridge_endpoint_delete(struct xnet_driver_ctx *c, const struct network *n, const struct endpoint *e,
				  const char *sandbox_key)
{
	(void)c;
	(void)n;
	/* Deleting the host side takes the sandbox side with it; half an endpoint may have only the latter. */
	if (nl__link_index(e->host_ifname) > 0)
		return nl__link_delete(e->host_ifname);
	return sandbox_key ? nl__sandbox_link_delete(sandbox_key, e->ifname) : 0;
}

static int bridge_join(struct xnet_driver_ctx *c, const struct network *n, const struct endpoint *e,
		       const char *sandbox_key)
{
	struct dp_endpoint de = { .net_id = (__u32)n->kidx, .ip = htonl(e->ip) };
	int ifindex = nl__link_index(e->host_ifname);

	(void)sandbox_key;
	if (ifindex <= 0)
		return -ENODEV;
	de.ifindex = (__u32)ifindex;
	util__mac_from_ip(e->ip, de.mac);
	return dp__endpoint_set(c->dp, &de);
}

static int bridge_leave(struct xnet_driver_ctx *c, const struct network *n, const struct endpoint *e)
{
	int ifindex = nl__link_index(e->host_ifname);

	(void)n;
	return ifindex > 0 ? dp__endpoint_del(c->dp, (__u32)ifindex) : 0;
}

static bool bridge_endpoint_exists(struct xnet_driver_ctx *c, const struct network *n, const struct endpoint *e,
				   const char *sandbox_key)
{
	(void)c;
	(void)n;
	return nl__link_index(e->host_ifname) > 0 && nl__sandbox_link_exists(sandbox_key, e->ifname);
}

struct sweep_ctx {
	const struct network *nets;
	int nnets;
	const struct xnet_names *keep;
	int removed;
};

static bool sweep_keeps(const struct sweep_ctx *s, const char *name)
{
	char gw[16];

	for (int i = 0; i < s->nnets; i++) {
		gw_name(&s->nets[i], gw);
		if (!strcmp(gw, name))
			return true;
	}
	for (int i = 0; i < s->keep->n; i++)
		if (!strcmp(s->keep->v[i], name))
			return true;
	return false;
}

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
	if (sweep_keeps(s, base))
		return 0;
	log_info("reconcile: removing leftover link %s", name);
	nl__link_delete(name);
	s->removed++;
	return 0;
}

static int bridge_sweep(struct xnet_driver_ctx *c, const struct network *nets, int nnets, const struct xnet_names *keep)
{
	struct sweep_ctx s = { .nets = nets, .nnets = nnets, .keep = keep };

	(void)c;
	nl__link_foreach_prefix(XNET_EP_PREFIX, sweep_link, &s);
	nl__link_foreach_prefix(XNET_GW_PREFIX, sweep_link, &s);
	return s.removed;
}

const struct xnet_driver xnet_bridge_driver = {
	.name = "bridge",
	.caps = XNET_DRV_ENDPOINTS | XNET_DRV_DNS | XNET_DRV_PUBLISH,
	.validate = bridge_validate,
	.network_create = bridge_network_create,
	.network_delete = bridge_network_delete,
	.endpoint_create = bridge_endpoint_create,
	.endpoint_delete = bridge_endpoint_delete,
	.join = bridge_join,
	.leave = bridge_leave,
	.endpoint_exists = bridge_endpoint_exists,
	.sweep = bridge_sweep,
};
