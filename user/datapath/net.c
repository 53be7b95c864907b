// SPDX-License-Identifier: GPL-2.0-only
/*
 * datapath networks and endpoints: xnet_networks, xnet_subnets,
 * xnet_gateways, xnet_endpoints, xnet_fdb, xnet_ip2ep and the flood lists
 * (xnet_ports), with the caches kept beside them and the tc programs attached
 * to the gateway and endpoint devices.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/internal.h"
#include "lib/addr.h"
#include "lib/log.h"

/* ------------------------------------------------------------ flood lists */

/*
 * Append ifindex to net's flood list unless it is there; net is updated in
 * the map. fresh: the device has no endpoint entry at all, so it cannot be
 * listed (ifindexes are never reused within a namespace, and a crash's stale
 * entries name dead devices, which dp__sweep removes): skip the O(ports)
 * duplicate scan, which otherwise made every `xnet run` cost one bpf()
 * syscall per sandbox already on the network.
 */
static int ports_add(struct xnet_dp *dp, __u32 net_id, __u32 ifindex, bool fresh)
{
	struct xnet_network net;
	struct xnet_port_key key = { .net_id = net_id };
	__u32 port;
	int err;

	err = map_lookup(dp, M_NETWORKS, &net_id, &net);
	if (err)
		return err;
	for (key.idx = 0; !fresh && key.idx < net.nports; key.idx++)
		if (!map_lookup(dp, M_PORTS, &key, &port) && port == ifindex)
			return 0;
	/* Entry first, count second: the program never walks onto a missing slot. */
	key.idx = net.nports;
	err = map_update(dp, M_PORTS, &key, &ifindex);
	if (err)
		return err;
	net.nports++;
	return map_update(dp, M_NETWORKS, &net_id, &net);
}

/* Remove ifindex from net's flood list: the last entry moves into the hole. */
static int ports_remove(struct xnet_dp *dp, __u32 net_id, __u32 ifindex)
{
	struct xnet_network net;
	struct xnet_port_key key = { .net_id = net_id }, last = { .net_id = net_id };
	__u32 port, last_port;
	int err;

	if (map_lookup(dp, M_NETWORKS, &net_id, &net) || !net.nports)
		return 0;
	for (key.idx = 0; key.idx < net.nports; key.idx++)
		if (!map_lookup(dp, M_PORTS, &key, &port) && port == ifindex)
			break;
	if (key.idx == net.nports)
		return 0;
	last.idx = net.nports - 1;
	/*
	 * Overwrite the hole first: the removed port stops receiving at once
	 * (the moved one may get a duplicate until the count shrinks).
	 */
	if (key.idx != last.idx) {
		err = map_lookup(dp, M_PORTS, &last, &last_port);
		err = err ?: map_update(dp, M_PORTS, &key, &last_port);
		if (err)
			return err;
	}
	net.nports--;
	err = map_update(dp, M_NETWORKS, &net_id, &net);
	return err ?: map_delete(dp, M_PORTS, &last);
}

/* ------------------------------------------------------------ networks */

static __be32 prefix_mask(__u8 prefixlen)
{
	return prefixlen ? htonl(~0U << (32 - prefixlen)) : 0;
}

/* Delete every entry of a net_id-valued map (subnets, gateways) for net_id, except keep. */
static int drop_by_value(struct xnet_dp *dp, enum dp_map m, __u32 ksz, __u32 net_id, const void *keep)
{
	__u32 *vals, n;
	char *keys;
	int err = map_dump(dp->map_fd[m], ksz, sizeof(__u32), (void **)&keys, (void **)&vals, &n);

	for (__u32 i = 0; !err && i < n; i++)
		if (vals[i] == net_id && (!keep || memcmp(keys + (size_t)i * ksz, keep, ksz)))
			err = map_delete(dp, m, keys + (size_t)i * ksz);
	free(keys);
	free(vals);
	return err;
}

