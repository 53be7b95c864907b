# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Reachability and isolation: the seed scenario, host <-> sandbox, TCP,
# enable_icc=false, --internal, egress NAT, anti-spoofing, drop counters.

test_seed_scenario() {
	local ip1 ip2 ip3 ip4 ip3b id3
	xok network create -d bridge --subnet 192.168.0.0/16 --gateway 192.168.0.1 mynet
	run_d c1 mynet
	run_d c2 mynet
	run_d c3 mynet
	id3=$RUN_ID
	run_d c4 bridge
	ip1=$(ipof c1 mynet)
	ip2=$(ipof c2 mynet)
	ip3=$(ipof c3 mynet)
	ip4=$(ipof c4 bridge)
	assert_eq "$ip1 $ip2 $ip3" "192.168.0.2 192.168.0.3 192.168.0.4" "addresses on mynet"
	assert_eq "$ip4" 172.17.0.2 "address of c4 on bridge"

	ping_ok c1 "$ip2"
	ping_ok c2 "$ip3"
	ping_fails c1 "$ip4"

	xok network connect bridge c3
	ip3b=$(ipof c3 bridge)
	assert_eq "$ip3b" 172.17.0.3 "address of c3 on bridge"
	assert_contains "$(sx c3 ip -4 -o addr show dev eth1)" "$ip3b/16" "eth1 of c3"
	assert_eq "$(net_json bridge | jget "d[0]['Containers']['$id3']['Name']")" c3 "bridge Containers after connect"
	assert_eq "$(net_json bridge | jget "d[0]['Containers']['$id3']['IPv4Address']")" "$ip3b/16" "bridge Containers IPv4Address"
	ping_ok c3 "$ip4"
	ping_ok c4 "$ip3b"
	ping_ok c3 "$ip1"
	ping_fails c2 "$ip4"

	xok network disconnect bridge c3
	ping_fails c3 "$ip4"
	ping_fails c4 "$ip3b"
	sx c3 ip link show eth1 >/dev/null 2>&1 && fail "eth1 still in c3 after disconnect"
	assert_eq "$(net_json bridge | jget "'$id3' in d[0]['Containers']")" false "bridge Containers after disconnect"
	assert_eq "$(inspect_json c3 | jget 'list(d[0]["NetworkSettings"]["Networks"])')" '["mynet"]' "networks of c3"
	ping_ok c3 "$ip1"
	ping_ok c1 "$ip3"
	rm_all
	assert_no_leftovers
}

test_host_reaches_sandboxes() {
	local ipa ipb
	xok network create --subnet 10.50.0.0/24 hnet
	run_d a hnet
	run_d b bridge
	ipa=$(ipof a hnet)
	ipb=$(ipof b bridge)
	host_ping_ok "$ipa"
	host_ping_ok "$ipb"
	ping_ok a 10.50.0.1
	ping_ok b 172.17.0.1
	# Sandboxes on different networks still cannot reach each other.
	ping_fails a "$ipb"
	rm_all
	assert_no_leftovers
}

# http_get NS_CMD URL: fetch URL with curl (or python) through the given prefix command.
http_get() {
	local url=${*: -1}
	set -- "${@:1:$(($# - 1))}"
	if command -v curl >/dev/null 2>&1; then
		"$@" curl -sS --max-time 5 "$url"
	else
		"$@" python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$url"
	fi
}

test_tcp_service() {
	local ip tok
	tok="xnet-token-$RANDOM$RANDOM"
	mkdir -p "$XT_TMP/www"
	echo "$tok" >"$XT_TMP/www/token.txt"
	xok network create --subnet 10.51.0.0/24 tnet
	xok run -d --name web --network tnet python3 -m http.server 8080 --bind 0.0.0.0 --directory "$XT_TMP/www"
	track web
	ip=$(ipof web tnet)
	run_d cli tnet
	run_d other bridge
	wait_until 20 http_get sx cli "http://$ip:8080/token.txt" ||
		fail "http.server in web never answered: $(http_get sx cli "http://$ip:8080/token.txt" 2>&1)"
	assert_eq "$(http_get sx cli "http://$ip:8080/token.txt")" "$tok" "HTTP from a peer sandbox"
	assert_eq "$(http_get hx "http://$ip:8080/token.txt")" "$tok" "HTTP from the host"
	http_get sx other "http://$ip:8080/token.txt" >/dev/null 2>&1 &&
		fail "a sandbox on another network reached web's TCP service"
	# A bigger transfer (several segments each way).
	head -c 300000 /dev/urandom >"$XT_TMP/www/big.bin"
	assert_eq "$(http_get sx cli "http://$ip:8080/big.bin" | md5sum)" "$(md5sum <"$XT_TMP/www/big.bin")" "300 kB over HTTP"
	rm_all
	assert_no_leftovers
}

