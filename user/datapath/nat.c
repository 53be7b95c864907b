// SPDX-License-Identifier: GPL-2.0-only
/*
 * datapath NAT: the host settings (uplink, NAT port range, policy switch) with
 * the uplink programs attached, the host's addresses, published ports, the
 * policy rules, and the conntrack flushes that keep established flows in step
 * with them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "datapath/internal.h"
#include "lib/addr.h"
#include "lib/log.h"
#include "lib/portspec.h"

/* ------------------------------------------------------------ host */

int dp__host_get(struct xnet_dp *dp, struct xnet_host *h)
{
	__u32 zero = 0;

	return map_lookup(dp, M_HOST, &zero, h);
}

int dp__host_set(struct xnet_dp *dp, const struct xnet_host *h)
{
	struct xnet_host old = { 0 };
	char name[IF_NAMESIZE], ibuf[INET_ADDRSTRLEN];
	__u32 zero = 0;
	int err;

	if (h->nat_port_min > h->nat_port_max || (h->uplink_ifindex && !h->nat_port_min)) {
		log_error("host: invalid NAT port range %u-%u", h->nat_port_min, h->nat_port_max);
		return -EINVAL;
	}
	dp__host_get(dp, &old);
	/* Attach first: a failed attach leaves the old settings in force. */
	if (h->uplink_ifindex) {
		err = dp_uplink_attach(dp, h->uplink_ifindex);
		if (err)
			return err;
	}
	err = map_update(dp, M_HOST, &zero, h);
	if (err)
		return err;
	if (old.uplink_ifindex && old.uplink_ifindex != h->uplink_ifindex)
		dp_uplink_detach(old.uplink_ifindex);
	if (memcmp(&old, h, sizeof(old)))
		log_info("datapath: host uplink %s (ifindex %u) address %s, NAT ports %u-%u%s",
			 h->uplink_ifindex ? dp_ifname(h->uplink_ifindex, name) : "none", h->uplink_ifindex,
			 util__ip_be_str(h->uplink_ip, ibuf), h->nat_port_min, h->nat_port_max,
			 h->flags & XNET_HOST_POLICY ? ", policy on" : "");
	return 0;
}

int dp__hostaddrs_replace(struct xnet_dp *dp, const __be32 *addrs, const __u32 *flags, int n)
{
	void *keys = NULL, *vals = NULL;
	__u32 nk = 0;
	int err = 0;

	for (int i = 0; !err && i < n; i++) {
		__u32 have;

		if (!map_lookup(dp, M_HOSTADDRS, &addrs[i], &have) && have == flags[i])
			continue;
		err = map_update(dp, M_HOSTADDRS, &addrs[i], &flags[i]);
	}
	err = err ?: map_dump(dp->map_fd[M_HOSTADDRS], sizeof(__be32), sizeof(__u32), &keys, &vals, &nk);
	for (__u32 i = 0; !err && i < nk; i++) {
		__be32 a = ((__be32 *)keys)[i];
		bool keep = false;

		for (int j = 0; j < n && !keep; j++)
			keep = addrs[j] == a;
		if (!keep)
			err = map_delete(dp, M_HOSTADDRS, &a);
	}
	free(keys);
	free(vals);
	return err;
}

/* ------------------------------------------------------------ published ports */

/*
 * Remove every conntrack entry for which match() says so, confirmed
 * (xnet_ct) or not (xnet_ct_new, whose values wrap the same entry).
 * Returns the number removed or -errno.
 */
static int ct_flush(struct xnet_dp *dp, bool (*match)(const struct xnet_ct_key *, const struct xnet_ct_entry *,
						      const void *), const void *arg)
{
	static const struct { enum dp_map map; size_t vsize; } tables[] = {
		{ M_CT, sizeof(struct xnet_ct_entry) },
		{ M_CT_NEW, sizeof(struct xnet_ct_pending) },
	};
	int err = 0, removed = 0;

	for (size_t t = 0; !err && t < sizeof(tables) / sizeof(tables[0]); t++) {
		void *keys = NULL, *vals = NULL;
		__u32 n = 0;

		err = map_dump(dp->map_fd[tables[t].map], sizeof(struct xnet_ct_key), tables[t].vsize,
			       &keys, &vals, &n);
		for (__u32 i = 0; !err && i < n; i++) {
			const struct xnet_ct_key *k = (struct xnet_ct_key *)keys + i;
			/* struct xnet_ct_pending starts with its struct xnet_ct_entry. */
			const struct xnet_ct_entry *v = (const void *)((char *)vals + (size_t)i * tables[t].vsize);

			if (!match(k, v, arg))
				continue;
			err = map_delete(dp, tables[t].map, k);
			removed++;
		}
		free(keys);
		free(vals);
	}
	return err ?: removed;
}

