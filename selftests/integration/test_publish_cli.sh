# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Port publishing from the CLI's side: every -p/-P/--expose form as `xnet
# port`, ps and inspect show it and as the kernel holds it (xnet_published),
# every refusal with Docker's words and nothing left behind, conflicts with
# other sandboxes and with host processes, random ports from
# ip_local_port_range, release on rm, and the host/none/container network
# modes. Reachability through the NAT is test_nat.sh's subject.

# pub_map: the kernel's published ports, one "HOSTIP:PORT/PROTO -> BACKEND:PORT" per line, sorted.
pub_map() {
	map_dump xnet_published | py -c '
import json, socket, struct, sys
out = []
for e in json.load(sys.stdin):
    f = e.get("formatted", e)
    k, v = f["key"], f["value"]
    ip = lambda n: socket.inet_ntoa(struct.pack("<I", n))
    proto = {6: "tcp", 17: "udp"}.get(k["proto"], str(k["proto"]))
    out.append("%s:%d/%s -> %s:%d" % (ip(k["host_ip"]), socket.ntohs(k["port"]), proto,
                                      ip(v["backend_ip"]), socket.ntohs(v["backend_port"])))
print("\n".join(sorted(out)))'
}

# pub_ifindex HOSTPORT: the host veth ifindex the entry for that host port delivers to.
pub_ifindex() {
	map_dump xnet_published | py -c '
import json, socket, sys
for e in json.load(sys.stdin):
    f = e.get("formatted", e)
    if socket.ntohs(f["key"]["port"]) == int(sys.argv[1]):
        print(f["value"]["ifindex"])' "$1"
}

# xfail_pub RC PHRASE ARGS: xfail_same, and the published map is unchanged too.
xfail_pub() {
	local before
	before=$(pub_map)
	xfail_same "$@"
	assert_eq "$(pub_map)" "$before" "xnet_published after a refused 'xnet ${*:3}'"
}

# host_hold PORT PROTO [IP]: a host process (in the host namespace) holding the port; sets HOLD_PID.
host_hold() {
	local ready=$XT_TMP/hold.$1.$2
	# Not through hx: $! must be the python process itself, for the kill at the end.
	ip netns exec "${P}h" python3 -c '
import socket, sys, time
kind = socket.SOCK_STREAM if sys.argv[2] == "tcp" else socket.SOCK_DGRAM
s = socket.socket(socket.AF_INET, kind)
s.bind((sys.argv[3], int(sys.argv[1])))
if kind == socket.SOCK_STREAM:
    s.listen()
open(sys.argv[4], "w").close()
time.sleep(600)' "$1" "$2" "${3:-0.0.0.0}" "$ready" &
	HOLD_PID=$!
	wait_until 10 test -e "$ready" || fail "the host process never bound $2 port $1"
}

# host_bind_errno PORT: what a host process gets from bind(0.0.0.0:PORT) over TCP ("0" = bound).
host_bind_errno() {
	hx python3 -c '
import socket, sys
s = socket.socket()
try:
    s.bind(("0.0.0.0", int(sys.argv[1])))
    print(0)
except OSError as e:
    print(e.errno)' "$1"
}

