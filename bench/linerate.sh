#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/linerate.sh: sandbox to sandbox at line rate (issue 5, item 3).
# 64-byte UDP frames from s1 to s2 of one network, generated in s1 by
# build/xnet-pktgen (XDP live frames out of s1's eth0, its own MAC and
# address as source, s2's as destination, source ports spread), counted at
# s2 by `xnet-pktgen sink --tc` on s2's eth0 (a tc ingress program that
# counts and drops: it sees what bpf_redirect_peer delivers, which skips the
# driver's XDP hook; checked before measuring, see linerate_check). Sides:
#
#   xnet    `xnet network create` + two `xnet run`: the lxc program on s1's
#           host veth forwards each frame to s2 with bpf_redirect_peer.
#   docker  the baseline of bench/lib.sh: Linux bridge, br_netfilter,
#           Docker's iptables rules (iptables-nft), the sandboxes' DNS nat
#           rules (conntrack on in every namespace).
#   floor   the same veth topology with nothing but bench/floor.bpf.c on
#           s1's host veth (tc ingress): bpf_redirect_peer of every frame
#           to s2, no lookup, no check. What any tc program of this design
#           can reach; xnet / floor is the figure to push towards 1.0.
#
# Per round, per load (generator threads) and side, in an order that
# rotates every round: frames offered per second (the generator's own count
# over its own run time), delivered per second (the sink's count over the
# same time), loss. Medians of the rounds, ratios of medians.
#
# Knobs (environment), besides those of bench/lib.sh (BENCH_T, BENCH_QUICK):
#   BENCH_ROUNDS=N                  rounds (default 5, quick 3)
#   BENCH_LINERATE_SIDES="xnet docker floor"
#   BENCH_LINERATE_THREADS="1 2"    generator threads, one load each
#   BENCH_LINERATE_PORTS=1024-2047  UDP source ports (one flow each)
#   BENCH_LINERATE_PROGRUN=0        skip the per-program table (build/bench_progrun
#                                   --json --uplink --dns: ns and verified
#                                   instructions of every program path)
#   BENCH_OUT=DIR                   where linerate.{json,md,svg} go (default: the work dir)
set -eu
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, BPF)"
for t in ip nsenter ethtool tc iptables-nft-restore "$PY"; do
	command -v "$t" >/dev/null || die "missing $t: run tools/install-deps.sh --bench"
done

SIDES=${BENCH_LINERATE_SIDES:-xnet docker floor}
LOADS=${BENCH_LINERATE_THREADS:-1 2}
for th in $LOADS; do
	[[ $th =~ ^[1-9][0-9]*$ ]] || die "BENCH_LINERATE_THREADS: '$th' is not a thread count"
done
PORTS=${BENCH_LINERATE_PORTS:-1024-2047}
[[ $PORTS =~ ^[0-9]+(-[0-9]+)?$ ]] || die "BENCH_LINERATE_PORTS: '$PORTS' is not PORT or PORT-PORT"
SIZE=64
DPORT=9			# discard: nothing listens, the sink drops every frame first
OUT=${BENCH_OUT:-$BENCH_WORK}
RAW=$BENCH_WORK/linerate.tsv
: >"$RAW"
START=$(date +%s)
FLOOR_OBJ=$REPO/build/floor.bpf.o

make -C "$REPO" -s build/xnet-pktgen build/floor.bpf.o >"$BENCH_WORK/linerate.build.log" 2>&1 ||
	warn "make build/xnet-pktgen build/floor.bpf.o failed (see $BENCH_WORK/linerate.build.log): using what is there"
[ -x "$PKTGEN" ] || die "build/xnet-pktgen is missing: make build/xnet-pktgen"

record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$RAW"; }	# round side figure value

declare -A NS_S1 NS_S2	# side -> network namespace file of s1, s2
declare -A GEN_ARGS	# side -> the generator's addressing options

ns_exec() {	# nsfile cmd...: in that network namespace only (signals reach cmd itself)
	local ns=$1; shift
	nsenter --net="$ns" "$@"
}