test_icc_disabled() {
	local ip1 ip2 before after
	xok network create --subnet 10.60.0.0/24 -o com.docker.network.bridge.enable_icc=false iccnet
	assert_eq "$(net_json iccnet | jget 'd[0]["Options"].get("com.docker.network.bridge.enable_icc")')" false \
		"Options enable_icc"
	run_d i1 iccnet
	run_d i2 iccnet
	ip1=$(ipof i1 iccnet)
	ip2=$(ipof i2 iccnet)
	before=$(drops icc-disabled)
	ping_fails i1 "$ip2"
	ping_fails i2 "$ip1"
	ping_ok i1 10.60.0.1
	ping_ok i2 10.60.0.1
	host_ping_ok "$ip1"
	after=$(drops icc-disabled)
	[ "$after" -gt "$before" ] || fail "drop counter icc-disabled did not grow ($before -> $after): $(xn system drops 2>&1)"
	# The default (icc on) still lets peers talk.
	xok network create --subnet 10.62.0.0/24 iccon
	run_d j1 iccon
	run_d j2 iccon
	ping_ok j1 "$(ipof j2 iccon)"
	rm_all
	assert_no_leftovers
}

test_internal_network() {
	xok network create --internal --subnet 10.61.0.0/24 intnet
	assert_eq "$(net_json intnet | jget 'd[0]["Internal"]')" true Internal
	xok network ls --filter name=intnet
	assert_contains "$OUT" intnet "network ls"
	run_d s1 intnet
	run_d s2 intnet
	ping_ok s1 "$(ipof s2 intnet)"
	ping_fails s1 "$XT_UP_OUT"
	rm_all
	assert_no_leftovers
}

test_egress_nat() {
	local tok ip
	tok="egress-$RANDOM"
	mkdir -p "$XT_TMP/outside"
	echo "$tok" >"$XT_TMP/outside/t.txt"
	ip netns exec "${P}o" python3 -m http.server 8081 --bind "$XT_UP_OUT" --directory "$XT_TMP/outside" >"$XT_TMP/outside.log" 2>&1 &
	XT_OUT_SRV=$!
	wait_until 10 http_get ox "http://$XT_UP_OUT:8081/t.txt" || fail "outside HTTP server did not start"
	xok network create --subnet 10.63.0.0/24 enet
	run_d e1 bridge
	run_d e2 enet
	for c in e1 e2; do
		ping_ok $c "$XT_UP_OUT"
		assert_eq "$(http_get sx $c "http://$XT_UP_OUT:8081/t.txt")" "$tok" "HTTP from $c to the outside"
	done
	# The outside saw the host's address, never a sandbox's.
	grep -q "^$XT_UP_HOST - " "$XT_TMP/outside.log" || fail "outside did not see the host's address: $(cat "$XT_TMP/outside.log")"
	for ip in "$(ipof e1 bridge)" "$(ipof e2 enet)"; do
		grep -q "^$ip " "$XT_TMP/outside.log" && fail "outside saw the sandbox address $ip: $(cat "$XT_TMP/outside.log")"
	done
	kill "$XT_OUT_SRV" 2>/dev/null
	wait "$XT_OUT_SRV" 2>/dev/null
	rm_all
	assert_no_leftovers
}

test_networks_isolated() {
	local ipa ipb
	xok network create --subnet 10.70.0.0/24 n1
	xok network create --subnet 10.71.0.0/24 n2
	run_d a n1
	run_d b n2
	ipa=$(ipof a n1)
	ipb=$(ipof b n2)
	ping_fails a "$ipb"
	ping_fails b "$ipa"
	xok network connect n2 a
	ping_ok a "$ipb"
	ping_ok b "$(ipof a n2)"
	xok network disconnect n2 a
	ping_fails a "$ipb"
	# A connected sandbox does not bridge its networks.
	run_d c n1
	xok network connect n2 c
	ping_fails a "$ipb"
	ping_fails b "$ipa"
	rm_all
	assert_no_leftovers
}

