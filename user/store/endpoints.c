// SPDX-License-Identifier: GPL-2.0-only
/*
 * store: endpoints (a sandbox on a network). See store/endpoints.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "store/endpoints.h"

int store__endpoints_of(struct store *s, const char *container_id, struct endpoint **out, int *n)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT " ENDPOINT_COLS " FROM endpoints WHERE container_id = ? ORDER BY idx");
	struct endpoint *v = NULL;
	int cnt = 0;

	*out = NULL;
	*n = 0;
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct endpoint *nv = realloc(v, sizeof(*v) * (size_t)(cnt + 1));

		if (!nv)
			break;
		v = nv;
		store__endpoint_row(st, &v[cnt++]);
	}
	sqlite3_finalize(st);
	*out = v;
	*n = cnt;
	return 0;
}

int store__endpoints_summary(struct store *s, const char *container_id, const char *network_id,
			     int *count, int *next_idx, bool *on_network)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT count(*), coalesce(max(idx) + 1, 0), "
					     "sum(network_id = ?2) FROM endpoints WHERE container_id = ?1");

	*count = 0;
	*next_idx = 0;
	*on_network = false;
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, network_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*count = sqlite3_column_int(st, 0);
		*next_idx = sqlite3_column_int(st, 1);
		*on_network = sqlite3_column_int(st, 2) > 0;
	}
	sqlite3_finalize(st);
	return 0;
}

int store__endpoints_count_on(struct store *s, const char *network_id, int *count)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT count(*) FROM endpoints WHERE network_id = ?");

	*count = 0;
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*count = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

int store__endpoint_insert(struct store *s, const struct endpoint *e)
{
	sqlite3_stmt *st = store__prepare(s, "INSERT INTO endpoints (" ENDPOINT_COLS ") VALUES (?,?,?,?,?,?,?,?,?)");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->container_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->network_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, e->ifname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->host_ifname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, e->ip);
	sqlite3_bind_int(st, 7, e->idx);
	sqlite3_bind_int(st, 8, e->user_ip);
	sqlite3_bind_text(st, 9, e->aliases, -1, SQLITE_STATIC);
	return store__done(st);
}

int store__endpoint_delete(struct store *s, const char *id)
{
	sqlite3_stmt *st = store__prepare(s, "DELETE FROM endpoints WHERE id = ?");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return store__done(st) ? -EIO : 0;
}

#define MEMBER_SQL "SELECT e.id, e.container_id, e.network_id, e.ifname, e.host_ifname, e.ip, e.idx, e.user_ip, " \
		   "e.aliases, c.name, c.hostname FROM endpoints e JOIN containers c ON c.id = e.container_id " \
		   "WHERE e.network_id = ? "

int store__network_members(struct store *s, const char *network_id, enum store_members order,
			   struct store_member **out, int *n)
{
	sqlite3_stmt *st = store__prepare(s, order == STORE_MEMBERS_BY_NAME ? MEMBER_SQL "ORDER BY c.name"
									  : MEMBER_SQL "ORDER BY e.rowid");
	struct store_member *v = NULL;
	int cnt = 0, rc = 0;

	*out = NULL;
	*n = 0;
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, network_id, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct store_member *nv = realloc(v, sizeof(*v) * (size_t)(cnt + 1));

		if (!nv) {
			rc = -ENOMEM;
			break;
		}
		v = nv;
		store__endpoint_row(st, &v[cnt].ep);
		store__col_text(st, 9, v[cnt].name, sizeof(v[cnt].name));
		store__col_text(st, 10, v[cnt].hostname, sizeof(v[cnt].hostname));
		cnt++;
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
