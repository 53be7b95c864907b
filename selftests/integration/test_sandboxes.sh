# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sandboxes: run (-d, --rm, exit codes, names, hostname, /etc/hosts, -e),
# exec, ps, inspect, and the host / none / container:NAME network modes.

test_run_detached_inspect() {
	local id nid js pid ep
	xok network create --subnet 10.40.0.0/24 --gateway 10.40.0.1 inet
	nid=$(printf '%s\n' "$OUT" | tail -n1)
	run_d c1 inet
	id=$RUN_ID
	js="$XT_TMP/c1.json"
	inspect_json c1 >"$js"
	assert_eq "$(jget 'len(d)' <"$js")" 1 "entries of inspect c1"
	assert_eq "$(jget 'd[0]["Id"]' <"$js")" "$id" Id
	assert_eq "$(jget 'd[0]["Name"]' <"$js")" /c1 Name
	assert_eq "$(jget 'd[0]["State"]["Running"]' <"$js")" true State.Running
	pid=$(jget 'd[0]["State"]["Pid"]' <"$js")
	assert_match "$pid" '^[1-9][0-9]*$' State.Pid
	assert_eq "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "sleep 1d " "cmdline of State.Pid"
	assert_eq "$(jget 'd[0]["Config"]["Hostname"]' <"$js")" "${id:0:12}" "default Config.Hostname"
	assert_eq "$(jget 'd[0]["NetworkSettings"]["IPAddress"]' <"$js")" "" "NetworkSettings.IPAddress off the default bridge"
	assert_eq "$(jget 'list(d[0]["NetworkSettings"]["Networks"])' <"$js")" '["inet"]' "Networks"
	assert_eq "$(jget 'd[0]["NetworkSettings"]["Networks"]["inet"]["IPAddress"]' <"$js")" 10.40.0.2 IPAddress
	assert_eq "$(jget 'd[0]["NetworkSettings"]["Networks"]["inet"]["IPPrefixLen"]' <"$js")" 24 IPPrefixLen
	assert_eq "$(jget 'd[0]["NetworkSettings"]["Networks"]["inet"]["Gateway"]' <"$js")" 10.40.0.1 Gateway
	assert_eq "$(jget 'd[0]["NetworkSettings"]["Networks"]["inet"]["MacAddress"]' <"$js")" 02:42:0a:28:00:02 MacAddress
	assert_eq "$(jget 'd[0]["NetworkSettings"]["Networks"]["inet"]["NetworkID"]' <"$js")" "$nid" NetworkID
	ep=$(jget 'd[0]["NetworkSettings"]["Networks"]["inet"]["EndpointID"]' <"$js")
	assert_match "$ep" '^[0-9a-f]{64}$' EndpointID

	# --format forms.
	xok inspect --format '{{.NetworkSettings.Networks.inet.IPAddress}}' c1
	assert_eq "$OUT" 10.40.0.2 "--format Networks.inet.IPAddress"
	xok inspect --format '{{.NetworkSettings.Networks.inet.MacAddress}}' c1
	assert_eq "$OUT" 02:42:0a:28:00:02 "--format Networks.inet.MacAddress"
	xok inspect -f '{{.Name}} {{.State.Running}} {{.State.Pid}}' c1
	assert_eq "$OUT" "/c1 true $pid" "-f .Name .State.Running .State.Pid"
	xok inspect --format '{{.Id}}' "${id:0:12}"
	assert_eq "$OUT" "$id" "inspect by short id"
	xok inspect --format '{{json .}}' c1
	assert_eq "$(printf '%s' "$OUT" | jget 'd["Id"]')" "$id" "{{json .}}"
	xok inspect --format '{{json .NetworkSettings.Networks}}' c1
	assert_eq "$(printf '%s' "$OUT" | jget 'd["inet"]["IPAddress"]')" 10.40.0.2 "{{json .NetworkSettings.Networks}}"

	# The kernel agrees.
	[ -e "$ROOT/netns/$id" ] || fail "no $ROOT/netns/$id"
	assert_contains "$(sx c1 ip -4 -o addr show dev eth0)" "10.40.0.2/24" "eth0 of c1"
	assert_contains "$(sx c1 ip route show default)" "via 10.40.0.1" "default route of c1"
	assert_eq "$(sx c1 cat /sys/class/net/eth0/address)" 02:42:0a:28:00:02 "eth0 MAC"
	assert_eq "$(links xnv | wc -l)" 1 "endpoint links in the host namespace"
	assert_eq "$(map_len xnet_endpoints)" 1 "xnet_endpoints entries"
	assert_eq "$(map_len xnet_ip2ep)" 1 "xnet_ip2ep entries"
	assert_eq "$(map_len xnet_fdb)" 1 "xnet_fdb entries"

	# The network lists it.
	net_json inet >"$XT_TMP/n.json"
	assert_eq "$(jget "d[0]['Containers']['$id']['Name']" <"$XT_TMP/n.json")" c1 "Containers.<id>.Name"
	assert_eq "$(jget "d[0]['Containers']['$id']['IPv4Address']" <"$XT_TMP/n.json")" 10.40.0.2/24 "Containers.<id>.IPv4Address"
	assert_eq "$(jget "d[0]['Containers']['$id']['MacAddress']" <"$XT_TMP/n.json")" 02:42:0a:28:00:02 "Containers.<id>.MacAddress"
	assert_eq "$(jget "d[0]['Containers']['$id']['EndpointID']" <"$XT_TMP/n.json")" "$ep" "Containers.<id>.EndpointID"
	assert_eq "$(jget "d[0]['Containers']['$id']['IPv6Address']" <"$XT_TMP/n.json")" "" "Containers.<id>.IPv6Address"

	# Default bridge: NetworkSettings.IPAddress is set.
	run_d c2 bridge
	assert_eq "$(inspect_json c2 | jget 'd[0]["NetworkSettings"]["IPAddress"]')" 172.17.0.2 "NetworkSettings.IPAddress on bridge"
	xok inspect --format '{{.NetworkSettings.IPAddress}}' c2
	assert_eq "$OUT" 172.17.0.2 "--format .NetworkSettings.IPAddress"
	assert_eq "$(inspect_json c2 | jget 'd[0]["NetworkSettings"]["Networks"]["bridge"]["Gateway"]')" 172.17.0.1 "bridge Gateway"
	# Default network is bridge.
	xok run -d sleep 1d
	track "$(printf '%s\n' "$OUT" | tail -n1)"
	assert_eq "$(inspect_json "$(printf '%s\n' "$OUT" | tail -n1)" | jget 'list(d[0]["NetworkSettings"]["Networks"])')" \
		'["bridge"]' "networks of a sandbox run without --network"
	rm_all
	assert_no_leftovers
}

