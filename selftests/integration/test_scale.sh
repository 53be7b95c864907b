# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Scale: hundreds of sandboxes on one network (a Linux bridge stops at 1,024
# ports; Docker's user bridge fails around 1,000 endpoints).

# scale_run N [STEP]: N sandboxes on one network, then removed with nothing
# left. The first one pings every STEP-th other one (default 1: all).
# XT_SCALE_PAR runs at a time (default 3).
# The kernel's ARP cache is one table for all namespaces (gc_thresh3 = 1024
# entries by default, and each ping adds an entry on both sides): beyond
# ~500 peers, only a sample can be pinged without "neighbor table overflow".
scale_run() {
	local n=$1 step=${2:-1} par=${XT_SCALE_PAR:-3} mark i j t0 t1 t2 bad ip
	mark=$RANDOM$RANDOM
	xok network create --subnet 10.200.0.0/16 big
	t0=$(date +%s)
	i=1
	while [ $i -le $n ]; do
		for j in $(seq $i $((i + par - 1))); do
			[ "$j" -le "$n" ] || break
			(
				xn run -d --name "s$j" --network big sleep "86400.$mark" >/dev/null 2>"$XT_TMP/s$j.err" </dev/null
				echo $? >"$XT_TMP/s$j.rc"
			) &
		done
		wait
		i=$((i + par))
	done
	t1=$(date +%s)
	xt_note "started $n sandboxes in $((t1 - t0)) s ($par at a time)"
	bad=""
	for i in $(seq 1 "$n"); do
		[ "$(cat "$XT_TMP/s$i.rc")" = 0 ] || bad="$bad
s$i: exit $(cat "$XT_TMP/s$i.rc"): $(head -c 300 "$XT_TMP/s$i.err")"
	done
	[ -z "$bad" ] || fail "runs failed:$(printf '%s\n' "$bad" | head -n 20)"
	# Remember the pids for the leftover checks.
	for i in $(pgrep -f "^sleep 86400\\.$mark\$"); do track_pid - "$i"; done

	xok ps -q
	assert_eq "$(printf '%s\n' "$OUT" | wc -l)" "$n" "running sandboxes"
	assert_eq "$(links xnv | wc -l)" "$n" "endpoint links"
	assert_eq "$(map_len xnet_endpoints)" "$n" "xnet_endpoints entries"
	assert_eq "$(map_len xnet_ip2ep)" "$n" "xnet_ip2ep entries"
	assert_eq "$(map_len xnet_fdb)" "$n" "xnet_fdb entries"
	assert_eq "$(pgrep -f "^sleep 86400\\.$mark\$" | wc -l)" "$n" "sandbox processes"
	net_json big >"$XT_TMP/big.json"
	assert_eq "$(jget 'len(d[0]["Containers"])' <"$XT_TMP/big.json")" "$n" "Containers of big"
	assert_eq "$(jget 'len(set(c["IPv4Address"] for c in d[0]["Containers"].values()))' <"$XT_TMP/big.json")" "$n" \
		"distinct addresses"
	jget '"\n".join(c["IPv4Address"].split("/")[0] for c in d[0]["Containers"].values() if c["Name"] != "s1")' \
		<"$XT_TMP/big.json" | awk -v s="$step" 'NR % s == 0' >"$XT_TMP/ips"

	# s1 reaches every other sandbox (gives up after 5 misses).
	sx s1 sh -c 'miss=0; while read -r ip; do
		ping -c1 -W1 -q "$ip" >/dev/null 2>&1 || ping -c1 -W1 -q "$ip" >/dev/null 2>&1 ||
			{ echo "UNREACHABLE $ip"; miss=$((miss + 1)); [ $miss -ge 5 ] && break; }
	done; echo done' <"$XT_TMP/ips" >"$XT_TMP/reach" 2>&1
	t2=$(date +%s)
	xt_note "s1 pinged $(wc -l <"$XT_TMP/ips") peers in $((t2 - t1)) s"
	grep -q '^done$' "$XT_TMP/reach" || fail "reachability loop did not finish: $(cat "$XT_TMP/reach")"
	grep -q UNREACHABLE "$XT_TMP/reach" && fail "from s1: $(grep UNREACHABLE "$XT_TMP/reach" | tr '\n' ' ')"
	ping_ok "s$n" "$(ipof s1 big)"
	ping_ok "s$((n / 2))" "$(ipof "s$((n / 3))" big)"
	for ip in $(awk 'NR % 25 == 0' "$XT_TMP/ips"); do
		host_ping_ok "$ip"
	done

	# Remove them all in one command.
	t1=$(date +%s)
	XT_CMD_TIMEOUT=900 xok rm -f $(seq -f 's%g' 1 "$n")
	assert_eq "$(printf '%s\n' "$OUT" | wc -l)" "$n" "lines printed by rm -f"
	t2=$(date +%s)
	xt_note "removed $n sandboxes in $((t2 - t1)) s"
	xok network rm big
	assert_no_leftovers
	ip=$(pgrep -f "^sleep 86400\\.$mark\$" | wc -l)
	assert_eq "$ip" 0 "sandbox processes after rm -f"
}

# @slow @timeout=1500
test_scale_300() {
	scale_run "${XT_SCALE_N:-300}"
}

# Past the 1,024 ports of a Linux bridge.
# @slow @timeout=2400
test_scale_1100() {
	scale_run 1100 5
}
