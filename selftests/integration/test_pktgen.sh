# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# xnet-pktgen: the generator (live frames, or AF_PACKET where the kernel
# refuses them) and the XDP sink on a veth pair in a throwaway namespace
# (xp<pid><random>), never the machine's own network. The world of lib.sh
# (${P}h/${P}o) is not used. Every test that sends says which engine did.
# XNET_PKTGEN_REFUSE_LIVE=1 in the environment (the generator's test hook)
# runs them all as on a machine that refuses live frames.

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

# FALLBACK: the line --mode auto prints when it falls back to AF_PACKET.
FALLBACK='; using AF_PACKET (sendmmsg, qdisc bypass)'

# pg_engine ENGINE: note which engine sent (and why, for a fallback); the
# engine must be one that --mode auto may pick here, and AF_PACKET only with
# the line that says why.
pg_engine() {
	case "$1" in
	live-frames)
		assert_not_contains "$ERR" "$FALLBACK" "stderr with live frames"
		xt_note "engine: live-frames" ;;
	afpacket)
		assert_contains "$ERR" "$FALLBACK" "stderr of a fallback to AF_PACKET"
		xt_note "engine: afpacket ($(printf '%s' "$ERR" | grep -F -- "$FALLBACK"))" ;;
	*) fail "unexpected engine '$1' (stderr: $ERR)" ;;
	esac
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
	pg_engine "$(printf '%s' "$OUT" | jget 'd["engine"]')"
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
	assert_match "$OUT" '^total: sent 3000 packets in [0-9.]+ s: [0-9]+ pps, [0-9.]+ Mbit/s \(128-byte frames, [a-z-]+, 1 thread\)' "summary line"
	pg_engine "$(printf '%s' "$OUT" | sed -nE 's/^total: .*-byte frames, ([a-z-]+), .*/\1/p')"
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
	pg_engine "$(printf '%s' "$OUT" | jget 'd["engine"]')"
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

	# No XDP program on the peer: a veth refuses redirected frames. Live
	# frames asked for: an error naming the cause; auto: AF_PACKET, saying why.
	pg --dev gen0 --dst-ip 198.18.9.2 --count 10 --mode live
	assert_eq "$RC" 1 "exit code, peer without XDP"
	assert_contains "$ERR" "interface gen0: XDP cannot run on it: gen0 does not accept redirected XDP frames" "stderr"
	pg --dev gen0 --dst-ip 198.18.9.2 --count 10 --json
	assert_eq "$RC" 0 "exit code, peer without XDP, --mode auto ($ERR)"
	assert_contains "$ERR" "xnet-pktgen: live frames cannot be used: gen0 does not accept redirected XDP frames" "stderr"
	assert_contains "$ERR" "$FALLBACK" "stderr"
	assert_eq "$(printf '%s' "$OUT" | jget 'd["engine"]')" afpacket "engine"

	# AF_PACKET asked for without CAP_NET_RAW: refused, the cause named;
	# auto with neither engine possible names both causes.
	if command -v setpriv >/dev/null; then
		ip netns exec "$PG_NS" setpriv --bounding-set -net_raw "$PKTGEN" --dev gen0 --dst-ip 198.18.9.2 \
			--count 10 --mode afpacket >"$XT_TMP/pg.out" 2>"$XT_TMP/pg.err" </dev/null
		assert_eq "$?" 1 "exit code, --mode afpacket without CAP_NET_RAW"
		assert_contains "$(cat "$XT_TMP/pg.err")" \
			"xnet-pktgen: --mode afpacket: interface gen0: AF_PACKET socket: Operation not permitted (needs CAP_NET_RAW)" "stderr"
		ip netns exec "$PG_NS" setpriv --bounding-set -net_raw "$PKTGEN" --dev gen0 --dst-ip 198.18.9.2 \
			--count 10 >"$XT_TMP/pg.out" 2>"$XT_TMP/pg.err" </dev/null
		assert_eq "$?" 1 "exit code, no engine possible"
		assert_contains "$(cat "$XT_TMP/pg.err")" "xnet-pktgen: interface gen0: no engine can send: live frames: gen0 does not accept redirected XDP frames" "stderr"
		assert_contains "$(cat "$XT_TMP/pg.err")" "; AF_PACKET socket: Operation not permitted (needs CAP_NET_RAW)" "stderr"
	else
		xt_note "setpriv is not installed: --mode afpacket without CAP_NET_RAW not tried"
	fi

	pg --dev gen0 --dst-ip 198.18.9.2 --count 10 --mode fast
	assert_eq "$RC" 1 "exit code, --mode fast"
	assert_contains "$ERR" "--mode: expected auto, live, afpacket or kernel" "stderr"

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

