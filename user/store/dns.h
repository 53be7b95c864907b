/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store/dns.c: a sandbox's resolver settings (the container_dns table).
 * Included by store/store.h.
 */
#ifndef XNET_STORE_DNS_H
#define XNET_STORE_DNS_H

struct store;

/* The columns as stored: JSON arrays (links: [[id, alias], ...]); owned strings. */
struct store_dns {
	char *servers, *search, *options, *links;
};

/* 0, -ENOENT (no row: all NULL), -EIO; free with store__dns_free. */
int store__dns_get(struct store *s, const char *container_id, struct store_dns *d);
void store__dns_free(struct store_dns *d);
/* The columns as JSON arrays: 0, -EEXIST (already a row), -EIO. */
int store__dns_insert(struct store *s, const char *container_id, const char *servers, const char *search,
		      const char *options, const char *links);

#endif /* XNET_STORE_DNS_H */
