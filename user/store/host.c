// SPDX-License-Identifier: GPL-2.0-only
/*
 * store: the policy rules, and published ports as a NAT range sees them.
 * See store/host.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/host.h"
#include "store/store.h"

int store__policies_list(struct store *s, bool eval_order, struct policy_rule **out, int *n)
{
	sqlite3_stmt *st = store__prepare(s, eval_order ?
		"SELECT cidr, proto, port, action FROM policy ORDER BY port = 0, "
		"CAST(substr(cidr, instr(cidr, '/') + 1) AS INTEGER) DESC, cidr, port" :
		"SELECT cidr, proto, port, action FROM policy");
	struct policy_rule *v = NULL;
	int cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (cnt == cap) {
			struct policy_rule *nv;

			cap = cap ? cap * 2 : 16;
			nv = realloc(v, sizeof(*v) * (size_t)cap);
			if (!nv) {
				sqlite3_finalize(st);
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		store__col_text(st, 0, v[cnt].cidr, sizeof(v[cnt].cidr));
		v[cnt].proto = (uint8_t)sqlite3_column_int(st, 1);
		v[cnt].port = (uint16_t)sqlite3_column_int(st, 2);
		store__col_text(st, 3, v[cnt].action, sizeof(v[cnt].action));
		cnt++;
	}
	sqlite3_finalize(st);
	*out = v;
	*n = cnt;
	return 0;
}

int store__policy_put(struct store *s, const struct policy_rule *r, const char *created)
{
	sqlite3_stmt *st = store__prepare(s, "INSERT INTO policy (cidr, proto, port, action, created) VALUES (?, ?, ?, ?, ?)"
					     " ON CONFLICT (cidr, proto, port) DO UPDATE SET action = excluded.action");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, r->cidr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->proto);
	sqlite3_bind_int(st, 3, r->port);
	sqlite3_bind_text(st, 4, r->action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, created, -1, SQLITE_STATIC);
	return store__done(st) ? -EIO : 0;
}

int store__policy_delete(struct store *s, const struct policy_rule *r)
{
	sqlite3_stmt *st = store__prepare(s, "DELETE FROM policy WHERE cidr = ? AND proto = ? AND port = ?");

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, r->cidr, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->proto);
	sqlite3_bind_int(st, 3, r->port);
	if (store__done(st))
		return -EIO;
	return store__changes(s) ? 0 : -ENOENT;
}

int store__published_in_range(struct store *s, uint16_t lo, uint16_t hi, uint16_t *port, uint8_t *proto,
			      char *name, size_t namelen)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT p.host_port, p.proto, c.name FROM published_ports p JOIN containers c "
					     "ON c.id = p.container_id WHERE p.host_port BETWEEN ? AND ? ORDER BY p.host_port LIMIT 1");
	int rc = -ENOENT;

	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, lo);
	sqlite3_bind_int(st, 2, hi);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*port = (uint16_t)sqlite3_column_int(st, 0);
		*proto = (uint8_t)sqlite3_column_int(st, 1);
		store__col_text(st, 2, name, namelen);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}
