# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# bench/lib.sh: the two topologies (xnet and "the Docker way") and the load
# generators, shared by bench/run.sh and bench/scale.sh.
#
# Everything lives in throwaway network namespaces named "$BENCH_TAG-..."; no
# packet leaves them. Cleanup handlers are registered with bench_on_exit and
# run in reverse order from an EXIT trap, also on failure or Ctrl-C.

BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
REPO=${REPO:-$(cd "$BENCH_DIR/.." && pwd)}
XNET=${XNET:-$REPO/build/xnet}
PKTGEN=${PKTGEN:-$REPO/build/xnet-pktgen}
BENCH_TAG=${BENCH_TAG:-xb$$}
# Scratch space for raw tool output; kept on failure for post-mortems.
BENCH_WORK=${BENCH_WORK:-$(mktemp -d "/tmp/xnet-bench.$BENCH_TAG.XXXX")}
PY=${PY:-$(command -v /usr/bin/python3 || command -v python3)}

# Durations (seconds) of one measurement and rounds of every figure
# (ROUNDS, from BENCH_ROUNDS); BENCH_QUICK=1 shortens everything.
# shellcheck disable=SC2034  # ROUNDS: read by the scripts that source this file
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	BENCH_T=${BENCH_T:-2}
	ROUNDS=${BENCH_ROUNDS:-3}
else
	BENCH_T=${BENCH_T:-5}
	ROUNDS=${BENCH_ROUNDS:-5}
fi

log()  { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
warn() { printf '[bench %s] warning: %s\n' "$(date +%T)" "$*" >&2; }
die()  { printf '[bench %s] error: %s\n' "$(date +%T)" "$*" >&2; exit 1; }
now_ns() { date +%s%N; }

# ---------------------------------------------------------------- cleanup
BENCH_CLEANUPS=()
bench_on_exit() { BENCH_CLEANUPS+=("$*"); }
bench_run_cleanups() {
	local i
	trap - EXIT INT TERM
	for ((i = ${#BENCH_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${BENCH_CLEANUPS[$i]}" >/dev/null 2>&1 || true
	done
	BENCH_CLEANUPS=()
}
bench_arm_traps() {
	trap bench_run_cleanups EXIT
	trap 'exit 130' INT TERM
}
# Run (and forget) the cleanups registered so far, keeping the traps armed.
bench_cleanup_now() { bench_run_cleanups; bench_arm_traps; }
bench_arm_traps

# Kill every process whose network namespace is the one held at $1 (a bind
# mount of an nsfs file). Only processes positively identified as living in
# that namespace are touched.
kill_ns_procs() {
	local nsfile=$1 ino pid
	ino=$(stat -L -c %i "$nsfile" 2>/dev/null) || return 0
	for pid in /proc/[0-9]*; do
		[ "$(stat -L -c %i "$pid/ns/net" 2>/dev/null)" = "$ino" ] || continue
		kill -9 "${pid#/proc/}" 2>/dev/null || true
	done
}

netns_add() {	# name: create, bring lo up, register removal
	ip netns add "$1" || die "cannot create netns $1"
	bench_on_exit "netns_del $1"
	ip -n "$1" link set lo up
}
netns_del() {
	[ -e "/run/netns/$1" ] || return 0
	kill_ns_procs "/run/netns/$1"
	ip netns del "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------- sides
# A "side" is xnet, docker (the baseline), or one of two extra references:
# bridge (the same Linux bridge without br_netfilter or any iptables rule) and
# direct (s1 and s2 joined by one veth pair, no host in between: the ceiling of
# any veth-based datapath; no host figure). Each provides:
#   side_up SIDE SUBNET_PREFIX    (e.g. 10.77.0) host ns, network, sandboxes s1 s2
#   sb_exec SIDE SB CMD...        run CMD inside sandbox SB
#   host_exec SIDE CMD...         run CMD in the side's host namespace
#   sb_ip SIDE SB                 the sandbox's address
declare -A SIDE_HOST SIDE_ROOT SIDE_IP

host_exec() { local side=$1; shift; ip netns exec "${SIDE_HOST[$side]}" "$@"; }

sb_exec() {
	local side=$1 sb=$2; shift 2
	case $side in
	docker|bridge|direct) ip netns exec "$BENCH_TAG-$side-$sb" "$@" ;;
	xnet)   ip netns exec "${SIDE_HOST[xnet]}" "$XNET" --root "${SIDE_ROOT[xnet]}" exec "$sb" "$@" ;;
	*) die "unknown side $side" ;;
	esac
}

ns_exec() {	# nsfile cmd...: in that network namespace only (signals reach cmd itself)
	local ns=$1; shift
	nsenter --net="$ns" "$@"
}

link_field() {	# nsfile dev field: a field of dev's `ip -o link` line (link/ether, @ifN)
	local l
	l=$(ns_exec "$1" ip -o link show "$2") || return 1
	case $3 in
	mac)  awk '{ for (i = 1; i < NF; i++) if ($i == "link/ether") print $(i + 1) }' <<<"$l" ;;
	peer) awk '{ sub(/:$/, "", $2); sub(/.*@if/, "", $2); print $2 }' <<<"$l" ;;
	esac
}