/* Entries of flows through one published binding: IN towards it, OUT back from its backend. */
struct pub_match {
	const struct xnet_pub_key *k;
	const struct xnet_pub *v;
};

static bool ct_match_pub(const struct xnet_ct_key *k, const struct xnet_ct_entry *e, const void *arg)
{
	const struct pub_match *m = arg;

	if (e->kind != XNET_CT_DNAT || k->proto != m->k->proto)
		return false;
	if (k->dir == XNET_CT_IN)
		return k->dport == m->k->port && (!m->k->host_ip || k->daddr == m->k->host_ip) &&
		       e->addr == m->v->backend_ip && e->port == m->v->backend_port;
	return k->saddr == m->v->backend_ip && k->sport == m->v->backend_port &&
	       e->port == m->k->port && (!m->k->host_ip || e->addr == m->k->host_ip);
}

int dp__published_set(struct xnet_dp *dp, const struct xnet_pub_key *k, const struct xnet_pub *v)
{
	char ibuf[INET_ADDRSTRLEN], bbuf[INET_ADDRSTRLEN];
	struct xnet_pub old;
	int err;

	if (k->pad || (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP) || !k->port) {
		log_error("published port: invalid key (port %u, protocol %u)", ntohs(k->port), k->proto);
		return -EINVAL;
	}
	if (!map_lookup(dp, M_PUBLISHED, k, &old)) {
		if (!memcmp(&old, v, sizeof(old)))
			return 0;
		/* A new backend: flows to the old one must not be carried over. */
		struct pub_match m = { k, &old };

		err = ct_flush(dp, ct_match_pub, &m);
		if (err < 0)
			return err;
	}
	err = map_update(dp, M_PUBLISHED, k, v);
	if (!err)
		log_info("datapath: published %s:%u/%s -> %s:%u (ifindex %u, network %u)",
			 util__ip_be_str(k->host_ip, ibuf), ntohs(k->port), portspec__proto_name(k->proto),
			 util__ip_be_str(v->backend_ip, bbuf), ntohs(v->backend_port), v->ifindex, v->net_id);
	return err;
}

int dp__published_del(struct xnet_dp *dp, const struct xnet_pub_key *k)
{
	char ibuf[INET_ADDRSTRLEN];
	struct xnet_pub old;
	struct pub_match m = { k, &old };
	int err;

	if (map_lookup(dp, M_PUBLISHED, k, &old))
		return 0;
	/* The binding first: no new flow can start while its old ones are flushed. */
	err = map_delete(dp, M_PUBLISHED, k);
	if (err)
		return err;
	err = ct_flush(dp, ct_match_pub, &m);
	if (err < 0)
		return err;
	log_info("datapath: unpublished %s:%u/%s (%d conntrack entries removed)", util__ip_be_str(k->host_ip, ibuf),
		 ntohs(k->port), portspec__proto_name(k->proto), err);
	return 0;
}

int dp__published_sweep(struct xnet_dp *dp, const struct xnet_pub_key *keep, int n)
{
	void *keys = NULL, *vals = NULL;
	__u32 nk = 0;
	int err;

	err = map_dump(dp->map_fd[M_PUBLISHED], sizeof(struct xnet_pub_key), sizeof(struct xnet_pub),
		       &keys, &vals, &nk);
	for (__u32 i = 0; !err && i < nk; i++) {
		const struct xnet_pub_key *k = (struct xnet_pub_key *)keys + i;
		bool found = false;

		for (int j = 0; j < n && !found; j++)
			found = !memcmp(&keep[j], k, sizeof(*k));
		if (!found)
			err = dp__published_del(dp, k);
	}
	free(keys);
	free(vals);
	return err;
}

