/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store/networks.c: the networks table and what hangs off a network (its
 * labels, options and auxiliary addresses). Included by store/store.h.
 */
#ifndef XNET_STORE_NETWORKS_H
#define XNET_STORE_NETWORKS_H

#include <stddef.h>
#include <stdint.h>
#include "model/model.h"

struct store;

/* Which networks a list holds, and in which order. */
enum store_networks {
	STORE_NETWORKS_ALL,		/* every network, in the table's order */
	STORE_NETWORKS_BY_NAME,		/* every network, by name */
	STORE_NETWORKS_BY_KIDX,		/* every network, by datapath index */
	STORE_NETWORKS_CUSTOM,		/* not built in, in the table's order */
	STORE_NETWORKS_UNUSED,		/* not built in and without endpoints, by name */
	STORE_NETWORKS_ADDRESSED,	/* with a subnet, in the table's order */
};

/* A malloc'd array the caller frees (NULL when empty): 0 or -EIO. */
int store__networks_list(struct store *s, enum store_networks which, struct network **out, int *n);

/* A custom network (builtin = 0): 0, -EEXIST (id, name or kidx taken), -EIO. */
int store__network_insert(struct store *s, const struct network *n);
/* 0 or -EIO; its labels, options and aux addresses go with it. */
int store__network_delete(struct store *s, const char *id);

int store__network_label_insert(struct store *s, const char *network_id, const char *key, const char *value);
int store__network_option_insert(struct store *s, const char *network_id, const char *key, const char *value);
int store__network_aux_insert(struct store *s, const char *network_id, const char *name, uint32_t ip);

/* Each (key, value) by key: 0 or -EIO. */
typedef void (*store_kv_fn)(void *ctx, const char *key, const char *value);
int store__network_labels_each(struct store *s, const char *network_id, store_kv_fn fn, void *ctx);
int store__network_options_each(struct store *s, const char *network_id, store_kv_fn fn, void *ctx);
/* The option key: 0 and its value in out, -ENOENT (out = ""), -EIO. */
int store__network_option_get(struct store *s, const char *network_id, const char *key, char *out, size_t len);
/* The label key (its first keylen bytes): 0 and a malloc'd *value, -ENOENT, -EIO. */
int store__network_label_get(struct store *s, const char *network_id, const char *key, size_t keylen, char **value);

/* Each aux address (name, ip) by name: 0 or -EIO. */
typedef void (*store_aux_fn)(void *ctx, const char *name, uint32_t ip);
int store__network_aux_each(struct store *s, const char *network_id, store_aux_fn fn, void *ctx);

/* Who holds ip in the network: 1 an aux address, 2 an endpoint, 0 nobody, -EIO. */
int store__network_ip_user(struct store *s, const char *network_id, uint32_t ip);
/*
 * The addresses of n's range [range_start, range_end] its endpoints and aux
 * addresses hold, with its gateway, subnet and broadcast addresses: sorted,
 * each once, as a malloc'd array. 0 or -EIO.
 */
int store__network_ips_taken(struct store *s, const struct network *n, uint32_t **out, int *cnt);
/* The datapath indexes networks hold, ascending, as a malloc'd array: 0 or -EIO. */
int store__network_kidx_list(struct store *s, int **out, int *cnt);

#endif /* XNET_STORE_NETWORKS_H */