test_publish_forms() {
	local ip js
	xok network create --subnet 10.61.0.0/24 pnet
	run_d web pnet -p 5000:80 -p 127.0.0.1:8080:81 -p 127.0.0.1::82 -p 5353:53/udp \
		-p 8000-8002:90-92 -p 9000-9010:100 -p 443/TCP
	ip=$(ipof web pnet)

	# xnet port: every mapping, natural order; one port; a port by protocol.
	xok port web
	assert_eq "$(printf '%s\n' "$OUT" | grep -c .)" 9 "number of mappings"
	assert_contains "$OUT" "80/tcp -> 0.0.0.0:5000"
	assert_contains "$OUT" "81/tcp -> 127.0.0.1:8080"
	assert_match "$OUT" "82/tcp -> 127\.0\.0\.1:[0-9]+"
	assert_contains "$OUT" "53/udp -> 0.0.0.0:5353"
	assert_contains "$OUT" "90/tcp -> 0.0.0.0:8000"
	assert_contains "$OUT" "91/tcp -> 0.0.0.0:8001"
	assert_contains "$OUT" "92/tcp -> 0.0.0.0:8002"
	assert_contains "$OUT" "100/tcp -> 0.0.0.0:9000"	# one port picked from the host range
	assert_match "$OUT" "443/tcp -> 0\.0\.0\.0:[0-9]+"
	assert_eq "$(printf '%s\n' "$OUT" | head -n1)" "53/udp -> 0.0.0.0:5353" "natural order, first line"
	xok port web 80
	assert_eq "$OUT" "0.0.0.0:5000" "xnet port web 80"
	xok port web 80/tcp
	assert_eq "$OUT" "0.0.0.0:5000" "xnet port web 80/tcp"
	xok port web 53/udp
	assert_eq "$OUT" "0.0.0.0:5353" "xnet port web 53/udp"
	xok --json port web 81
	assert_eq "$(printf '%s' "$OUT" | jget 'd[0]["HostIp"] + ":" + d[0]["HostPort"]')" "127.0.0.1:8080" "port --json"

	# ps: Docker's PORTS column, sorted by container port.
	xok ps --format '{{.Ports}}'
	assert_match "$OUT" "^0\.0\.0\.0:5353->53/udp, 0\.0\.0\.0:5000->80/tcp, 127\.0\.0\.1:8080->81/tcp, 127\.0\.0\.1:[0-9]+->82/tcp, 0\.0\.0\.0:8000->90/tcp, 0\.0\.0\.0:8001->91/tcp, 0\.0\.0\.0:8002->92/tcp, 0\.0\.0\.0:9000->100/tcp, 0\.0\.0\.0:[0-9]+->443/tcp$" "ps Ports"
	xok ps
	assert_contains "$OUT" "0.0.0.0:5000->80/tcp" "ps table"

	# inspect: what was asked and what was given, in Docker's shapes.
	js=$(inspect_json web)
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["HostConfig"]["PortBindings"]["80/tcp"]')" \
		'[{"HostIp": "", "HostPort": "5000"}]' "PortBindings 80/tcp"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["HostConfig"]["PortBindings"]["82/tcp"]')" \
		'[{"HostIp": "127.0.0.1", "HostPort": ""}]' "PortBindings 82/tcp"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["HostConfig"]["PortBindings"]["100/tcp"]')" \
		'[{"HostIp": "", "HostPort": "9000-9010"}]' "PortBindings 100/tcp (a host range)"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["HostConfig"]["PublishAllPorts"]')" false "PublishAllPorts"
	assert_eq "$(printf '%s' "$js" | jget 'sorted(d[0]["Config"]["ExposedPorts"])')" \
		'["100/tcp", "443/tcp", "53/udp", "80/tcp", "81/tcp", "82/tcp", "90/tcp", "91/tcp", "92/tcp"]' "ExposedPorts"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["NetworkSettings"]["Ports"]["53/udp"]')" \
		'[{"HostIp": "0.0.0.0", "HostPort": "5353"}]' "NetworkSettings.Ports 53/udp"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["NetworkSettings"]["Ports"]["81/tcp"]')" \
		'[{"HostIp": "127.0.0.1", "HostPort": "8080"}]' "NetworkSettings.Ports 81/tcp"

	# The kernel: one entry per binding, to the sandbox's address and container port.
	js=$(pub_map)
	assert_eq "$(printf '%s\n' "$js" | grep -c .)" 9 "xnet_published entries"
	assert_contains "$js" "0.0.0.0:5000/tcp -> $ip:80"
	assert_contains "$js" "127.0.0.1:8080/tcp -> $ip:81"
	assert_contains "$js" "0.0.0.0:5353/udp -> $ip:53"
	assert_contains "$js" "0.0.0.0:8002/tcp -> $ip:92"
	assert_contains "$js" "0.0.0.0:9000/tcp -> $ip:100"
	assert_eq "$(pub_ifindex 5000)" "$(link_ifindex "$(inspect_json web | jget 'd[0]["NetworkSettings"]["Networks"]["pnet"]["HostIfName"]')")" \
		"ifindex of the published entry (the sandbox's host veth)"

	# docker/cli's long syntax.
	run_d lng pnet -p published=5005,target=85,protocol=udp -p target=86
	xok port lng
	assert_match "$OUT" "^85/udp -> 0\.0\.0\.0:5005