# The floor: host namespace, s1 and s2 each joined to it by a veth pair,
# no bridge, no address on the host side; floor.bpf.c at tc ingress of s1's
# host veth. Its target is a load-time constant (2, under BPF_PROG_RUN any
# value works) that tc cannot set, so s2's host veth is created with
# ifindex 2 in this fresh namespace (lo is 1) instead of editing the object.
floor_up() {
	local pfx=$1 h="$BENCH_TAG-floor-host" i=1 sb ns
	SIDE_HOST[floor]=$h
	netns_add "$h"
	for sb in s2 s1; do
		ns="$BENCH_TAG-floor-$sb"
		netns_add "$ns"
		if [ "$sb" = s2 ]; then
			ip -n "$h" link add "veth$sb" index 2 type veth peer name eth0 netns "$ns" ||
				die "floor: cannot create s2's host veth with ifindex 2"
		else
			ip -n "$h" link add "veth$sb" type veth peer name eth0 netns "$ns"
		fi
		ip -n "$h" link set "veth$sb" up
		i=$([ "$sb" = s1 ] && echo 2 || echo 3)
		ip -n "$ns" addr add "$pfx.$i/24" dev eth0
		ip -n "$ns" link set eth0 up
		SIDE_IP[floor/$sb]=$pfx.$i
	done
	[ -e "$FLOOR_OBJ" ] || die "build/floor.bpf.o is missing: make build/floor.bpf.o"
	ip netns exec "$h" tc qdisc add dev veths1 clsact
	ip netns exec "$h" tc filter add dev veths1 ingress bpf direct-action obj "$FLOOR_OBJ" sec tc ||
		die "floor: tc cannot attach $FLOOR_OBJ to veths1"
	NS_S1[floor]=/run/netns/$BENCH_TAG-floor-s1
	NS_S2[floor]=/run/netns/$BENCH_TAG-floor-s2
}

sides_up() {
	local side
	for side in $SIDES; do
		case $side in
		xnet)
			if ! xnet_usable; then
				warn "build/xnet is missing or does not run: xnet side skipped"
				continue
			fi
			side_up xnet 10.81.0
			NS_S1[xnet]=$(xnet_cli inspect --format '{{.NetworkSettings.SandboxKey}}' s1)
			NS_S2[xnet]=$(xnet_cli inspect --format '{{.NetworkSettings.SandboxKey}}' s2) ;;
		docker)
			side_up docker 10.82.0
			NS_S1[docker]=/run/netns/$BENCH_TAG-docker-s1
			NS_S2[docker]=/run/netns/$BENCH_TAG-docker-s2 ;;
		floor) floor_up 10.83.0 ;;
		*) die "unknown side $side (xnet, docker, floor)" ;;
		esac
		if linerate_prepare "$side"; then
			ORDER+=("$side")
		fi
	done
}

link_field() {	# nsfile field: a field of eth0's `ip -o link` line (link/ether, @ifN)
	local l
	l=$(ns_exec "$1" ip -o link show eth0) || return 1
	case $2 in
	mac)  awk '{ for (i = 1; i < NF; i++) if ($i == "link/ether") print $(i + 1) }' <<<"$l" ;;
	peer) awk '{ sub(/:$/, "", $2); sub(/.*@if/, "", $2); print $2 }' <<<"$l" ;;
	esac
}

# Addressing, and GRO at the host end of s1's veth: a veth takes the
# generator's XDP frames only when its peer runs NAPI (an XDP program or
# GRO); the same setting on every side.
linerate_prepare() {	# side
	local side=$1 m1 m2 peer hv
	if [ ! -e "${NS_S1[$side]}" ] || [ ! -e "${NS_S2[$side]}" ]; then
		warn "$side: sandbox namespaces not found: side skipped"
		return 1
	fi
	m1=$(link_field "${NS_S1[$side]}" mac)
	m2=$(link_field "${NS_S2[$side]}" mac)
	peer=$(link_field "${NS_S1[$side]}" peer)
	hv=$(host_exec "$side" ip -o link | awk -F': ' -v i="$peer" '$1 == i { sub(/@.*/, "", $2); print $2 }')
	if [ -z "$m1" ] || [ -z "$m2" ] || [ -z "$hv" ]; then
		warn "$side: s1's MAC ($m1), s2's MAC ($m2) or s1's host veth ($hv) not found: side skipped"
		return 1
	fi
	host_exec "$side" ethtool -K "$hv" gro on >/dev/null 2>&1 ||
		{ warn "$side: ethtool -K $hv gro on failed: side skipped"; return 1; }
	GEN_ARGS[$side]="--dev eth0 --mode live --udp --size $SIZE --src-mac $m1 --dst-mac $m2"
	GEN_ARGS[$side]+=" --src-ip $(sb_ip "$side" s1) --dst-ip $(sb_ip "$side" s2) --dst-port $DPORT"
	linerate_check "$side"
}

# Refresh what the path learns from s2's own traffic (the bridge's FDB entry
# for s2, s1's neighbour entry): s2 sends nothing during a run, and the sink
# drops everything that reaches it. One ping from s2 before the sink attaches.
refresh() {	# side
	ns_exec "${NS_S2[$1]}" ping -c 1 -W 1 "$(sb_ip "$1" s1)" >/dev/null 2>&1 || true
}