test_ps() {
	local id hdr row
	run_d c1 bridge
	id=$RUN_ID
	xok run -d --name done1 sh -c 'exit 3'
	track done1
	wait_until 15 sh -c "ip netns exec ${P}h $XNET --root $ROOT ps -a | grep -E 'Exited \\(3\\).*done1'" ||
		fail "done1 never shows 'Exited (3)' in ps -a: $(xn ps -a 2>&1)"

	xok ps
	hdr=$(printf '%s\n' "$OUT" | head -n1)
	assert_match "$hdr" '^CONTAINER ID +COMMAND +CREATED +STATUS +PORTS +NAMES *$' "ps header"
	row=$(printf '%s\n' "$OUT" | grep -E ' c1 *$')
	assert_match "$row" "^${id:0:12} " "ps row of c1"
	assert_match "$row" ' Up ' "ps STATUS of c1"
	assert_contains "$row" "sleep" "ps COMMAND of c1"
	assert_not_contains "$OUT" done1 "ps (running only)"
	xok ps -a
	assert_match "$OUT" 'Exited \(3\) .* done1 *$' "ps -a row of done1"
	assert_match "$OUT" ' c1 *$' "ps -a row of c1"
	xok ps -q
	assert_eq "$OUT" "${id:0:12}" "ps -q"
	xok ps -a -q
	assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 2 "lines of ps -a -q"
	xok ps -aq
	assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 2 "lines of ps -aq"
	assert_eq "$(inspect_json done1 | jget 'd[0]["State"]["Running"]')" false "State.Running of done1"

	# An exited sandbox is removed without -f.
	xok rm done1
	assert_eq "$OUT" done1 "rm output"
	xok ps -a
	assert_not_contains "$OUT" done1 "ps -a after rm"
	rm_all
	assert_no_leftovers
}

