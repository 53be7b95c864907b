#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make bench: xnet against "the Docker way" (Linux bridge + br_netfilter +
# Docker's iptables rules), side by side, in throwaway network namespaces.
# See bench/README.md for the method.
#
# Knobs (environment):
#   BENCH_ROUNDS=N      rounds of every traffic figure (default 5, quick 3)
#   BENCH_QUICK=1       short runs (2 s), 3 rounds, 100-sandbox scale test
#   BENCH_T=S           seconds per load-generator run (default 5)
#   BENCH_SCALE=0       skip the scale test; BENCH_SCALE_N=N sandboxes (1100)
#   BENCH_TRAFFIC=0     skip the traffic figures
#   BENCH_FIGURES="tcp udp rr host"   which traffic figures to measure
#   BENCH_PROGRUN=0     skip build/bench_progrun
#   BENCH_SIDES="xnet docker"   which sides to run (xnet is skipped, with a
#                       warning, when build/xnet is missing or broken); add
#                       "bridge" for a plain Linux bridge without netfilter,
#                       "direct" for one veth pair between the sandboxes
#   BENCH_DOCKER_DNS_RULES=0    leave out Docker's per-container DNS nat rules
#   BENCH_NAT=0         skip NAT and port publishing (bench/nat.sh, its own knobs)
#   BENCH_DNS=0         skip embedded DNS (bench/dns.sh, its own knobs)
#   BENCH_LINERATE=0    skip line rate (bench/linerate.sh, its own knobs)
#   BENCH_SYNFLOOD=0    skip the SYN flood (bench/synflood.sh, its own knobs)
#   BENCH_OUT=DIR       where latest.json / latest.md (and nat.*, dns.*, linerate.*) go (bench/results)
set -eu
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
# shellcheck source=bench/scale.sh
. "$BENCH_DIR/scale.sh"

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, BPF)"
for t in ip iperf3 sockperf iptables-nft-restore bpftool "$PY"; do
	command -v "$t" >/dev/null || die "missing $t: run tools/install-deps.sh"
done

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	: "${BENCH_SCALE_N:=100}"
fi
OUT=${BENCH_OUT:-$BENCH_DIR/results}
mkdir -p "$OUT"
RAW=$BENCH_WORK/raw.tsv
: >"$RAW"
START=$(date +%s)

SIDES=${BENCH_SIDES:-xnet docker}
if [[ " $SIDES " == *" xnet "* ]] && ! xnet_usable; then
	warn "build/xnet is missing or does not run: measuring the baseline only"
	SIDES=${SIDES//xnet/}
fi
read -r -a _sides <<<"$SIDES"
SIDES="${_sides[*]}"	# squeeze blanks
log "sides: $SIDES; rounds: $ROUNDS; ${BENCH_T}s per run; work dir $BENCH_WORK"

record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; }	# round side figure value

measure() {	# round side figure
	local r=$1 side=$2 fig=$3 f="$BENCH_WORK/r$1.$2.$3" v=""
	[ "$side/$fig" = direct/host ] && return 0	# no host on that side
	case $fig in
	tcp)  iperf_run "$side" "$f.json" s1 && v=$(parse_iperf_tcp "$f.json") ;;
	udp)  iperf_run "$side" "$f.json" s1 -u -l 64 -b 0 && v=$(parse_iperf_udp "$f.json") ;;
	rr)   sockperf_rr "$side" "$f.txt" && v=$(parse_sockperf "$f.txt") ;;
	host) iperf_run "$side" "$f.json" host && v=$(parse_iperf_tcp "$f.json") ;;
	esac || true
	if [ -z "$v" ]; then
		warn "round $r: $side $fig failed (see $f.*)"
		return 0
	fi
	case $fig in
	tcp)  record "$r" "$side" tcp_gbps "$v" ;;
	udp)  record "$r" "$side" udp64_pps "$v" ;;
	rr)   record "$r" "$side" rr_tps "${v%% *}"
	      [ -n "${v#* }" ] && [ "${v#* }" != "$v" ] && record "$r" "$side" rr_p99_us "${v#* }" ;;
	host) record "$r" "$side" host_tcp_gbps "$v" ;;
	esac
	log "round $r: $side $fig = $v"
}

