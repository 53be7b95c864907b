// SPDX-License-Identifier: GPL-2.0-only
/*
 * schema: the store's tables, as an ordered list of migrations.
 *
 * PRAGMA user_version (a number in the database header, 0 in a new file) is
 * how many migrations of the list a root has had. Migration N takes a root
 * from version N-1 to N; a command applies those its root lacks, in order,
 * before anything else, each in the same BEGIN IMMEDIATE transaction as the
 * user_version it sets: a crash leaves the root at the old version with the
 * old tables, never in between. A root whose version is higher than this
 * build knows was written by a newer xnet and is refused untouched: its
 * tables may mean things this build would get wrong.
 *
 * Migration 1 is the schema of the releases that had no version. Their
 * roots have user_version 0 and these tables already, which is why its
 * statements keep IF NOT EXISTS: on them it only sets the version.
 *
 * A later feature appends a migration (ALTER TABLE ... ADD COLUMN, CREATE
 * TABLE, an UPDATE that fills the new column) and never edits one that
 * shipped: roots out there have already run it as it was.
 */
#include <errno.h>
#include <stdio.h>
#include "store/schema.h"

/* 1: the schema of the first release, which had no user_version (it stays 0 on such roots). */
static const char schema_1[] =
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
	"CREATE TABLE IF NOT EXISTS networks ("
	" id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, driver TEXT NOT NULL,"
	" kidx INTEGER UNIQUE, subnet INTEGER, prefix INTEGER, gateway INTEGER,"
	" range_start INTEGER, range_end INTEGER, ip_range TEXT NOT NULL DEFAULT '',"
	" internal INTEGER NOT NULL DEFAULT 0, attachable INTEGER NOT NULL DEFAULT 0,"
	" icc INTEGER NOT NULL DEFAULT 1, masq INTEGER NOT NULL DEFAULT 1,"
	" builtin INTEGER NOT NULL DEFAULT 0, mtu INTEGER NOT NULL DEFAULT 1500,"
	" created TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS network_labels (network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,"
	" key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (network_id, key));"
	"CREATE TABLE IF NOT EXISTS network_options (network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,"
	" key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (network_id, key));"
	"CREATE TABLE IF NOT EXISTS aux_addresses (network_id TEXT NOT NULL REFERENCES networks(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, ip INTEGER NOT NULL, PRIMARY KEY (network_id, name));"
	"CREATE TABLE IF NOT EXISTS containers ("
	" id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL, hostname TEXT NOT NULL,"
	" netmode TEXT NOT NULL, cmd TEXT NOT NULL, env TEXT NOT NULL, created TEXT NOT NULL,"
	" started TEXT NOT NULL DEFAULT '', pid INTEGER NOT NULL DEFAULT 0,"
	" starttime INTEGER NOT NULL DEFAULT 0, shim_pid INTEGER NOT NULL DEFAULT 0,"
	" auto_remove INTEGER NOT NULL DEFAULT 0, exit_code INTEGER NOT NULL DEFAULT -1,"
	" finished TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS endpoints ("
	" id TEXT PRIMARY KEY, container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	" network_id TEXT NOT NULL REFERENCES networks(id), ifname TEXT NOT NULL,"
	" host_ifname TEXT UNIQUE NOT NULL, ip INTEGER NOT NULL, idx INTEGER NOT NULL,"
	" user_ip INTEGER NOT NULL DEFAULT 0, aliases TEXT NOT NULL DEFAULT '[]',"
	" UNIQUE (container_id, network_id), UNIQUE (network_id, ip));"
	/* The admin's policy for published ports (user/host.c): source CIDR, proto/port 0 = every port. */
	"CREATE TABLE IF NOT EXISTS policy ("
	" cidr TEXT NOT NULL, proto INTEGER NOT NULL, port INTEGER NOT NULL,"
	" action TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (cidr, proto, port));"
	/* Port publishing (user/ports.c); ports as integers, proto as IPPROTO_TCP/UDP. */
	"CREATE TABLE IF NOT EXISTS port_settings ("
	" container_id TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,"
	" publish_all INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS port_bindings ("	/* -p as given: HostConfig.PortBindings */
	" container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE, seq INTEGER NOT NULL,"
	" port INTEGER NOT NULL, proto INTEGER NOT NULL, host_ip TEXT NOT NULL, host_port TEXT NOT NULL,"
	" PRIMARY KEY (container_id, seq));"
	"CREATE TABLE IF NOT EXISTS exposed_ports ("	/* --expose and -p ports: Config.ExposedPorts */
	" container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	" port INTEGER NOT NULL, proto INTEGER NOT NULL, PRIMARY KEY (container_id, port, proto));"
	/* What was allocated: a host (ip, port, proto) belongs to one sandbox at most. */
	"CREATE TABLE IF NOT EXISTS published_ports ("
	" host_ip INTEGER NOT NULL, host_port INTEGER NOT NULL, proto INTEGER NOT NULL,"
	" container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,"
	" port INTEGER NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (host_ip, host_port, proto));"
	"CREATE INDEX IF NOT EXISTS published_ports_by_container ON published_ports (container_id);"
	/* What a sandbox's resolver sees (user/dns.c): --dns, --dns-search, --dns-option, --link [[id, alias]]. */
	"CREATE TABLE IF NOT EXISTS container_dns ("
	" container_id TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,"
	" servers TEXT NOT NULL DEFAULT '[]', search TEXT NOT NULL DEFAULT '[]',"
	" options TEXT NOT NULL DEFAULT '[]', links TEXT NOT NULL DEFAULT '[]');";

static const char *const migrations[] = {
	schema_1,
};

int schema__version(void)
{
	return (int)(sizeof(migrations) / sizeof(migrations[0]));
}

static int user_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st;
	int rc = -EIO;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*version = sqlite3_column_int(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int schema__migrate(sqlite3 *db, char *why, size_t whylen)
{
	int have, want = schema__version();
	char *msg = NULL;

	/* The version read and the migrations must be one transaction: the caller's lock. */
	if (sqlite3_get_autocommit(db)) {
		snprintf(why, whylen, "cannot be migrated outside a transaction");
		return -EINVAL;
	}
	if (user_version(db, &have)) {
		snprintf(why, whylen, "has an unreadable schema version: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (have > want) {
		snprintf(why, whylen, "was written by a newer xnet (schema %d, this build knows %d): upgrade xnet",
			 have, want);
		return -EPROTONOSUPPORT;
	}
	if (have < 0) {
		snprintf(why, whylen, "has schema version %d, which no xnet writes", have);
		return -EPROTONOSUPPORT;
	}
	for (int v = have + 1; v <= want; v++) {
		char set[48];

		snprintf(set, sizeof(set), "PRAGMA user_version = %d", v);
		if (sqlite3_exec(db, migrations[v - 1], NULL, NULL, &msg) != SQLITE_OK ||
		    sqlite3_exec(db, set, NULL, NULL, &msg) != SQLITE_OK) {
			snprintf(why, whylen, "cannot be migrated from schema %d to %d: %s", v - 1, v,
				 msg ? msg : sqlite3_errmsg(db));
			sqlite3_free(msg);
			return -EIO;
		}
	}
	return 0;
}