# GRO on the host end of a sandbox's veth, found by the index of its peer
# (link_field ... peer): a veth takes XDP frames (xnet-pktgen's live mode)
# only when its peer runs NAPI.
host_veth_gro() {	# side peer-ifindex
	local hv
	hv=$(host_exec "$1" ip -o link | awk -F': ' -v i="$2" '$1 == i { sub(/@.*/, "", $2); print $2 }')
	[ -n "$hv" ] && host_exec "$1" ethtool -K "$hv" gro on >/dev/null 2>&1
}

sb_ip() { printf '%s\n' "${SIDE_IP[$1/$2]}"; }

xnet_cli() { ip netns exec "${SIDE_HOST[xnet]}" "$XNET" --root "${SIDE_ROOT[xnet]}" "$@"; }

xnet_usable() {	# the CLI exists and answers; used to decide whether to run the xnet side
	[ -x "$XNET" ] || return 1
	"$XNET" --help >/dev/null 2>&1 || "$XNET" version >/dev/null 2>&1
}

# Undo whatever an xnet root left behind, even if `system teardown` failed:
# processes in its sandboxes, mounts under the root (xnet makes them in PID 1's
# mount namespace), then the directory itself.
xnet_root_cleanup() {
	local host=$1 root=$2 m
	[ -d "$root" ] || return 0
	ip netns exec "$host" "$XNET" --root "$root" system teardown >"$BENCH_WORK/teardown.$host.log" 2>&1 || true
	# Sandbox namespace files still mounted: kill their processes first.
	while read -r m; do
		kill_ns_procs "$m"
	done < <(awk -v r="$root/" 'index($5, r) == 1 && $9 == "nsfs" { print $5 }' /proc/1/mountinfo 2>/dev/null)
	# Unmount deepest first, in PID 1's mount namespace where xnet put them.
	while read -r m; do
		nsenter -t 1 -m umount -l "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done < <(awk -v r="$root" '$5 == r || index($5, r "/") == 1 { print length($5), $5 }' /proc/1/mountinfo 2>/dev/null |
		sort -rn | cut -d' ' -f2-)
	rm -rf "$root"
}

# docker side: the Linux bridge, br_netfilter and Docker's iptables rules
# (iptables-nft). bridge side ($2 = bridge): the same bridge and veths, no
# netfilter at all. Any other side name is a Docker side too (bench/nat.sh's
# dnat). Sandboxes: $3... (default s1 s2), at PFX.2, PFX.3, ...
docker_up() {
	local pfx=$1 side=${2:-docker} h br=br-bench i ns sbs
	shift 2 2>/dev/null || shift $#
	sbs=${*:-s1 s2}
	h="$BENCH_TAG-$side-host"
	SIDE_HOST[$side]=$h
	netns_add "$h"
	# What dockerd does at start: IP forwarding on, FORWARD policy DROP, the
	# default bridge docker0 (no containers on it; its rules are in the chains).
	ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$h" link add docker0 type bridge
	ip -n "$h" addr add 172.17.0.1/16 dev docker0
	ip -n "$h" link set docker0 up
	# `docker network create --subnet $pfx.0/24 benchnet`: a bridge holding the gateway.
	ip -n "$h" link add "$br" type bridge
	ip -n "$h" addr add "$pfx.1/24" dev "$br"
	ip -n "$h" link set "$br" up
	if [ "$side" != bridge ]; then
		# br_netfilter: per network namespace on this kernel (recorded in docker_facts).
		ip netns exec "$h" sysctl -qw net.bridge.bridge-nf-call-iptables=1 ||
			die "cannot enable bridge-nf-call-iptables in $h (CONFIG_BRIDGE_NETFILTER?)"
		docker_iptables "$h" "$br" "$pfx.0/24"
	else
		ip netns exec "$h" sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true
	fi
	i=1
	for sb in $sbs; do
		ns="$BENCH_TAG-$side-$sb"
		netns_add "$ns"
		ip -n "$h" link add "veth$sb" type veth peer name eth0 netns "$ns"
		ip -n "$h" link set "veth$sb" master "$br" up
		ip -n "$ns" addr add "$pfx.$((i + 1))/24" dev eth0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" route add default via "$pfx.1"
		[ "$side" != bridge ] && docker_sandbox_dns_rules "$ns"
		SIDE_IP[$side/$sb]=$pfx.$((i + 1))
		i=$((i + 1))
	done
}