# capture_start N FILE: the first N IPv4 frames to 198.18.9.2 that sink0
# receives, one hex line each, into FILE (a packet socket in the namespace;
# nothing may be attached to sink0). capture_wait waits for it.
capture_start() {
	rm -f "$XT_TMP/cap.ready"
	ip netns exec "$PG_NS" "${XT_PY:-python3}" -S -c '
import socket, sys
n, out, ready = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("sink0", 0))
s.settimeout(10)
open(ready, "w").close()
frames = []
while len(frames) < n:
    try:
        f, addr = s.recvfrom(4096)
    except socket.timeout:
        break
    if addr[2] == socket.PACKET_OUTGOING or f[12:14] != b"\x08\x00" or f[30:34] != bytes([198, 18, 9, 2]):
        continue
    frames.append(f.hex())
open(out, "w").write("".join(x + "\n" for x in frames))
' "$1" "$2" "$XT_TMP/cap.ready" </dev/null &
	PG_CAP_PID=$!
	wait_until 10 test -e "$XT_TMP/cap.ready" || fail "the capture on sink0 did not start"
}

capture_wait() {
	wait "$PG_CAP_PID" || fail "the capture on sink0 failed"
}

# check_walk FILE N PROTO SIZE: FILE holds exactly N frames, in order the flow
# walk of --src-ip 198.18.8.254-198.18.9.1 (4 addresses, across a byte
# boundary) --src-port 65533-65535 (3 ports): frame k from port 65533 + k % 3
# and address 198.18.8.254 + (k / 3) % 4, to 198.18.9.2:53 from MAC
# 02:00:00:00:00:01, PROTO (17 or 6) of SIZE bytes, valid IPv4 and L4
# checksums (computed here, independently), the rest as the template.
# ORDER "any" (several threads): in any order, but the walk's 12 flows each
# N/12 times, as the walk from its start sends them.
check_walk() {
	py -c '
import sys
path, n, proto, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
any_order = len(sys.argv) > 5 and sys.argv[5] == "any"
flows = {}
frames = [bytes.fromhex(l) for l in open(path).read().split()]
def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(b[i] << 8 | b[i + 1] for i in range(0, len(b), 2))
    while s > 0xffff:
        s = (s & 0xffff) + (s >> 16)
    return s
errs = []
if len(frames) != n:
    errs.append("%d frames captured, expected %d" % (len(frames), n))
first = (198 << 24) | (18 << 16) | (8 << 8) | 254
for k, f in enumerate(frames):
    e = []
    ip, l4 = f[14:34], f[34:]
    want_src = first + (k // 3) % 4
    if len(f) != size: e.append("size %d" % len(f))
    if f[6:12] != bytes.fromhex("020000000001"): e.append("source MAC")
    if ip[9] != proto or ip[8] != 64: e.append("protocol/TTL")
    src, sport = int.from_bytes(ip[12:16], "big"), int.from_bytes(l4[0:2], "big")
    flows[(src, sport)] = flows.get((src, sport), 0) + 1
    if not any_order and src != want_src: e.append("source %s" % ".".join(map(str, ip[12:16])))
    if not any_order and sport != 65533 + k % 3: e.append("source port %d" % sport)
    if int.from_bytes(l4[2:4], "big") != 53: e.append("destination port")
    if csum(ip) != 0xffff: e.append("IPv4 checksum")
    l4len = int.from_bytes(ip[2:4], "big") - 20
    pseudo = ip[12:20] + bytes([0, proto]) + l4len.to_bytes(2, "big")
    if csum(pseudo + l4[:l4len]) != 0xffff: e.append("L4 checksum")
    if proto == 17 and l4[6:8] == b"\0\0": e.append("UDP checksum 0")
    if proto == 6 and l4[13] != 0x02: e.append("not a SYN")
    if e:
        errs.append("frame %d: %s" % (k, ", ".join(e)))
want = dict(((first + a, 65533 + p), n // 12) for a in range(4) for p in range(3))
if any_order and flows != want:
    errs.append("flows (source, port): count %s, want %d each" % (
        sorted(("%d.%d.%d.%d" % tuple(a.to_bytes(4, "big")), p, c) for (a, p), c in flows.items()), n // 12))
print("; ".join(errs[:5]))
sys.exit(1 if errs else 0)
' "$@"
}

# send_walk MODE PROTO-OPTION SIZE N FILE [THREADS]: N frames of the walk
# (from its start; one thread unless THREADS) captured on sink0 into FILE.
send_walk() {
	capture_start "$4" "$5"
	pg --dev gen0 --mode "$1" "$2" --size "$3" --count "$4" --threads "${6:-1}" --json \
		--src-mac 02:00:00:00:00:01 --dst-ip 198.18.9.2 --dst-port 53 \
		--src-ip 198.18.8.254-198.18.9.1 --src-port 65533-65535
	SEND_RC=$RC
	if [ "$RC" != 0 ]; then
		kill "$PG_CAP_PID" 2>/dev/null
		wait "$PG_CAP_PID" 2>/dev/null
		return
	fi
	assert_eq "$(printf '%s' "$OUT" | jget 'd["engine"]')" "${1/live/live-frames}" "engine"
	capture_wait
}

# The AF_PACKET engine's frames on the wire: the flow walk (ports, then
# addresses) in order, checksums valid, UDP and TCP SYN; where live frames
# run, the live engine sends the very same bytes; two threads split the walk.
test_pktgen_afpacket_frames() {
	local proto size opt out
	pg_world
	for proto in 17 6; do
		if [ $proto = 17 ]; then opt=--udp size=64; else opt=--tcp-syn size=100; fi
		send_walk afpacket "$opt" $size 36 "$XT_TMP/af.$proto"
		[ "$SEND_RC" = 0 ] || fail "--mode afpacket $opt exited $SEND_RC: $ERR"
		assert_not_contains "$ERR" "$FALLBACK" "stderr of --mode afpacket"
		out=$(check_walk "$XT_TMP/af.$proto" 36 $proto $size) || fail "AF_PACKET $opt frames: $out"

		# Live frames into a veth need NAPI on the peer: GRO on.
		ip netns exec "$PG_NS" ethtool -K sink0 gro on >/dev/null 2>&1
		send_walk live "$opt" $size 36 "$XT_TMP/live.$proto"
		ip netns exec "$PG_NS" ethtool -K sink0 gro off >/dev/null 2>&1
		if [ "$SEND_RC" != 0 ]; then
			assert_contains "$ERR" "XDP cannot run on it" "stderr of a refused --mode live"
			xt_note "engine: afpacket only ($opt); live frames cannot run here: $ERR"
			continue
		fi
		cmp -s "$XT_TMP/af.$proto" "$XT_TMP/live.$proto" ||
			fail "$opt: live frames and AF_PACKET sent different frames: $(diff "$XT_TMP/af.$proto" "$XT_TMP/live.$proto" | head -4)"
		xt_note "engine: afpacket and live-frames ($opt): the same 36 frames"
	done
	# Two threads share the walk (frames 0, 2, 4, ... and 1, 3, 5, ...):
	# together its first 36 frames, no flow sent twice as often as another.
	send_walk afpacket --udp 64 36 "$XT_TMP/af2" 2
	[ "$SEND_RC" = 0 ] || fail "--mode afpacket --threads 2 exited $SEND_RC: $ERR"
	out=$(check_walk "$XT_TMP/af2" 36 17 64 any) || fail "AF_PACKET, two threads: $out"
}

# --mode afpacket into the sink, two threads: every frame sent is counted
# (a frame the veth refuses is sent again, not lost).
test_pktgen_afpacket_counts() {
	local sent
	pg_world
	sink_start
	pg --dev gen0 --mode afpacket --dst-ip 198.18.9.2 --src-ip 198.18.8.1-198.18.8.4 \
		--src-port 1000-1999 --count 20000 --threads 2 --json
	[ "$RC" = 0 ] || fail "xnet-pktgen --mode afpacket exited $RC: $ERR"
	sent=$(printf '%s' "$OUT" | jget 'd["sent"]')
	assert_eq "$sent" 20000 "packets sent"
	assert_eq "$(printf '%s' "$OUT" | jget 'd["engine"]')" afpacket "engine"
	assert_eq "$(printf '%s' "$OUT" | jget 'd["threads"]')" 2 "threads"
	sink_stop
	xt_note "engine: afpacket; sent $sent, the sink counted $GOT"
	# The sink may also count a fresh link's IPv6 neighbour discovery.
	[ "$GOT" -ge "$sent" ] && [ "$GOT" -le $((sent + 20)) ] ||
		fail "sent $sent with AF_PACKET, the sink counted $GOT"
}

# A kernel that refuses live frames (simulated with the test hook
# XNET_PKTGEN_REFUSE_LIVE=1: the probe fails with EPERM): --mode auto falls
# back to AF_PACKET and says so in one line; --mode live fails naming the cause.
test_pktgen_auto_fallback() {
	local sent n
	pg_world
	sink_start
	XNET_PKTGEN_REFUSE_LIVE=1 pg --dev gen0 --dst-ip 198.18.9.2 --tcp-syn --dst-port 8080 \
		--src-ip 198.18.0.1-198.18.0.255 --src-port 1024-65535 --count 10000 --json
	[ "$RC" = 0 ] || fail "--mode auto with live frames refused exited $RC: $ERR"
	assert_eq "$ERR" "xnet-pktgen: live frames refused by the kernel (BPF_PROG_RUN: Operation not permitted)$FALLBACK" "stderr"
	assert_eq "$(printf '%s' "$OUT" | jget 'd["engine"]')" afpacket "engine"
	sent=$(printf '%s' "$OUT" | jget 'd["sent"]')
	assert_eq "$sent" 10000 "packets sent"
	sink_stop
	xt_note "engine: afpacket (auto, live refused by the test hook); sent $sent, the sink counted $GOT"
	[ "$GOT" -ge "$sent" ] && [ "$GOT" -le $((sent + 20)) ] || fail "sent $sent, the sink counted $GOT"

	sink_start
	XNET_PKTGEN_REFUSE_LIVE=1 pg --dev gen0 --dst-ip 198.18.9.2 --count 10 --mode live
	assert_eq "$RC" 1 "exit code of --mode live, refused"
	assert_contains "$ERR" "xnet-pktgen: interface gen0: XDP cannot run on it: live frames refused by the kernel (BPF_PROG_RUN: Operation not permitted)" "stderr"
	n=$(printf '%s' "$ERR" | grep -c .)
	assert_eq "$n" 1 "lines on stderr"
	sink_stop
	[ "$GOT" -le 20 ] || fail "a refused --mode live sent frames: the sink counted $GOT"
}