# Before measuring: 2,000 frames at a low rate, and the sink must count them
# all (a few more: IPv6 neighbour discovery of a fresh link is counted too).
# This proves the sink sees the path's delivery (bpf_redirect_peer on xnet
# and the floor, the bridge's veth on docker) and that the addressing is
# right (xnet's lxc drops spoofed or misaddressed frames).
linerate_check() {	# side
	local side=$1 f="$BENCH_WORK/linerate-check.$1" n
	local -a args
	read -r -a args <<<"${GEN_ARGS[$side]}"
	refresh "$side"
	tc_sink_start "${NS_S2[$side]}" "$f.sink" || return 1
	ns_exec "${NS_S1[$side]}" timeout 30 "$PKTGEN" "${args[@]}" --src-port "$PORTS" --count 2000 \
		--rate 20000 --threads 1 --json >"$f.gen" 2>&1 || warn "$side: the generator failed (see $f.gen)"
	sleep 0.3
	tc_sink_stop
	n=$(json_get "$f.sink" received)
	if [ -z "$n" ] || [ "$n" -lt 2000 ] || [ "$n" -gt 2010 ]; then
		warn "$side: 2000 frames from s1 gave '$n' counted at s2's eth0: side skipped (see $f.*)"
		return 1
	fi
	log "$side: 2000 frames from s1, $n counted at s2's eth0"
}

measure() {	# round side threads
	local r=$1 side=$2 th=$3 f="$BENCH_WORK/r$1.$2.t$3" sent secs recv
	local -a args
	read -r -a args <<<"${GEN_ARGS[$side]}"
	refresh "$side"
	tc_sink_start "${NS_S2[$side]}" "$f.sink" || return 0
	ns_exec "${NS_S1[$side]}" timeout $((BENCH_T + 20)) "$PKTGEN" "${args[@]}" --src-port "$PORTS" \
		--threads "$th" --duration "$BENCH_T" --json >"$f.gen" 2>&1 ||
		warn "round $r: $side, $th thread(s): the generator failed (see $f.gen)"
	sleep 0.2	# the last frames in flight
	tc_sink_stop
	read -r sent secs <<<"$(json_get "$f.gen" sent seconds)"
	recv=$(json_get "$f.sink" received)
	if [ -z "$sent" ] || [ -z "$recv" ] || [ "$sent" = 0 ]; then
		warn "round $r: $side, $th thread(s): no result (see $f.gen, $f.sink)"
		return 0
	fi
	record "$r" "$side" "offered@$th" "$("$PY" -c "print('%.0f' % ($sent / $secs))")"
	record "$r" "$side" "delivered@$th" "$("$PY" -c "print('%.0f' % ($recv / $secs))")"
	record "$r" "$side" "loss_pct@$th" "$("$PY" -c "print('%.2f' % max(0.0, 100 * (1 - $recv / $sent)))")"
	log "round $r: $side, $th thread(s): sent $sent in $secs s, $recv delivered"
}

# ---------------------------------------------------------------- run
ORDER=()
sides_up
[ "${#ORDER[@]}" -gt 0 ] || die "no side delivers frames from s1 to s2"
log "sides: ${ORDER[*]}; generator threads: $LOADS; rounds: $ROUNDS; ${BENCH_T}s per run; work dir $BENCH_WORK"
for ((r = 1; r <= ROUNDS; r++)); do
	for th in $LOADS; do
		for side in "${ORDER[@]}"; do
			measure "$r" "$side" "$th"
		done
	done
	# Rotate who goes first, so that neither side always runs on a warmer machine.
	ORDER=("${ORDER[@]:1}" "${ORDER[0]}")
done
bench_cleanup_now

# ---------------------------------------------------------------- per-program cost
# After the traffic, so that it runs on a quiet machine.
PROGRUN=$REPO/build/bench_progrun
: >"$BENCH_WORK/progrun.json"
if [ "${BENCH_LINERATE_PROGRUN:-1}" = 1 ]; then
	make -C "$REPO" -s build/bench_progrun >"$BENCH_WORK/progrun.build.log" 2>&1 ||
		warn "make build/bench_progrun failed (see $BENCH_WORK/progrun.build.log): using what is there"
	log "running build/bench_progrun --json --uplink --dns"
	"$PROGRUN" --json --uplink --dns >"$BENCH_WORK/progrun.json" 2>"$BENCH_WORK/progrun.err" ||
		{ warn "bench_progrun failed (see $BENCH_WORK/progrun.err): no per-program table"; : >"$BENCH_WORK/progrun.json"; }
