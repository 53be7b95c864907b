// SPDX-License-Identifier: GPL-2.0-only
/*
 * store: the SQLite database under the state root, the source of truth.
 * See store.h; the transaction that spans store and kernel is core/txn.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/util.h"
#include "store/schema.h"
#include "store/store.h"

/* The built-in networks, as Docker creates them at daemon start. */
static int store__seed(struct store *x)
{
	sqlite3_stmt *st;
	char created[64], id[XNET_ID_LEN + 1];
	struct { const char *name, *driver; } b[] = { { "bridge", "bridge" }, { "host", "host" }, { "none", "null" } };
	int rc = 0;

	st = store__prepare(x, "SELECT count(*) FROM networks WHERE builtin = 1");
	if (!st)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) > 0) {
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	util__now_rfc3339(created, sizeof(created));
	for (int i = 0; i < 3; i++) {
		util__random_id(id);
		st = store__prepare(x, "INSERT INTO networks (id,name,driver,kidx,subnet,prefix,gateway,range_start,range_end,builtin,created)"
				       " VALUES (?,?,?,?,?,?,?,?,?,1,?)");
		if (!st)
			return -EIO;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, b[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, b[i].driver, -1, SQLITE_STATIC);
		if (i == 0) {
			/* 172.17.0.0/16, gateway 172.17.0.1: Docker's docker0 */
			sqlite3_bind_int(st, 4, 1);
			sqlite3_bind_int64(st, 5, 0xac110000);
			sqlite3_bind_int(st, 6, 16);
			sqlite3_bind_int64(st, 7, 0xac110001);
			sqlite3_bind_int64(st, 8, 0xac110001);
			sqlite3_bind_int64(st, 9, 0xac11fffe);
		} else {
			for (int k = 4; k <= 9; k++)
				sqlite3_bind_null(st, k);
		}
		sqlite3_bind_text(st, 10, created, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = -EIO;
		sqlite3_finalize(st);
		if (rc)
			return rc;
	}
	if (store__exec(x, "INSERT OR REPLACE INTO network_options VALUES ((SELECT id FROM networks WHERE name='bridge'),"
			   " 'com.docker.network.bridge.default_bridge', 'true')"))
		return -EIO;
	return 0;
}

int store__open(struct store *x, const char *root, char *why, size_t whylen)
{
	char w[256];
	int rc;

	rc = util__mkdir_p(root);
	if (rc) {
		snprintf(why, whylen, "cannot create state root %s: %s", root, strerror(-rc));
		return rc;
	}
	snprintf(x->path, sizeof(x->path), "%s/xnet.db", root);
	if (sqlite3_open_v2(x->path, &x->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(why, whylen, "cannot open database %s: %s", x->path, x->db ? sqlite3_errmsg(x->db) : "out of memory");
		return -EIO;
	}
	/* Commands queue behind the writer; 1,100 `xnet run` in a row must not time out. */
	sqlite3_busy_timeout(x->db, 600000);
	/* WAL: readers (ps, ls, inspect) never wait for a writer. synchronous=FULL: survive power loss. */
	if (store__exec(x, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;") ||
	    store__exec(x, "BEGIN IMMEDIATE")) {
		snprintf(why, whylen, "cannot open database %s: %s", x->path, sqlite3_errmsg(x->db));
		return -EIO;
	}
	/* The tables of this build (store/schema.c); a root from a newer build is left as it is. */
	rc = schema__migrate(x->db, w, sizeof(w));
	if (rc) {
		store__exec(x, "ROLLBACK");
		snprintf(why, whylen, "state root %s %s", root, w);
		return rc;
	}
	if (store__seed(x)) {
		snprintf(why, whylen, "cannot set up database %s: %s", x->path, sqlite3_errmsg(x->db));
		store__exec(x, "ROLLBACK");
		return -EIO;
	}
	if (store__exec(x, "COMMIT")) {
		snprintf(why, whylen, "cannot set up database %s: %s", x->path, sqlite3_errmsg(x->db));
		return -EIO;
	}
	return 0;
}

void store__close(struct store *x)
{
	if (x->db) {
		if (x->in_txn)
			store__rollback(x);
		sqlite3_close(x->db);
		x->db = NULL;
	}
}

int store__begin(struct store *x)
{
	if (store__exec(x, "BEGIN IMMEDIATE"))
		return -EIO;
	x->in_txn = true;
	return 0;
}

int store__commit(struct store *x)
{
	if (store__exec(x, "COMMIT"))
		return -EIO;
	x->in_txn = false;
	return 0;
}

void store__rollback(struct store *x)
{
	if (x->in_txn)
		store__exec(x, "ROLLBACK");
	x->in_txn = false;
}

const char *store__errmsg(struct store *x)
{
	return x->db ? sqlite3_errmsg(x->db) : "no database";
}

int store__changes(struct store *x)
{
	return sqlite3_changes(x->db);
}

int store__exec(struct store *x, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(x->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("database: %s (%.60s)", msg ? msg : "?", sql);
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

sqlite3_stmt *store__prepare(struct store *x, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("database: %s (%.60s)", sqlite3_errmsg(x->db), sql);
		return NULL;
	}
	return st;
}

int store__done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	return (rc & 0xff) == SQLITE_CONSTRAINT ? -EEXIST : -EIO;
}

int store__meta_get(struct store *x, const char *key, char *out, size_t len)
{
	sqlite3_stmt *st = store__prepare(x, "SELECT value FROM meta WHERE key = ?");
	int rc = -ENOENT;

	out[0] = 0;
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int store__meta_set(struct store *x, const char *key, const char *value)
{
	sqlite3_stmt *st = store__prepare(x, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -EIO;
	sqlite3_finalize(st);
	return rc;
}

void store__col_text(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

void store__network_row(sqlite3_stmt *st, struct network *n)
{
	memset(n, 0, sizeof(*n));
	store__col_text(st, 0, n->id, sizeof(n->id));
	store__col_text(st, 1, n->name, sizeof(n->name));
	store__col_text(st, 2, n->driver, sizeof(n->driver));
	n->kidx = sqlite3_column_int(st, 3);
	n->subnet = (uint32_t)sqlite3_column_int64(st, 4);
	n->prefix = sqlite3_column_int(st, 5);
	n->gateway = (uint32_t)sqlite3_column_int64(st, 6);
	n->range_start = (uint32_t)sqlite3_column_int64(st, 7);
	n->range_end = (uint32_t)sqlite3_column_int64(st, 8);
	store__col_text(st, 9, n->ip_range, sizeof(n->ip_range));
	n->internal = sqlite3_column_int(st, 10);
	n->attachable = sqlite3_column_int(st, 11);
	n->icc = sqlite3_column_int(st, 12);
	n->masq = sqlite3_column_int(st, 13);
	n->builtin = sqlite3_column_int(st, 14);
	n->mtu = sqlite3_column_int(st, 15);
	store__col_text(st, 16, n->created, sizeof(n->created));
}

/* Docker's lookup order: exact id, exact name, then unique id prefix. */
int store__network_get(struct store *x, const char *key, struct network *n)
{
	sqlite3_stmt *st;
	int rc = -ENOENT, found = 0;

	st = store__prepare(x, "SELECT " NETWORK_COLS " FROM networks WHERE id = ?1 OR name = ?1 "
			       "ORDER BY (id = ?1) DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		store__network_row(st, n);
		rc = 0;
	}
	sqlite3_finalize(st);
	if (rc == 0 || strlen(key) < 1)
		return rc;
	st = store__prepare(x, "SELECT " NETWORK_COLS " FROM networks WHERE substr(id, 1, length(?1)) = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		store__network_row(st, n);
		found++;
	}
	sqlite3_finalize(st);
	return found == 1 ? 0 : found > 1 ? -EINVAL : -ENOENT;
}

int store__network_get_id(struct store *x, const char *id, struct network *n)
{
	sqlite3_stmt *st = store__prepare(x, "SELECT " NETWORK_COLS " FROM networks WHERE id = ?");
	int rc = -ENOENT;

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		store__network_row(st, n);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The stored --network text, parsed once here: its uses test an enum. */
static void netmode_parse(struct container *c)
{
	c->mode_target[0] = 0;
	if (!strcmp(c->netmode, "host")) {
		c->mode = NETMODE_HOST;
	} else if (!strcmp(c->netmode, "none")) {
		c->mode = NETMODE_NONE;
	} else if (!strncmp(c->netmode, "container:", 10)) {
		c->mode = NETMODE_CONTAINER;
		snprintf(c->mode_target, sizeof(c->mode_target), "%s", c->netmode + 10);
	} else {
		c->mode = NETMODE_DEFAULT;
	}
}

void store__container_row(sqlite3_stmt *st, struct container *c)
{
	memset(c, 0, sizeof(*c));
	store__col_text(st, 0, c->id, sizeof(c->id));
	store__col_text(st, 1, c->name, sizeof(c->name));
	store__col_text(st, 2, c->hostname, sizeof(c->hostname));
	store__col_text(st, 3, c->netmode, sizeof(c->netmode));
	netmode_parse(c);
	c->cmd = strdup(sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4) : "[]");
	c->env = strdup(sqlite3_column_text(st, 5) ? (const char *)sqlite3_column_text(st, 5) : "[]");
	store__col_text(st, 6, c->created, sizeof(c->created));
	store__col_text(st, 7, c->started, sizeof(c->started));
	c->pid = sqlite3_column_int64(st, 8);
	c->starttime = (unsigned long long)sqlite3_column_int64(st, 9);
	c->shim_pid = sqlite3_column_int64(st, 10);
	c->auto_remove = sqlite3_column_int(st, 11);
	c->exit_code = sqlite3_column_int(st, 12);
	store__col_text(st, 13, c->finished, sizeof(c->finished));
}

void container__free(struct container *c)
{
	free(c->cmd);
	free(c->env);
	c->cmd = c->env = NULL;
}

int store__container_get(struct store *x, const char *key, struct container *c)
{
	sqlite3_stmt *st;
	int rc = -ENOENT, found = 0;
	const char *k = key[0] == '/' ? key + 1 : key;	/* Docker accepts "/name" */

	st = store__prepare(x, "SELECT " CONTAINER_COLS " FROM containers WHERE id = ?1 OR name = ?1 "
			       "ORDER BY (id = ?1) DESC LIMIT 1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		store__container_row(st, c);
		rc = 0;
	}
	sqlite3_finalize(st);
	if (rc == 0 || !*k)
		return rc;
	st = store__prepare(x, "SELECT " CONTAINER_COLS " FROM containers WHERE substr(id, 1, length(?1)) = ?1");
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (found)
			container__free(c);
		store__container_row(st, c);
		found++;
	}
	sqlite3_finalize(st);
	if (found > 1)
		container__free(c);
	return found == 1 ? 0 : found > 1 ? -EINVAL : -ENOENT;
}

void store__endpoint_row(sqlite3_stmt *st, struct endpoint *e)
{
	memset(e, 0, sizeof(*e));
	store__col_text(st, 0, e->id, sizeof(e->id));
	store__col_text(st, 1, e->container_id, sizeof(e->container_id));
	store__col_text(st, 2, e->network_id, sizeof(e->network_id));
	store__col_text(st, 3, e->ifname, sizeof(e->ifname));
	store__col_text(st, 4, e->host_ifname, sizeof(e->host_ifname));
	e->ip = (uint32_t)sqlite3_column_int64(st, 5);
	e->idx = sqlite3_column_int(st, 6);
	e->user_ip = sqlite3_column_int(st, 7);
	store__col_text(st, 8, e->aliases, sizeof(e->aliases));
}
