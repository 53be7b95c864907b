// SPDX-License-Identifier: GPL-2.0-only
/*
 * store: networks, their labels, options, aux addresses and datapath
 * indexes. See store/networks.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "store/store.h"
#include "store/networks.h"

static const char *const list_sql[] = {
	[STORE_NETWORKS_ALL] = "SELECT " NETWORK_COLS " FROM networks",
	[STORE_NETWORKS_BY_NAME] = "SELECT " NETWORK_COLS " FROM networks ORDER BY name",
	[STORE_NETWORKS_BY_KIDX] = "SELECT " NETWORK_COLS " FROM networks ORDER BY kidx",
	[STORE_NETWORKS_CUSTOM] = "SELECT " NETWORK_COLS " FROM networks WHERE builtin = 0",
	[STORE_NETWORKS_UNUSED] = "SELECT " NETWORK_COLS " FROM networks n WHERE builtin = 0 AND NOT EXISTS "
				  "(SELECT 1 FROM endpoints e WHERE e.network_id = n.id) ORDER BY name",
	[STORE_NETWORKS_ADDRESSED] = "SELECT " NETWORK_COLS " FROM networks WHERE subnet IS NOT NULL",
};

int store__networks_list(struct store *s, enum store_networks which, struct network **out, int *n)
{
	sqlite3_stmt *st = store__prepare(s, list_sql[which]);
	struct network *v = NULL;
	int cnt = 0, rc = 0;

	*out = NULL;
	*n = 0;
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct network *nv = realloc(v, sizeof(*v) * (size_t)(cnt + 1));

		if (!nv) {
			rc = -ENOMEM;
			break;
		}
		v = nv;
		store__network_row(st, &v[cnt++]);
	}
	sqlite3_finalize(st);
	if (rc) {
		free(v);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int store__network_insert(struct store *s, const struct network *n)
{
	sqlite3_stmt *st = store__prepare(s, "INSERT INTO networks (" NETWORK_COLS ") "
					     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?)");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, n->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, n->driver, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, n->kidx);
	sqlite3_bind_int64(st, 5, n->subnet);
	sqlite3_bind_int(st, 6, n->prefix);
	sqlite3_bind_int64(st, 7, n->gateway);
	sqlite3_bind_int64(st, 8, n->range_start);
	sqlite3_bind_int64(st, 9, n->range_end);
	sqlite3_bind_text(st, 10, n->ip_range, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 11, n->internal);
	sqlite3_bind_int(st, 12, n->attachable);
	sqlite3_bind_int(st, 13, n->icc);
	sqlite3_bind_int(st, 14, n->masq);
	sqlite3_bind_int(st, 15, n->mtu);
	sqlite3_bind_text(st, 16, n->created, -1, SQLITE_STATIC);
	return store__done(st);
}

int store__network_delete(struct store *s, const char *id)
{
	sqlite3_stmt *st = store__prepare(s, "DELETE FROM networks WHERE id = ?");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return store__done(st) ? -EIO : 0;
}

static int kv_insert(struct store *s, const char *sql, const char *id, const char *key, const char *value)
{
	sqlite3_stmt *st = store__prepare(s, sql);

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	return store__done(st);
}

int store__network_label_insert(struct store *s, const char *network_id, const char *key, const char *value)
{
	return kv_insert(s, "INSERT INTO network_labels (network_id, key, value) VALUES (?,?,?)", network_id, key, value);
}

int store__network_option_insert(struct store *s, const char *network_id, const char *key, const char *value)
{
	return kv_insert(s, "INSERT INTO network_options (network_id, key, value) VALUES (?,?,?)", network_id, key, value);
}

int store__network_aux_insert(struct store *s, const char *network_id, const char *name, uint32_t ip)
{
	sqlite3_stmt *st = store__prepare(s, "INSERT INTO aux_addresses (network_id, name, ip) VALUES (?,?,?)");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, ip);
	return store__done(st);
}

static int kv_each(struct store *s, const char *sql, const char *id, store_kv_fn fn, void *ctx)
{
	sqlite3_stmt *st = store__prepare(s, sql);

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return 0;
}

int store__network_labels_each(struct store *s, const char *network_id, store_kv_fn fn, void *ctx)
{
	return kv_each(s, "SELECT key, value FROM network_labels WHERE network_id = ? ORDER BY key", network_id, fn, ctx);
}

int store__network_options_each(struct store *s, const char *network_id, store_kv_fn fn, void *ctx)
{
	return kv_each(s, "SELECT key, value FROM network_options WHERE network_id = ? ORDER BY key", network_id, fn, ctx);
}

int store__network_option_get(struct store *s, const char *network_id, const char *key, char *out, size_t len)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT value FROM network_options WHERE network_id = ? AND key = ?");
	int rc = -ENOENT;

	out[0] = '\0';
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);

		snprintf(out, len, "%s", v ? v : "");
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int store__network_label_get(struct store *s, const char *network_id, const char *key, size_t keylen, char **value)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT value FROM network_labels WHERE network_id = ? AND key = ?");
	int rc = -ENOENT;

	*value = NULL;
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, (int)keylen, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*value = strdup((const char *)sqlite3_column_text(st, 0));
		rc = *value ? 0 : -ENOMEM;
	}
	sqlite3_finalize(st);
	return rc;
}

int store__network_aux_each(struct store *s, const char *network_id, store_aux_fn fn, void *ctx)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT name, ip FROM aux_addresses WHERE network_id = ? ORDER BY name");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(st, 0), (uint32_t)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return 0;
}

int store__network_ip_user(struct store *s, const char *network_id, uint32_t ip)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT 1 FROM aux_addresses WHERE network_id = ?1 AND ip = ?2 "
					     "UNION ALL SELECT 2 FROM endpoints WHERE network_id = ?1 AND ip = ?2");
	int used = 0;

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ip);
	if (sqlite3_step(st) == SQLITE_ROW)
		used = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return used;
}

int store__network_ips_taken(struct store *s, const struct network *n, uint32_t **out, int *cnt)
{
	uint32_t mask = util__mask(n->prefix);
	sqlite3_stmt *st;
	uint32_t *v = NULL;
	int c = 0, rc = 0;

	*out = NULL;
	*cnt = 0;
	st = store__prepare(s, "SELECT ip FROM endpoints WHERE network_id = ?1 AND ip BETWEEN ?2 AND ?3 "
			       "UNION SELECT ip FROM aux_addresses WHERE network_id = ?1 AND ip BETWEEN ?2 AND ?3 "
			       "UNION SELECT ?4 UNION SELECT ?5 UNION SELECT ?6 ORDER BY 1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, n->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, n->range_start);
	sqlite3_bind_int64(st, 3, n->range_end);
	sqlite3_bind_int64(st, 4, n->gateway);
	sqlite3_bind_int64(st, 5, n->subnet);
	sqlite3_bind_int64(st, 6, n->subnet | ~mask);
	while (sqlite3_step(st) == SQLITE_ROW) {
		uint32_t *nv = realloc(v, sizeof(*v) * (size_t)(c + 1));

		if (!nv) {
			rc = -ENOMEM;
			break;
		}
		v = nv;
		v[c++] = (uint32_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc) {
		free(v);
		return rc;
	}
	*out = v;
	*cnt = c;
	return 0;
}

int store__network_kidx_list(struct store *s, int **out, int *cnt)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT kidx FROM networks WHERE kidx IS NOT NULL ORDER BY kidx");
	int *v = NULL;
	int c = 0, rc = 0;

	*out = NULL;
	*cnt = 0;
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int *nv = realloc(v, sizeof(*v) * (size_t)(c + 1));

		if (!nv) {
			rc = -ENOMEM;
			break;
		}
		v = nv;
		v[c++] = sqlite3_column_int(st, 0);
	}
	sqlite3_finalize(st);
	if (rc) {
		free(v);
		return rc;
	}
	*out = v;
	*cnt = c;
	return 0;
}
