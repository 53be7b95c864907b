/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * schema: the store's tables as an ordered list of migrations, numbered by
 * SQLite's PRAGMA user_version. See schema.c.
 */
#ifndef XNET_SCHEMA_H
#define XNET_SCHEMA_H

#include <stddef.h>
#include <sqlite3.h>

/* The schema version this build writes: the number of migrations it knows. */
int schema__version(void);

/*
 * Bring db to schema__version(), inside the transaction the caller holds
 * (BEGIN IMMEDIATE; the caller commits, or rolls back on an error). Each
 * migration the root lacks runs in that transaction together with the
 * user_version it sets. A root written by a newer build is refused before
 * anything is changed. Prints nothing: 0, or -errno with why filled with
 * the rest of a sentence that starts with "state root ROOT " ("was written
 * by a newer xnet (schema 3, this build knows 1): upgrade xnet").
 */
int schema__migrate(sqlite3 *db, char *why, size_t whylen);

#endif