# The listings of a sandbox on ten networks with 128-character names (the
# longest a name may be), 100 published ports and a 3 KB command: the
# Networks column was once formatted into a 1 KB stack buffer, the ports
# and the command into fixed ones that cut them.
test_ps_many_networks() {
	local i name names="" long want_cmd
	for i in 0 1 2 3 4 5 6 7 8 9; do
		name=$(printf 'n%d-%0127d' "$i" 0 | cut -c1-128)
		xok network create --subnet "10.77.$i.0/24" "$name"
		names="$names${names:+,}$name"
	done
	long=$(head -c 3000 /dev/zero | tr '\0' x)
	xok run -d --name c1 --network "n0-$(printf '%0127d' 0 | cut -c1-125)" -p 20000-20099:30000-30099 \
		sh -c 'sleep 1d' "$long"
	track c1
	for i in 1 2 3 4 5 6 7 8 9; do
		xok network connect "$(printf 'n%d-%0127d' "$i" 0 | cut -c1-128)" c1
	done
	want_cmd="\"sh -c sleep 1d $long\""

	xok --json ps
	printf '%s' "$OUT" | py -c '
import json, sys
d = json.load(sys.stdin)
assert len(d) == 1, d
r = d[0]
want = sys.argv[1].split(",")
got = r["Networks"].split(",")
assert sorted(got) == sorted(want), "Networks: %d bytes, %d names" % (len(r["Networks"]), len(got))
assert r["Names"] == "c1", r["Names"]
ports = r["Ports"].split(", ")
assert len(ports) == 100 and ports[0] == "0.0.0.0:20000->30000/tcp" and ports[-1] == "0.0.0.0:20099->30099/tcp", r["Ports"][:200]
assert r["Command"] == "\"sh -c sleep 1d xxxx…\"", r["Command"]
' "$names" || fail "--json ps: ${OUT:0:300}"
	xok ps --format '{{json .}}'
	printf '%s' "$OUT" | json_ok || fail "ps --format '{{json .}}' is not JSON: ${OUT:0:300}"
	xok ps --format '{{.Networks}}'
	assert_eq "$(printf '%s' "$OUT" | tr ',' '\n' | sort | tr '\n' ',')" \
		"$(printf '%s' "$names" | tr ',' '\n' | sort | tr '\n' ',')" "ps --format '{{.Networks}}'"
	xok ps --no-trunc --format '{{.Command}}'
	[ "$OUT" = "$want_cmd" ] || fail "ps --no-trunc --format '{{.Command}}': ${#OUT} bytes, expected ${#want_cmd}"
	# The table: one header and one row, with every port and the whole command.
	xok ps --no-trunc
	assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 2 "lines of ps --no-trunc"
	assert_match "$(printf '%s\n' "$OUT" | tail -n1)" \
		"^[0-9a-f]{64} +$want_cmd .* 0\.0\.0\.0:20000->30000/tcp, .*, 0\.0\.0\.0:20099->30099/tcp +c1 *\$" "ps --no-trunc row"
	xok ps
	assert_match "$(printf '%s\n' "$OUT" | tail -n1)" '^[0-9a-f]{12} +"sh -c sleep 1d xxxx…" .* c1 *$' "ps row"
	rm_all
	assert_no_leftovers
}

test_random_names() {
	local id1 id2 n1 n2
	xok run -d sleep 1d
	id1=$(printf '%s\n' "$OUT" | tail -n1)
	track "$id1"
	xok run -d sleep 1d
	id2=$(printf '%s\n' "$OUT" | tail -n1)
	track "$id2"
	n1=$(inspect_json "$id1" | jget 'd[0]["Name"]')
	n2=$(inspect_json "$id2" | jget 'd[0]["Name"]')
	assert_match "$n1" '^/[a-z]+_[a-z]+[0-9]*$' "generated name"
	assert_match "$n2" '^/[a-z]+_[a-z]+[0-9]*$' "generated name"
	assert_ne "$n1" "$n2" "two generated names"
	xok ps
	assert_contains "$OUT" "${n1#/}" "ps NAMES"
	xok rm -f "${n1#/}" "${id2:0:12}"
	rm_all
	assert_no_leftovers
}

# Generated names never collide: xnet draws again while a name is taken.
# XNET_NAME_POOL=3 leaves three possible names, so the draws must collide.
test_random_name_collisions() {
	local names
	for _ in 1 2 3; do
		XNET_NAME_POOL=3 xok run -d sleep 1d
		track "$(printf '%s\n' "$OUT" | tail -n1)"
	done
	xok ps --format '{{.Names}}'
	names=$(printf '%s\n' "$OUT" | sort -u | wc -l)
	assert_eq "$names" 3 "three distinct generated names out of a pool of three"
	XNET_NAME_POOL=3 xfail_same 125 "cannot find a free random container name" run -d sleep 1d
	rm_all
	assert_no_leftovers
}