test_drop_counters() {
	local before after
	xok system drops
	for r in spoofed-source-mac spoofed-source-ip other-network icc-disabled; do
		assert_contains "$OUT" "$r" "system drops"
	done
	xok --json system drops
	printf '%s' "$OUT" | json_ok || fail "--json system drops is not JSON:
$OUT"
	xok network create --subnet 10.72.0.0/24 d1
	run_d a d1
	run_d b bridge
	before=$(drops other-network)
	ping_fails a "$(ipof b bridge)"
	after=$(drops other-network)
	[ "$after" -ge $((before + 2)) ] ||
		fail "drop counter other-network did not grow by 2 ($before -> $after): $(xn system drops 2>&1)"
	rm_all
	assert_no_leftovers
}

# udp_listen SANDBOX PORT FILE: a 6-second UDP listener writing "src payload" lines.
udp_listen() {
	sx "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(6)
out = open(sys.argv[2], "a")
try:
    while True:
        data, addr = s.recvfrom(2048)
        out.write("%s %s\n" % (addr[0], data.decode())); out.flush()
except socket.timeout:
    pass' "$2" "$3" &
}

# udp_send SANDBOX SRC DST PORT PAYLOAD: 3 datagrams from SRC (an address inside the sandbox).
udp_send() {
	sx "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for _ in range(3):
    s.sendto(sys.argv[4].encode(), (sys.argv[2], int(sys.argv[3]))); time.sleep(0.1)' "$2" "$3" "$4" "$5"
}

test_anti_spoofing_ip() {
	local ip1 ip2 mac2 before after
	xok network create --subnet 10.80.0.0/24 snet
	run_d s1 snet
	run_d s2 snet
	run_d s3 snet
	ip1=$(ipof s1 snet)
	ip2=$(ipof s2 snet)
	mac2=$(macof s2 snet)
	ping_ok s1 "$ip2"
	before=$(drops spoofed-source-ip)

	: >"$XT_TMP/udp.log"
	udp_listen s2 5000 "$XT_TMP/udp.log"
	sleep 1
	sx s1 ip addr add 10.80.0.200/24 dev eth0 || fail "ip addr add inside s1"
	sx s1 ip neigh replace "$ip2" lladdr "$mac2" dev eth0 nud permanent || fail "ip neigh inside s1"
	# Spoofed: an unused address, and the address of another endpoint (s3).
	udp_send s1 10.80.0.200 "$ip2" 5000 spoofed || fail "udp send from 10.80.0.200"
	sx s1 ip addr add "$(ipof s3 snet)/32" dev eth0 || fail "ip addr add s3's address inside s1"
	udp_send s1 "$(ipof s3 snet)" "$ip2" 5000 stolen || fail "udp send from s3's address"
	udp_send s1 "$ip1" "$ip2" 5000 legit || fail "udp send from s1's address"
	o=$(sx s1 ping -c2 -W1 -I 10.80.0.200 "$ip2" 2>&1) && fail "ping from a spoofed source got through: $o"
	wait
	assert_contains "$(cat "$XT_TMP/udp.log")" "$ip1 legit" "datagrams received by s2"
	assert_not_contains "$(cat "$XT_TMP/udp.log")" spoofed "datagrams received by s2"
	assert_not_contains "$(cat "$XT_TMP/udp.log")" stolen "datagrams received by s2"
	after=$(drops spoofed-source-ip)
	[ "$after" -ge $((before + 6)) ] ||
		fail "drop counter spoofed-source-ip did not grow by 6 ($before -> $after): $(xn system drops 2>&1)"
	sx s1 ip addr del 10.80.0.200/24 dev eth0
	ping_ok s1 "$ip2"
	rm_all
	assert_no_leftovers
}

test_anti_spoofing_mac() {
	local ip2 mac1 before after
	xok network create --subnet 10.81.0.0/24 mnet
	run_d s1 mnet
	run_d s2 mnet
	ip2=$(ipof s2 mnet)
	mac1=$(macof s1 mnet)
	ping_ok s1 "$ip2"
	before=$(drops spoofed-source-mac)
	sx s1 ip link set dev eth0 address 02:42:de:ad:be:ef || fail "changing the MAC inside s1"
	ping_fails s1 "$ip2"
	ping_fails s1 10.81.0.1
	after=$(drops spoofed-source-mac)
	[ "$after" -ge $((before + 2)) ] ||
		fail "drop counter spoofed-source-mac did not grow ($before -> $after): $(xn system drops 2>&1)"
	# Another endpoint's MAC is refused as well.
	sx s1 ip link set dev eth0 address "$(macof s2 mnet)" || fail "setting s2's MAC inside s1"
	ping_fails s1 10.81.0.1
	sx s1 ip link set dev eth0 address "$mac1" || fail "restoring the MAC inside s1"
	ping_ok s1 "$ip2"
	ping_ok s2 "$(ipof s1 mnet)"
	rm_all
	assert_no_leftovers
}

