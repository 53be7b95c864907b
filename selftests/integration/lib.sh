# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# lib.sh: the world builder and the assertions of the xnet integration tests.
#
# Sourced by selftests/run.sh into a fresh bash for every test function.
# Each test gets its own world:
#   ${P}h   the "host" network namespace, where xnet runs (xn ...)
#   ${P}o   the "outside" namespace, joined to the host by a veth uplink
#           (host up0 198.18.0.1/24 <-> outside up1 198.18.0.2/24, default
#           route of the host via the outside)
#   ROOT    a private state root (mktemp -d /tmp/xnet-test.XXXXXX)
# Nothing here touches the machine's own network: the initial namespace is
# only used to run `ip netns` commands, bpftool on our pinned maps and ps.
#
# Conventions
#   fail MSG        the test fails (works from inside $(...) too)
#   skip REASON     the test cannot run here (exit code 4, reason printed)
#   xok ARGS        xnet ARGS must succeed; sets OUT, ERR, RC
#   xfail RC PHRASE ARGS
#                   xnet ARGS must fail with exit code RC ("nz": any non-zero)
#                   and PHRASE (grep -F) on stderr
#   sx NAME CMD     run CMD inside sandbox NAME (xnet exec), returns its status

XT_SKIP=4
XT_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
XT_TOP=$(cd "$XT_LIB_DIR/../.." && pwd)
XNET=${XNET:-$XT_TOP/build/xnet}
XT_CMD_TIMEOUT=${XT_CMD_TIMEOUT:-90}
XT_UP_HOST=198.18.0.1
XT_UP_OUT=198.18.0.2
# Names of the pinned maps that must be empty when no endpoint exists.
XT_EP_MAPS="xnet_endpoints xnet_fdb xnet_ip2ep xnet_ports xnet_published xnet_dns_names xnet_dns_scope xnet_dns_ptr"
# Maps compared by state snapshots (everything but the drop counters).
XT_STATE_MAPS="xnet_networks xnet_endpoints xnet_fdb xnet_ip2ep xnet_ports xnet_subnets xnet_gateways xnet_published xnet_dns_names xnet_dns_scope xnet_dns_ptr"

# Python for JSON work, without the startup cost of wrapper scripts (pyenv shims).
XT_PY=${XT_PY:-$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null)}
py() { "${XT_PY:-python3}" -S "$@"; }

# ---------------------------------------------------------------- reporting

xt_note() { echo "# $*" >&2; }

fail() {
	echo "FAIL: $*" >&2
	# Called from a command substitution: make the test's main shell exit too.
	if [ -n "${XT_MAIN:-}" ] && [ "$BASHPID" != "$XT_MAIN" ]; then
		kill -USR1 "$XT_MAIN" 2>/dev/null
	fi
	exit 1
}

skip() {
	echo "SKIP: $*" >&2
	if [ -n "${XT_MAIN:-}" ] && [ "$BASHPID" != "$XT_MAIN" ]; then
		kill -USR2 "$XT_MAIN" 2>/dev/null
	fi
	exit "$XT_SKIP"
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
	done
}

# ---------------------------------------------------------------- the world

# xn ARGS: run xnet in the test's host namespace with the test's root.
xn() {
	timeout -k 5 "$XT_CMD_TIMEOUT" ip netns exec "${P}h" "$XNET" --root "$ROOT" "$@"
}

# hx CMD: run CMD in the test's host namespace.
hx() { ip netns exec "${P}h" "$@"; }
# ox CMD: run CMD in the outside namespace.
ox() { ip netns exec "${P}o" "$@"; }