86/tcp -> 0\.0\.0\.0:[0-9]+$" "port of the long syntax"

	# The default bridge publishes too; a sandbox without -p shows nothing.
	run_d b1 bridge -p 5001:80
	assert_contains "$(pub_map)" "0.0.0.0:5001/tcp -> $(ipof b1):80"
	run_d plain pnet
	xok port plain
	assert_eq "$OUT" "" "xnet port of a sandbox without ports"
	assert_eq "$(inspect_json plain | jget 'd[0]["NetworkSettings"]["Ports"]')" "{}" "Ports without -p"
	assert_eq "$(inspect_json plain | jget 'd[0]["HostConfig"]["PortBindings"]')" "{}" "PortBindings without -p"
	assert_eq "$(inspect_json plain | jget '"ExposedPorts" in d[0]["Config"]')" "false" "ExposedPorts omitted"
	rm_all
	assert_no_leftovers
}

test_publish_errors() {
	xok network create --subnet 10.62.0.0/24 pnet
	xok network create --internal --subnet 10.63.0.0/24 inet
	run_d web pnet -p 5000:80
	xfail_pub 125 "invalid ranges specified for container and host Ports: 80-90 and 8000-8005" \
		run -d --name x --network pnet -p 8000-8005:80-90 sleep 1d
	xfail_pub 125 "xnet does not publish or expose SCTP ports" run -d --name x --network pnet -p 80/sctp sleep 1d
	xfail_pub 125 "xnet does not publish or expose SCTP ports" run -d --name x --network pnet --expose 80/sctp sleep 1d
	xfail_pub 125 "IPv4 host addresses only" run -d --name x --network pnet -p '[::1]:8080:80' sleep 1d
	xfail_pub 125 "IPv4 host addresses only" run -d --name x --network pnet -p '::1:8080:80' sleep 1d
	xfail_pub 125 "invalid IP address: 1.2.3" run -d --name x --network pnet -p 1.2.3:8080:80 sleep 1d
	xfail_pub 125 "invalid containerPort: 80x" run -d --name x --network pnet -p 8080:80x sleep 1d
	xfail_pub 125 "invalid containerPort: 70000" run -d --name x --network pnet -p 70000 sleep 1d
	xfail_pub 125 "invalid containerPort: 0" run -d --name x --network pnet -p 0 sleep 1d
	xfail_pub 125 "invalid hostPort: abc" run -d --name x --network pnet -p abc:80 sleep 1d
	xfail_pub 125 "invalid proto: icmp" run -d --name x --network pnet -p 80/icmp sleep 1d
	xfail_pub 125 "no port specified: 8080:<empty>" run -d --name x --network pnet -p 8080: sleep 1d
	xfail_pub 125 "invalid publish opts format (should be name=value but got 'target')" \
		run -d --name x --network pnet -p published=80,target sleep 1d
	xfail_pub 125 "invalid port format for --expose: 80:80" run -d --name x --network pnet --expose 80:80 sleep 1d
	xfail_pub 125 "invalid range format for --expose: 90-80" run -d --name x --network pnet --expose 90-80 sleep 1d
	xfail_pub 125 "conflicting options: port publishing and the container type network mode" \
		run -d --name x --network container:web -p 80 sleep 1d
	xfail_pub 125 "conflicting options: port publishing and the container type network mode" \
		run -d --name x --network container:web -P sleep 1d
	xfail_pub 125 "conflicting options: port exposing and the container type network mode" \
		run -d --name x --network container:web --expose 80 sleep 1d
	xfail_pub 125 "network inet is internal" run -d --name x --network inet -p 80 sleep 1d
	xfail_pub 125 "network inet is internal" run -d --name x --network inet -P --expose 80 sleep 1d
	# An internal network with nothing to publish is fine (-P with nothing exposed, --expose alone).
	run_d i1 inet -P
	run_d i2 inet --expose 80
	xfail 1 "No public port '7890/udp' published for web" port web 7890/udp
	xfail 1 "No public port '81' published for web" port web 81
	xfail 1 "invalid port (abc)" port web abc
	xfail 1 "No such container: nosuch" port nosuch
	xfail 1 '"xnet port" requires at least 1 and at most 2 arguments.' port
	rm_all
	assert_no_leftovers
}