# direct side: the two sandboxes share one veth pair; the host namespace exists
# but is not connected.
direct_up() {
	local pfx=$1 h="$BENCH_TAG-direct-host" a="$BENCH_TAG-direct-s1" b="$BENCH_TAG-direct-s2"
	SIDE_HOST[direct]=$h
	netns_add "$h"
	netns_add "$a"
	netns_add "$b"
	ip -n "$a" link add eth0 type veth peer name eth0 netns "$b"
	ip -n "$a" addr add "$pfx.2/24" dev eth0
	ip -n "$b" addr add "$pfx.3/24" dev eth0
	ip -n "$a" link set eth0 up
	ip -n "$b" link set eth0 up
	SIDE_IP[direct/s1]=$pfx.2
	SIDE_IP[direct/s2]=$pfx.3
}

# The rules dockerd (moby 24-27, iptables backend) installs for the default
# bridge docker0 and one user-defined bridge network, in iptables-nft (Debian
# 12's `iptables` is iptables-nft, and so is Docker's there).
docker_iptables() {
	local h=$1 br=$2 subnet=$3
	ip netns exec "$h" iptables-nft-restore <<-EOF || die "iptables-nft-restore failed in $h"
	*nat
	:PREROUTING ACCEPT [0:0]
	:INPUT ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	:POSTROUTING ACCEPT [0:0]
	:DOCKER - [0:0]
	-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
	-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
	-A POSTROUTING -s $subnet ! -o $br -j MASQUERADE
	-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
	-A DOCKER -i $br -j RETURN
	-A DOCKER -i docker0 -j RETURN
	COMMIT
	*filter
	:INPUT ACCEPT [0:0]
	:FORWARD DROP [0:0]
	:OUTPUT ACCEPT [0:0]
	:DOCKER - [0:0]
	:DOCKER-ISOLATION-STAGE-1 - [0:0]
	:DOCKER-ISOLATION-STAGE-2 - [0:0]
	:DOCKER-USER - [0:0]
	-A FORWARD -j DOCKER-USER
	-A FORWARD -j DOCKER-ISOLATION-STAGE-1
	-A FORWARD -o $br -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	-A FORWARD -o $br -j DOCKER
	-A FORWARD -i $br ! -o $br -j ACCEPT
	-A FORWARD -i $br -o $br -j ACCEPT
	-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
	-A FORWARD -o docker0 -j DOCKER
	-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
	-A FORWARD -i docker0 -o docker0 -j ACCEPT
	-A DOCKER-ISOLATION-STAGE-1 -i $br ! -o $br -j DOCKER-ISOLATION-STAGE-2
	-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
	-A DOCKER-ISOLATION-STAGE-1 -j RETURN
	-A DOCKER-ISOLATION-STAGE-2 -o $br -j DROP
	-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
	-A DOCKER-ISOLATION-STAGE-2 -j RETURN
	-A DOCKER-USER -j RETURN
	COMMIT
	EOF
}

