#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# sockmap_probe.sh: why xnet does not use sockmap redirection for the host's
# connections to published ports (docs/ARCHITECTURE.md, "Considered and not
# used"). Not part of `make bench`: run it by hand to check a new kernel.
#
# In a private network namespace, on loopback, it measures two things with
# and without bench/sockmap.bpf.c (sendmsg() straight into the peer
# socket's receive queue):
#   1. single-stream TCP throughput (iperf3), the modes alternating;
#   2. flow control: a receiver that reads nothing for a few seconds, and
#      how much its sender gets to write meanwhile (TCP stops it at about
#      the two socket buffers; the cap here is PROBE_FLOOD_MAX bytes).
#
# Knobs: PROBE_ROUNDS (3), PROBE_T (5 s per iperf3 run), PROBE_FLOOD_MAX
# (1 GiB). Needs root, clang, bpftool, iperf3, python3.
set -eu
ROUNDS=${PROBE_ROUNDS:-3}
T=${PROBE_T:-5}
FLOOD_MAX=${PROBE_FLOOD_MAX:-1073741824}
PORT=5299	# PROBE_PORT in sockmap.bpf.c
HERE=$(cd "$(dirname "$0")" && pwd)
NS=xsmp$$
WORK=$(mktemp -d /tmp/xnet-sockmap-XXXXXX)	# no dot: libbpf turns dots of pin paths into _
PIN=$WORK/bpffs
CG=""
CG_MOUNTED=0

die() { echo "sockmap_probe: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root"
for t in clang bpftool iperf3 python3 ip; do
	command -v "$t" >/dev/null || die "missing $t"
done

cleanup() {
	set +e
	[ -n "$CG" ] && bpftool cgroup detach "$CG" sock_ops pinned "$PIN/progs/probe_sockops" 2>/dev/null
	ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ "$CG_MOUNTED" = 1 ] && umount "$WORK/cgroup" 2>/dev/null
	umount "$WORK/bpffs" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c "$HERE/sockmap.bpf.c" -o "$WORK/sockmap.bpf.o"
mkdir -p "$WORK/bpffs" && mount -t bpf bpf "$WORK/bpffs"
bpftool prog loadall "$WORK/sockmap.bpf.o" "$PIN/progs" pinmaps "$PIN/maps"

# The root of cgroup v2 (where xnet's own hooks sit), mounted here if the host has none.
CG=$(findmnt -n -t cgroup2 -o TARGET | head -1 || true)
if [ -z "$CG" ]; then
	mkdir -p "$WORK/cgroup" && mount -t cgroup2 none "$WORK/cgroup" && CG_MOUNTED=1 && CG=$WORK/cgroup
fi
bpftool cgroup attach "$CG" sock_ops pinned "$PIN/progs/probe_sockops" multi
bpftool prog attach pinned "$PIN/progs/probe_msg" msg_verdict pinned "$PIN/maps/probe_socks"

ip netns add "$NS"
ip -n "$NS" link set lo up
nsx() { ip netns exec "$NS" "$@"; }
cookie=$(nsx python3 -c 'import socket; s = socket.socket(); print(int.from_bytes(s.getsockopt(socket.SOL_SOCKET, 71, 8), "little"))')

cfg() {	# index value: probe_cfg[index] = value (u64, little endian as on x86)
	local k v
	k=$(python3 -c "import sys; print(' '.join(str(b) for b in int(sys.argv[1]).to_bytes(4, 'little')))" "$1")
	v=$(python3 -c "import sys; print(' '.join(str(b) for b in int(sys.argv[1]).to_bytes(8, 'little')))" "$2")
	# shellcheck disable=SC2086
	bpftool map update pinned "$PIN/maps/probe_cfg" key $k value $v
}
mode() { if [ "$1" = on ]; then cfg 0 "$cookie"; else cfg 0 0; fi; }
redirected() { bpftool map lookup pinned "$PIN/maps/probe_cfg" key 2 0 0 0 -j |
	python3 -c 'import json, sys; print(int.from_bytes(bytes(int(b, 16) for b in json.load(sys.stdin)["value"]), "little"))'; }

tput() {	# -> Gbit/s of one iperf3 run
	nsx iperf3 -s -1 -p "$PORT" >/dev/null 2>&1 &
	local spid=$! i
	for i in $(seq 50); do nsx ss -Hltn "sport = :$PORT" | grep -q . && break; sleep 0.1; done
	nsx iperf3 -c 127.0.0.1 -p "$PORT" -t "$T" -J |
		python3 -c 'import json, sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
	wait "$spid" 2>/dev/null || true
}

declare -A R=([off]="" [on]="")
for r in $(seq "$ROUNDS"); do
	for m in off on; do
		mode "$m"
		before=$(redirected)
		v=$(tput)
		R[$m]="${R[$m]} $v"
		echo "round $r: redirect $m: $v Gbit/s ($(($(redirected) - before)) messages redirected)"
	done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
off=$(echo "${R[off]}" | median)
on=$(echo "${R[on]}" | median)
echo "throughput, median of $ROUNDS: TCP over loopback $off Gbit/s, sockmap redirect $on Gbit/s ($(python3 -c "print('%.2f' % ($on / $off))")x)"

# Flow control: the receiver sleeps 4 s before reading; the sender writes for 3 s.
flood() {
	nsx python3 - "$PORT" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", int(sys.argv[1]))); s.listen(1)
c, _ = s.accept(); time.sleep(4)
while c.recv(1 << 20):
    pass
PY
	local spid=$! i
	for i in $(seq 50); do nsx ss -Hltn "sport = :$PORT" | grep -q . && break; sleep 0.1; done
	nsx python3 - "$PORT" "$FLOOD_MAX" <<'PY'
import socket, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
c.settimeout(0.5)
buf, n, cap, t = b"x" * 65536, 0, int(sys.argv[2]), time.time()
while time.time() - t < 3 and n < cap:
    try:
        n += c.send(buf)
    except socket.timeout:
        pass
print(n)
c.close()
PY
	wait "$spid" 2>/dev/null || true
}
mode off; f_off=$(flood)
mode on; f_on=$(flood)
mode off
echo "flow control: a sender facing a receiver that does not read wrote $f_off bytes over TCP, $f_on bytes with sockmap redirect (cap $FLOOD_MAX)"
