// SPDX-License-Identifier: GPL-2.0-only
/*
 * store: published and exposed ports. See store/ports.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "store/ports.h"

/* Grow *v by one element of size sz: the new one, zeroed, or NULL. */
static void *grow(void **v, int *cnt, size_t sz)
{
	char *nv = realloc(*v, sz * (size_t)(*cnt + 1));

	if (!nv)
		return NULL;
	*v = nv;
	memset(nv + sz * (size_t)*cnt, 0, sz);
	return nv + sz * (size_t)(*cnt)++;
}

/* Step st (its parameters bound) to the end, row() filling each new element. */
typedef void (*row_fn)(sqlite3_stmt *st, void *elem);

static int list(sqlite3_stmt *st, size_t sz, row_fn row, void **out, int *n)
{
	void *v = NULL;
	int cnt = 0, rc = 0;

	*out = NULL;
	*n = 0;
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		void *e = grow(&v, &cnt, sz);

		if (!e) {
			rc = -ENOMEM;
			break;
		}
		row(st, e);
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

static sqlite3_stmt *prepare_id(struct store *s, const char *sql, const char *container_id)
{
	sqlite3_stmt *st = store__prepare(s, sql);

	if (st)
		sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	return st;
}

int store__port_settings_insert(struct store *s, const char *container_id, bool publish_all)
{
	sqlite3_stmt *st = prepare_id(s, "INSERT INTO port_settings (container_id, publish_all) VALUES (?, ?)",
				      container_id);

	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 2, publish_all);
	return store__done(st);
}

int store__port_settings_publish_all(struct store *s, const char *container_id, bool *all)
{
	sqlite3_stmt *st = prepare_id(s, "SELECT publish_all FROM port_settings WHERE container_id = ?", container_id);
	int rc = -ENOENT;

	*all = false;
	if (!st)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*all = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int store__exposed_port_insert(struct store *s, const char *container_id, const struct port_key *k)
{
	sqlite3_stmt *st = prepare_id(s, "INSERT OR IGNORE INTO exposed_ports (container_id, port, proto) VALUES (?, ?, ?)",
				      container_id);

	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 2, k->port);
	sqlite3_bind_int(st, 3, k->proto);
	return store__done(st) ? -EIO : 0;
}

static void key_row(sqlite3_stmt *st, void *elem)
{
	struct port_key *k = elem;

	k->port = (uint16_t)sqlite3_column_int(st, 0);
	k->proto = (uint8_t)sqlite3_column_int(st, 1);
}

int store__exposed_ports_list(struct store *s, const char *container_id, struct port_key **out, int *n)
{
	return list(prepare_id(s, "SELECT port, proto FROM exposed_ports WHERE container_id = ?", container_id),
		    sizeof(**out), key_row, (void **)out, n);
}

int store__port_binding_insert(struct store *s, const char *container_id, int seq, const struct port_spec *b)
{
	sqlite3_stmt *st = prepare_id(s, "INSERT INTO port_bindings (container_id, seq, port, proto, host_ip, host_port)"
					 " VALUES (?,?,?,?,?,?)", container_id);

	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 2, seq);
	sqlite3_bind_int(st, 3, b->port);
	sqlite3_bind_int(st, 4, b->proto);
	sqlite3_bind_text(st, 5, b->ip_str, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, b->hp_str, -1, SQLITE_STATIC);
	return store__done(st);
}

static void binding_row(sqlite3_stmt *st, void *elem)
{
	struct port_binding *b = elem;
	const char *ip = (const char *)sqlite3_column_text(st, 2), *hp = (const char *)sqlite3_column_text(st, 3);

	b->port = (uint16_t)sqlite3_column_int(st, 0);
	b->proto = (uint8_t)sqlite3_column_int(st, 1);
	snprintf(b->host_ip, sizeof(b->host_ip), "%s", ip ? ip : "");
	snprintf(b->host_port, sizeof(b->host_port), "%s", hp ? hp : "");
}

int store__port_bindings_list(struct store *s, const char *container_id, struct port_binding **out, int *n)
{
	return list(prepare_id(s, "SELECT port, proto, host_ip, host_port FROM port_bindings WHERE container_id = ?"
				  " ORDER BY seq", container_id),
		    sizeof(**out), binding_row, (void **)out, n);
}

int store__published_insert(struct store *s, const char *container_id, const struct published_port *p)
{
	sqlite3_stmt *st = store__prepare(s, "INSERT INTO published_ports (host_ip, host_port, proto, container_id, port, seq)"
					     " VALUES (?,?,?,?,?,?)");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, p->host_ip);
	sqlite3_bind_int(st, 2, p->host_port);
	sqlite3_bind_int(st, 3, p->proto);
	sqlite3_bind_text(st, 4, container_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, p->port);
	sqlite3_bind_int(st, 6, p->seq);
	return store__done(st);
}

static void published_row(sqlite3_stmt *st, void *elem)
{
	struct published_port *p = elem;

	*p = (struct published_port){
		.host_ip = (uint32_t)sqlite3_column_int64(st, 0),
		.host_port = (uint16_t)sqlite3_column_int(st, 1),
		.proto = (uint8_t)sqlite3_column_int(st, 2),
		.port = (uint16_t)sqlite3_column_int(st, 3),
		.seq = sqlite3_column_int(st, 4),
	};
}

int store__published_list(struct store *s, const char *container_id, struct published_port **out, int *n)
{
	return list(prepare_id(s, "SELECT host_ip, host_port, proto, port, seq FROM published_ports"
				  " WHERE container_id = ? ORDER BY seq, host_port", container_id),
		    sizeof(**out), published_row, (void **)out, n);
}

int store__published_delete(struct store *s, const char *container_id)
{
	sqlite3_stmt *st = prepare_id(s, "DELETE FROM published_ports WHERE container_id = ?", container_id);

	if (!st)
		return -EIO;
	return store__done(st) ? -EIO : 0;
}

int store__published_taken(struct store *s, uint32_t ip, uint16_t port, uint8_t proto)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT 1 FROM published_ports WHERE host_port = ?1 AND proto = ?2"
					     " AND (host_ip = ?3 OR host_ip = 0 OR ?3 = 0) LIMIT 1");
	int taken;

	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, port);
	sqlite3_bind_int(st, 2, proto);
	sqlite3_bind_int64(st, 3, ip);
	taken = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return taken;
}

static void host_port_row(sqlite3_stmt *st, void *elem)
{
	*(uint16_t *)elem = (uint16_t)sqlite3_column_int(st, 0);
}

int store__published_host_ports(struct store *s, uint16_t **out, int *n)
{
	return list(store__prepare(s, "SELECT DISTINCT host_port FROM published_ports"), sizeof(**out), host_port_row,
		    (void **)out, n);
}

int store__exposed_published(struct store *s, const char *container_id, struct published_port **out, int *n)
{
	/* Same columns as published_row: host_ip, host_port, proto, port, seq. */
	return list(prepare_id(s, "SELECT coalesce(p.host_ip, 0), coalesce(p.host_port, 0), e.proto, e.port,"
				  " coalesce(p.seq, -1)"
				  " FROM exposed_ports e LEFT JOIN published_ports p"
				  " ON p.container_id = e.container_id AND p.port = e.port AND p.proto = e.proto"
				  " WHERE e.container_id = ? ORDER BY e.port, e.proto, p.seq, p.host_port", container_id),
		    sizeof(**out), published_row, (void **)out, n);
}
