// SPDX-License-Identifier: GPL-2.0-only
/*
 * store: sandboxes (the containers table). See store/sandboxes.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "store/sandboxes.h"

static const char *const list_sql[] = {
	[STORE_CONTAINERS_BY_CREATED] = "SELECT " CONTAINER_COLS " FROM containers ORDER BY created",
	[STORE_CONTAINERS_BY_CREATED_DESC] = "SELECT " CONTAINER_COLS " FROM containers ORDER BY created DESC",
	[STORE_CONTAINERS_DEFAULT_MODE] = "SELECT " CONTAINER_COLS " FROM containers WHERE netmode = 'default'",
	[STORE_CONTAINERS_PUBLISHED] = "SELECT " CONTAINER_COLS " FROM containers WHERE id IN"
				       " (SELECT container_id FROM published_ports)",
};

void store__containers_free(struct container *v, int n)
{
	for (int i = 0; i < n; i++)
		container__free(&v[i]);
	free(v);
}

int store__containers_list(struct store *s, enum store_containers which, struct container **out, int *n)
{
	sqlite3_stmt *st = store__prepare(s, list_sql[which]);
	struct container *v = NULL;
	int cnt = 0, rc = 0;

	*out = NULL;
	*n = 0;
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct container *nv = realloc(v, sizeof(*v) * (size_t)(cnt + 1));

		if (!nv) {
			rc = -ENOMEM;
			break;
		}
		v = nv;
		store__container_row(st, &v[cnt++]);
	}
	sqlite3_finalize(st);
	if (rc) {
		store__containers_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int store__container_first(struct store *s, struct container *c)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT " CONTAINER_COLS " FROM containers "
					     "ORDER BY netmode LIKE 'container:%' DESC LIMIT 1");
	int rc = -ENOENT;

	if (!st)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		store__container_row(st, c);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int store__container_id_by_name(struct store *s, const char *name, char id[XNET_ID_LEN + 1])
{
	sqlite3_stmt *st = store__prepare(s, "SELECT id FROM containers WHERE name = ?");
	int rc = -ENOENT;

	id[0] = 0;
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(id, XNET_ID_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int store__container_insert(struct store *s, const struct container *c)
{
	sqlite3_stmt *st = store__prepare(s, "INSERT INTO containers (id,name,hostname,netmode,cmd,env,created,auto_remove) "
					     "VALUES (?,?,?,?,?,?,?,?)");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->hostname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->netmode, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->cmd, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, c->env, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->created, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, c->auto_remove);
	return store__done(st);
}

int store__container_delete(struct store *s, const char *id)
{
	sqlite3_stmt *st = store__prepare(s, "DELETE FROM containers WHERE id = ?");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return store__done(st) ? -EIO : 0;
}

int store__container_set_started(struct store *s, const char *id, const char *started)
{
	sqlite3_stmt *st = store__prepare(s, "UPDATE containers SET started = ? WHERE id = ?");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, started, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	return store__done(st);
}

int store__container_set_running(struct store *s, const char *id, long pid, unsigned long long starttime,
				 long shim_pid, const char *started)
{
	sqlite3_stmt *st = store__prepare(s, "UPDATE containers SET pid = ?, starttime = ?, shim_pid = ?, started = ? "
					     "WHERE id = ?");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)starttime);
	sqlite3_bind_int64(st, 3, shim_pid);
	sqlite3_bind_text(st, 4, started, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, id, -1, SQLITE_STATIC);
	return store__done(st);
}

int store__container_set_exited(struct store *s, const char *id, int code, const char *finished)
{
	sqlite3_stmt *st = store__prepare(s, "UPDATE containers SET exit_code = ?, finished = ?, pid = 0 WHERE id = ?");

	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, code);
	sqlite3_bind_text(st, 2, finished, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	return store__done(st);
}

int store__clear(struct store *s)
{
	return store__exec(s, "DELETE FROM endpoints; DELETE FROM containers; DELETE FROM networks;");
}