fi

# ---------------------------------------------------------------- report
mkdir -p "$OUT"
"$PY" - "$RAW" "$OUT" "$ROUNDS" "$BENCH_T" "$(($(date +%s) - START))" "$REPO" "$LOADS" "$PORTS" "$SIZE" "$BENCH_WORK/linerate.dat" "$BENCH_WORK/progrun.json" <<-'EOF'
import datetime, json, os, platform, statistics, subprocess, sys
raw, out, rounds, secs, elapsed, repo, loads, ports, size, dat, progrun = sys.argv[1:]
loads = loads.split()
def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""
vals = {}
for line in open(raw):
    r, side, fig, v = line.rstrip("\n").split("\t")
    vals.setdefault(fig, {}).setdefault(side, []).append(float(v))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
           platform.processor())
SIDES = [("xnet", "xnet"), ("docker", "Linux bridge + br_netfilter + Docker's rules"),
         ("floor", "floor (redirect_peer only)")]
# Targets on delivered frames/s: xnet / docker >= 2, xnet / floor >= 0.8.
TARGETS = {"docker": 2.0, "floor": 0.8}
nfl = lambda t: "%s generator thread%s" % (t, "" if t == "1" else "s")
report = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "kernel": platform.release(), "cpu_model": cpu, "cores": os.cpu_count(),
    "xnet_commit": sh("git", "-C", repo, "describe", "--always", "--dirty"),
    "rounds": int(rounds), "seconds_per_run": int(secs), "elapsed_s": int(elapsed),
    "frame_bytes": int(size), "udp_source_ports": ports, "loads_threads": [int(t) for t in loads],
    "generator": "build/xnet-pktgen --mode live (XDP live frames out of s1's eth0; s1's MAC and address "
                 "as source, s2's as destination)",
    "counter": "build/xnet-pktgen sink --tc on s2's eth0 (tc ingress: counts and drops, sees "
               "bpf_redirect_peer deliveries)",
    "figures": {}, "ratios": {}, "targets": [],
}
def stat(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "rounds": v}
md = ["| load | figure | " + " | ".join(n for _, n in SIDES) + " |", "|---" * (len(SIDES) + 2) + "|"]
fmt = lambda v, u: ("{:,.0f}".format(v) if u == "pps" else "%.2f" % v)
for t in loads:
    for fig, label, unit in (("offered", "offered (frames/s)", "pps"), ("delivered", "delivered (frames/s)", "pps"),
                             ("loss_pct", "loss (%)", "%")):
        key = "%s@%s" % (fig, t)
        per = {s: stat(v) for s, v in vals.get(key, {}).items()}
        report["figures"][key] = {"label": label, "threads": int(t), "sides": per}
        cell = lambda s: "%s (%s-%s)" % (fmt(s["median"], unit), fmt(s["min"], unit), fmt(s["max"], unit)) if s else "n/a"
        md.append("| %s | %s | %s |" % (nfl(t), label, " | ".join(cell(per.get(s)) for s, _ in SIDES)))
    d = report["figures"]["delivered@%s" % t]["sides"]
    x = d.get("xnet")
    for base, target in TARGETS.items():
        b = d.get(base)
        if not x or not b or not b["median"]:
            continue
        ratio = x["median"] / b["median"]
        met = ratio >= target
        report["ratios"]["xnet/%s@%s" % (base, t)] = {"ratio": round(ratio, 3), "target": target, "met": met}
        report["targets"].append("%s: xnet / %s %.2fx (target >= %sx: %s)" % (
            nfl(t), "bridge" if base == "docker" else "floor", ratio, target, "met" if met else "MISSED"))
try:
    report["progrun"] = json.load(open(progrun))
except Exception:
    report["progrun"] = None
json.dump(report, open(os.path.join(out, "linerate.json"), "w"), indent=1)
# The plot's data: load, then median/min/max of delivered frames/s per side.
with open(dat, "w") as f:
    f.write("# load " + " ".join("%s_med %s_min %s_max" % (s, s, s) for s, _ in SIDES) + "\n")
    for t in loads:
        d = report["figures"]["delivered@%s" % t]["sides"]
        f.write('"%s" %s\n' % (nfl(t), " ".join("%.0f %.0f %.0f" % (d[s]["median"], d[s]["min"], d[s]["max"])
                                              if s in d else "NaN NaN NaN" for s, _ in SIDES)))
text = ["## Line rate: sandbox to sandbox, 64-byte UDP (xnet vs Linux bridge vs floor)", ""]
if report["targets"]:
    text += ["Targets on delivered frames/s: " + "; ".join(report["targets"]) + ".", ""]