test_publish_conflicts() {
	local p
	xok network create --subnet 10.64.0.0/24 pnet
	run_d a pnet -p 5000:80 -p 127.0.0.1:6000:80/udp
	xfail_pub 125 "Bind for 0.0.0.0:5000 failed: port is already allocated" run -d --name b --network pnet -p 5000:80 sleep 1d
	xfail_pub 125 "Bind for 0.0.0.0:5000 failed: port is already allocated" run -d --name b -p 5000:80 sleep 1d
	# 0.0.0.0 covers every address, both ways.
	xfail_pub 125 "Bind for 127.0.0.1:5000 failed: port is already allocated" \
		run -d --name b --network pnet -p 127.0.0.1:5000:80 sleep 1d
	xfail_pub 125 "Bind for 0.0.0.0:6000 failed: port is already allocated" \
		run -d --name b --network pnet -p 6000:80/udp sleep 1d
	# Twice in one run.
	xfail_pub 125 "Bind for 0.0.0.0:7000 failed: port is already allocated" \
		run -d --name b --network pnet -p 7000:80 -p 7000:81 sleep 1d
	# Other protocol, other specific address: no conflict.
	run_d b pnet -p 5000:80/udp -p 127.0.0.1:6000:80 -p "$XT_UP_HOST":6001:80
	run_d c pnet -p 127.0.0.2:6001:80
	# A host range skips the ports other sandboxes hold.
	run_d d pnet -p 4999-5002:80
	xok port d 80
	assert_eq "$OUT" "0.0.0.0:4999" "first free port of the range"
	run_d e pnet -p 4999-5002:80
	xok port e 80
	assert_eq "$OUT" "0.0.0.0:5001" "next free port of the range (5000 is a's)"
	# A range whose every port is taken.
	xfail_pub 125 "Bind for 0.0.0.0:4999-5001 failed: port is already allocated" \
		run -d --name x --network pnet -p 4999-5001:80 sleep 1d
	p=$(pub_map)
	assert_contains "$p" "0.0.0.0:5000/tcp -> $(ipof a pnet):80"
	assert_contains "$p" "0.0.0.0:5000/udp -> $(ipof b pnet):80"
	rm_all
	assert_no_leftovers
}

test_publish_host_process() {
	local holders=""
	xok network create --subnet 10.65.0.0/24 pnet
	host_hold 6000 tcp
	holders="$holders $HOLD_PID"
	host_hold 6001 udp 127.0.0.1
	holders="$holders $HOLD_PID"
	xfail_pub 125 "failed to bind host port 0.0.0.0:6000/tcp: address already in use" \
		run -d --name x --network pnet -p 6000:80 sleep 1d
	xfail_pub 125 "failed to bind host port 127.0.0.1:6000/tcp: address already in use" \
		run -d --name x --network pnet -p 127.0.0.1:6000:80 sleep 1d
	xfail_pub 125 "failed to bind host port 0.0.0.0:6001/udp: address already in use" \
		run -d --name x --network pnet -p 6001:80/udp sleep 1d
	# Not an address of this host.
	xfail_pub 125 "failed to bind host port 203.0.113.9:6002/tcp: cannot assign requested address" \
		run -d --name x --network pnet -p 203.0.113.9:6002:80 sleep 1d
	# The same port over the other protocol is free; a range steps over the held port.
	run_d u pnet -p 6001:80
	run_d r pnet -p 6000-6003:80
	xok port r
	assert_eq "$OUT" "80/tcp -> 0.0.0.0:6002" "range skipping a host-held and an allocated port"
	# While published, no host process can take the port.
	assert_eq "$(host_bind_errno 6002)" 98 "errno of a host bind() on a published port (EADDRINUSE)"
	# shellcheck disable=SC2086
	kill $holders 2>/dev/null
	wait 2>/dev/null
	rm_all
	assert_no_leftovers
	assert_eq "$(host_bind_errno 6002)" 0 "a host bind() after rm"
}