test_hostname_and_hosts() {
	local ip1 ip2 id2 sum hn
	sum=$(md5sum </etc/hosts)
	hn=$(hostname)
	xok network create --subnet 10.41.0.0/24 hnet
	run_d h1 hnet --hostname myhost
	ip1=$(ipof h1 hnet)
	assert_eq "$(sx h1 hostname)" myhost "hostname inside h1"
	assert_eq "$(inspect_json h1 | jget 'd[0]["Config"]["Hostname"]')" myhost "Config.Hostname"
	xok exec h1 cat /etc/hosts
	assert_match "$OUT" '^127\.0\.0\.1[[:space:]]+localhost' "/etc/hosts of h1"
	assert_match "$OUT" "^${ip1//./\\.}[[:space:]]+myhost" "/etc/hosts of h1"
	assert_match "$(sx h1 getent hosts myhost)" "^${ip1//./\\.} +myhost" "getent hosts myhost in h1"
	sx h1 test -s /etc/resolv.conf || fail "/etc/resolv.conf missing or empty in h1"

	run_d h2 hnet
	id2=$RUN_ID
	ip2=$(ipof h2 hnet)
	assert_eq "$(sx h2 hostname)" "${id2:0:12}" "default hostname"
	assert_match "$(sx h2 cat /etc/hosts)" "${ip2//./\\.}[[:space:]]+${id2:0:12}" "/etc/hosts of h2"
	# A later exec sees the same files and name.
	assert_eq "$(sx h1 sh -c 'cat /etc/hostname 2>/dev/null || hostname')" myhost "/etc/hostname of h1"

	xok run --rm --network hnet --hostname fg.example sh -c 'hostname; cat /etc/hosts'
	assert_contains "$OUT" "fg.example" "foreground --hostname"

	# The machine's own files and name are untouched.
	assert_eq "$(md5sum </etc/hosts)" "$sum" "the machine's /etc/hosts"
	assert_eq "$(hostname)" "$hn" "the machine's hostname"
	rm_all
	assert_no_leftovers
}

test_run_foreground() {
	xok run --rm --name fg1 sh -c 'echo hello-$((1+2))'
	assert_eq "$OUT" hello-3 "foreground output"
	xok ps -a
	assert_not_contains "$OUT" fg1 "ps -a after run --rm"

	xrun run --rm sh -c 'exit 7'
	assert_eq "$RC" 7 "exit status of run --rm sh -c 'exit 7'"
	xrun run --rm false
	assert_eq "$RC" 1 "exit status of run --rm false"
	xrun run --rm sh -c 'kill -9 $$'
	assert_eq "$RC" 137 "exit status of a command killed by SIGKILL"
	xfail_same 127 "executable file not found" run --rm no-such-cmd-xyz
	xfail_same 125 "network nosuch not found" run --rm --network nosuch true

	xok run --rm -e FOO=bar -e XT_TWO=2 sh -c 'echo "$FOO-$XT_TWO"'
	assert_eq "$OUT" bar-2 "-e variables"
	xok run --rm sh -c 'ip -4 -o addr show dev eth0'
	assert_contains "$OUT" "172.17.0." "foreground run gets an address on bridge"

	# Without --rm the sandbox stays, exited, with its status.
	xok run --name fg2 true
	xrun run --name fg3 sh -c 'exit 5'
	assert_eq "$RC" 5 "exit status of run sh -c 'exit 5'"
	xok ps -a
	assert_match "$OUT" 'Exited \(0\) .* fg2 *$' "ps -a row of fg2"
	assert_match "$OUT" 'Exited \(5\) .* fg3 *$' "ps -a row of fg3"
	xok ps -q
	assert_eq "$OUT" "" "ps -q with only exited sandboxes"
	# xnet keeps an exited sandbox's endpoints (and addresses) until rm, on
	# purpose (docs/ARCHITECTURE.md: there is no start/stop yet): both still
	# have their veth, and rm releases them.
	assert_eq "$(links xnv | wc -l)" 2 "endpoint links of exited sandboxes (kept until rm)"
	xok rm fg2 fg3
	assert_no_leftovers
}

test_run_detached_rm() {
	xok run -d --rm --name dr1 sh -c 'sleep 1'
	assert_match "$(printf '%s\n' "$OUT" | tail -n1)" '^[0-9a-f]{64}$' "run -d --rm output"
	track dr1
	wait_until 20 sh -c "! ip netns exec ${P}h $XNET --root $ROOT ps -a | grep -q ' dr1 *\$'" ||
		fail "dr1 still listed 20 s after its command exited: $(xn ps -a 2>&1)"
	xfail 1 "" inspect dr1
	assert_match "$ERR" "No such (object|container): dr1" "stderr of inspect dr1"
	assert_no_leftovers
}