world_up() {
	P=${XT_PREFIX:-xt$$${RANDOM}}
	# Inherited by every process xnet starts: finds this world's processes
	# (namespace inodes are recycled, pids too; this marker is not).
	export XT_WORLD=$P
	ROOT=$(mktemp -d /tmp/xnet-test.XXXXXX) || fail "mktemp"
	XT_TMP=$(mktemp -d /tmp/xnet-tmp.XXXXXX) || fail "mktemp"
	: >"$XT_TMP/tracked"
	[ -n "${XT_WORLD_FILE:-}" ] && echo "$P $ROOT $XT_TMP" >"$XT_WORLD_FILE"
	ip netns add "${P}h" || fail "ip netns add ${P}h"
	ip netns add "${P}o" || fail "ip netns add ${P}o"
	ip -n "${P}h" link set lo up
	ip -n "${P}o" link set lo up
	ip -n "${P}h" link add up0 type veth peer name up1 netns "${P}o" || fail "uplink veth"
	ip -n "${P}h" addr add "$XT_UP_HOST/24" dev up0
	ip -n "${P}o" addr add "$XT_UP_OUT/24" dev up1
	ip -n "${P}h" link set up0 up
	ip -n "${P}o" link set up1 up
	ip -n "${P}h" route add default via "$XT_UP_OUT" || fail "default route"
	xt_note "world: netns ${P}h/${P}o root $ROOT"
}

# Remove everything the test made: first through the CLI, then by hand.
world_down() {
	local rc=$1
	if [ "${XT_KEEP:-0}" = 1 ] ||
		{ [ "${XT_KEEP_FAILED:-0}" = 1 ] && [ "$rc" != 0 ] && [ "$rc" != "$XT_SKIP" ]; }; then
		echo "# XT_KEEP=1: leaving ${P}h ${P}o $ROOT in place" >&2
		return
	fi
	if [ -x "$XNET" ] && [ -d "$ROOT" ]; then
		if ! timeout -k 5 180 ip netns exec "${P}h" "$XNET" --root "$ROOT" system teardown \
			>"$XT_TMP/teardown.log" 2>&1; then
			echo "# 'xnet system teardown' failed; cleaning up by hand:" >&2
			sed 's/^/#   /' "$XT_TMP/teardown.log" >&2
		fi
	fi
	xt_force_cleanup "$P" "$ROOT" "$XT_TMP"
}

# Network namespace inodes ("net:[N]" links) of every process, as "pid inode".
xt_proc_netns() {
	local d l
	for d in /proc/[0-9]*; do
		l=$(readlink "$d/ns/net" 2>/dev/null) || continue
		l=${l#net:[}
		echo "${d#/proc/} ${l%]}"
	done
}

# xt_world_procs P: processes started for world P (XT_WORLD=P in their
# environment) outside the runner's own namespace: sandbox processes, not
# the test's shells.
xt_world_procs() {
	local me d
	me=$(readlink /proc/$$/ns/net)
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/ns/net" 2>/dev/null)" != "$me" ] || continue
		[ -r "$d/environ" ] || continue
		tr '\0' '\n' 2>/dev/null <"$d/environ" | grep -qx "XT_WORLD=$1" && echo "${d#/proc/}"
	done
	return 0
}