test_publish_rm_releases() {
	xok network create --subnet 10.66.0.0/24 pnet
	run_d a pnet -p 5000:80 -p 5000:80/udp
	xok rm -f a
	assert_eq "$(pub_map)" "" "xnet_published after rm"
	# At once, by another sandbox on another network.
	run_d b bridge -p 5000:80 -p 5000:80/udp
	assert_contains "$(pub_map)" "0.0.0.0:5000/udp -> $(ipof b):80"
	xok rm -f b
	# A foreground --rm run releases its port when its command exits.
	xok run --rm --name f --network pnet -p 5001:80 true
	assert_eq "$(pub_map)" "" "xnet_published after run --rm"
	run_d c pnet -p 5001:80
	# A detached --rm run, removed by its shim.
	xok run -d --rm --name g --network pnet -p 5002:80 sleep 0.3
	wait_until 15 bash -c "! ip netns exec ${P}h $XNET --root $ROOT inspect g" || fail "g was not auto-removed"
	run_d h pnet -p 5002:80
	xok port h
	assert_eq "$OUT" "80/tcp -> 0.0.0.0:5002" "port of h"
	rm_all
	assert_no_leftovers
}

test_publish_all_expose() {
	local js
	xok network create --subnet 10.67.0.0/24 pnet
	# Random ports: ip_local_port_range, reserved ports skipped, sequential after the last one.
	hx sysctl -qw net.ipv4.ip_local_port_range="40000 40004" || skip "cannot set ip_local_port_range"
	hx sysctl -qw net.ipv4.ip_local_reserved_ports=40001 || skip "cannot set ip_local_reserved_ports"
	run_d a pnet -P --expose 7000-7001 --expose 53/udp -p 8080:80
	xok port a
	assert_eq "$OUT" "53/udp -> 0.0.0.0:40000
80/tcp -> 0.0.0.0:8080
7000/tcp -> 0.0.0.0:40000
7001/tcp -> 0.0.0.0:40002" "port a (-P)"
	js=$(inspect_json a)
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["HostConfig"]["PublishAllPorts"]')" true "PublishAllPorts"
	assert_eq "$(printf '%s' "$js" | jget 'sorted(d[0]["Config"]["ExposedPorts"])')" \
		'["53/udp", "7000/tcp", "7001/tcp", "80/tcp"]' "ExposedPorts"
	assert_eq "$(printf '%s' "$js" | jget 'list(d[0]["HostConfig"]["PortBindings"])')" '["80/tcp"]' \
		"PortBindings hold -p only"
	# -p 80 takes the next one; then the range is used up (40001 is reserved).
	run_d b pnet -p 80
	xok port b 80
	assert_eq "$OUT" "0.0.0.0:40003" "next random port"
	run_d c pnet -p 80
	xok port c 80
	assert_eq "$OUT" "0.0.0.0:40004" "next random port"
	xfail_pub 125 "all ports are allocated" run -d --name d --network pnet -p 80 sleep 1d
	# A freed port is found again, wrapping around.
	xok rm -f a
	run_d d pnet -p 80
	xok port d 80
	assert_match "$OUT" "^0\.0\.0\.0:4000[02]$" "random port after wrap-around"
	# --expose without -P: shown, not published.
	run_d e pnet --expose 9000-9002 --expose 9005
	xok ps --format '{{.Names}} {{.Ports}}'
	assert_contains "$OUT" "e 9000-9002/tcp, 9005/tcp" "ps Ports of exposed-only ports"
	assert_eq "$(inspect_json e | jget 'd[0]["NetworkSettings"]["Ports"]["9005/tcp"]')" null "Ports of an exposed port"
	xok port e
	assert_eq "$OUT" "" "port of exposed-only ports"
	# Ports published to themselves fold into ranges, as Docker prints them.
	hx sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
	run_d f pnet -p 7100-7102:7100-7102
	xok ps --format '{{.Names}} {{.Ports}}'
	assert_contains "$OUT" "f 0.0.0.0:7100-7102->7100-7102/tcp" "ps Ports of a self-mapped range"
	# b, c, d: one each; f: three; a is gone.
	assert_eq "$(pub_map | grep -c .)" 6 "xnet_published entries"
	rm_all
	assert_no_leftovers
}

