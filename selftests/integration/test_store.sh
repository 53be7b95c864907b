# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The store's schema version (PRAGMA user_version, user/store/schema.c): a
# root of the release before it is migrated and keeps working, a root written
# by a newer build is refused untouched, a fresh root starts at the latest
# version, and a migration that fails leaves the root as it was.

STORE_FIXTURE=$XT_LIB_DIR/fixtures/store-v0.sql

# store_latest: the version this tree's build writes, the number of entries
# of migrations[] in user/store/schema.c.
store_latest() {
	local n
	n=$(sed -n '/^static const char \*const migrations\[\] = {$/,/^};$/p' "$XT_TOP/user/store/schema.c" |
		grep -cE '^[[:space:]]+schema_[0-9]+,$')
	[ "${n:-0}" -ge 1 ] || fail "cannot count the migrations in user/store/schema.c"
	echo "$n"
}

db() { sqlite3 "$ROOT/xnet.db" "$@"; }
user_version() { db "PRAGMA user_version" || fail "sqlite3: cannot read the user_version of $ROOT/xnet.db"; }

# db_state FILE: everything in the store, its version too (.dump leaves it out).
db_state() {
	{
		db .dump || fail "sqlite3 .dump of $ROOT/xnet.db"
		echo "user_version $(user_version)"
	} >"$1"
}

# db_unchanged BEFORE WHAT: the store equals the db_state taken before WHAT.
db_unchanged() {
	db_state "$XT_TMP/db.after"
	diff -u "$1" "$XT_TMP/db.after" >&2 || fail "the store was changed by $2"
}

# A root of the previous release (user_version 0): the fixture is its dump.
# Its pids are those of the world that made it: the sandboxes' processes
# (pid + start time) no longer exist, so xnet reports them exited with 137
# (killed, no exit code recorded), and reconcile rebuilds their namespaces
# and endpoints as after a reboot. The shims' pids are cleared here all the
# same: they may name live shims of other tests running in parallel (xnet
# leaves those alone, test_rm_stale_shim_pid, but this test is about the
# store).
test_store_previous_release() {
	local latest names js l
	need_cmd sqlite3
	latest=$(store_latest)
	db <"$STORE_FIXTURE" || fail "cannot load $STORE_FIXTURE"
	db "UPDATE containers SET shim_pid = 0" || fail "cannot clear the fixture's shim pids"
	assert_eq "$(user_version)" 0 "user_version of the previous release's root"

	xok network ls
	assert_eq "$(user_version)" "$latest" "user_version after the first command"
	names=$(printf '%s\n' "$OUT" | tail -n +2 | awk '{print $2}' | sort | tr '\n' ' ')
	assert_eq "$names" "bridge host none oldnet " "network ls"
	xok network ls -q --no-trunc
	assert_contains "$OUT" 038e33abd1a4f9e597375195c80ff75c1de400c0f0982427590117ad4cf56f34 "network ls -q --no-trunc"

	js=$(net_json oldnet)
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["IPAM"]["Config"][0]["Subnet"]')" 10.77.0.0/24 "oldnet subnet"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["IPAM"]["Config"][0]["IPRange"]')" 10.77.0.128/25 "oldnet ip range"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["IPAM"]["Config"][0]["Gateway"]')" 10.77.0.1 "oldnet gateway"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["IPAM"]["Config"][0]["AuxiliaryAddresses"]["printer"]')" 10.77.0.5 \
		"oldnet aux address"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["Options"]["com.docker.network.driver.mtu"]')" 1400 "oldnet mtu option"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["Labels"]["tier"]')" back "oldnet label"
	assert_eq "$(printf '%s' "$js" | jget '" ".join(sorted("%s=%s" % (c["Name"], c["IPv4Address"]) for c in d[0]["Containers"].values()))')" \
		"oldpeer=10.77.0.129/24 oldweb=10.77.0.128/24" "oldnet containers"

	xok ps -a
	assert_match "$OUT" 'Exited \(137\) .* 9000/udp, 0\.0\.0\.0:8080->80/tcp +oldweb$' "ps -a"
	assert_match "$OUT" 'Exited \(137\) .* oldpeer$' "ps -a"
	js=$(inspect_json oldweb)
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["State"]["Status"]')" exited "oldweb status"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["Config"]["Env"]')" '["COLOUR=blue"]' "oldweb env"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["HostConfig"]["DnsSearch"]')" '["example.org"]' "oldweb dns search"
	assert_eq "$(printf '%s' "$js" | jget 'sorted(d[0]["NetworkSettings"]["Networks"]["oldnet"]["Aliases"])')" \
		'["web", "www"]' "oldweb aliases"
	xok port oldweb
	assert_eq "$OUT" "80/tcp -> 0.0.0.0:8080" "port oldweb"
	xok system policy ls
	assert_match "$OUT" '^deny +203\.0\.113\.0/24 +\*$' "system policy ls"
	xok system config
	assert_match "$OUT" 'NAT ports: +61000-62000' "system config"

	# The kernel side from the store: the old network's gateway, the old sandboxes' endpoints.
	xok system reconcile
	[ -n "$(links xnbr-038e33ab)" ] || fail "no gateway device for oldnet after reconcile"
	for l in xnv68fc437d77d xnv19ef3370087; do
		[ -n "$(links "$l")" ] || fail "endpoint $l of an old sandbox is missing after reconcile"
	done
	assert_consistent "" "after reconcile of the migrated root"

	# New objects on the migrated root, next to the old ones.
	xok network create newnet
	run_d n1 newnet
	run_d n2 newnet
	ping_ok n1 "$(ipof n2 newnet)"
	ping_ok n1 n2
	# The old endpoints still hold their addresses and the old sandbox its host port.
	run_d n3 oldnet
	assert_eq "$(ipof n3 oldnet)" 10.77.0.130 "first free address of oldnet's range"
	ping_ok n3 10.77.0.1
	xfail 125 "port is already allocated" run -d --name n4 --network oldnet -p 8080:80 sleep 1d
	assert_consistent "" "after new sandboxes on the migrated root"
	assert_eq "$(user_version)" "$latest" "user_version at the end"

	rm_all
	assert_no_leftovers
}