# Kill every process of this world and unmount/remove what is left.
# Usable from the runner after a timeout: xt_force_cleanup P ROOT TMP
xt_force_cleanup() {
	local p=$1 root=$2 tmp=$3 f ino m
	local -A inos=()
	if [ -n "$root" ] && [ -d "$root/netns" ]; then
		for f in "$root"/netns/*; do
			[ -e "$f" ] || continue
			ino=$(stat -L -c %i "$f" 2>/dev/null) && inos[$ino]=1
		done
	fi
	for ns in "${p}h" "${p}o" "${p}f"; do
		ino=$(stat -L -c %i "/run/netns/$ns" 2>/dev/null) && inos[$ino]=1
	done
	# Live namespaces only (mounted or named): their inodes cannot be recycled.
	if [ ${#inos[@]} -gt 0 ]; then
		xt_proc_netns | while read -r pid ino; do
			[ "$pid" = "$$" ] && continue
			[ -n "${inos[$ino]:-}" ] && kill -9 "$pid" 2>/dev/null
		done
	fi
	for pid in $(xt_world_procs "$p"); do
		kill -9 "$pid" 2>/dev/null
	done
	if [ -n "$root" ] && [ "${root#/tmp/xnet-test.}" != "$root" ]; then
		# Deepest mounts first.
		for m in $(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r); do
			umount -l "$m" 2>/dev/null
		done
		umount -l "$root" 2>/dev/null
		rm -rf "$root"
	fi
	ip netns del "${p}h" 2>/dev/null
	ip netns del "${p}o" 2>/dev/null
	ip netns del "${p}f" 2>/dev/null	# a third namespace some tests add behind the outside one
	# The host namespace's own resolv.conf (`ip netns exec` bind-mounts it), if a test gave it one.
	[ -n "$p" ] && rm -rf "/etc/netns/${p}h" "/etc/netns/${p}o"
	if [ -n "$tmp" ] && [ "${tmp#/tmp/xnet-tmp.}" != "$tmp" ]; then
		rm -rf "$tmp"
	fi
	return 0
}

xt_on_exit() {
	local rc=$?
	trap - EXIT USR1 USR2 TERM INT
	[ "$rc" = 0 ] && [ -n "${XT_FAILED:-}" ] && rc=1
	world_down "$rc"
	exit "$rc"
}

# Entry point used by the runner: xt_main TEST_FUNCTION
xt_main() {
	local t=$1
	XT_MAIN=$BASHPID
	trap 'exit 1' USR1
	trap 'exit 4' USR2
	trap 'echo "# terminated (timeout?)" >&2; exit 124' TERM
	trap 'exit 130' INT
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -x "$XNET" ] || skip "$XNET is not built"
	need_cmd ip bpftool python3 timeout ping
	world_up
	trap xt_on_exit EXIT
	"$t"
	exit $?
}

# ---------------------------------------------------------------- commands

# xrun ARGS: xnet ARGS with output captured: OUT, ERR, RC.
xrun() {
	echo "+ xnet $*" >&2
	xn "$@" >"$XT_TMP/out" 2>"$XT_TMP/err" </dev/null
	RC=$?
	OUT=$(cat "$XT_TMP/out")
	ERR=$(cat "$XT_TMP/err")
	return 0
}

xt_show() {
	echo "  exit: $RC" >&2
	[ -n "$OUT" ] && printf '  stdout: %s\n' "$OUT" | head -40 >&2
	[ -n "$ERR" ] && printf '  stderr: %s\n' "$ERR" | head -40 >&2
	return 0
}

# xok ARGS: xnet ARGS must exit 0.
xok() {
	xrun "$@"
	if [ "$RC" != 0 ]; then
		xt_show
		fail "'xnet $*' exited $RC, expected 0"
	fi
}

# xfail RC PHRASE ARGS: xnet ARGS must exit RC ("nz" = any non-zero) and print PHRASE on stderr.
xfail() {
	local want=$1 phrase=$2
	shift 2
	xrun "$@"
	if [ "$want" = nz ]; then
		[ "$RC" != 0 ] || { xt_show; fail "'xnet $*' succeeded, expected a failure"; }
	elif [ "$RC" != "$want" ]; then
		xt_show
		fail "'xnet $*' exited $RC, expected $want"
	fi
	if [ -n "$phrase" ] && ! grep -qiF -- "$phrase" "$XT_TMP/err"; then
		xt_show
		fail "'xnet $*': stderr lacks \"$phrase\""
	fi
	# Plain-text errors start with "Error: " (JSON mode checks its own format).
	case " $* " in
	*" --json "*) ;;
	*)
		grep -q '^Error: ' "$XT_TMP/err" || {
			xt_show
			fail "'xnet $*': stderr has no 'Error: ' line"
		}
		;;
	esac
}

# sx NAME CMD: run CMD in sandbox NAME; stdout/stderr pass through.
sx() {
	local n=$1
	shift
	xn exec "$n" "$@"
}

# run_d NAME NET [run options]: a detached `sleep 1d` sandbox; sets RUN_ID.
run_d() {
	local name=$1 net=$2
	shift 2
	xok run -d --name "$name" --network "$net" "$@" sleep 1d
	RUN_ID=$(printf '%s\n' "$OUT" | tail -n1)
	[[ "$RUN_ID" =~ ^[0-9a-f]{64}$ ]] || fail "run -d printed '$OUT', expected a 64-hex id"
	track "$name"
}

# track NAME: remember the sandbox's pid (and its start time) for the leftover checks.
track() {
	local js id pid
	js=$(xn inspect "$1" 2>/dev/null) || { echo "$1 - -" >>"$XT_TMP/tracked"; return 0; }
	id=$(printf '%s' "$js" | jget 'd[0]["Id"]' 2>/dev/null)
	pid=$(printf '%s' "$js" | jget 'd[0]["State"]["Pid"]' 2>/dev/null)
	track_pid "${id:--}" "${pid:--}"
}
track_pid() {
	echo "$1 $2 $(pid_starttime "$2")" >>"$XT_TMP/tracked"
}

# pid_starttime PID: field 22 of /proc/PID/stat ("-" when gone).
pid_starttime() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || { echo -; return; }
	st=${st##*) }
	# shellcheck disable=SC2086
	set -- $st
	echo "${20}"
}

# jget EXPR: evaluate a Python expression over the JSON document on stdin (as d).
# Strings print raw, other values as JSON.
jget() {
	py -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))' "$1"
}

# json_ok: stdin must be a JSON document.
json_ok() { py -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null; }

# inspect_json NAME: `xnet inspect NAME` output (fails the test on error).
inspect_json() {
	local js
	js=$(xn inspect "$1" 2>"$XT_TMP/ierr") || fail "xnet inspect $1: $(cat "$XT_TMP/ierr")"
	printf '%s' "$js"
}

# ipof NAME [NET]: IPv4 address of sandbox NAME on NET (default: bridge).
ipof() {
	local ip
	ip=$(inspect_json "$1" | jget "d[0]['NetworkSettings']['Networks']['${2:-bridge}']['IPAddress']") ||
		fail "no IPAddress for $1 on ${2:-bridge}"
	[[ "$ip" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "IP of $1 on ${2:-bridge} is '$ip'"
	echo "$ip"
}

# macof NAME [NET]
macof() {
	inspect_json "$1" | jget "d[0]['NetworkSettings']['Networks']['${2:-bridge}']['MacAddress']" ||
		fail "no MacAddress for $1 on ${2:-bridge}"
}

# idof NAME: full id of a sandbox.
idof() { inspect_json "$1" | jget 'd[0]["Id"]'; }

# net_json NAME: `xnet network inspect NAME`.
net_json() {
	local js
	js=$(xn network inspect "$1" 2>"$XT_TMP/ierr") || fail "xnet network inspect $1: $(cat "$XT_TMP/ierr")"
	printf '%s' "$js"
}
net_id() { net_json "$1" | jget 'd[0]["Id"]'; }

# Expected Docker-style MAC of an IPv4 address: 02:42:aa:bb:cc:dd.
mac_of_ip() {
	local IFS=.
	# shellcheck disable=SC2086
	set -- $1
	printf '02:42:%02x:%02x:%02x:%02x\n' "$1" "$2" "$3" "$4"
}

# ---------------------------------------------------------------- assertions

assert_eq() { [ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"; }
assert_ne() { [ "$1" != "$2" ] || fail "${3:-value}: got '$1', expected something else"; }
assert_contains() {
	printf '%s' "$1" | grep -qF -- "$2" || fail "${3:-output} does not contain '$2'; it was:
$1"
}
assert_not_contains() {
	if printf '%s' "$1" | grep -qF -- "$2"; then
		fail "${3:-output} contains '$2'; it was:
$1"
	fi
}
assert_match() {
	printf '%s' "$1" | grep -qE -- "$2" || fail "${3:-output} does not match /$2/; it was:
$1"
}

# ping_ok FROM IP: sandbox FROM reaches IP.
ping_ok() {
	local o
	o=$(sx "$1" ping -c1 -W2 "$2" 2>&1) || o=$(sx "$1" ping -c2 -W2 "$2" 2>&1) ||
		fail "$1 cannot ping $2:
$o"
}

# ping_fails FROM IP: sandbox FROM does not reach IP (ping exits 1 or 2, 100% loss).
ping_fails() {
	local o rc
	o=$(sx "$1" ping -c2 -W1 "$2" 2>&1)
	rc=$?
	[ $rc = 0 ] && fail "$1 can ping $2, expected it to be unreachable:
$o"
	[ $rc = 1 ] || [ $rc = 2 ] || fail "ping from $1 to $2 exited $rc (not a ping failure):
$o"
	[ $rc = 2 ] || assert_contains "$o" "100% packet loss" "ping $1 -> $2"
}

# host_ping_ok IP / host_ping_fails IP: from the host namespace.
host_ping_ok() {
	local o
	o=$(hx ping -c1 -W2 "$1" 2>&1) || o=$(hx ping -c2 -W2 "$1" 2>&1) || fail "host cannot ping $1:
$o"
}
host_ping_fails() {
	local o
	o=$(hx ping -c2 -W1 "$1" 2>&1) && fail "host can ping $1, expected it to be unreachable:
$o"
	return 0
}

# wait_until SECONDS CMD...: poll CMD every 0.2 s.
wait_until() {
	local t=$1 end
	shift
	end=$(($(date +%s) + t))
	while [ "$(date +%s)" -le "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# ---------------------------------------------------------------- DNS

# dig_rcode DIG-OUTPUT: the status dig printed (NOERROR, NXDOMAIN, ...).
dig_rcode() { printf '%s\n' "$1" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p' | head -n1; }

# dns_helper_pid: the pid in the DNS helper's lock while a helper holds it, "" otherwise.
dns_helper_pid() {
	[ -e "$ROOT/dns-helper.lock" ] || return 0
	flock -n -s "$ROOT/dns-helper.lock" true && return 0
	tr -dc 0-9 <"$ROOT/dns-helper.lock"
}

# ---------------------------------------------------------------- kernel state

map_path() { echo "$ROOT/bpf/maps/$1"; }

# map_dump NAME: bpftool's JSON dump of a pinned map ("[]" when empty).
map_dump() {
	bpftool -j map dump pinned "$(map_path "$1")" 2>"$XT_TMP/bpftool.err" ||
		fail "bpftool map dump pinned $(map_path "$1"): $(cat "$XT_TMP/bpftool.err")"
}
map_len() { map_dump "$1" | py -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# map_keys_u32 NAME: the keys of a map keyed by a __u32 (ifindex), one per line.
map_keys_u32() {
	map_dump "$1" | py -c '
import json, sys
for e in json.load(sys.stdin):
    k = e.get("key")
    if isinstance(k, list):        # bytes as hex strings, little endian
        print(int.from_bytes(bytes(int(b, 16) for b in k), "little"))
    else:
        print(k)'
}

# links PREFIX: names of the links in the host namespace starting with PREFIX.
links() {
	ip -n "${P}h" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
		grep -E "^$1" || true
}
link_ifindex() { ip -n "${P}h" -o link show "$1" 2>/dev/null | cut -d: -f1; }

# netns_files: what is left under $ROOT/netns.
netns_files() { [ -d "$ROOT/netns" ] && find "$ROOT/netns" -mindepth 1 2>/dev/null; true; }

# drops REASON: the datapath drop counter (packets) of REASON from `xnet system drops`.
drops() {
	local reason=$1 js v
	js=$(xn --json system drops 2>/dev/null)
	v=$(printf '%s' "$js" | py -c '
import json, sys
r = sys.argv[1]
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(1)
def num(v):
    if isinstance(v, bool): return None
    if isinstance(v, int): return v
    if isinstance(v, dict):
        for k in ("packets", "Packets", "count", "drops"):
            if isinstance(v.get(k), int): return v[k]
    return None
def walk(o):
    if isinstance(o, dict):
        if r in o and num(o[r]) is not None: return num(o[r])
        if r in [v for v in o.values() if isinstance(v, str)]:
            n = num(o)
            if n is not None: return n
        for v in o.values():
            n = walk(v)
            if n is not None: return n
    elif isinstance(o, list):
        for v in o:
            n = walk(v)
            if n is not None: return n
    return None
n = walk(d)
print(0 if n is None else n)' "$reason") && { echo "$v"; return 0; }
	# Text form: the first number on the line naming the reason.
	v=$(xn system drops 2>/dev/null | grep -F -- "$reason" | grep -oE '[0-9]+' | head -n1)
	echo "${v:-0}"
}

# state_snapshot FILE: everything a failed command must leave unchanged.
state_snapshot() {
	local f=$1 m
	{
		echo "== networks"
		xn network ls --no-trunc 2>&1 | tail -n +2 | awk '{print $1, $2, $3}' | sort
		echo "== containers"
		xn ps -a -q 2>&1 | sort
		xn ps -a 2>&1 | tail -n +2 | awk '{print $NF}' | sort
		echo "== links"
		links 'xn(v|br)' | sort
		echo "== netns"
		netns_files | sort
		echo "== maps"
		# The flood list (xnet_ports) is compared as a set: its order is free.
		py -c '
import json, os, subprocess, sys
for m in sys.argv[2:]:
    path = os.path.join(sys.argv[1], m)
    if not os.path.exists(path):
        continue
    print("-- " + m)
    r = subprocess.run(["bpftool", "-j", "map", "dump", "pinned", path], capture_output=True, text=True)
    try:
        entries = json.loads(r.stdout)
    except ValueError:
        print("bpftool failed: " + r.stderr.strip())
        continue
    out = []
    for e in entries:
        f = e.get("formatted", e)
        if m == "xnet_ports" and isinstance(f.get("key"), dict):
            f = {"net_id": f["key"].get("net_id"), "ifindex": f.get("value")}
        out.append(json.dumps(f, sort_keys=True))
    for line in sorted(out):
        print(line)' "$ROOT/bpf/maps" $XT_STATE_MAPS 2>&1
	} >"$f"
}

# assert_unchanged SNAPSHOT WHAT: the state equals the snapshot taken before WHAT.
assert_unchanged() {
	state_snapshot "$XT_TMP/snap.after"
	if ! diff -u "$1" "$XT_TMP/snap.after" >"$XT_TMP/snap.diff"; then
		cat "$XT_TMP/snap.diff" >&2
		fail "state changed by the failing command: $2"
	fi
}

# xfail_same RC PHRASE ARGS: xfail, and the state must be unchanged by it.
xfail_same() {
	state_snapshot "$XT_TMP/snap.before"
	xfail "$@"
	shift 2
	assert_unchanged "$XT_TMP/snap.before" "xnet $*"
}

# pid_alive PID: the process exists and is not a zombie (an orphan whose
# parent died first is reparented to PID 1, which may reap it late).
pid_alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# Processes in the given namespace inodes, as "pid comm".
procs_in_netns() {
	local -A want=()
	local i pid ino
	for i in "$@"; do want[$i]=1; done
	xt_proc_netns | while read -r pid ino; do
		[ -n "${want[$ino]:-}" ] && echo "$pid $(cat "/proc/$pid/comm" 2>/dev/null)"
	done
}

# assert_no_leftovers: after every sandbox and custom network was removed with the CLI.
assert_no_leftovers() {
	local l ids bad="" m dump id pid st
	xok ps -a -q
	[ -z "$OUT" ] || bad="$bad
ps -a -q still lists: $OUT"
	xok network ls
	l=$(printf '%s\n' "$OUT" | tail -n +2 | awk '{print $2}' | grep -vxE 'bridge|host|none')
	[ -z "$l" ] || bad="$bad
network ls still lists: $l"
	l=$(links xnv)
	[ -z "$l" ] || bad="$bad
endpoint links left in the host namespace: $l"
	# Gateway devices may remain only for networks that still exist (the built-in bridge).
	xok network ls -q --no-trunc
	ids=$OUT
	for l in $(links xnbr); do
		l=${l%p}
		printf '%s\n' "$ids" | grep -q "^${l#xnbr-}" ||
			bad="$bad
gateway device $l of no existing network"
	done
	l=$(netns_files)
	[ -z "$l" ] || bad="$bad
left under $ROOT/netns: $l"
	if [ -d "$ROOT/bpf/maps" ]; then
		for m in $XT_EP_MAPS; do
			if [ ! -e "$(map_path "$m")" ]; then
				bad="$bad
pinned map $m is missing"
				continue
			fi
			dump=$(bpftool -j map dump pinned "$(map_path "$m")" 2>&1)
			[ "$(printf '%s' "$dump" | tr -d ' \n')" = "[]" ] || bad="$bad
map $m is not empty: $dump"
		done
	else
		bad="$bad
no pinned maps under $ROOT/bpf/maps"
	fi
	# Processes of removed sandboxes: tracked pids (same start time), and
	# anything carrying this world's marker outside the runner's namespace.
	while read -r id pid st; do
		[ -n "$pid" ] && [ "$pid" != - ] && [ "$pid" != 0 ] || continue
		pid_alive "$pid" || continue
		[ "$st" = - ] || [ "$(pid_starttime "$pid")" = "$st" ] || continue
		bad="$bad
process $pid ($(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")) of sandbox $id is still running"
	done <"$XT_TMP/tracked"
	for pid in $(xt_world_procs "$P"); do
		pid_alive "$pid" || continue
		bad="$bad
process $pid ($(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")) of this test is still running in netns $(readlink "/proc/$pid/ns/net" 2>/dev/null)"
	done
	l=$(for pid in $(ip netns pids "${P}h" 2>/dev/null); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = xnet-shim ] && echo "$pid"
	done)
	[ -z "$l" ] || bad="$bad
xnet-shim processes left: $l"
	[ -z "$bad" ] || fail "leftovers:$bad"
}

# rm_all: remove every sandbox and custom network with the CLI.
rm_all() {
	xok ps -a -q
	if [ -n "$OUT" ]; then
		# shellcheck disable=SC2086
		xok rm -f $OUT
	fi
	xok network ls
	local nets
	nets=$(printf '%s\n' "$OUT" | tail -n +2 | awk '{print $2}' | grep -vxE 'bridge|host|none')
	if [ -n "$nets" ]; then
		# shellcheck disable=SC2086
		xok network rm $nets
	fi
}

# assert_consistent [MARK] [WHAT]: the store (ps -a, inspect) and the kernel agree:
# every running sandbox has its namespace file, its addresses inside, one
# host veth and one map entry per endpoint; no other veth, namespace file or
# map entry exists; with MARK, every process running `sleep 86400.MARK` is
# the State.Pid of a running sandbox.
assert_consistent() {
	local mark=${1:-} what=${2:-} ids id js bad="" eps=0 n ip l f pid running m net
	local -A live=() seen_ip=() pids=() xnv_idx=()
	local dns_ips=""
	xok ps -a -q
	ids=$OUT
	for id in $ids; do
		js=$(xn inspect "$id" 2>&1) || { bad="$bad
inspect $id: $js"; continue; }
		printf '%s' "$js" >"$XT_TMP/cons.json"
		f=$(jget 'd[0]["Id"]' <"$XT_TMP/cons.json")
		# Every sandbox in ps -a may own a namespace file (exited ones too,
		# if the store keeps their endpoints); only running ones are entered.
		live[$f]=1
		running=$(jget 'd[0]["State"]["Running"]' <"$XT_TMP/cons.json")
		pid=$(jget 'd[0]["State"]["Pid"]' <"$XT_TMP/cons.json")
		[ "$running" = true ] && pids[$pid]=1
		n=0
		while read -r net ip; do
			[ -n "$ip" ] || continue
			n=$((n + 1))
			eps=$((eps + 1))
			[ -z "${seen_ip[$ip]:-}" ] || bad="$bad
address $ip used twice (${seen_ip[$ip]} and $id)"
			seen_ip[$ip]=$id
			# User-defined networks have the embedded DNS: the address must be named there.
			[ "$net" = bridge ] || dns_ips="$dns_ips $ip"
			[ "$running" = true ] || continue
			xn exec "$f" ip -4 -o addr show 2>/dev/null | grep -q " $ip/" || bad="$bad
sandbox $id has no $ip ($net) inside"
		done < <(jget '"\n".join("%s %s" % (k, v.get("IPAddress", "")) for k, v in d[0]["NetworkSettings"]["Networks"].items())' <"$XT_TMP/cons.json")
		if [ "$running" = true ] && [ $n -gt 0 ] && [ ! -e "$ROOT/netns/$f" ]; then
			bad="$bad
running sandbox $id has no $ROOT/netns/$f"
		fi
	done
	l=$(links xnv | wc -l)
	[ "$l" = "$eps" ] || bad="$bad
$l xnv links for $eps endpoints: $(links xnv | tr '\n' ' ')"
	for m in xnet_endpoints xnet_ip2ep xnet_fdb; do
		n=$(map_len $m)
		[ "$n" = "$eps" ] || bad="$bad
$m has $n entries for $eps endpoints"
	done
	for l in $(links xnv); do
		xnv_idx[$(link_ifindex "$l")]=$l
	done
	for n in $(map_keys_u32 xnet_endpoints); do
		[ -n "${xnv_idx[$n]:-}" ] || bad="$bad
xnet_endpoints entry for ifindex $n, which is no xnv link"
	done
	for f in $(netns_files); do
		[ -n "${live[$(basename "$f")]:-}" ] || bad="$bad
namespace file $f of no sandbox in ps -a"
	done
	# Embedded DNS: the names map and the PTR map hold exactly the addresses of those endpoints.
	for m in xnet_dns_names xnet_dns_ptr; do
		l=$(map_dump $m | py -c '
import json, socket, struct, sys
ips = set()
for e in json.load(sys.stdin):
    f = e.get("formatted", e)
    if sys.argv[1] == "xnet_dns_names":
        ips.update(f["value"]["addrs"][:f["value"]["count"]])
    else:
        ips.add(f["key"])
got = sorted(socket.inet_ntoa(struct.pack("<I", i)) for i in ips)
want = sorted(sys.argv[2].split())
if got != want:
    print("%s names the addresses %s, the endpoints on user-defined networks are %s" % (sys.argv[1], got, want))' \
			"$m" "$dns_ips")
		[ -z "$l" ] || bad="$bad
$l"
	done
	if [ -n "$mark" ]; then
		for pid in $(pgrep -f "^sleep 86400\\.$mark\$"); do
			[ -n "${pids[$pid]:-}" ] || bad="$bad
orphan process $pid ($(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")) belongs to no running sandbox"
		done
	fi
	[ -z "$bad" ] || fail "inconsistent state${what:+ ($what)}:$bad"
}
