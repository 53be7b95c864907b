# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Robustness: concurrent commands, kill -9 in the middle of a command,
# reconcile repairing the kernel from the store, rm -f of everything, teardown.

test_parallel_runs() {
	local i rc id ips n
	xok network create --subnet 10.100.0.0/24 pnet
	for i in $(seq 1 20); do
		(
			xn run -d --name "p$i" --network pnet sleep 1d >"$XT_TMP/p$i.out" 2>"$XT_TMP/p$i.err" </dev/null
			echo $? >"$XT_TMP/p$i.rc"
		) &
	done
	wait
	for i in $(seq 1 20); do
		rc=$(cat "$XT_TMP/p$i.rc")
		[ "$rc" = 0 ] || fail "concurrent 'run -d --name p$i' exited $rc: $(cat "$XT_TMP/p$i.err")"
		id=$(tail -n1 "$XT_TMP/p$i.out")
		[[ "$id" =~ ^[0-9a-f]{64}$ ]] || fail "concurrent run -d p$i printed '$(cat "$XT_TMP/p$i.out")'"
		track "p$i"
	done
	net_json pnet >"$XT_TMP/pnet.json"
	n=$(jget 'len(d[0]["Containers"])' <"$XT_TMP/pnet.json")
	assert_eq "$n" 20 "endpoints of pnet"
	ips=$(jget 'len(set(c["IPv4Address"] for c in d[0]["Containers"].values()))' <"$XT_TMP/pnet.json")
	assert_eq "$ips" 20 "distinct addresses on pnet"
	assert_consistent "" "after 20 concurrent runs"
	ping_ok p1 "$(ipof p20 pnet)"
	ping_ok p20 "$(ipof p1 pnet)"
	ping_ok p7 "$(ipof p13 pnet)"

	# Concurrent network creates get distinct pools.
	for i in 1 2 3 4 5; do
		(
			xn network create "q$i" >"$XT_TMP/q$i.out" 2>"$XT_TMP/q$i.err" </dev/null
			echo $? >"$XT_TMP/q$i.rc"
		) &
	done
	wait
	for i in 1 2 3 4 5; do
		[ "$(cat "$XT_TMP/q$i.rc")" = 0 ] || fail "concurrent 'network create q$i': $(cat "$XT_TMP/q$i.err")"
	done
	xok network inspect q1 q2 q3 q4 q5
	assert_eq "$(printf '%s' "$OUT" | jget 'len(set(n["IPAM"]["Config"][0]["Subnet"] for n in d))')" 5 "distinct pools"

	# Concurrent removals.
	for i in $(seq 1 20); do
		(
			xn rm -f "p$i" >"$XT_TMP/r$i.out" 2>"$XT_TMP/r$i.err" </dev/null
			echo $? >"$XT_TMP/r$i.rc"
		) &
	done
	wait
	for i in $(seq 1 20); do
		[ "$(cat "$XT_TMP/r$i.rc")" = 0 ] || fail "concurrent 'rm -f p$i': $(cat "$XT_TMP/r$i.err")"
	done
	rm_all
	assert_no_leftovers
}