# A root whose version is higher than this build's (a newer xnet wrote it) is
# refused by every command, with both versions named, and left as it was.
test_store_newer_root_refused() {
	local latest newer cmd sum
	need_cmd sqlite3
	latest=$(store_latest)
	newer=$((latest + 2))
	xok network create keep
	db "PRAGMA user_version = $newer" || fail "cannot set user_version"
	db_state "$XT_TMP/db.before"
	sum=$(cksum <"$ROOT/xnet.db")
	for cmd in "network ls" "ps -a" "network create other" "network rm keep" "system reconcile" "system teardown"; do
		# shellcheck disable=SC2086
		xfail 1 "state root $ROOT was written by a newer xnet (schema $newer, this build knows $latest): upgrade xnet" $cmd
		db_unchanged "$XT_TMP/db.before" "xnet $cmd"
		# Not a byte of the file either (it is in WAL mode already, as every xnet leaves it).
		assert_eq "$(cksum <"$ROOT/xnet.db")" "$sum" "checksum of $ROOT/xnet.db after xnet $cmd"
	done
	[ ! -e "$ROOT/dirty" ] || fail "a refused command left the dirty marker"
	# Back at this build's version, the root is as it was.
	db "PRAGMA user_version = $latest" || fail "cannot set user_version"
	xok network inspect keep
	xok network rm keep
}

# A fresh root ends at the latest version, with exactly the tables a root of
# the previous release has once migrated (migration 1 is that release's schema).
test_store_fresh_root() {
	local latest old=$XT_TMP/old-root names
	need_cmd sqlite3
	latest=$(store_latest)
	[ ! -e "$ROOT/xnet.db" ] || fail "the fresh root already has a store"
	xok network ls
	assert_eq "$(user_version)" "$latest" "user_version of a fresh root"
	names=$(printf '%s\n' "$OUT" | tail -n +2 | awk '{print $2}' | sort | tr '\n' ' ')
	assert_eq "$names" "bridge host none " "network ls of a fresh root"
	# A second root, only read (network ls makes nothing in the kernel), removed with XT_TMP.
	mkdir -p "$old" || fail "mkdir $old"
	sqlite3 "$old/xnet.db" <"$STORE_FIXTURE" || fail "cannot load $STORE_FIXTURE"
	timeout -k 5 "$XT_CMD_TIMEOUT" ip netns exec "${P}h" "$XNET" --root "$old" network ls >/dev/null ||
		fail "xnet --root $old network ls failed"
	assert_eq "$(sqlite3 "$old/xnet.db" "PRAGMA user_version")" "$latest" "user_version of the migrated root"
	diff -u <(sqlite3 "$old/xnet.db" .schema | sort) <(db .schema | sort) >&2 ||
		fail "a fresh root's tables differ from those of a migrated root of the previous release"
}

# A migration that fails (here migration 1 on a root that has an index where
# it creates a table) changes nothing: the tables it made before the failure
# and its user_version roll back together.
test_store_failed_migration_changes_nothing() {
	need_cmd sqlite3
	db "CREATE TABLE t (a); CREATE INDEX containers ON t (a);" || fail "cannot prepare the root"
	db_state "$XT_TMP/db.before"
	xfail 1 "state root $ROOT cannot be migrated from schema 0 to 1: there is already an index named containers" \
		network ls
	db_unchanged "$XT_TMP/db.before" "the failed migration"
	[ -z "$(db "SELECT name FROM sqlite_master WHERE name IN ('meta', 'networks')")" ] ||
		fail "the failed migration left tables behind"
	# Without the obstacle the same root migrates.
	db "DROP INDEX containers; DROP TABLE t" || fail "cannot remove the obstacle"
	xok network ls
	assert_eq "$(user_version)" "$(store_latest)" "user_version once the obstacle is gone"
}
