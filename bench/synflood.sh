#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/synflood.sh: a flood of spoofed TCP SYNs to a published port
# (issue 16, item 1), xnet against the Docker way, side by side, rounds
# interleaved, medians and ratios.
#
#   xnet    the published port through xnet: unconfirmed flows in their own
#           table with a budget (lib/ct.h); once the budget is spent, the
#           flood's SYNs are dropped by uplink_xdp (ct-unconfirmed-full).
#   docker  iptables DNAT + conntrack (Docker's rules, bench/lib.sh), the
#           machine's nf_conntrack_max left as it is (conntrack is global:
#           a namespace cannot have its own limit).
#
# Each side: a host namespace with a bridge network, one sandbox "web"
# running a TCP echo server on 7000, published as 7000; an "outside"
# namespace joined by a veth uplink. Per round and side:
#   1. an idle connection from outside to the published port, one line echoed;
#   2. BENCH_SYN_T seconds (default 5) of SYNs from outside: xnet-pktgen
#      --tcp-syn, source addresses 10.200.0.1-10.215.255.254 and ports
#      1024-65535 (a million distinct spoofed (address, port) sources; nothing answers), full speed;
#   3. the idle connection sends another line: echoed (survived) or not.
# Figures: offered (SYNs sent per second), absorbed (SYNs the host took
# off the uplink per second: up0's rx packets, XDP drops included, the
# rest was lost on the veth because the host could not keep up), survived
# (the idle connection after the flood, 1 or 0). Conntrack/xnet's tables
# are emptied between rounds.
#
# Knobs: BENCH_ROUNDS (default 5, quick 3), BENCH_SYN_T, BENCH_OUT (where
# synflood.json / synflood.md go), BENCH_SYNFLOOD_SIDES="xnet docker".
set -eu
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, iptables, BPF)"
for t in ip iptables-nft "$PY"; do
	command -v "$t" >/dev/null || die "missing $t: run tools/install-deps.sh"
done
[ -x "$PKTGEN" ] || die "missing $PKTGEN: make build/xnet-pktgen"
SYN_T=${BENCH_SYN_T:-5}
SIDES=${BENCH_SYNFLOOD_SIDES:-xnet docker}
OUT=${BENCH_OUT:-$BENCH_WORK}
RAW=$BENCH_WORK/synflood.tsv
: >"$RAW"
START=$(date +%s)
PORT=7000
declare -A SIDE_UP

out_ns() { printf '%s-%s-out\n' "$BENCH_TAG" "$1"; }
out_exec() { local side=$1; shift; ip netns exec "$(out_ns "$side")" "$@"; }

cat >"$BENCH_WORK/echo.py" <<'PY'
import socketserver
class H(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(line)
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("0.0.0.0", 7000), H).serve_forever()
PY
# Connect, echo one line, wait for $2 to exist, echo another; prints 1 if
# both came back, else 0.
cat >"$BENCH_WORK/idle.py" <<'PY'
import os, socket, sys, time
try:
    s = socket.create_connection((sys.argv[1], 7000), timeout=5)
    f = s.makefile("rwb")
    f.write(b"one\n"); f.flush()
    ok = f.readline() == b"one\n"
    open(sys.argv[2] + ".ready", "w").close()
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.05)
    f.write(b"two\n"); f.flush()
    print(1 if ok and f.readline() == b"two\n" else 0)
except OSError as e:
    print(0)
    print(e, file=sys.stderr)
PY

xnet_side() {	# up_prefix
	local h="$BENCH_TAG-xnet-host" root="$BENCH_WORK/xnet-root" lg="$BENCH_WORK/xnet-up.log"
	SIDE_HOST[xnet]=$h
	SIDE_ROOT[xnet]=$root
	netns_add "$h"
	bench_on_exit "xnet_root_cleanup $h $root"
	uplink_pair "$h" "$(out_ns xnet)" "$1"
	SIDE_UP[xnet]=$1
	# The uplink is a veth: xnet keeps its XDP fast path off there unless asked.
	{ xnet_cli system config --uplink up0 --uplink-xdp on &&
	  xnet_cli network create --subnet 10.96.0.0/24 floodnet &&
	  xnet_cli run -d --name web --network floodnet -p "$PORT:$PORT" "$PY" "$BENCH_WORK/echo.py"; } \
		>"$lg" 2>&1 || { cat "$lg" >&2; die "xnet side setup failed"; }
}