# kill9 DELAY ARGS: start `xnet ARGS` in the host namespace and SIGKILL it after DELAY seconds.
kill9() {
	local d=$1 pid
	shift
	echo "+ xnet $* (SIGKILL after ${d}s)" >&2
	ip netns exec "${P}h" "$XNET" --root "$ROOT" "$@" >/dev/null 2>&1 </dev/null &
	pid=$!
	sleep "$d"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

test_kill9_during_run() {
	local mark i d ip
	mark=$RANDOM$RANDOM
	xok network create --subnet 10.110.0.0/24 knet
	xok run -d --name base --network knet sleep "86400.$mark"
	track base
	i=0
	for d in 0.005 0.01 0.02 0.03 0.05 0.08 0.12 0.2 0.3 0.5; do
		i=$((i + 1))
		kill9 "$d" run -d --name "k$i" --network knet sleep "86400.$mark"
		# Odd rounds: explicit reconcile; even rounds: the next write command recovers.
		if [ $((i % 2)) = 1 ]; then
			xok system reconcile
		else
			xok run -d --name "after$i" --network knet sleep "86400.$mark"
			track "after$i"
		fi
		assert_consistent "$mark" "after SIGKILL of run -d at ${d}s"
		xok ps -a
		if printf '%s\n' "$OUT" | grep -qE " k$i *\$"; then
			track "k$i"
			if [ "$(inspect_json "k$i" | jget 'd[0]["State"]["Running"]')" = true ]; then
				ping_ok base "$(ipof "k$i" knet)"
			fi
		else
			# The name is free again.
			xok run -d --name "k$i" --network knet sleep "86400.$mark"
			track "k$i"
			ping_ok base "$(ipof "k$i" knet)"
		fi
	done
	assert_consistent "$mark" "at the end"
	rm_all
	assert_no_leftovers
	ip=$(pgrep -f "^sleep 86400\\.$mark\$" | tr '\n' ' ')
	[ -z "$ip" ] || fail "processes left after removing everything: $ip"
}

test_kill9_during_rm_and_connect() {
	local mark i d
	mark=$RANDOM$RANDOM
	xok network create --subnet 10.111.0.0/24 kn1
	xok network create --subnet 10.112.0.0/24 kn2
	i=0
	for d in 0.005 0.02 0.05 0.1 0.2; do
		i=$((i + 1))
		xok run -d --name "r$i" --network kn1 sleep "86400.$mark"
		track "r$i"
		kill9 "$d" rm -f "r$i"
		xok system reconcile
		assert_consistent "$mark" "after SIGKILL of rm -f at ${d}s"
		xrun rm -f "r$i"
		[ "$RC" = 0 ] || grep -qF "No such container: r$i" "$XT_TMP/err" ||
			fail "rm -f r$i after a killed rm: exit $RC: $ERR"
		assert_consistent "$mark" "after finishing rm -f r$i"

		xok run -d --name "c$i" --network kn1 sleep "86400.$mark"
		track "c$i"
		kill9 "$d" network connect kn2 "c$i"
		xok system reconcile
		assert_consistent "$mark" "after SIGKILL of network connect at ${d}s"
		# Either connected or not; a second connect (or disconnect) completes it.
		if [ "$(inspect_json "c$i" | jget '"kn2" in d[0]["NetworkSettings"]["Networks"]')" = true ]; then
			ping_ok "c$i" 10.112.0.1
			kill9 "$d" network disconnect kn2 "c$i"
			xok system reconcile
			assert_consistent "$mark" "after SIGKILL of network disconnect at ${d}s"
		else
			xok network connect kn2 "c$i"
			ping_ok "c$i" 10.112.0.1
		fi
	done
	kill9 0.02 network create --subnet 10.113.0.0/24 kn3
	xok system reconcile
	assert_consistent "$mark" "after SIGKILL of network create"
	rm_all
	assert_no_leftovers
}

test_reconcile_repairs() {
	local ip1 ip2 iflink host_if gwdev id
	xok network create --subnet 10.130.0.0/24 rnet
	id=$(printf '%s\n' "$OUT" | tail -n1)
	gwdev="xnbr-${id:0:8}"
	run_d r1 rnet
	run_d r2 rnet
	ip1=$(ipof r1 rnet)
	ip2=$(ipof r2 rnet)
	ping_ok r1 "$ip2"

	# Lose r2's veth: reconcile recreates it with the same address.
	iflink=$(sx r2 cat /sys/class/net/eth0/iflink)
	host_if=$(ip -n "${P}h" -o link show | awk -F': ' -v i="$iflink" '$1 == i { sub(/@.*/, "", $2); print $2 }')
	assert_match "$host_if" '^xnv' "host side of r2's eth0"
	ip -n "${P}h" link del "$host_if" || fail "deleting $host_if"
	ping_fails r1 "$ip2"
	xok system reconcile
	assert_eq "$(ipof r2 rnet)" "$ip2" "r2's address after reconcile"
	assert_contains "$(sx r2 ip -4 -o addr show dev eth0)" "$ip2/24" "eth0 of r2 after reconcile"
	ping_ok r1 "$ip2"
	ping_ok r2 "$ip1"

	# Lose the gateway device.
	ip -n "${P}h" link del "$gwdev" || fail "deleting $gwdev"
	xok system reconcile
	assert_contains "$(ip -n "${P}h" -4 -o addr show dev "$gwdev" 2>&1)" "10.130.0.1/24" "gateway after reconcile"
	host_ping_ok "$ip1"
	ping_ok r1 10.130.0.1

	# Strays are removed: a veth with our prefix, a map entry of nobody.
	ip -n "${P}h" link add xnv0deadbeef0 type veth peer name xnv0deadbeef1 || fail "stray veth"
	bpftool map update pinned "$(map_path xnet_ip2ep)" key 10 130 0 99 value 0x0f 0x27 0 0 ||
		fail "stray map entry"
	xok system reconcile
	assert_not_contains "$(links xnv)" xnv0deadbeef "links after reconcile"
	assert_consistent "" "after reconcile of strays"
	ping_ok r1 "$ip2"
	rm_all
	assert_no_leftovers
}

test_rm_f_everything() {
	xok network create --subnet 10.120.0.0/24 a
	xok network create --subnet 10.121.0.0/24 b
	run_d x1 a
	run_d x2 b
	run_d x3 bridge
	run_d x4 a
	xok network connect b x4
	xok network connect bridge x4
	run_d x5 none
	run_d x6 host
	run_d x7 container:x1
	xok run --name x8 true
	track x8
	xok run -d --name x9 sh -c 'exit 0'
	track x9
	# Extra processes inside sandboxes: rm -f must not leave them behind.
	sx x1 sh -c 'sleep 1001 >/dev/null 2>&1 </dev/null &'
	sx x4 sh -c 'sleep 1002 >/dev/null 2>&1 </dev/null &'
	wait_until 10 sh -c "ip netns exec ${P}h $XNET --root $ROOT ps -a | grep -qE 'Exited.* x9 *\$'" ||
		fail "x9 did not exit"
	assert_consistent "" "before rm -f"
	xok ps -a -q
	assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 9 "sandboxes before rm -f"
	# shellcheck disable=SC2086
	xok rm -f $OUT
	assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 9 "lines printed by rm -f"
	xok network rm a b
	assert_no_leftovers
	pgrep -x -f 'sleep 100[12]' >/dev/null && fail "processes started with exec survived rm -f: $(pgrep -a -f 'sleep 100[12]')"
	true
}

test_system_teardown() {
	local m
	xok network create --subnet 10.140.0.0/24 tn
	run_d t1 tn
	run_d t2 bridge
	sx t1 sh -c 'sleep 1003 >/dev/null 2>&1 </dev/null &'
	xok system teardown
	m=$(awk -v r="$ROOT/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts)
	[ -z "$m" ] || fail "mounts left under $ROOT after teardown: $m"
	[ -z "$(links 'xn(v|br)')" ] || fail "links left after teardown: $(links 'xn(v|br)')"
	[ -z "$(netns_files)" ] || fail "namespace files left after teardown: $(netns_files)"
	m=$(xt_world_procs "$P")
	[ -z "$m" ] || fail "processes left after teardown: $(for p in $m; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done)"
	while read -r _ pid st; do
		[ "$pid" != - ] && pid_alive "$pid" && [ "$(pid_starttime "$pid")" = "$st" ] &&
			fail "process $pid of a sandbox survived teardown"
	done <"$XT_TMP/tracked"
	# Idempotent, and the root is usable again.
	xok system teardown
	xok network ls
	assert_eq "$(printf '%s\n' "$OUT" | tail -n +2 | awk '{print $2}' | sort | tr '\n' ' ')" "bridge host none " "networks after teardown"
	run_d t3 bridge
	ping_ok t3 172.17.0.1
	rm_all
	assert_no_leftovers
}

# reserved: the host namespace's net.ipv4.ip_local_reserved_ports.
reserved() { hx sysctl -n net.ipv4.ip_local_reserved_ports; }

# A port is listed in ip_local_reserved_ports at once, the store learns of it
# at COMMIT: a command killed in between must not leave the port reserved for
# ever (it looked like the admin's), and reconcile takes out every reserved
# port of ours the store does not hold, keeping the admin's.
test_reserved_ports_after_crash() {
	hx sysctl -qw net.ipv4.ip_local_reserved_ports=50000 || skip "cannot set ip_local_reserved_ports"
	xok network create --subnet 10.160.0.0/24 pnet
	XNET_FAILPOINT=before-commit xrun run -d --name c1 --network pnet -p 18080:80 sleep 1d
	[ "$RC" != 0 ] || fail "the failpoint before-commit did not stop 'run'"
	assert_eq "$(reserved)" "18080,50000" "reserved ports after run -p was killed before COMMIT"
	xok system reconcile
	assert_eq "$(reserved)" "50000" "reserved ports after system reconcile"
	xfail 1 "No such object: c1" inspect c1

	# The next command that changes something repairs it too (the dirty marker).
	XNET_FAILPOINT=before-commit xrun run -d --name c2 --network pnet -p 18081:80 sleep 1d
	[ "$RC" != 0 ] || fail "the failpoint before-commit did not stop 'run'"
	assert_eq "$(reserved)" "18081,50000" "reserved ports after the second killed run"
	xok network create --subnet 10.161.0.0/24 qnet
	assert_eq "$(reserved)" "50000" "reserved ports after the next command"

	# Publishing and removing still adds and takes out exactly ours; a killed rm keeps the port.
	run_d c3 pnet -p 18082:80
	assert_eq "$(reserved)" "18082,50000" "reserved ports while c3 publishes 18082"
	XNET_FAILPOINT=before-commit xrun rm -f c3
	[ "$RC" != 0 ] || fail "the failpoint before-commit did not stop 'rm'"
	xok system reconcile
	assert_eq "$(reserved)" "18082,50000" "reserved ports after a killed rm (c3 is still in the store)"
	xok rm -f c3
	assert_eq "$(reserved)" "50000" "reserved ports after rm"
	xok network rm pnet qnet
	assert_no_leftovers
}

# pinned_link_ids DIR: ids of the bpf links pinned in DIR.
pinned_link_ids() {
	local f
	for f in "$1"/*; do
		[ -e "$f" ] || continue
		bpftool -j link show pinned "$f" | jget 'd["id"]'
	done
}

# The host namespace deleted without `system teardown`: its socket hooks on
# the machine's root cgroup and its pinned maps go with the next xnet
# invocation of any root, another live host keeps its own, and teardown of
# the orphaned root works from another namespace. Other tests run in
# parallel with hooks of their own: only this test's link ids are looked at.
test_gc_host_netns_gone() {
	local links olinks ctmap other id ino pid m first
	printf '%s\n%s\n' 6.18 "$(uname -r)" | sort -VC || skip "kernel $(uname -r): nsfs file handles need 6.18"
	run_d web bridge -p 18090:80
	links=$(pinned_link_ids "$ROOT/bpf/links")
	assert_eq "$(wc -w <<<"$links")" 10 "socket hooks pinned by the host"
	ctmap=$(bpftool -j map show pinned "$ROOT/bpf/maps/xnet_ct" | jget 'd["id"]')
	# A second, live host in the outside namespace (its root inside ours, so the trap cleans it too).
	other=$ROOT/other-root
	ip netns exec "${P}o" "$XNET" --root "$other" network create --subnet 10.170.0.0/24 onet >/dev/null ||
		fail "cannot create the second host's network"
	olinks=$(pinned_link_ids "$other/bpf/links")
	assert_eq "$(wc -w <<<"$olinks")" 10 "socket hooks pinned by the second host"

	# The host's namespace goes: its processes (the sandbox's shim) first, then the name.
	ino=$(stat -L -c %i "/run/netns/${P}h")
	for pid in $(xt_proc_netns | awk -v i="$ino" '$2 == i { print $1 }'); do
		kill -9 "$pid" 2>/dev/null
	done
	ip netns del "${P}h" || fail "ip netns del ${P}h"
	ip netns add "${P}f" || fail "ip netns add ${P}f"
	for id in $links; do
		bpftool link show id "$id" >/dev/null 2>&1 || fail "hook $id went away by itself"
	done

	# Any invocation removes them (here the other host's ps), once the kernel has let go of the namespace.
	first=${links%%[[:space:]]*}
	wait_until 30 sh -c "ip netns exec ${P}o $XNET --root $other ps >/dev/null 2>&1;
		! bpftool link show id $first >/dev/null 2>&1" ||
		fail "the hooks of the deleted host namespace are still attached: $(bpftool link show id "$first")"
	for id in $links; do
		bpftool link show id "$id" >/dev/null 2>&1 && fail "hook $id of the deleted namespace is still there"
	done
	bpftool map show id "$ctmap" >/dev/null 2>&1 && fail "the conntrack map of the deleted host is still there"
	for id in $olinks; do
		bpftool link show id "$id" >/dev/null 2>&1 || fail "hook $id of the live second host was removed"
	done
	assert_eq "$(pinned_link_ids "$other/bpf/links" | wc -w)" 10 "hooks pinned by the second host after gc"
	# Nothing more to do, and the explicit command says so.
	OUT=$(ip netns exec "${P}f" "$XNET" --root "$other" system gc 2>&1) || fail "system gc: $OUT"
	assert_eq "$OUT" "" "system gc with nothing gone"

	# Teardown of the orphaned root from another namespace: sandbox processes, mounts and files go.
	OUT=$(ip netns exec "${P}f" "$XNET" --root "$ROOT" system teardown 2>&1) || fail "teardown of the orphaned root: $OUT"
	m=$(awk -v r="$ROOT/" -v o="$other/" 'index($2, r) == 1 && index($2, o) != 1 { print $2 }' /proc/self/mounts)
	[ -z "$m" ] || fail "mounts left under $ROOT after teardown: $m"
	assert_eq "$(ls -A "$ROOT")" "other-root" "files left in $ROOT after teardown"
	while read -r _ pid st; do
		[ "$pid" != - ] && pid_alive "$pid" && [ "$(pid_starttime "$pid")" = "$st" ] &&
			fail "process $pid of a sandbox survived teardown"
	done <"$XT_TMP/tracked"
	[ -z "$(ip -n "${P}f" -o link show | grep -v ': lo:')" ] || fail "teardown created links in ${P}f: $(ip -n "${P}f" -o link show)"

	# A live host's root is not for commands from another namespace (they would take that one's devices).
	OUT=$(ip netns exec "${P}f" "$XNET" --root "$other" network create --subnet 10.171.0.0/24 x 2>&1) &&
		fail "a command for the second host ran from another namespace"
	assert_contains "$OUT" "belongs to a host in another network namespace, which still exists" "refusal"

	# The second host's namespace goes too; `system gc` says what it removed.
	ino=$(stat -L -c %i "/run/netns/${P}o")
	for pid in $(xt_proc_netns | awk -v i="$ino" '$2 == i { print $1 }'); do
		kill -9 "$pid" 2>/dev/null
	done
	ip netns del "${P}o" || fail "ip netns del ${P}o"
	first=${olinks%%[[:space:]]*}
	wait_until 30 sh -c "ip netns exec ${P}f $XNET --root $other system gc >>$XT_TMP/gc.out 2>&1;
		! bpftool link show id $first >/dev/null 2>&1" || fail "the second host's hooks are still attached"
	assert_contains "$(cat "$XT_TMP/gc.out")" "removed the socket hooks and pinned BPF objects under $other/bpf" \
		"system gc's report"
	for id in $olinks; do
		bpftool link show id "$id" >/dev/null 2>&1 && fail "hook $id of the second host survived gc"
	done
	OUT=$(ip netns exec "${P}f" "$XNET" --root "$other" system teardown 2>&1) || fail "teardown of the second host: $OUT"
	[ ! -e "$other" ] || fail "$other is left after its teardown: $(ls -A "$other")"
}