text += md + [""]
text.append("Medians of %s rounds (min-max), %s s per run, sides interleaved, the first side rotating. s1 sends "
            "%s-byte UDP frames (source ports %s, one flow each) out of its eth0 with build/xnet-pktgen (XDP live "
            "frames, its own MAC and address as source, s2's as destination); `xnet-pktgen sink --tc` on s2's eth0 "
            "counts and drops them at tc ingress, where bpf_redirect_peer delivers (checked before measuring: "
            "2,000 frames sent, 2,000 counted, on every side). Offered: the generator's frames/s over its own run "
            "time; delivered: the sink's count over the same time. GRO is on at the host end of s1's veth on every "
            "side (a veth takes XDP frames only when its peer runs NAPI)." % (rounds, secs, size, ports))
text += ["", "The generator and the datapath share the CPUs: with one thread, one CPU sends and forwards (the "
         "host veth's NAPI runs in the sending CPU's softirq), so offered and delivered rates are that CPU's "
         "whole-path rate. With two threads the second CPU sends more, but the veths (as xnet and Docker create "
         "them) have one receive queue: the host veth's NAPI, where every side forwards, runs on one CPU at a "
         "time, so delivered stays about one CPU's forwarding rate and the rest is dropped at that veth's ring "
         "(the loss line). Frames are dropped at s2's tc ingress, so s2's own stack (and its conntrack on the "
         "docker side) is not part of the figure, on any side."]
p = report["progrun"]
if isinstance(p, dict) and p.get("paths"):
    text += ["", "### Per program path (BPF_PROG_RUN, build/bench_progrun --uplink --dns)", "",
             "| path | program | hook | timing | ns | ns over the floor | verified insns |",
             "|---|---|---|---|---|---|---|"]
    for r in p["paths"]:
        text.append("| %s | %s | %s | %s | %.1f | %s | %s |" % (
            r["path"], r["program"], r["hook"], r["timing"], r["ns"],
            "-" if r["over_floor_ns"] is None else "%.1f" % r["over_floor_ns"], "{:,}".format(r["verified_insns"])))
    text += ["", "Medians of %s rounds. timing: repeat = one call running the frame %s times (ns per packet, "
             "for paths that leave the frame as it was); calls = repeat=1 calls on fresh copies, each "
             "interleaved with the floor of its hook (ns per call: the syscall and skb setup are in both, "
             "the difference is the program's own cost). verified insns: instructions the verifier "
             "processed to load the program (bpf_prog_info.verified_insns)." % (p.get("rounds"), "{:,}".format(p.get("repeat", 0)))]
text += ["", "%s, kernel %s, %s, %s cores, xnet %s. Only ratios of medians from one run mean something, never "
         "absolute numbers." % (report["date"], report["kernel"], cpu, report["cores"], report["xnet_commit"])]
open(os.path.join(out, "linerate.md"), "w").write("\n".join(text) + "\n")
print("\n".join(text))
EOF

# ---------------------------------------------------------------- plot
if command -v gnuplot >/dev/null; then
	gnuplot >"$BENCH_WORK/gnuplot.log" 2>&1 <<-EOF || warn "gnuplot failed (see $BENCH_WORK/gnuplot.log)"
	set terminal svg size 720,420 dynamic font "sans,12" background rgb "white"
	set output "$OUT/linerate.svg"
	set title "Sandbox to sandbox, 64-byte UDP: delivered frames/s (median, min-max)"
	set style data histograms
	set style histogram errorbars gap 2 lw 1
	set style fill solid 0.85 border -1
	set ylabel "Mpps delivered"
	set yrange [0:*]
	set grid ytics
	set termoption noenhanced
	set key below
	set xrange [-0.6:$(($(wc -w <<<"$LOADS") - 1)).6]
	plot "$BENCH_WORK/linerate.dat" using (\$2/1e6):(\$3/1e6):(\$4/1e6):xtic(1) title "xnet" lc rgb "#1f77b4", \
	     '' using (\$5/1e6):(\$6/1e6):(\$7/1e6) title "Linux bridge + br_netfilter + Docker rules" lc rgb "#d62728", \
	     '' using (\$8/1e6):(\$9/1e6):(\$10/1e6) title "floor (redirect_peer only)" lc rgb "#7f7f7f"
	EOF
else
	warn "no gnuplot: no plot (apt-get install gnuplot-nox)"
fi
log "done in $(($(date +%s) - START)) s; raw output in $BENCH_WORK; report in $OUT/linerate.md"