docker_side() {	# up_prefix
	local h web
	docker_up 10.97.0 docker web
	h=${SIDE_HOST[docker]}
	web=${SIDE_IP[docker/web]}
	uplink_pair "$h" "$(out_ns docker)" "$1"
	SIDE_UP[docker]=$1
	# Docker's rules for -p 7000:7000 (as bench/nat.sh's docker_publish).
	ip netns exec "$h" iptables-nft -t nat -A DOCKER ! -i br-bench -p tcp -m tcp --dport "$PORT" \
		-j DNAT --to-destination "$web:$PORT"
	ip netns exec "$h" iptables-nft -t filter -A DOCKER -d "$web/32" ! -i br-bench -o br-bench \
		-p tcp -m tcp --dport "$PORT" -j ACCEPT
	ip netns exec "$h" iptables-nft -t nat -A POSTROUTING -s "$web/32" -d "$web/32" -p tcp -m tcp \
		--dport "$PORT" -j MASQUERADE
	ip netns exec "$BENCH_TAG-docker-web" "$PY" "$BENCH_WORK/echo.py" >"$BENCH_WORK/echo-docker.log" 2>&1 &
}

# Before a side's round: docker's conntrack emptied; xnet's tables are
# LRU (the flood's unconfirmed flows go as new ones come), but the budget
# of unconfirmed flows stays spent for a window (~8.6 s) after a flood, so
# the idle connection of the next round waits it out.
flush_tables() {	# side
	if [ "$1" = xnet ]; then
		sleep 9
	elif command -v conntrack >/dev/null; then
		host_exec "$1" conntrack -F >/dev/null 2>&1
	fi
	return 0
}

rx_packets() {	# side: up0's rx packets (veth: XDP verdicts included)
	ip -n "${SIDE_HOST[$1]}" -s -j link show up0 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["packets"])'
}

record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; }

measure() {	# round side
	local r=$1 side=$2 up=${SIDE_UP[$2]} f="$BENCH_WORK/r$1.$2" mac rx0 rx1 sent secs surv client
	flush_tables "$side"
	rm -f "$f.go" "$f.go.ready"
	out_exec "$side" "$PY" "$BENCH_WORK/idle.py" "$up.1" "$f.go" >"$f.idle" 2>"$f.idle.err" &
	client=$!
	for _ in $(seq 100); do [ -e "$f.go.ready" ] && break; sleep 0.05; done
	if [ ! -e "$f.go.ready" ]; then
		warn "round $r: $side: the idle connection did not open ($(cat "$f.idle.err"))"
		kill "$client" 2>/dev/null
		return 0
	fi
	mac=$(link_field "/run/netns/${SIDE_HOST[$side]}" up0 mac)
	rx0=$(rx_packets "$side")
	out_exec "$side" "$PKTGEN" --dev eth0 --dst-mac "$mac" --dst-ip "$up.1" --dst-port "$PORT" --tcp-syn \
		--src-ip 10.200.0.1-10.215.255.254 --src-port 1024-65535 --duration "$SYN_T" --json \
		>"$f.pktgen.json" 2>"$f.pktgen.err" || { warn "round $r: $side: xnet-pktgen failed: $(cat "$f.pktgen.err")"; }
	rx1=$(rx_packets "$side")
	touch "$f.go"
	wait "$client" || true
	surv=$(cat "$f.idle")
	read -r sent secs < <("$PY" -c 'import json,sys; j = json.load(open(sys.argv[1])); print(j["sent"], j["seconds"])' \
		"$f.pktgen.json" 2>/dev/null || true)
	if [ -z "$sent" ] || [ -z "$secs" ]; then
		warn "round $r: $side: no generator result"
		return 0
	fi
	record "$r" "$side" offered "$("$PY" -c "print($sent / $secs)")"
	record "$r" "$side" absorbed "$("$PY" -c "print(($rx1 - $rx0) / $secs)")"
	record "$r" "$side" survived "${surv:-0}"
	log "round $r: $side: sent $sent in $secs s, host took $((rx1 - rx0)), idle connection survived: ${surv:-0}"
}

