// SPDX-License-Identifier: GPL-2.0-only
/*
 * datapath embedded DNS: names (xnet_dns_names), each endpoint's view
 * (xnet_dns_scope) and reverse names (xnet_dns_ptr), as user/core/dns.c computes
 * them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "datapath/internal.h"
#include "lib/log.h"

int dp__dns_name_set(struct xnet_dp *dp, const struct xnet_dns_key *k, const __be32 *addrs, int n)
{
	struct xnet_dns_rrset rr = { 0 };

	if (n <= 0)
		return map_delete(dp, M_DNS_NAMES, k);
	rr.count = (__u32)(n > XNET_DNS_MAX_ADDRS ? XNET_DNS_MAX_ADDRS : n);
	memcpy(rr.addrs, addrs, rr.count * sizeof(*addrs));
	return map_update(dp, M_DNS_NAMES, k, &rr);
}

static int dns_key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct xnet_dns_key));
}

int dp__dns_names_sweep(struct xnet_dp *dp, struct xnet_dns_key *keep, int n_keep)
{
	struct xnet_dns_key *keys;
	void *vals;
	__u32 n, removed = 0;
	int err;

	/* keep may be NULL when nothing is kept: qsort and bsearch want a valid pointer even for 0 items. */
	if (n_keep > 0)
		qsort(keep, (size_t)n_keep, sizeof(*keep), dns_key_cmp);
	err = map_dump(dp->map_fd[M_DNS_NAMES], sizeof(*keys), sizeof(struct xnet_dns_rrset), (void **)&keys,
		       &vals, &n);
	if (err)
		return err;
	for (__u32 i = 0; !err && i < n; i++)
		if (n_keep <= 0 || !bsearch(&keys[i], keep, (size_t)n_keep, sizeof(*keep), dns_key_cmp)) {
			err = map_delete(dp, M_DNS_NAMES, &keys[i]);
			removed++;
		}
	free(keys);
	free(vals);
	if (removed)
		log_info("datapath: %u stale DNS names removed", removed);
	return err;
}

int dp__dns_scope_set(struct xnet_dp *dp, __u32 ifindex, const struct xnet_dns_scope *scope)
{
	return scope ? map_update(dp, M_DNS_SCOPE, &ifindex, scope) : map_delete(dp, M_DNS_SCOPE, &ifindex);
}

int dp__dns_ptr_set(struct xnet_dp *dp, __be32 ip, const struct xnet_dns_ptr *ptr)
{
	return ptr ? map_update(dp, M_DNS_PTR, &ip, ptr) : map_delete(dp, M_DNS_PTR, &ip);
}