int dp__network_set(struct xnet_dp *dp, const struct dp_network *n)
{
	struct xnet_network old = {}, net = {};
	struct xnet_subnet_key sk = { .prefixlen = n->prefixlen, .addr = n->subnet };
	struct xnet_if_cache c;
	char sbuf[INET_ADDRSTRLEN], gbuf[INET_ADDRSTRLEN], name[IF_NAMESIZE];
	bool existed;
	int err;

	if (n->prefixlen > 32 || !n->gw_ifindex) {
		log_error("network %u: invalid datapath parameters (prefix length %u, gateway ifindex %u)",
			  n->net_id, n->prefixlen, n->gw_ifindex);
		return -EINVAL;
	}
	existed = !map_lookup(dp, M_NETWORKS, &n->net_id, &old);
	net.mask = prefix_mask(n->prefixlen);
	net.subnet = n->subnet & net.mask;
	net.gw_ip = n->gw_ip;
	net.gw_ifindex = n->gw_ifindex;
	memcpy(net.gw_mac, n->gw_mac, 6);
	net.flags = n->flags;
	net.nports = existed ? old.nports : 0;	/* the flood list is ours to keep */
	net.mtu = n->mtu;
	sk.addr = net.subnet;

	err = map_update(dp, M_NETWORKS, &n->net_id, &net);
	err = err ?: drop_by_value(dp, M_SUBNETS, sizeof(sk), n->net_id, &sk);
	err = err ?: map_update(dp, M_SUBNETS, &sk, &n->net_id);
	err = err ?: drop_by_value(dp, M_GATEWAYS, sizeof(__u32), n->net_id, &n->gw_ifindex);
	err = err ?: map_update(dp, M_GATEWAYS, &n->gw_ifindex, &n->net_id);
	if (!err && existed && old.gw_ifindex != n->gw_ifindex) {
		err = dp_ifc_clear(dp, old.gw_ifindex, XNET_IFC_GATEWAY, &n->net_id);
		dp_tc_detach_ours(old.gw_ifindex, BPF_TC_EGRESS, PROG_GW);
	}
	dp_ifc_from_network(&c, XNET_IFC_GATEWAY, n->net_id, &net);
	err = err ?: dp_ifc_set(dp, n->gw_ifindex, &c);
	if (!err && (!existed || memcmp(&old, &net, sizeof(net))))
		err = dp_ifc_refresh_network(dp, n->net_id, &net);
	if (err) {
		log_error("cannot write network %u into the datapath maps: %s", n->net_id, strerror(-err));
		return err;
	}
	if (!existed || memcmp(&old, &net, sizeof(net)))
		log_info("datapath: network %u = %s/%u, gateway %s on %s (ifindex %u)%s", n->net_id,
			 util__ip_be_str(net.subnet, sbuf), n->prefixlen, util__ip_be_str(net.gw_ip, gbuf),
			 dp_ifname(n->gw_ifindex, name), n->gw_ifindex,
			 net.flags & XNET_NET_ICC ? "" : ", inter-container traffic off");
	return dp_tc_attach(n->gw_ifindex, BPF_TC_EGRESS, dp->prog_fd[P_GW], dp->prog_id[P_GW], PROG_GW);
}

/* Every embedded-DNS name of a network (it is going away). */
static int dns_names_drop_net(struct xnet_dp *dp, __u32 net_id)
{
	struct xnet_dns_key *keys;
	void *vals;
	__u32 n;
	int err = map_dump(dp->map_fd[M_DNS_NAMES], sizeof(*keys), sizeof(struct xnet_dns_rrset),
			   (void **)&keys, &vals, &n);

	if (err)
		return err;
	for (__u32 i = 0; !err && i < n; i++)
		if (keys[i].net_id == net_id)
			err = map_delete(dp, M_DNS_NAMES, &keys[i]);
	free(keys);
	free(vals);
	return err;
}

