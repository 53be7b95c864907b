// SPDX-License-Identifier: GPL-2.0-only
/*
 * store: a sandbox's resolver settings (container_dns). See store/dns.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "store/store.h"
#include "store/dns.h"

void store__dns_free(struct store_dns *d)
{
	free(d->servers);
	free(d->search);
	free(d->options);
	free(d->links);
	memset(d, 0, sizeof(*d));
}

int store__dns_get(struct store *s, const char *container_id, struct store_dns *d)
{
	sqlite3_stmt *st = store__prepare(s, "SELECT servers, search, options, links FROM container_dns "
					     "WHERE container_id = ?");
	char **col[4] = { &d->servers, &d->search, &d->options, &d->links };
	int rc = -ENOENT;

	memset(d, 0, sizeof(*d));
	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		rc = 0;
		for (int i = 0; i < 4; i++) {
			const unsigned char *t = sqlite3_column_text(st, i);

			if (t && !(*col[i] = strdup((const char *)t)))
				rc = -ENOMEM;
		}
	}
	sqlite3_finalize(st);
	if (rc == -ENOMEM)
		store__dns_free(d);
	return rc;
}

int store__dns_insert(struct store *s, const char *container_id, const char *servers, const char *search,
		      const char *options, const char *links)
{
	sqlite3_stmt *st = store__prepare(s, "INSERT INTO container_dns (container_id, servers, search, options, links) "
					     "VALUES (?,?,?,?,?)");
	const char *col[4] = { servers, search, options, links };

	if (!st)
		return -EIO;
	sqlite3_bind_text(st, 1, container_id, -1, SQLITE_STATIC);
	for (int i = 0; i < 4; i++)
		sqlite3_bind_text(st, i + 2, col[i], -1, SQLITE_STATIC);
	return store__done(st);
}