read -r -a order <<<"$SIDES"
n=1
for side in "${order[@]}"; do
	case $side in
	xnet)
		xnet_usable || die "build/xnet is missing or does not run"
		xnet_side 10.98.$n ;;
	docker) docker_side 10.98.$n ;;
	*) die "unknown side $side (xnet, docker)" ;;
	esac
	n=$((n + 1))
done
sleep 1	# the echo servers
log "sides: ${order[*]}; rounds: $ROUNDS; ${SYN_T}s of SYNs per run; nf_conntrack_max $(sysctl -n net.netfilter.nf_conntrack_max 2>/dev/null || echo '?'); work dir $BENCH_WORK"
for ((r = 1; r <= ROUNDS; r++)); do
	for side in "${order[@]}"; do
		measure "$r" "$side"
	done
	order=("${order[@]:1}" "${order[0]}")
done

mkdir -p "$OUT"
"$PY" - "$RAW" "$OUT" "$ROUNDS" "$SYN_T" "$(($(date +%s) - START))" \
	"$(sysctl -n net.netfilter.nf_conntrack_max 2>/dev/null || echo '?')" <<-'EOF'
import json, statistics, sys
raw, out, rounds, secs, elapsed, ctmax = sys.argv[1:7]
vals = {}
for line in open(raw):
    r, side, fig, v = line.rstrip("\n").split("\t")
    vals.setdefault(fig, {}).setdefault(side, []).append(float(v))
report = {"rounds": int(rounds), "seconds": float(secs), "elapsed_s": int(elapsed),
          "nf_conntrack_max": ctmax, "figures": {}}
md = ["## SYN flood to a published port (bench/synflood.sh)", "",
      "%s rounds of %s s of spoofed SYNs from distinct (address, port) sources, sides interleaved; "
      "medians (min-max). docker: iptables DNAT + conntrack, nf_conntrack_max %s." % (rounds, secs, ctmax), "",
      "| figure | xnet | docker | xnet / docker |", "|---|---|---|---|"]
LABELS = {"offered": "SYNs sent (pkt/s)", "absorbed": "SYNs the host took off the uplink (pkt/s)",
          "survived": "idle established connection survived (rounds)"}
for fig in ("offered", "absorbed", "survived"):
    per = vals.get(fig, {})
    report["figures"][fig] = {s: {"median": statistics.median(v), "min": min(v), "max": max(v), "rounds": v}
                              for s, v in per.items()}
    def cell(s):
        v = per.get(s)
        if not v:
            return "n/a"
        if fig == "survived":
            return "%d of %d" % (sum(v), len(v))
        return "%.0f (%.0f-%.0f)" % (statistics.median(v), min(v), max(v))
    x, d = per.get("xnet"), per.get("docker")
    ratio = "%.2fx" % (statistics.median(x) / statistics.median(d)) if fig != "survived" and x and d and statistics.median(d) else ""
    md.append("| %s | %s | %s | %s |" % (LABELS[fig], cell("xnet"), cell("docker"), ratio))
json.dump(report, open(out + "/synflood.json", "w"), indent=1)
open(out + "/synflood.md", "w").write("\n".join(md) + "\n")
print("\n".join(md))
EOF
log "done in $(($(date +%s) - START)) s; raw output in $BENCH_WORK"
