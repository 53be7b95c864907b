/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * store: the state of one state root in SQLite (<root>/xnet.db). The store
 * keeps rows and reads them back as model structs; it never prints (a
 * failure returns -errno, and a sentence in `why` where one helps) and
 * never touches the kernel. The transaction that makes a command atomic,
 * with the kernel side that goes with it, is core/txn.c's: the store only
 * offers the plain BEGIN IMMEDIATE / COMMIT / ROLLBACK beneath it.
 */
#ifndef XNET_STORE_H
#define XNET_STORE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>
#include "model/model.h"

struct store {
	sqlite3 *db;
	char path[PATH_MAX + 16];	/* <root>/xnet.db */
	bool in_txn;			/* between store__begin and store__commit/rollback */
};

/*
 * Open (creating the root and the database when missing) and bring the
 * schema up to date; the built-in networks are seeded once. 0 or -errno,
 * why says what failed.
 */
int store__open(struct store *s, const char *root, char *why, size_t whylen);
void store__close(struct store *s);

/* BEGIN IMMEDIATE (the host-wide lock; waits for the writer before us), COMMIT, ROLLBACK. */
int store__begin(struct store *s);
int store__commit(struct store *s);
void store__rollback(struct store *s);
/* The last error of the connection, for a message. */
const char *store__errmsg(struct store *s);
/* Rows changed by the last statement. */
int store__changes(struct store *s);

int store__exec(struct store *s, const char *sql);
sqlite3_stmt *store__prepare(struct store *s, const char *sql);
/* Step a write statement and finalize it: 0, -EEXIST (a constraint), -EIO. */
int store__done(sqlite3_stmt *st);
/* Column i of the current row as text into out ("" for NULL), cut at len. */
void store__col_text(sqlite3_stmt *st, int i, char *out, size_t len);
/* The meta table (settings, counters): 0, -ENOENT (out = ""), -EIO. */
int store__meta_get(struct store *s, const char *key, char *out, size_t len);
int store__meta_set(struct store *s, const char *key, const char *value);

int store__network_get(struct store *s, const char *name_or_id, struct network *n);	/* 0, -ENOENT, -EINVAL (ambiguous) */
int store__network_get_id(struct store *s, const char *id, struct network *n);
void store__network_row(sqlite3_stmt *st, struct network *n);
#define NETWORK_COLS "id,name,driver,kidx,subnet,prefix,gateway,range_start,range_end,ip_range,internal,attachable,icc,masq,builtin,mtu,created"

int store__container_get(struct store *s, const char *name_or_id, struct container *c);
/* Also parses netmode into mode and mode_target. */
void store__container_row(sqlite3_stmt *st, struct container *c);
void container__free(struct container *c);
#define CONTAINER_COLS "id,name,hostname,netmode,cmd,env,created,started,pid,starttime,shim_pid,auto_remove,exit_code,finished"

void store__endpoint_row(sqlite3_stmt *st, struct endpoint *e);
#define ENDPOINT_COLS "id,container_id,network_id,ifname,host_ifname,ip,idx,user_ip,aliases"

/*
 * The statements of each table group have a header each (the only SQL
 * outside this file and schema.c): store/networks.h, store/sandboxes.h,
 * store/endpoints.h, store/dns.h, store/ports.h.
 */

#endif /* XNET_STORE_H */
