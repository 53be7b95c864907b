# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# xnet-pktgen: the live-frames generator and the XDP sink on a veth pair in a
# throwaway namespace (xp<pid><random>), never the machine's own network.
# The world of lib.sh (${P}h/${P}o) is not used.

PKTGEN=${PKTGEN:-$XT_TOP/build/xnet-pktgen}

# pg_world: namespace $PG_NS with the veth pair gen0 <-> sink0, both up.
# Its cleanup (sink process, namespace) runs before lib.sh's.
pg_world() {
	[ -x "$PKTGEN" ] || skip "$PKTGEN is not built (make build/xnet-pktgen)"
	PG_NS=xp$$${RANDOM}
	PG_SINK_PID=
	trap pg_cleanup EXIT
	ip netns add "$PG_NS" || fail "ip netns add $PG_NS"
	ip -n "$PG_NS" link set lo up
	ip -n "$PG_NS" link add gen0 type veth peer name sink0 || fail "veth pair in $PG_NS"
	ip -n "$PG_NS" link set gen0 up
	ip -n "$PG_NS" link set sink0 up
	xt_note "pktgen world: netns $PG_NS (gen0 <-> sink0)"
}

pg_cleanup() {
	local rc=$?
	if [ -n "${PG_SINK_PID:-}" ] && kill -0 "$PG_SINK_PID" 2>/dev/null; then
		kill -INT "$PG_SINK_PID" 2>/dev/null
		sleep 0.5
		kill -9 "$PG_SINK_PID" 2>/dev/null
	fi
	[ -n "${PG_NS:-}" ] && ip netns del "$PG_NS" 2>/dev/null
	(exit "$rc")
	xt_on_exit
}

# pg ARGS: xnet-pktgen in the namespace; sets OUT, ERR, RC.
pg() {
	echo "+ xnet-pktgen $*" >&2
	timeout -k 5 60 ip netns exec "$PG_NS" "$PKTGEN" "$@" >"$XT_TMP/pg.out" 2>"$XT_TMP/pg.err" </dev/null
	RC=$?
	OUT=$(cat "$XT_TMP/pg.out")
	ERR=$(cat "$XT_TMP/pg.err")
}

# sink_start: the sink on sink0, in the background, JSON summary in $XT_TMP/sink.json.
sink_start() {
	ip netns exec "$PG_NS" "$PKTGEN" sink --dev sink0 --json \
		>"$XT_TMP/sink.json" 2>"$XT_TMP/sink.err" </dev/null &
	PG_SINK_PID=$!
	wait_until 10 sh -c "ip -n '$PG_NS' link show sink0 | grep -q 'prog/xdp'" ||
		fail "the sink did not attach to sink0: $(cat "$XT_TMP/sink.err")"
}

# sink_stop: SIGINT, wait for its summary; sets GOT (packets received).
# Not from $(...): the sink is a child of the test's shell.
sink_stop() {
	local rc
	kill -INT "$PG_SINK_PID" 2>/dev/null
	wait "$PG_SINK_PID"
	rc=$?
	PG_SINK_PID=
	[ "$rc" = 0 ] || fail "the sink exited $rc: $(cat "$XT_TMP/sink.err")"
	json_ok <"$XT_TMP/sink.json" || fail "sink output is not JSON: $(cat "$XT_TMP/sink.json")"
	GOT=$(jget 'd["received"]' <"$XT_TMP/sink.json")
}

# Frames gen0 could not hand to sink0: the veth's receive ring was full
# (ethtool -S: tx_queue_*_xdp_xmit_errors). Under load, the generator
# outruns the sink's NAPI poll and the kernel drops there, counted.
ring_full() {
	ip netns exec "$PG_NS" ethtool -S gen0 | awk -F: '$1 ~ /xdp_xmit_errors$/ { n += $2 } END { print n + 0 }'
}

