# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The XDP fast path of port publishing (bpf/uplink_xdp.bpf.c), end to end:
# uplink_xdp sits natively on the uplink (a veth here, up0), endpoints are
# made able to take XDP frames (GRO on the sandbox side), and the packets of
# established published flows really go through XDP: up0's own counters
# (ethtool -S: rx_queue_*_xdp_redirect) count what XDP redirected, the
# conntrack entry counts every packet. An endpoint that cannot take XDP
# frames falls back to tc without losing a packet; teardown removes only
# our program.
#
# On a veth uplink xnet leaves XDP off by default (slower there than tc
# alone, see xdp_wanted in user/datapath/attach.c); these tests ask for it with the
# environment override (the host setting is `system config --uplink-xdp`).
export XNET_UPLINK_XDP=on

# "<n> answers" after sending N datagrams from ONE socket (one flow) to HOST PORT.
xdp_udp_client() {
	cat >"$XT_TMP/udpflow.py" <<'PY'
import socket, sys
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
got = 0
for i in range(n):
    s.sendto(b"d%d" % i, (host, port))
    data, peer = s.recvfrom(2048)
    if data.startswith(b"d%d from " % i):
        got += 1
print("%d answers" % got)
PY
	cat >"$XT_TMP/udpecho.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(data + (" from %s:%d" % peer).encode(), peer)
PY
}

# Frames up0's XDP program redirected so far (veth per-queue counters).
xdp_redirected() {
	hx ethtool -S up0 | awk '/xdp_redirect:/ { s += $2 } END { print s + 0 }'
}

# Packets counted by the conntrack IN entries of proto (17/6) to port (host order) of this host.
ct_in_packets() {
	map_dump xnet_ct >"$XT_TMP/ct.json"
	map_dump xnet_ct_new >"$XT_TMP/ct_new.json"
	py -c '
import json, sys
proto, port = int(sys.argv[1]), int(sys.argv[2])
n = 0
for f in sys.argv[-2:]:
    for e in json.load(open(f)):
        k, v = e["formatted"]["key"], e["formatted"]["value"]
        v = v.get("e", v)	# xnet_ct_new wraps the entry
        dport = int(k["dport"])
        dport = ((dport & 0xff) << 8) | (dport >> 8)
        if k["dir"] == 2 and k["proto"] == proto and dport == port:
            n += int(v["packets"])
print(n)' "$1" "$2" "$XT_TMP/ct.json" "$XT_TMP/ct_new.json"
}

# Frames from the outside namespace as a real wire carries them: with
# complete checksums. A veth from a local sender otherwise delivers
# CHECKSUM_PARTIAL ones, which uplink_xdp leaves to tc (see
# test_xdp_partial_checksums_use_tc); turning the sender's checksum offload
# off makes its stack finish every checksum before the frame leaves.
xdp_wire_checksums() {
	ox ethtool -K up1 tx off >/dev/null || fail "ethtool -K up1 tx off in the outside namespace"
}

# The UDP echo server published on 5353/udp in sandbox dns of network xnet.
xdp_udp_world() {
	need_cmd ethtool bpftool
	xdp_wire_checksums
	xdp_udp_client
	xok network create --subnet 10.87.0.0/24 xnet
	xok run -d --name dns --network xnet -p 5353:53/udp python3 "$XT_TMP/udpecho.py" 53
	track dns
	wait_until 20 sx dns python3 "$XT_TMP/udpflow.py" 127.0.0.1 53 1 || fail "the UDP server never answered"
}

test_xdp_attached() {
	local id name gro
	xdp_udp_world
	# Native mode ("xdp"), not generic ("xdpgeneric"), and the program is ours.
	hx ip -d link show up0 | grep -q "prog/xdp id" || fail "no native XDP program on up0: $(hx ip -d link show up0)"
	id=$(hx ip -d link show up0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
	name=$(bpftool -j prog show id "$id" | jget 'd["name"]')
	assert_eq "$name" "uplink_xdp" "program on up0's XDP hook"
	# The sandbox side of the endpoint has NAPI (GRO on): XDP frames can enter it.
	gro=$(sx dns ethtool -k eth0 | awk '/^generic-receive-offload:/ { print $2 }')
	assert_eq "$gro" "on" "GRO of the sandbox's eth0"
	# Teardown takes our program off the uplink.
	rm_all
	xok system teardown
	hx ip -d link show up0 | grep -q "prog/xdp" && fail "uplink_xdp still attached after teardown"
	return 0
}

test_xdp_udp_fast_path() {
	local before after out pkts
	xdp_udp_world
	before=$(xdp_redirected)
	out=$(ox python3 "$XT_TMP/udpflow.py" "$XT_UP_HOST" 5353 50) || fail "UDP flow from outside failed"
	assert_eq "$out" "50 answers" "every datagram of the flow answered"
	after=$(xdp_redirected)
	# The first datagram opens the flow in tc, the second confirms it there
	# (it speaks again after an answer); the 48 after it are XDP's.
	[ $((after - before)) -ge 48 ] || fail "XDP redirected $((after - before)) frames, expected at least 48"
	# Every datagram is accounted once, whichever path took it.
	pkts=$(ct_in_packets 17 5353)
	assert_eq "$pkts" "50" "conntrack IN packets of the flow"
	rm_all
	assert_no_leftovers
}

test_xdp_tcp_fast_path() {
	local before after body i
	need_cmd curl ethtool
	cat >"$XT_TMP/whoami.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = ("%s:%d\n" % self.client_address).encode() * 2000
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), H).serve_forever()
PY
	xdp_wire_checksums
	xok network create --subnet 10.88.0.0/24 xnet
	xok run -d --name web --network xnet -p 5000:80 python3 "$XT_TMP/whoami.py" 80
	track web
	wait_until 20 sx web curl -sS --max-time 2 -o /dev/null http://127.0.0.1:80/ || fail "web never answered"
	before=$(xdp_redirected)
	for i in 1 2 3 4 5; do
		body=$(ox curl -sS --max-time 4 "http://$XT_UP_HOST:5000/") || fail "request $i from outside failed"
		assert_match "$(printf '%s' "$body" | head -n1)" "^$XT_UP_OUT:[0-9]+$" "client address seen by the server"
	done
	after=$(xdp_redirected)
	# Each connection: SYN, the ACK that confirms it and FIN in tc, the
	# other ACKs and the request in XDP.
	[ $((after - before)) -ge 10 ] || fail "XDP redirected $((after - before)) frames for 5 connections"
	rm_all
	assert_no_leftovers
}

