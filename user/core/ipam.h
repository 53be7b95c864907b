/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ipam: subnets for new networks (Docker's default pools, checked against the
 * store and the host) and addresses for endpoints (lowest free in range).
 */
#ifndef XNET_IPAM_H
#define XNET_IPAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xnet;
struct network;

/* A default pool free in the store and on the host: 0, -ENOSPC, or -errno (netlink). */
int ipam__pick_pool(struct xnet *x, uint32_t *subnet, int *prefix);
/* Does it overlap an address or route of the host (not our gateways)? 1 (who says which), 0, -errno. */
int ipam__host_overlap(uint32_t subnet, int prefix, char *who, size_t wholen);
bool ipam__overlaps(struct xnet *x, uint32_t subnet, int prefix, char *who, size_t wholen);
int ipam__allocate(struct xnet *x, const struct network *n, uint32_t *ip);
/* Check a user-chosen address (--ip); returns 0 or -1 after printing the error. */
int ipam__check_user_ip(struct xnet *x, const struct network *n, uint32_t ip, const char *given);
int ipam__alloc_kidx(struct xnet *x);


#endif /* XNET_IPAM_H */