int dp__network_del(struct xnet_dp *dp, __u32 net_id)
{
	struct xnet_port_key *pkeys;
	struct xnet_network net;
	__u32 *pvals, n;
	bool existed = !map_lookup(dp, M_NETWORKS, &net_id, &net);
	int err;

	/* Caches first: from here on the programs ask the ABI maps, which we then empty. */
	err = existed ? dp_ifc_clear(dp, net.gw_ifindex, XNET_IFC_GATEWAY, &net_id) : 0;
	err = err ?: dp_ifc_refresh_network(dp, net_id, NULL);
	err = err ?: map_delete(dp, M_NETWORKS, &net_id);
	err = err ?: drop_by_value(dp, M_SUBNETS, sizeof(struct xnet_subnet_key), net_id, NULL);
	err = err ?: drop_by_value(dp, M_GATEWAYS, sizeof(__u32), net_id, NULL);
	if (!err && !map_dump(dp->map_fd[M_PORTS], sizeof(*pkeys), sizeof(__u32), (void **)&pkeys,
			      (void **)&pvals, &n)) {
		for (__u32 i = 0; !err && i < n; i++)
			if (pkeys[i].net_id == net_id)
				err = map_delete(dp, M_PORTS, &pkeys[i]);
		free(pkeys);
		free(pvals);
	}
	err = err ?: dns_names_drop_net(dp, net_id);
	if (err) {
		log_error("cannot remove network %u from the datapath maps: %s", net_id, strerror(-err));
		return err;
	}
	if (existed) {
		dp_tc_detach_ours(net.gw_ifindex, BPF_TC_EGRESS, PROG_GW);
		log_info("datapath: network %u removed", net_id);
	}
	return 0;
}

/* ------------------------------------------------------------ endpoints */

/* Remove the fdb/ip2ep/cache entries of old (at ifindex) that new no longer has. */
static int endpoint_unlink(struct xnet_dp *dp, __u32 ifindex, const struct xnet_endpoint *old,
			   const struct xnet_endpoint *new)
{
	struct xnet_mac_key mk = {};
	__u32 owner;
	int err = 0;

	memcpy(mk.mac, old->mac, 6);
	if (!new || memcmp(old->mac, new->mac, 6)) {
		err = dp_dst_release(dp, M_MACCACHE, dp_mac_slot(old->mac), ifindex);
		if (!err && !map_lookup(dp, M_FDB, &mk, &owner) && owner == ifindex)
			err = map_delete(dp, M_FDB, &mk);
	}
	if (!err && (!new || old->ip != new->ip)) {
		err = dp_dst_release(dp, M_IPCACHE, xnet_ip_slot(old->ip), ifindex);
		if (!err && !map_lookup(dp, M_IP2EP, &old->ip, &owner) && owner == ifindex)
			err = map_delete(dp, M_IP2EP, &old->ip);
	}
	if (!err && (!new || old->net_id != new->net_id))
		err = ports_remove(dp, old->net_id, ifindex);
	return err;
}