test_xdp_fallback_without_napi() {
	local before after out
	xdp_udp_world
	before=$(xdp_redirected)
	out=$(ox python3 "$XT_TMP/udpflow.py" "$XT_UP_HOST" 5353 5) || fail "UDP flow from outside failed"
	after=$(xdp_redirected)
	# The first datagram opens the flow in tc, the second confirms it there: 3 are XDP's.
	[ $((after - before)) -ge 3 ] || fail "XDP redirected $((after - before)) frames before GRO went off"
	# The sandbox turns GRO off: its veth can no longer take XDP frames.
	sx dns ethtool -K eth0 gro off || fail "ethtool -K eth0 gro off in the sandbox"
	xok system reconcile
	before=$(xdp_redirected)
	out=$(ox python3 "$XT_TMP/udpflow.py" "$XT_UP_HOST" 5353 20) || fail "UDP flow from outside failed"
	assert_eq "$out" "20 answers" "every datagram answered through tc"
	after=$(xdp_redirected)
	assert_eq "$((after - before))" "0" "frames XDP redirected to an endpoint without NAPI"
	rm_all
	assert_no_leftovers
}

test_xdp_partial_checksums_use_tc() {
	local before after out pkts
	xdp_udp_world
	ox ethtool -K up1 tx on >/dev/null || fail "ethtool -K up1 tx on in the outside namespace"
	before=$(xdp_redirected)
	out=$(ox python3 "$XT_TMP/udpflow.py" "$XT_UP_HOST" 5353 20) || fail "UDP flow from outside failed"
	assert_eq "$out" "20 answers" "every datagram answered"
	after=$(xdp_redirected)
	assert_eq "$((after - before))" "0" "frames with CHECKSUM_PARTIAL checksums XDP redirected"
	pkts=$(ct_in_packets 17 5353)
	assert_eq "$pkts" "20" "conntrack IN packets of the flow (all through tc)"
	rm_all
	assert_no_leftovers
}

test_xdp_not_on_veth_by_default() {
	local out
	xdp_udp_client
	XNET_UPLINK_XDP=auto xok network create --subnet 10.89.0.0/24 xnet
	XNET_UPLINK_XDP=auto xok run -d --name dns --network xnet -p 5353:53/udp python3 "$XT_TMP/udpecho.py" 53
	track dns
	hx ip -d link show up0 | grep -q "prog/xdp" && fail "XDP attached to a veth uplink without XNET_UPLINK_XDP=on"
	# Asked for once, then back to auto: the next command takes it off again.
	xok system reconcile
	hx ip -d link show up0 | grep -q "prog/xdp" || fail "XNET_UPLINK_XDP=on did not attach uplink_xdp"
	XNET_UPLINK_XDP=auto xok system reconcile
	hx ip -d link show up0 | grep -q "prog/xdp" && fail "uplink_xdp left on a veth uplink under auto"
	# The host setting: stays on across commands, until set back.
	XNET_UPLINK_XDP= xok system config --uplink-xdp on
	XNET_UPLINK_XDP= xok system reconcile
	hx ip -d link show up0 | grep -q "prog/xdp" || fail "--uplink-xdp on did not keep uplink_xdp attached"
	XNET_UPLINK_XDP= xok system config
	assert_contains "$OUT" "Uplink XDP: on" "system config shows the setting"
	XNET_UPLINK_XDP= xfail 1 "invalid uplink XDP mode" system config --uplink-xdp maybe
	XNET_UPLINK_XDP= xok system config --uplink-xdp auto
	hx ip -d link show up0 | grep -q "prog/xdp" && fail "uplink_xdp left on a veth uplink after --uplink-xdp auto"
	wait_until 20 ox python3 "$XT_TMP/udpflow.py" "$XT_UP_HOST" 5353 3 || fail "published UDP port unreachable"
	out=$(ox python3 "$XT_TMP/udpflow.py" "$XT_UP_HOST" 5353 3)
	assert_eq "$out" "3 answers" "UDP through tc only"
	rm_all
	assert_no_leftovers
}