# Inside every container on a user-defined network, dockerd redirects
# 127.0.0.11:53 to its embedded DNS server with nat rules in the container's
# own namespace (which also turns conntrack on there). BENCH_DOCKER_DNS_RULES=0
# leaves them out.
docker_sandbox_dns_rules() {
	[ "${BENCH_DOCKER_DNS_RULES:-1}" = 1 ] || return 0
	ip netns exec "$1" iptables-nft-restore <<-'EOF' || die "iptables-nft-restore failed in $1"
	*nat
	:PREROUTING ACCEPT [0:0]
	:INPUT ACCEPT [0:0]
	:OUTPUT ACCEPT [0:0]
	:POSTROUTING ACCEPT [0:0]
	:DOCKER_OUTPUT - [0:0]
	:DOCKER_POSTROUTING - [0:0]
	-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT
	-A POSTROUTING -d 127.0.0.11/32 -j DOCKER_POSTROUTING
	-A DOCKER_OUTPUT -d 127.0.0.11/32 -p tcp -m tcp --dport 53 -j DNAT --to-destination 127.0.0.11:38543
	-A DOCKER_OUTPUT -d 127.0.0.11/32 -p udp -m udp --dport 53 -j DNAT --to-destination 127.0.0.11:52013
	-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p tcp -m tcp --sport 38543 -j SNAT --to-source :53
	-A DOCKER_POSTROUTING -s 127.0.0.11/32 -p udp -m udp --sport 52013 -j SNAT --to-source :53
	COMMIT
	EOF
}

# Facts about the baseline worth recording (printed as KEY=VALUE lines).
docker_facts() {
	local h=${SIDE_HOST[docker]}
	echo "iptables_version=$(ip netns exec "$h" iptables-nft --version 2>/dev/null)"
	echo "bridge_nf_call_iptables=$(ip netns exec "$h" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null)"
	echo "filter_rules=$(ip netns exec "$h" iptables-nft -S 2>/dev/null | grep -c '^-A')"
	echo "nat_rules=$(ip netns exec "$h" iptables-nft -t nat -S 2>/dev/null | grep -c '^-A')"
}

# xnet side: its own host namespace and state root, one network, two sandboxes.
xnet_up() {
	local pfx=$1 h="$BENCH_TAG-xhost" root="$BENCH_WORK/xnet-root" sb ip
	SIDE_HOST[xnet]=$h
	SIDE_ROOT[xnet]=$root
	netns_add "$h"
	bench_on_exit "xnet_root_cleanup $h $root"
	xnet_cli network create --subnet "$pfx.0/24" benchnet >"$BENCH_WORK/xnet-up.log" 2>&1 ||
		{ cat "$BENCH_WORK/xnet-up.log" >&2; die "xnet network create failed"; }
	for sb in s1 s2; do
		xnet_cli run -d --name "$sb" --network benchnet sleep 1d >>"$BENCH_WORK/xnet-up.log" 2>&1 ||
			{ cat "$BENCH_WORK/xnet-up.log" >&2; die "xnet run $sb failed"; }
		ip=$(xnet_cli inspect --format '{{.NetworkSettings.Networks.benchnet.IPAddress}}' "$sb" 2>>"$BENCH_WORK/xnet-up.log")
		[ -n "$ip" ] || die "xnet inspect gave no IP for $sb"
		SIDE_IP[xnet/$sb]=$ip
	done
}

side_up() {
	case $1 in
	docker) docker_up "$2" docker ;;
	bridge) docker_up "$2" bridge ;;
	direct) direct_up "$2" ;;
	xnet)   xnet_up "$2" ;;
	esac
	# Both directions answer before anything is measured.
	sb_exec "$1" s1 ping -c 1 -W 2 "$(sb_ip "$1" s2)" >/dev/null 2>&1 ||
		sb_exec "$1" s1 ping -c 3 -W 2 "$(sb_ip "$1" s2)" >/dev/null ||
		die "$1: s1 cannot ping s2 ($(sb_ip "$1" s2))"
	[ "$1" = direct ] || host_exec "$1" ping -c 1 -W 2 "$(sb_ip "$1" s2)" >/dev/null ||
		warn "$1: host cannot ping s2"
}

