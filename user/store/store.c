// SPDX-License-Identifier: GPL-2.0-only
/*
 * store: the SQLite database under the state root, the source of truth.
 *
 * Every mutating command runs inside one BEGIN IMMEDIATE transaction, which is
 * also the host-wide lock: only the holder changes the kernel. Before its first
 * kernel change a command creates <root>/dirty; it removes it after COMMIT. A
 * command killed in between leaves the marker, and the next command to take
 * the lock reconciles the kernel (links, namespaces, map entries) back to what
 * the store says, removing leftovers and re-adding what is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/log.h"
#include "core/dns.h"
#include "core/host.h"
#include "core/xnet.h"
#include "store/schema.h"

/* The built-in networks, as Docker creates them at daemon start. */
static int store__seed(struct xnet *x)
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

int store__open(struct xnet *x)
{
	char why[256];
	int rc;

	rc = util__mkdir_p(x->root);
	if (rc) {
		xerr(x, "cannot create state root %s: %s", x->root, strerror(-rc));
		return rc;
	}
	if (sqlite3_open_v2(x->db_path, &x->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		xerr(x, "cannot open database %s: %s", x->db_path, x->db ? sqlite3_errmsg(x->db) : "out of memory");
		return -EIO;
	}
	/* Commands queue behind the writer; 1,100 `xnet run` in a row must not time out. */
	sqlite3_busy_timeout(x->db, 600000);
	/* WAL: readers (ps, ls, inspect) never wait for a writer. synchronous=FULL: survive power loss. */
	if (store__exec(x, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"))
		return -EIO;
	if (store__exec(x, "BEGIN IMMEDIATE") )
		return -EIO;
	/* The tables of this build (store/schema.c); a root from a newer build is left as it is. */
	rc = schema__migrate(x->db, why, sizeof(why));
	if (rc) {
		store__exec(x, "ROLLBACK");
		xerr(x, "state root %s %s", x->root, why);
		return rc;
	}
	if (store__seed(x)) {
		store__exec(x, "ROLLBACK");
		return -EIO;
	}
	if (store__exec(x, "COMMIT"))
		return -EIO;
	return 0;
}

void store__close(struct xnet *x)
{
	if (x->db) {
		if (x->in_txn)
			store__rollback(x);
		sqlite3_close(x->db);
		x->db = NULL;
	}
}

int store__exec(struct xnet *x, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(x->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		log_error("database: %s (%.60s)", msg ? msg : "?", sql);
		sqlite3_free(msg);
		return -EIO;
	}
	return 0;
}

sqlite3_stmt *store__prepare(struct xnet *x, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(x->db, sql, -1, &st, NULL) != SQLITE_OK) {
		log_error("database: %s (%.60s)", sqlite3_errmsg(x->db), sql);
		return NULL;
	}
	return st;
}

int store__meta_get(struct xnet *x, const char *key, char *out, size_t len)
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

int store__meta_set(struct xnet *x, const char *key, const char *value)
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

int store__begin(struct xnet *x)
{
	bool dirty;

	if (store__exec(x, "BEGIN IMMEDIATE")) {
		xerr(x, "cannot lock the store %s: %s", x->db_path, sqlite3_errmsg(x->db));
		return -EIO;
	}
	x->in_txn = true;
	x->kernel_touched = false;
	x->reconciled = false;
	dirty = access(x->dirty_path, F_OK) == 0;
	/*
	 * Bring the kernel side up before the command changes anything: on a
	 * fresh root or after a reboot this reconciles the kernel to the store
	 * as it was, not to the command's half-written rows.
	 */
	if (xnet__kernel(x)) {
		store__rollback(x);
		return -EIO;
	}
	if (dirty && x->kernel_gone) {
		unlink(x->dirty_path);	/* nothing to repair: the teardown removes what is left */
	} else if (dirty) {
		/* An earlier command died between its first kernel change and COMMIT. */
		if (!x->reconciled)
			log_warn("state root %s was left dirty by an interrupted command: reconciling", x->root);
		if (!x->reconciled && reconcile__all(x)) {
			store__rollback(x);
			return xerr(x, "cannot repair the kernel state from %s", x->db_path);
		}
		unlink(x->dirty_path);
		/* Repaired: this command's own changes need a marker of their own. */
		x->kernel_touched = false;
	}
	return 0;
}

void store__kernel_touch(struct xnet *x)
{
	int fd;

	if (x->kernel_touched)
		return;
	fd = open(x->dirty_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	x->kernel_touched = true;
}

int store__commit(struct xnet *x)
{
	/* The command's own address changes (a gateway added or removed) into xnet_hostaddrs, under the lock. */
	if (x->kernel_touched && x->dp && host__addrs_refresh(x))
		log_warn("the host addresses could not be refreshed: the next command retries");
	store__failpoint("before-commit");
	if (store__exec(x, "COMMIT")) {
		xerr(x, "cannot commit to %s: %s", x->db_path, sqlite3_errmsg(x->db));
		store__rollback(x);
		return -EIO;
	}
	x->in_txn = false;
	if (x->kernel_touched) {
		unlink(x->dirty_path);
		/* The DNS helper follows the networks: started, told, or stopped. */
		dns__helper_sync(x);
	}
	x->kernel_touched = false;
	return 0;
}

void store__rollback(struct xnet *x)
{
	if (!x->in_txn)
		return;
	store__exec(x, "ROLLBACK");
	if (x->kernel_touched) {
		/* Undo our half-done kernel changes while we still hold the lock. */
		if (store__exec(x, "BEGIN IMMEDIATE") == 0) {
			if (xnet__kernel(x) == 0 && reconcile__all(x) == 0)
				unlink(x->dirty_path);
			store__exec(x, "COMMIT");
		}
	}
	x->in_txn = false;
	x->kernel_touched = false;
}

static void col_text(sqlite3_stmt *st, int i, char *out, size_t len)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	snprintf(out, len, "%s", t ? (const char *)t : "");
}

void store__network_row(sqlite3_stmt *st, struct network *n)
{
	memset(n, 0, sizeof(*n));
	col_text(st, 0, n->id, sizeof(n->id));
	col_text(st, 1, n->name, sizeof(n->name));
	col_text(st, 2, n->driver, sizeof(n->driver));
	n->kidx = sqlite3_column_int(st, 3);
	n->subnet = (uint32_t)sqlite3_column_int64(st, 4);
	n->prefix = sqlite3_column_int(st, 5);
	n->gateway = (uint32_t)sqlite3_column_int64(st, 6);
	n->range_start = (uint32_t)sqlite3_column_int64(st, 7);
	n->range_end = (uint32_t)sqlite3_column_int64(st, 8);
	col_text(st, 9, n->ip_range, sizeof(n->ip_range));
	n->internal = sqlite3_column_int(st, 10);
	n->attachable = sqlite3_column_int(st, 11);
	n->icc = sqlite3_column_int(st, 12);
	n->masq = sqlite3_column_int(st, 13);
	n->builtin = sqlite3_column_int(st, 14);
	n->mtu = sqlite3_column_int(st, 15);
	col_text(st, 16, n->created, sizeof(n->created));
}

/* Docker's lookup order: exact id, exact name, then unique id prefix. */
int store__network_get(struct xnet *x, const char *key, struct network *n)
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

int store__network_get_id(struct xnet *x, const char *id, struct network *n)
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

void store__container_row(sqlite3_stmt *st, struct container *c)
{
	memset(c, 0, sizeof(*c));
	col_text(st, 0, c->id, sizeof(c->id));
	col_text(st, 1, c->name, sizeof(c->name));
	col_text(st, 2, c->hostname, sizeof(c->hostname));
	col_text(st, 3, c->netmode, sizeof(c->netmode));
	c->cmd = strdup(sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4) : "[]");
	c->env = strdup(sqlite3_column_text(st, 5) ? (const char *)sqlite3_column_text(st, 5) : "[]");
	col_text(st, 6, c->created, sizeof(c->created));
	col_text(st, 7, c->started, sizeof(c->started));
	c->pid = sqlite3_column_int64(st, 8);
	c->starttime = (unsigned long long)sqlite3_column_int64(st, 9);
	c->shim_pid = sqlite3_column_int64(st, 10);
	c->auto_remove = sqlite3_column_int(st, 11);
	c->exit_code = sqlite3_column_int(st, 12);
	col_text(st, 13, c->finished, sizeof(c->finished));
}

void container__free(struct container *c)
{
	free(c->cmd);
	free(c->env);
	c->cmd = c->env = NULL;
}

int store__container_get(struct xnet *x, const char *key, struct container *c)
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
	col_text(st, 0, e->id, sizeof(e->id));
	col_text(st, 1, e->container_id, sizeof(e->container_id));
	col_text(st, 2, e->network_id, sizeof(e->network_id));
	col_text(st, 3, e->ifname, sizeof(e->ifname));
	col_text(st, 4, e->host_ifname, sizeof(e->host_ifname));
	e->ip = (uint32_t)sqlite3_column_int64(st, 5);
	e->idx = sqlite3_column_int(st, 6);
	e->user_ip = sqlite3_column_int(st, 7);
	col_text(st, 8, e->aliases, sizeof(e->aliases));
}

void store__failpoint(const char *name)
{
	const char *fp = getenv("XNET_FAILPOINT");

	if (fp && !strcmp(fp, name)) {
		log_warn("failpoint %s: killing myself", name);
		raise(SIGKILL);
	}
}