# ---------------------------------------------------------------- traffic
if [ "${BENCH_TRAFFIC:-1}" = 1 ] && [ -n "$SIDES" ]; then
	for side in $SIDES; do
		case $side in
		xnet)   side_up xnet 10.77.0 ;;
		docker) side_up docker 10.78.0 ;;
		bridge) side_up bridge 10.76.0 ;;
		direct) side_up direct 10.75.0 ;;
		*) die "unknown side $side (xnet, docker, bridge, direct)" ;;
		esac
	done
	[[ " $SIDES " == *" docker "* ]] && docker_facts >"$BENCH_WORK/docker.facts"
	read -r -a order <<<"$SIDES"
	for ((r = 1; r <= ROUNDS; r++)); do
		for fig in ${BENCH_FIGURES:-tcp udp rr host}; do
			for side in "${order[@]}"; do
				measure "$r" "$side" "$fig"
			done
		done
		# Rotate who goes first, so that neither side always runs on a
		# warmer (or noisier) machine.
		order=("${order[@]:1}" "${order[0]}")
	done
	# Tear the traffic topologies down before the scale test.
	bench_cleanup_now
fi

# ---------------------------------------------------------------- NAT and port publishing
# Its own topologies and baselines (iptables DNAT, docker-proxy, MASQUERADE);
# a separate script so it can be run alone. Results next to ours.
if [ "${BENCH_NAT:-1}" = 1 ]; then
	BENCH_OUT=$OUT BENCH_ROUNDS=$ROUNDS "$BENCH_DIR/nat.sh" >"$BENCH_WORK/nat.log" 2>&1 ||
		warn "NAT benchmark failed (see $BENCH_WORK/nat.log)"
fi

# ---------------------------------------------------------------- embedded DNS
# dnsperf against BPF's answers and against dnsmasq; its own script too.
if [ "${BENCH_DNS:-1}" = 1 ]; then
	BENCH_OUT=$OUT BENCH_ROUNDS=$ROUNDS "$BENCH_DIR/dns.sh" >"$BENCH_WORK/dns.log" 2>&1 ||
		warn "DNS benchmark failed (see $BENCH_WORK/dns.log)"
fi

# ---------------------------------------------------------------- line rate
# 64-byte frames from xnet-pktgen, sandbox to sandbox: xnet, the Docker way
# and the redirect-only floor; its own script too (plot: linerate.svg).
if [ "${BENCH_LINERATE:-1}" = 1 ]; then
	BENCH_OUT=$OUT BENCH_ROUNDS=$ROUNDS "$BENCH_DIR/linerate.sh" >"$BENCH_WORK/linerate.log" 2>&1 ||
		warn "line-rate benchmark failed (see $BENCH_WORK/linerate.log)"
fi

# ---------------------------------------------------------------- SYN flood
# Spoofed SYNs to a published port: xnet's budget of unconfirmed flows
# (dropped at XDP) against iptables DNAT + conntrack; its own script too.
if [ "${BENCH_SYNFLOOD:-1}" = 1 ]; then
	BENCH_OUT=$OUT BENCH_ROUNDS=$ROUNDS "$BENCH_DIR/synflood.sh" >"$BENCH_WORK/synflood.log" 2>&1 ||
		warn "SYN flood benchmark failed (see $BENCH_WORK/synflood.log)"
fi

# ---------------------------------------------------------------- forwarding program vs floor
if [ "${BENCH_PROGRUN:-1}" = 1 ]; then
	progrun_json progrun || true
fi

# ---------------------------------------------------------------- scale
if [ "${BENCH_SCALE:-1}" = 1 ]; then
	if [[ " $SIDES " == *" xnet "* ]]; then
		scale_xnet "${BENCH_SCALE_N:-1100}" >"$BENCH_WORK/scale_xnet.json" ||
			warn "xnet scale test failed"
		bench_cleanup_now
	fi
	scale_bridge "${BENCH_SCALE_N:-1100}" >"$BENCH_WORK/scale_bridge.json" ||
		warn "bridge scale reference failed"
	bench_cleanup_now
fi

# ---------------------------------------------------------------- report
"$PY" "$BENCH_DIR/report.py" --work "$BENCH_WORK" --out "$OUT" --rounds "$ROUNDS" \
	--seconds "$BENCH_T" --sides "$SIDES" --elapsed $(($(date +%s) - START)) \
	--repo "$REPO" --quick "${BENCH_QUICK:-0}"
cat "$OUT/latest.md"
if [ "${BENCH_NAT:-1}" = 1 ] && [ -f "$OUT/nat.md" ]; then
	cat "$OUT/nat.md"
fi
if [ "${BENCH_DNS:-1}" = 1 ] && [ -f "$OUT/dns.md" ]; then
	cat "$OUT/dns.md"
fi
if [ "${BENCH_LINERATE:-1}" = 1 ] && [ -f "$OUT/linerate.md" ]; then
	cat "$OUT/linerate.md"
fi
if [ "${BENCH_SYNFLOOD:-1}" = 1 ] && [ -f "$OUT/synflood.md" ]; then
	cat "$OUT/synflood.md"
fi
log "done in $(($(date +%s) - START)) s; raw output in $BENCH_WORK"
