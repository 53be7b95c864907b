/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store/endpoints.c: the endpoints table (a sandbox on a network). Included
 * by store/store.h.
 */
#ifndef XNET_STORE_ENDPOINTS_H
#define XNET_STORE_ENDPOINTS_H

#include <stdbool.h>
#include "model/model.h"

struct store;

/* A sandbox's endpoints by index (eth0 first), as a malloc'd array: 0 or -EIO. */
int store__endpoints_of(struct store *s, const char *container_id, struct endpoint **out, int *n);
/*
 * A sandbox's endpoints at a glance: how many, the next free index, and
 * whether one is on network_id. 0 or -EIO.
 */
int store__endpoints_summary(struct store *s, const char *container_id, const char *network_id,
			     int *count, int *next_idx, bool *on_network);
/* How many endpoints network_id has: 0 or -EIO. */
int store__endpoints_count_on(struct store *s, const char *network_id, int *count);
/* 0, -EEXIST (a unique key: one per sandbox and network, one per address), -EIO. */
int store__endpoint_insert(struct store *s, const struct endpoint *e);
int store__endpoint_delete(struct store *s, const char *id);

/* An endpoint of a network with the names of its sandbox (ep.container_id). */
struct store_member {
	struct endpoint ep;
	char name[256];
	char hostname[256];
};

enum store_members {
	STORE_MEMBERS_BY_NAME,		/* by sandbox name */
	STORE_MEMBERS_BY_AGE,		/* in the order the endpoints were made */
};

/* A network's endpoints with their sandboxes, as a malloc'd array: 0 or -EIO. */
int store__network_members(struct store *s, const char *network_id, enum store_members order,
			   struct store_member **out, int *n);

#endif /* XNET_STORE_ENDPOINTS_H */