# ---------------------------------------------------------------- load generators
# Every server runs under `timeout` inside its sandbox, so that nothing
# outlives a measurement even if the client fails. Ports move on every run.
BENCH_PORT=${BENCH_PORT:-15201}
# BENCH_PIN=1 pins client and server to different CPUs, so that every run has
# the same placement (unpinned, the scheduler flips between "both on one CPU"
# and "one each", and request/response rates move a lot from run to run). Off
# by default: on a shared machine a pinned process cannot move away from a
# busy CPU, and that was worse (p99 in milliseconds) than the flipping.
if [ "${BENCH_PIN:-0}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	PIN_CLI=(taskset -c "${BENCH_CLIENT_CPU:-0}")
	PIN_SRV=(taskset -c "${BENCH_SERVER_CPU:-1}")
else
	PIN_CLI=() PIN_SRV=()
fi
# Request/response: client and server share one CPU (BENCH_RR_CPU, default 1)
# unless BENCH_RR_PIN=split (client BENCH_CLIENT_CPU, server BENCH_SERVER_CPU)
# or none. Measured on this 2-vCPU VM: with one CPU each, every transaction
# pays two cross-CPU wakeups (~30-40 us each in the guest), both sides fall to
# ~15k transactions/s and the datapath hardly shows; unpinned, runs flip
# between the two placements (3x apart). On one CPU the figure is stable and
# is the datapath's per-packet cost plus the two applications'.
case ${BENCH_RR_PIN:-same} in
same)	RR_CLI=(taskset -c "${BENCH_RR_CPU:-1}") RR_SRV=(taskset -c "${BENCH_RR_CPU:-1}") ;;
split)	RR_CLI=(taskset -c "${BENCH_CLIENT_CPU:-0}") RR_SRV=(taskset -c "${BENCH_SERVER_CPU:-1}") ;;
*)	RR_CLI=() RR_SRV=() ;;
esac
command -v taskset >/dev/null || RR_CLI=() RR_SRV=()
next_port() { BENCH_PORT=$((BENCH_PORT + 1)); }