/* ------------------------------------------------------------ conntrack and policy */

static bool ct_match_ip(const struct xnet_ct_key *k, const struct xnet_ct_entry *e, const void *arg)
{
	__be32 ip = *(const __be32 *)arg;

	return k->saddr == ip || k->daddr == ip || e->addr == ip;
}

int dp__ct_flush_ip(struct xnet_dp *dp, __be32 ip)
{
	char ibuf[INET_ADDRSTRLEN];
	int n = ct_flush(dp, ct_match_ip, &ip);

	if (n > 0)
		log_info("datapath: removed %d conntrack entries of %s", n, util__ip_be_str(ip, ibuf));
	return n < 0 ? n : 0;
}

/* Published flows of the clients a policy rule covers, both directions. */
static bool ct_match_policy(const struct xnet_ct_key *k, const struct xnet_ct_entry *e, const void *arg)
{
	const struct xnet_policy_key *p = arg;
	__u32 plen = p->prefixlen - 32;
	__be32 mask = plen ? htonl(~0U << (32 - plen)) : 0;
	__be32 client = k->dir == XNET_CT_IN ? k->saddr : k->daddr;
	__be16 hport = k->dir == XNET_CT_IN ? k->dport : e->port;

	if (e->kind != XNET_CT_DNAT || (client & mask) != (p->saddr & mask))
		return false;
	return !p->proto || (p->proto == k->proto && p->port == hport);
}

static int policy_valid(const struct xnet_policy_key *k)
{
	if (k->prefixlen < 32 || k->prefixlen > 64 || k->pad || (!k->proto && k->port) ||
	    (k->proto && k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP)) {
		log_error("policy: invalid rule key (prefix %u, protocol %u, port %u)", k->prefixlen,
			  k->proto, ntohs(k->port));
		return -EINVAL;
	}
	return 0;
}

/*
 * A policy change applies to flows already established too, as Docker's
 * DOCKER-USER chain (consulted for every packet) does: the conntrack
 * entries of the clients the rule covers are removed, so their next packet
 * is judged by the new rules (a TCP flow that is no longer a SYN then dies
 * in the host stack). Other clients' flows are left alone.
 */
int dp__policy_set(struct xnet_dp *dp, const struct xnet_policy_key *k, __u32 action)
{
	__u32 old;
	int err;

	if (policy_valid(k))
		return -EINVAL;
	if (action != XNET_POLICY_ALLOW && action != XNET_POLICY_DENY) {
		log_error("policy: invalid action %u", action);
		return -EINVAL;
	}
	if (!map_lookup(dp, M_POLICY, k, &old) && old == action)
		return 0;
	err = map_update(dp, M_POLICY, k, &action);
	if (err)
		return err;
	err = ct_flush(dp, ct_match_policy, k);
	return err < 0 ? err : 0;
}

int dp__policy_del(struct xnet_dp *dp, const struct xnet_policy_key *k)
{
	__u32 old;
	int err;

	if (policy_valid(k))
		return -EINVAL;
	if (map_lookup(dp, M_POLICY, k, &old))
		return 0;
	err = map_delete(dp, M_POLICY, k);
	if (err)
		return err;
	err = ct_flush(dp, ct_match_policy, k);
	return err < 0 ? err : 0;
}

int dp__policy_sweep(struct xnet_dp *dp, const struct xnet_policy_key *keep, int n)
{
	struct xnet_policy_key k, next;
	void *prev = NULL;
	int err = 0;

	/* LPM tries have no batch lookup: walk the keys, deleting behind us. */
	for (;;) {
		bool found = false;

		if (bpf_map_get_next_key(dp->map_fd[M_POLICY], prev, &next))
			break;
		k = next;
		prev = &k;
		for (int j = 0; j < n && !found; j++)
			found = !memcmp(&keep[j], &k, sizeof(k));
		if (!found) {
			err = dp__policy_del(dp, &k);
			if (err)
				return err;
			prev = NULL;	/* start over: the walk order changed */
		}
	}
	return err;
}