int dp__endpoint_set(struct xnet_dp *dp, const struct dp_endpoint *e)
{
	struct xnet_endpoint old, ep = { .net_id = e->net_id, .ifindex = e->ifindex, .ip = e->ip,
					 .flags = e->flags };
	struct xnet_mac_key mk = {};
	struct xnet_network net;
	struct xnet_if_cache c;
	char name[IF_NAMESIZE], ibuf[INET_ADDRSTRLEN], mbuf[ADDR_MAC_STRLEN];
	bool existed, changed;
	int err;

	if (!e->ifindex) {
		log_error("endpoint: invalid ifindex 0");
		return -EINVAL;
	}
	if (map_lookup(dp, M_NETWORKS, &e->net_id, &net)) {
		log_error("endpoint on %s (ifindex %u): network %u is not in the datapath; "
			  "set the network first", dp_ifname(e->ifindex, name), e->ifindex, e->net_id);
		return -ENOENT;
	}
	memcpy(ep.mac, e->mac, 6);
	memcpy(mk.mac, e->mac, 6);
	existed = !map_lookup(dp, M_ENDPOINTS, &e->ifindex, &old);
	changed = !existed || memcmp(&old, &ep, sizeof(ep));

	err = existed && changed ? endpoint_unlink(dp, e->ifindex, &old, &ep) : 0;
	/*
	 * The flood list before the endpoint entry: an entry on this network
	 * then proves the port is listed, and re-setting an endpoint (every
	 * reconcile) skips the O(ports) scan for duplicates.
	 */
	if (!existed || old.net_id != e->net_id)
		err = err ?: ports_add(dp, e->net_id, e->ifindex, !existed);
	err = err ?: map_update(dp, M_ENDPOINTS, &e->ifindex, &ep);
	err = err ?: map_update(dp, M_FDB, &mk, &e->ifindex);
	err = err ?: map_update(dp, M_IP2EP, &e->ip, &e->ifindex);
	dp_ifc_from_endpoint(&c, &ep, &net);
	err = err ?: dp_ifc_set(dp, e->ifindex, &c);
	err = err ?: dp_dst_claim(dp, M_MACCACHE, dp_mac_slot(e->mac), e->ifindex, &ep);
	err = err ?: dp_dst_claim(dp, M_IPCACHE, xnet_ip_slot(e->ip), e->ifindex, &ep);
	if (err) {
		log_error("cannot write endpoint %s (ifindex %u) into the datapath maps: %s",
			  dp_ifname(e->ifindex, name), e->ifindex, strerror(-err));
		return err;
	}
	if (changed)
		log_info("datapath: endpoint %s (ifindex %u) = %s %s on network %u",
			 dp_ifname(e->ifindex, name), e->ifindex, util__ip_be_str(e->ip, ibuf), util__mac_str(e->mac, mbuf),
			 e->net_id);
	/* After the ABI maps: a slot shared with a dead endpoint goes to this one. */
	err = dp_xdp_tx_set(dp, e->ifindex);
	if (err)
		return err;
	return dp_tc_attach(e->ifindex, BPF_TC_INGRESS, dp->prog_fd[P_LXC], dp->prog_id[P_LXC], PROG_LXC);
}

/* Every flood list holding ifindex (an endpoint entry may already be gone). */
static int ports_remove_everywhere(struct xnet_dp *dp, __u32 ifindex)
{
	struct xnet_port_key *keys;
	__u32 *vals, n;
	int err = map_dump(dp->map_fd[M_PORTS], sizeof(*keys), sizeof(__u32), (void **)&keys,
			   (void **)&vals, &n);

	for (__u32 i = 0; !err && i < n; i++)
		if (vals[i] == ifindex)
			err = ports_remove(dp, keys[i].net_id, ifindex);
	free(keys);
	free(vals);
	return err;
}

int dp__endpoint_del(struct xnet_dp *dp, __u32 ifindex)
{
	struct xnet_endpoint old;
	char name[IF_NAMESIZE];
	bool existed = !map_lookup(dp, M_ENDPOINTS, &ifindex, &old);
	int err;

	/* The caches first, so the endpoint cannot send or be sent to while its entries go. */
	err = dp_ifc_clear(dp, ifindex, XNET_IFC_ENDPOINT, NULL);
	err = err ?: dp_xdp_tx_clear(dp, ifindex);
	err = err ?: existed ? endpoint_unlink(dp, ifindex, &old, NULL) : 0;
	err = err ?: ports_remove_everywhere(dp, ifindex);
	/* Its DNS view and its PTR name go with it; its names are the caller's (dns.c). */
	err = err ?: map_delete(dp, M_DNS_SCOPE, &ifindex);
	err = err ?: existed ? map_delete(dp, M_DNS_PTR, &old.ip) : 0;
	err = err ?: map_delete(dp, M_ENDPOINTS, &ifindex);
	if (err) {
		log_error("cannot remove endpoint ifindex %u from the datapath maps: %s", ifindex,
			  strerror(-err));
		return err;
	}
	if (existed) {
		dp_tc_detach_ours(ifindex, BPF_TC_INGRESS, PROG_LXC);
		log_info("datapath: endpoint %s (ifindex %u) removed", dp_ifname(ifindex, name), ifindex);
	}
	return 0;
}