test_publish_failed_run_leaves_nothing() {
	xok network create --subnet 10.68.0.0/24 pnet
	run_d a pnet -p 5000:80
	# Refused before any kernel change.
	xfail_pub 125 "port is already allocated" run -d --name b --network pnet -p 5001:80 -p 5000:81 sleep 1d
	xok port a
	assert_eq "$OUT" "80/tcp -> 0.0.0.0:5000" "a keeps its port"
	# Refused after the ports were in the kernel (the command does not exist):
	# the sandbox, its links and its published entries are gone again.
	local before links
	before=$(pub_map)
	links=$(links xnv | sort)
	xfail_same nz "executable file not found" run -d --name b --network pnet -p 5002:80 -p 5003:82 no-such-command-xnet
	assert_eq "$(pub_map)" "$before" "xnet_published after a run that failed in the kernel"
	assert_eq "$(links xnv | sort)" "$links" "endpoint links after a run that failed in the kernel"
	xok ps -a --format '{{.Names}}'
	assert_eq "$OUT" "a" "sandboxes after a run that failed in the kernel"
	# The ports of the failed runs are free.
	run_d b pnet -p 5001:80 -p 5002:81 -p 5003:82
	assert_eq "$(pub_map | grep -c .)" 4 "xnet_published entries"
	rm_all
	assert_no_leftovers
}

test_publish_netmodes() {
	local js
	# host: Docker's warning, the run goes on, nothing is published.
	xok run -d --name h --network host -p 5000:80 sleep 1d
	track h
	assert_contains "$ERR" "WARNING: Published ports are discarded when using host network mode"
	xok port h
	assert_eq "$OUT" "" "port of a host-mode sandbox"
	js=$(inspect_json h)
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["HostConfig"]["PortBindings"]["80/tcp"]')" \
		'[{"HostIp": "", "HostPort": "5000"}]' "PortBindings are recorded"
	assert_eq "$(printf '%s' "$js" | jget 'd[0]["NetworkSettings"]["Ports"]')" "{}" "Ports in host mode"
	# none: accepted, nothing published.
	run_d n none -p 5000:80
	xok port n
	assert_eq "$OUT" "" "port of a none-mode sandbox"
	assert_eq "$(pub_map)" "" "xnet_published with host and none sandboxes"
	# The network's default host IP (host_binding_ipv4).
	xok network create --subnet 10.69.0.0/24 -o com.docker.network.bridge.host_binding_ipv4=127.0.0.1 lonet
	run_d l lonet -p 5000:80 -p "$XT_UP_HOST":5001:81
	xok port l
	assert_eq "$OUT" "80/tcp -> 127.0.0.1:5000
81/tcp -> $XT_UP_HOST:5001" "port with host_binding_ipv4"
	assert_contains "$(pub_map)" "127.0.0.1:5000/tcp -> $(ipof l lonet):80"
	assert_eq "$(inspect_json l | jget 'd[0]["HostConfig"]["PortBindings"]["80/tcp"][0]["HostIp"]')" "" \
		"PortBindings keep what was asked"
	# Published on 127.0.0.1 only: 0.0.0.0:5000 conflicts, 198.18.0.1:5000 does not.
	xfail_pub 125 "Bind for 0.0.0.0:5000 failed: port is already allocated" run -d --name m -p 5000:80 sleep 1d
	run_d m bridge -p "$XT_UP_HOST":5000:80
	rm_all
	assert_no_leftovers
}

test_publish_follows_backend() {
	local a1 b1
	xok network create --subnet 10.70.0.0/24 n1
	xok network create --subnet 10.71.0.0/24 n2
	run_d a n1 -p 5000:80
	a1=$(ipof a n1)
	assert_eq "$(pub_map)" "0.0.0.0:5000/tcp -> $a1:80" "backend on n1"
	xok network connect n2 a
	assert_eq "$(pub_map)" "0.0.0.0:5000/tcp -> $a1:80" "backend stays eth0 after connect"
	b1=$(ipof a n2)
	xok network disconnect n1 a
	assert_eq "$(pub_map)" "0.0.0.0:5000/tcp -> $b1:80" "backend moves to the next ethN"
	xok network disconnect n2 a
	assert_eq "$(pub_map)" "" "no endpoint, no published entry"
	xok port a
	assert_eq "$OUT" "80/tcp -> 0.0.0.0:5000" "the port stays the sandbox's"
	xok network connect n1 a
	assert_eq "$(pub_map)" "0.0.0.0:5000/tcp -> $(ipof a n1):80" "published again on reconnect"
	rm_all
	assert_no_leftovers
}