test_pktgen_sink_counts() {
	local sent lost
	need_cmd ethtool
	pg_world
	sink_start
	pg --dev gen0 --dst-ip 198.18.9.2 --src-ip 198.18.8.1-198.18.8.4 --src-port 1000-1999 \
		--count 5000 --threads 2 --json
	[ "$RC" = 0 ] || fail "xnet-pktgen exited $RC: $ERR"
	printf '%s' "$OUT" | json_ok || fail "--json output is not one JSON object: $OUT"
	sent=$(printf '%s' "$OUT" | jget 'd["sent"]')
	assert_eq "$sent" 5000 "packets sent"
	assert_eq "$(printf '%s' "$OUT" | jget 'd["engine"]')" live-frames "engine (no kernel pktgen here)"
	sink_stop
	lost=$(ring_full)
	xt_note "sent $sent, sink counted $GOT, dropped at a full veth ring $lost"
	# Every frame accounted for (the sink may also count a fresh link's IPv6
	# neighbour discovery), and most of them delivered.
	[ $((GOT + lost)) -ge "$sent" ] && [ $((GOT + lost)) -le $((sent + 20)) ] ||
		fail "frames unaccounted for: sent $sent, the sink counted $GOT, a full ring dropped $lost"
	[ "$GOT" -ge $((sent / 2)) ] || fail "the sink counted only $GOT of $sent packets"
	# Detached on exit.
	ip -n "$PG_NS" link show sink0 | grep -q 'prog/xdp' && fail "the sink left its XDP program on sink0"
	return 0
}

test_pktgen_tcp_syn_text() {
	pg_world
	sink_start
	pg --dev gen0 --dst-ip 198.18.9.2 --tcp-syn --size 128 --count 3000 --threads 1
	[ "$RC" = 0 ] || fail "xnet-pktgen exited $RC: $ERR"
	assert_match "$OUT" '^total: sent 3000 packets in [0-9.]+ s: [0-9]+ pps, [0-9.]+ Mbit/s' "summary line"
	sink_stop
	[ "$GOT" -ge 2850 ] || fail "the sink counted $GOT of 3000 TCP SYN frames"
}

test_pktgen_duration_rate() {
	local sent
	pg_world
	sink_start
	pg --dev gen0 --dst-ip 198.18.9.2 --duration 2 --rate 5000 --threads 1 --json
	[ "$RC" = 0 ] || fail "xnet-pktgen exited $RC: $ERR"
	sent=$(printf '%s' "$OUT" | jget 'd["sent"]')
	# 10000 expected; the limiter is an average over calls of >= 25 ms.
	[ "$sent" -ge 7000 ] && [ "$sent" -le 11000 ] || fail "--rate 5000 for 2 s sent $sent packets"
	sink_stop
	[ "$GOT" -ge $((sent * 95 / 100)) ] || fail "the sink counted $GOT of $sent packets (< 95%)"
}

test_pktgen_errors() {
	pg_world
	pg --dev nosuch0 --dst-ip 198.18.9.2 --count 10
	assert_eq "$RC" 1 "exit code, missing interface"
	assert_contains "$ERR" "interface nosuch0: no such interface" "stderr"

	ip -n "$PG_NS" link set gen0 down
	pg --dev gen0 --dst-ip 198.18.9.2 --count 10
	assert_eq "$RC" 1 "exit code, interface down"
	assert_contains "$ERR" "interface gen0 is down" "stderr"
	ip -n "$PG_NS" link set gen0 up

	# No XDP program on the peer: a veth refuses redirected frames.
	pg --dev gen0 --dst-ip 198.18.9.2 --count 10
	assert_eq "$RC" 1 "exit code, peer without XDP"
	assert_contains "$ERR" "interface gen0: XDP cannot run on it" "stderr"

	pg --dev gen0 --count 10
	assert_eq "$RC" 1 "exit code, no --dst-ip"
	assert_contains "$ERR" "--dst-ip" "stderr"

	pg --dev gen0 --dst-ip 198.18.9.2 --size 2000
	assert_eq "$RC" 1 "exit code, --size 2000"
	assert_contains "$ERR" "--size" "stderr"

	pg sink --dev nosuch0
	assert_eq "$RC" 1 "exit code, sink on a missing interface"
	assert_contains "$ERR" "interface nosuch0: no such interface" "stderr"

	pg --help
	assert_eq "$RC" 0 "exit code of --help"
	assert_contains "$OUT" "usage: xnet-pktgen" "--help"
}
