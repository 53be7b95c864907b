# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# bench/scale.sh: many sandboxes on one network. Sourced by bench/run.sh after
# bench/lib.sh; each function prints one JSON object on stdout.
#
#   scale_xnet N    create N sandboxes with `xnet run -d`, check that the
#                   first reaches all others, sum the pinned maps' memory,
#                   remove them with `xnet rm -f`; every step timed.
#   scale_bridge N  the reference: a Linux bridge with a veth + namespace per
#                   sandbox (what Docker builds, without the daemon), until
#                   the kernel refuses a port (BR_MAX_PORTS).

# Address number k (1 = gateway) in a /21 starting at $1.0.0 (e.g. 10.80).
addr_in_21() { printf '%s.%d.%d\n' "$1" $(($2 / 256)) $(($2 % 256)); }
# Docker-style MAC (02:42 + the IPv4 address) for address number k in 10.80/21.
mac_of() { printf '02:42:0a:50:%02x:%02x\n' $(($1 / 256)) $(($1 % 256)); }

# Run a sweep from one sandbox: print the addresses that answered.
# $1.. = a command prefix that runs its arguments inside the source sandbox.
# Targets come on stdin as "IP [MAC]" lines. fping when installed, else
# parallel ping.
#
# The kernel's ARP table is one table for all namespaces (gc_thresh3 = 1,024
# entries by default, a host-wide sysctl we leave alone). A naive sweep needs
# two entries per target, and on a Linux bridge every ARP broadcast of the
# source refreshes the targets' entries for it, so that the forced GC can
# never reclaim them: past ~500 targets the table is full and the sweep
# measures the ARP table, not the network. So the source's entries are seeded
# as permanent (those are not counted), each target still resolves the source
# by ARP, and 20 ms between probes lets the GC reclaim the targets' entries
# (after 5 s). Silent addresses are tried again in up to two more passes.
# shellcheck disable=SC2086 # word splitting of address lists is wanted here
reach_sweep() {
	local todo alive="" got pass
	todo=$(cat)
	awk 'NF == 2 { print "neigh replace " $1 " lladdr " $2 " dev eth0 nud permanent" }' <<<"$todo" |
		"$@" ip -force -batch - >/dev/null 2>&1 || warn "could not seed neighbour entries"
	todo=$(awk '{ print $1 }' <<<"$todo")
	for pass in 1 2 3; do
		[ -n "$todo" ] || break
		[ $pass -gt 1 ] && sleep 6
		if command -v fping >/dev/null; then
			got=$("$@" fping -a -q -r 1 -t 500 -i "${BENCH_FPING_INTERVAL:-20}" $todo 2>/dev/null || true)
		else
			# shellcheck disable=SC2016 # expanded by the inner shell
			got=$("$@" sh -c 'for ip in "$@"; do echo "$ip"; done |
				xargs -P 8 -I{} sh -c "ping -c 1 -W 1 {} >/dev/null 2>&1 && echo {}"' _ $todo || true)
		fi
		alive="$alive $got"
		todo=$(comm -23 <(printf '%s\n' $todo | sort -u) <(printf '%s\n' $got | sort -u))
		log "sweep pass $pass: $(wc -w <<<"$got") answered, $(wc -w <<<"$todo") left"
		[ -z "${REACH_STATS:-}" ] || wc -w <<<"$got" >>"$REACH_STATS"
	done
	printf '%s\n' $alive | grep .
}

map_memory() {	# $1 = maps dir; prints "name type max_entries bytes_memlock" lines
	local f
	for f in "$1"/*; do
		[ -e "$f" ] || continue
		bpftool -j map show pinned "$f" 2>/dev/null | "$PY" -c '
import json, sys
m = json.load(sys.stdin)
print(m.get("name", "?"), m.get("type", "?"), m.get("max_entries", 0), m.get("bytes_memlock", 0))'
	done
}

scale_xnet() {
	local n=$1 h="$BENCH_TAG-xscale" root="$BENCH_WORK/xnet-scale-root" d="$BENCH_WORK/scale-xnet"
	local i t0 t1 t_all fails=0 consec=0 created=0
	mkdir -p "$d"
	: >"$d/create_ms"; : >"$d/rm_ms"
	netns_add "$h"
	bench_on_exit "xnet_root_cleanup $h $root"
	X() { ip netns exec "$h" "$XNET" --root "$root" "$@"; }

	log "scale: xnet, $n sandboxes on one network"
	X network create --subnet 10.79.0.0/21 scalenet >"$d/log" 2>&1 || { cat "$d/log" >&2; return 1; }
	map_memory "$root/bpf/maps" >"$d/maps_before"

	t_all=$(now_ns)
	for ((i = 1; i <= n; i++)); do
		t0=$(now_ns)
		if X run -d --name "c$i" --network scalenet sleep 1d >>"$d/log" 2>&1; then
			t1=$(now_ns)
			echo $(((t1 - t0) / 1000)) >>"$d/create_ms"	# microseconds, despite the name
			created=$((created + 1)); consec=0
		else
			fails=$((fails + 1)); consec=$((consec + 1))
			echo "c$i: failed" >>"$d/failures"
			if [ $consec -ge 5 ]; then
				warn "scale: 5 failures in a row at sandbox $i, stopping (see $d/log)"
				break
			fi
		fi
		[ $((i % 100)) = 0 ] && log "scale: $i sandboxes"
	done
	echo $(($(now_ns) - t_all)) >"$d/create_total_ns"
	map_memory "$root/bpf/maps" >"$d/maps_after"

	# Addresses, then one sweep from c1 to all others.
	X network inspect scalenet >"$d/network.json" 2>>"$d/log" || true
	"$PY" - "$d/network.json" >"$d/targets" <<-'EOF'
	import json, sys
	try:
	    j = json.load(open(sys.argv[1]))
	    net = j[0] if isinstance(j, list) else j
	    for c in (net.get("Containers") or {}).values():
	        if c.get("Name") != "c1" and c.get("IPv4Address"):
	            print(c["IPv4Address"].split("/")[0], c.get("MacAddress") or "")
	except Exception:
	    pass
	EOF
	if [ ! -s "$d/targets" ]; then	# fall back to one inspect per sandbox
		for ((i = 2; i <= n; i++)); do
			X inspect --format '{{.NetworkSettings.Networks.scalenet.IPAddress}} {{.NetworkSettings.Networks.scalenet.MacAddress}}' "c$i" 2>/dev/null
		done | grep . >"$d/targets" || true
	fi
	awk '{ print $1 }' "$d/targets" >"$d/ips"
	log "scale: sweeping $(wc -l <"$d/ips") addresses from c1"
	t0=$(now_ns)
	REACH_STATS="$d/passes" reach_sweep X exec c1 <"$d/targets" | sort -u >"$d/alive"
	echo $(($(now_ns) - t0)) >"$d/sweep_ns"

	log "scale: removing"
	t_all=$(now_ns)
	for ((i = 1; i <= n; i++)); do
		t0=$(now_ns)
		X rm -f "c$i" >>"$d/log" 2>&1 && echo $((($(now_ns) - t0) / 1000)) >>"$d/rm_ms"
	done
	echo $(($(now_ns) - t_all)) >"$d/rm_total_ns"
	map_memory "$root/bpf/maps" >"$d/maps_empty"

	"$PY" - "$d" "$n" "$created" "$fails" <<-'EOF'
	import json, os, statistics, sys
	d, n, created, fails = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
	def nums(f):
	    p = os.path.join(d, f)
	    return [int(x) for x in open(p).read().split()] if os.path.exists(p) else []
	def one(f):
	    v = nums(f)
	    return v[0] if v else None
	def maps(f):
	    out = []
	    p = os.path.join(d, f)
	    for line in open(p) if os.path.exists(p) else []:
	        name, typ, maxe, mem = line.split()
	        out.append({"name": name, "type": typ, "max_entries": int(maxe), "bytes_memlock": int(mem)})
	    return out
	c, r = nums("create_ms"), nums("rm_ms")
	ips = open(os.path.join(d, "ips")).read().split()
	alive = open(os.path.join(d, "alive")).read().split()
	ma = maps("maps_after")
	print(json.dumps({
	    "requested": n, "created": created, "create_failures": fails,
	    "create_total_s": (one("create_total_ns") or 0) / 1e9,
	    "create_median_ms": statistics.median(c) / 1000 if c else None,
	    "create_p90_ms": sorted(c)[int(len(c) * 0.9)] / 1000 if c else None,
	    "create_first100_median_ms": statistics.median(c[:100]) / 1000 if c else None,
	    "create_last100_median_ms": statistics.median(c[-100:]) / 1000 if c else None,
	    "create_us": c,
	    "reach_targets": len(ips), "reach_alive": len(alive),
	    "reach_unreachable": sorted(set(ips) - set(alive)),
	    "reach_answered_per_pass": nums("passes"),
	    "sweep_s": (one("sweep_ns") or 0) / 1e9,
	    "remove_total_s": (one("rm_total_ns") or 0) / 1e9,
	    "remove_median_ms": statistics.median(r) / 1000 if r else None,
	    "remove_us": r,
	    "maps_after_network_create": maps("maps_before"),
	    "maps_full": ma,
	    "maps_after_removal": maps("maps_empty"),
	    "map_bytes_memlock_total": sum(m["bytes_memlock"] for m in ma),
	}))
	EOF
}

scale_bridge() {
	local n=$1 h="$BENCH_TAG-bscale" d="$BENCH_WORK/scale-bridge" i ns t0 t_all err="" limit_at=0 attached=0
	mkdir -p "$d"
	: >"$d/create_ms"
	netns_add "$h"
	# One batch removal for all sandbox namespaces (they hold no processes).
	bench_on_exit "ls /run/netns | grep '^$BENCH_TAG-b-' | sed 's/^/netns del /' | ip -force -batch -"
	ip -n "$h" link add br0 type bridge
	ip -n "$h" addr add 10.80.0.1/21 dev br0
	ip -n "$h" link set br0 up
	log "scale: Linux bridge reference, up to $n veth ports"
	t_all=$(now_ns)
	for ((i = 1; i <= n; i++)); do
		ns="$BENCH_TAG-b-$i"
		t0=$(now_ns)
		ip netns add "$ns" || { err="ip netns add failed"; break; }
		ip -n "$h" link add "vb$i" type veth peer name eth0 address "$(mac_of $((i + 1)))" netns "$ns" ||
			{ err="veth create failed at $i"; break; }
		if ! err=$(ip -n "$h" link set "vb$i" master br0 2>&1); then
			limit_at=$i
			ip -n "$h" link del "vb$i" 2>/dev/null || true
			break
		fi
		err=""
		ip -n "$h" link set "vb$i" up
		ip -n "$ns" addr add "$(addr_in_21 10.80 $((i + 1)))/21" dev eth0
		ip -n "$ns" link set eth0 up
		echo $((($(now_ns) - t0) / 1000)) >>"$d/create_ms"
		attached=$i
		[ $((i % 200)) = 0 ] && log "scale: bridge has $i ports"
	done
	echo $(($(now_ns) - t_all)) >"$d/create_total_ns"
	# The same sweep as for xnet, but from the newest sandbox: the bridge
	# floods a broadcast to its ports newest first, one copy per port queued
	# on this CPU's backlog (net.core.netdev_max_backlog = 1,000), so with
	# ~1,000 ports the oldest ones miss broadcasts (ARP) and look dead. That
	# is recorded separately: can the oldest port reach the newest?
	local src="$BENCH_TAG-b-$attached" oldest_ok=false
	for ((i = 1; i < attached; i++)); do
		echo "$(addr_in_21 10.80 $((i + 1))) $(mac_of $((i + 1)))"
	done >"$d/targets"
	awk '{ print $1 }' "$d/targets" >"$d/ips"
	ip netns exec "$BENCH_TAG-b-1" ping -c 3 -i 0.3 -W 1 "$(addr_in_21 10.80 $((attached + 1)))" >"$d/oldest_ping" 2>&1 &&
		oldest_ok=true
	log "scale: bridge, oldest port reaches the newest: $oldest_ok; sweeping from the newest"
	t0=$(now_ns)
	REACH_STATS="$d/passes" reach_sweep ip netns exec "$src" <"$d/targets" | sort -u >"$d/alive"
	echo $(($(now_ns) - t0)) >"$d/sweep_ns"
	echo "$oldest_ok" >"$d/oldest_ok"
	"$PY" - "$d" "$n" "$attached" "$limit_at" "$err" <<-'EOF'
	import json, os, statistics, sys
	d, n, attached, limit_at, err = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
	c = [int(x) for x in open(os.path.join(d, "create_ms")).read().split()]
	ips = open(os.path.join(d, "ips")).read().split()
	alive = open(os.path.join(d, "alive")).read().split()
	print(json.dumps({
	    "requested": n, "ports_attached": attached,
	    "attach_failed_at_port": limit_at or None, "attach_error": err or None,
	    "create_total_s": int(open(os.path.join(d, "create_total_ns")).read()) / 1e9,
	    "create_median_ms": statistics.median(c) / 1000 if c else None,
	    "create_us": c,
	    "reach_targets": len(ips), "reach_alive": len(alive), "sweep_source": "newest port",
	    "reach_answered_per_pass": [int(x) for x in open(os.path.join(d, "passes")).read().split()]
	        if os.path.exists(os.path.join(d, "passes")) else [],
	    "oldest_port_reaches_newest": open(os.path.join(d, "oldest_ok")).read().strip() == "true",
	    "sweep_s": int(open(os.path.join(d, "sweep_ns")).read()) / 1e9,
	}))
	EOF
}