# tagged_send IFACE DST_MAC VID SRC_IP DST_IP DPORT PAYLOAD [RUNNER...]: three
# 802.1Q-tagged Ethernet frames carrying a UDP datagram (source port 4242),
# written with a packet socket on IFACE (in the namespace RUNNER gives).
tagged_send() {
	local ifc=$1 dmac=$2 vid=$3 src=$4 dst=$5 dport=$6 payload=$7
	shift 7
	"$@" python3 -c '
import socket, struct, sys
ifc, dmac, vid, src, dst, dport, payload = sys.argv[1:8]
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
data = payload.encode()
udp = struct.pack("!HHHH", 4242, int(dport), 8 + len(data), 0) + data
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton(src), socket.inet_aton(dst))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifc, 0))
smac = s.getsockname()[4]
frame = bytes.fromhex(dmac.replace(":", "")) + smac + struct.pack("!HHH", 0x8100, int(vid), 0x0800) + ip + udp
for _ in range(3):
    s.send(frame)' "$ifc" "$dmac" "$vid" "$src" "$dst" "$dport" "$payload"
}

# ct_entries_with_sport PORT: conntrack entries (both tables) whose key has
# source port PORT.
ct_entries_with_sport() {
	local m n=0 c
	for m in xnet_ct xnet_ct_new; do
		[ -e "$(map_path "$m")" ] || continue
		c=$(map_dump "$m" | py -c '
import json, sys
p = int(sys.argv[1])
n = 0
for e in json.load(sys.stdin):
    k = e.get("formatted", {}).get("key") or {}
    if "sport" in k:
        sp = k["sport"]
    else:
        b = [int(x, 16) for x in e["key"]]
        sp = b[8] << 8 | b[9]
        sp = sp if sp == p else ((sp >> 8) | ((sp & 0xff) << 8))
    n += (sp == p or sp == ((p >> 8) | ((p & 0xff) << 8)))
print(n)' 4242)
		n=$((n + c))
	done
	echo "$n"
}

# xnet offers no VLANs: a sandbox's 802.1Q-tagged frames are dropped as
# vlan-tagged (the veth moves the tag into the skb before tc runs, so the
# frame looks untagged to a program that does not ask), and tagged frames
# from the wire never open a flow to a published port.
test_vlan_tagged() {
	local ip2 mac2 before after
	xok network create --subnet 10.82.0.0/24 vnet
	run_d s1 vnet
	xok run -d --name s2 --network vnet -p 5300:5000/udp sleep 1d
	track s2
	ip2=$(ipof s2 vnet)
	mac2=$(macof s2 vnet)
	ping_ok s1 "$ip2"
	before=$(drops vlan-tagged)
	: >"$XT_TMP/udp.log"
	udp_listen s2 5000 "$XT_TMP/udp.log"
	sleep 1
	tagged_send eth0 "$mac2" 5 "$(ipof s1 vnet)" "$ip2" 5000 tagged sx s1 || fail "sending tagged frames from s1"
	after=$(drops vlan-tagged)
	[ "$after" -ge $((before + 3)) ] ||
		fail "drop counter vlan-tagged did not grow by 3 ($before -> $after): $(xn system drops 2>&1)"
	# From the wire: VLAN 7 to the published port opens nothing.
	tagged_send up1 "$(ip -n "${P}h" -o link show up0 | grep -oE 'link/ether [0-9a-f:]+' | cut -d' ' -f2)" 7 \
		"$XT_UP_OUT" "$XT_UP_HOST" 5300 wire ox || fail "sending tagged frames from outside"
	wait
	assert_not_contains "$(cat "$XT_TMP/udp.log")" tagged "datagrams received by s2"
	assert_not_contains "$(cat "$XT_TMP/udp.log")" wire "datagrams received by s2"
	assert_eq "$(ct_entries_with_sport 4242)" 0 "conntrack entries opened by tagged frames"
	ping_ok s1 "$ip2"
	rm_all
	assert_no_leftovers
}