wait_listen() {	# side sb port: wait until a TCP listener is up (max ~5 s)
	local i
	for i in $(seq 50); do
		sb_exec "$1" "$2" ss -Hltn "sport = :$3" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# iperf3 with a one-shot server in s2. Args: side, out-json, where the client
# runs ("s1" or "host"), extra client flags. Prints nothing; the JSON is in out.
iperf_run() {
	local side=$1 out=$2 from=$3; shift 3
	local port dst spid rc=0
	next_port; port=$BENCH_PORT
	dst=$(sb_ip "$side" s2)
	sb_exec "$side" s2 "${PIN_SRV[@]}" timeout $((BENCH_T + 20)) iperf3 -s -1 -p "$port" -B "$dst" >"$out.server" 2>&1 &
	spid=$!
	wait_listen "$side" s2 "$port" || { warn "$side: iperf3 server did not come up"; }
	if [ "$from" = host ]; then
		host_exec "$side" "${PIN_CLI[@]}" timeout $((BENCH_T + 15)) iperf3 -c "$dst" -p "$port" -t "$BENCH_T" -J "$@" >"$out" 2>"$out.err" || rc=$?
	else
		sb_exec "$side" "$from" "${PIN_CLI[@]}" timeout $((BENCH_T + 15)) iperf3 -c "$dst" -p "$port" -t "$BENCH_T" -J "$@" >"$out" 2>"$out.err" || rc=$?
	fi
	wait "$spid" 2>/dev/null || true
	return $rc
}

# sockperf TCP ping-pong; out gets sockperf's own output.
sockperf_rr() {
	local side=$1 out=$2 port dst spid rc=0
	next_port; port=$BENCH_PORT
	dst=$(sb_ip "$side" s2)
	sb_exec "$side" s2 "${RR_SRV[@]}" timeout $((BENCH_T + 8)) sockperf server --tcp -i "$dst" -p "$port" >"$out.server" 2>&1 &
	spid=$!
	wait_listen "$side" s2 "$port" || warn "$side: sockperf server did not come up"
	sb_exec "$side" s1 "${RR_CLI[@]}" timeout $((BENCH_T + 15)) sockperf ping-pong --tcp -i "$dst" -p "$port" \
		-t "$BENCH_T" -m 64 --full-rtt >"$out" 2>&1 || rc=$?
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	return $rc
}

# Parsers: print one number (or nothing).
parse_iperf_tcp() {	# receiver bits/s -> Gbit/s
	"$PY" - "$1" <<-'EOF'
	import json, sys
	try:
	    j = json.load(open(sys.argv[1]))
	    print("%.4f" % (j["end"]["sum_received"]["bits_per_second"] / 1e9))
	except Exception:
	    pass
	EOF
}
parse_iperf_udp() {	# receiver packets/s = (sent - lost) / seconds
	"$PY" - "$1" <<-'EOF'
	import json, sys
	try:
	    j = json.load(open(sys.argv[1]))
	    e = j["end"]
	    s = e.get("sum_received") or e["sum"]
	    print("%.0f" % ((s["packets"] - s["lost_packets"]) / s["seconds"]))
	except Exception:
	    pass
	EOF
}
parse_sockperf() {	# "tps p99_usec" (tps = round trips per second; p99 of the full RTT)
	"$PY" - "$1" <<-'EOF'
	import re, sys
	t = open(sys.argv[1], errors="replace").read()
	m = re.search(r"RunTime=([\d.]+) sec; SentMessages=(\d+); ReceivedMessages=(\d+)", t)
	p = re.search(r"percentile 99\.000 =\s*([\d.]+)", t)
	if m and float(m.group(1)) > 0:
	    print("%.0f %s" % (int(m.group(3)) / float(m.group(1)), p.group(1) if p else ""))
	EOF
}

# uplink_pair HOSTNS OUTNS UP: an uplink, a veth pair between HOSTNS (up0,
# UP.1/24) and a new namespace OUTNS (eth0, UP.2/24), with GRO on at up0:
# that gives the veth NAPI, as a real NIC has, which XDP frames sent from
# the outside end need. Fails (after creating it all) when GRO cannot be set.
uplink_pair() {
	local h=$1 o=$2 up=$3
	netns_add "$o"
	ip -n "$h" link add up0 type veth peer name eth0 netns "$o"
	ip -n "$h" addr add "$up.1/24" dev up0
	ip -n "$h" link set up0 up
	ip -n "$o" addr add "$up.2/24" dev eth0
	ip -n "$o" link set eth0 up
	ip netns exec "$h" ethtool -K up0 gro on >/dev/null 2>&1
}

# progrun_json NAME [bench_progrun options...]: build build/bench_progrun if
# needed and run it with --json into $BENCH_WORK/NAME.json (stderr NAME.err);
# the file is left empty, with a warning, when it cannot run.
progrun_json() {
	local name=$1 out="$BENCH_WORK/$1.json" bin="$REPO/build/bench_progrun"
	shift
	: >"$out"
	make -C "$REPO" -s build/bench_progrun >"$BENCH_WORK/$name.build.log" 2>&1 ||
		warn "make build/bench_progrun failed (see $BENCH_WORK/$name.build.log): using what is there"
	if [ ! -x "$bin" ]; then
		warn "build/bench_progrun is missing: no BPF_PROG_RUN figures"
		return 1
	fi
	log "running build/bench_progrun --json $*"
	"$bin" --json "$@" >"$out" 2>"$BENCH_WORK/$name.err" && return 0
	warn "bench_progrun $* failed (see $BENCH_WORK/$name.err)"
	: >"$out"
	return 1
}

# ---------------------------------------------------------------- xnet-pktgen runs

# tc_sink_start NSFILE FILE [sink options...]: xnet-pktgen's tc sink on eth0
# of that network namespace, in the background (TC_SINK_PID), once attached.
# A tc sink, not XDP: it also sees what bpf_redirect_peer() delivers.
tc_sink_start() {
	local ns=$1 out=$2 n
	shift 2
	# Not through a function: $! must be the sink itself (nsenter execs it),
	# not a subshell that would not pass the signal on.
	nsenter --net="$ns" "$PKTGEN" sink --dev eth0 --tc --json "$@" >"$out" 2>&1 &
	TC_SINK_PID=$!
	for n in $(seq 50); do
		nsenter --net="$ns" tc filter show dev eth0 ingress 2>/dev/null | grep -q xnet_sink_tc && return 0
		kill -0 "$TC_SINK_PID" 2>/dev/null || break
		sleep 0.1
	done
	warn "the tc sink did not attach to eth0 of $ns after $n tries (see $out)"
	tc_sink_stop
	return 1
}

# tc_sink_stop: the sink prints its count on SIGTERM and detaches
# (SIGINT would not do: background commands of a script ignore it).
tc_sink_stop() {
	kill -TERM "$TC_SINK_PID" 2>/dev/null || true
	wait "$TC_SINK_PID" 2>/dev/null || true
}

json_get() {	# file key...: the keys' values from the file's last JSON line, space separated
	"$PY" - "$@" <<-'EOF'
	import json, sys
	lines = [l for l in open(sys.argv[1], errors="replace") if l.startswith("{")]
	j = json.loads(lines[-1]) if lines else {}
	print(" ".join(str(j.get(k, "")) for k in sys.argv[2:]))
	EOF
}