# rm -f stops the sandbox's own shim and no other: a stale shim pid in the
# store (after a reboot or a pid wrap) that names another sandbox's live shim
# is left alone (the shim started before its command; that one started later).
test_rm_stale_shim_pid() {
	local shim
	need_cmd sqlite3
	run_d s1 bridge
	run_d s2 bridge
	shim=$(sqlite3 "$ROOT/xnet.db" "SELECT shim_pid FROM containers WHERE name = 's2'")
	[ "${shim:-0}" -gt 1 ] || fail "no shim pid recorded for s2: '$shim'"
	sqlite3 "$ROOT/xnet.db" "UPDATE containers SET shim_pid = $shim WHERE name = 's1'" ||
		fail "cannot point s1's shim pid at s2's shim"
	xok rm -f s1
	sleep 0.2
	# A killed shim may linger as a zombie until its parent reaps it: its state says.
	case $(awk '{ print $3 }' "/proc/$shim/stat" 2>/dev/null) in
	''|Z|X) fail "rm -f s1 killed s2's shim (pid $shim)" ;;
	esac
	assert_eq "$(cat "/proc/$shim/comm" 2>/dev/null)" xnet-shim "the process at s2's shim pid"
	xok ps
	assert_contains "$OUT" " s2" "ps after rm -f s1"
	rm_all
	assert_no_leftovers
}

test_network_none() {
	xok run --rm --network none ip -o link show
	assert_eq "$(printf '%s\n' "$OUT" | wc -l)" 1 "links with --network none"
	assert_contains "$OUT" ": lo:" "--network none links"
	xok run --rm --network none ip -4 -o addr show
	assert_contains "$OUT" "127.0.0.1/8" "--network none addresses"
	assert_not_contains "$OUT" "eth0" "--network none addresses"
	run_d n1 none
	assert_eq "$(sx n1 ip -o link show | wc -l)" 1 "links of a detached none sandbox"
	assert_eq "$(links xnv)" "" "endpoint links for --network none"
	xfail_same 1 "" network connect none n1
	rm_all
	assert_no_leftovers
}

test_network_host() {
	xok run --rm --network host ip -o link show
	assert_contains "$OUT" "up0" "--network host sees the host's uplink"
	xok run --rm --network host ip -4 -o addr show dev up0
	assert_contains "$OUT" "$XT_UP_HOST/24" "--network host addresses"
	run_d hh host
	assert_contains "$(sx hh ip -o link show)" "up0" "exec in a host-mode sandbox"
	sx hh ping -c1 -W2 "$XT_UP_OUT" >/dev/null || fail "host-mode sandbox cannot ping the outside"
	assert_eq "$(links xnv)" "" "endpoint links for --network host"
	rm_all
	assert_no_leftovers
}

test_network_container_mode() {
	local ip mac
	xok network create --subnet 10.42.0.0/24 cnet
	run_d base cnet
	ip=$(ipof base cnet)
	mac=$(macof base cnet)
	xok run --rm --network container:base ip -4 -o addr show dev eth0
	assert_contains "$OUT" "$ip/24" "container:base sees base's address"
	run_d side container:base
	assert_eq "$(sx side cat /sys/class/net/eth0/address)" "$mac" "eth0 MAC in side"
	assert_eq "$(links xnv | wc -l)" 1 "endpoint links (side shares base's)"
	run_d peer cnet
	ping_ok peer "$ip"
	ping_ok side "$(ipof peer cnet)"
	xfail_same 125 "conflicting options" run --rm --network container:base --hostname x true
	xfail_same 125 "No such container: nosuch" run --rm --network container:nosuch true
	rm_all
	assert_no_leftovers
}

test_exec() {
	local mac
	run_d e1 bridge
	mac=$(macof e1 bridge)
	xrun exec e1 sh -c 'exit 9'
	assert_eq "$RC" 9 "exit status of exec"
	xok exec e1 sh -c 'echo out; echo err >&2'
	assert_eq "$OUT" out "exec stdout"
	assert_eq "$ERR" err "exec stderr"
	assert_eq "$(sx e1 cat /sys/class/net/eth0/address)" "$mac" "exec runs in the sandbox's namespace"
	xfail nz "executable file not found" exec e1 no-such-cmd-xyz
	xfail 1 "No such container: nosuch" exec nosuch true
	xok run -d --name e2 true
	track e2
	wait_until 10 sh -c "ip netns exec ${P}h $XNET --root $ROOT ps -a | grep -qE 'Exited.* e2 *\$'" ||
		fail "e2 did not exit"
	xfail nz "is not running" exec e2 true
	rm_all
	assert_no_leftovers
}
