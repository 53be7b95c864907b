# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Failures: every refused command names the cause (Docker's phrase), exits
# with the right code, and leaves networks, sandboxes, links, namespace files
# and map entries exactly as they were (xfail_same).

test_fail_network_create() {
	xok network create --subnet 192.168.0.0/16 --gateway 192.168.0.1 mynet
	run_d c1 mynet
	xfail_same 1 "network with name mynet already exists" network create mynet
	xfail_same 1 "network with name mynet already exists" network create --subnet 10.1.0.0/24 mynet
	xfail_same 1 "network with name bridge already exists" network create bridge
	xfail_same 1 "Pool overlaps with other one on this address space" network create --subnet 192.168.1.0/24 other
	xfail_same 1 "Pool overlaps with other one on this address space" network create --subnet 192.0.0.0/8 other
	xfail_same 1 "Pool overlaps with other one on this address space" network create --subnet 192.168.0.0/16 other
	xfail_same 1 "Pool overlaps with other one on this address space" network create --subnet 172.17.5.0/24 other
	xfail_same 1 "invalid CIDR address" network create --subnet 10.3.0.0/33 other
	xfail_same 1 "invalid CIDR address" network create --subnet not-a-cidr other
	xfail_same 1 "invalid CIDR address" network create --subnet 10.3.0.0 other
	xfail_same 1 "invalid CIDR address" network create --subnet 10.3.0.256/24 other
	xfail_same 1 "no matching subnet for gateway" network create --subnet 10.2.0.0/24 --gateway 10.3.0.1 other
	xfail_same 1 "invalid network name" network create 'bad name'
	xfail_same 1 "invalid network name" network create 'bad/name'
	xfail_same 1 "" network create --subnet 10.4.0.0/24 --aux-address a=10.5.0.1 other
	xfail_same 1 "" network create --subnet 10.4.0.0/24 --ip-range 10.6.0.0/24 other
	xfail_same 1 "" network create -d no-such-driver other
	xfail_same nz "" network create --no-such-flag other
	xfail_same nz "" network create
	# A refused create leaves the name free.
	xok network create --subnet 10.3.0.0/24 other
	rm_all
	assert_no_leftovers
}

test_fail_network_rm() {
	xok network create --subnet 10.7.0.0/24 mynet
	run_d c1 mynet
	xfail_same 1 "network nosuch not found" network rm nosuch
	xfail_same 1 "bridge is a pre-defined network and cannot be removed" network rm bridge
	xfail_same 1 "host is a pre-defined network and cannot be removed" network rm host
	xfail_same 1 "none is a pre-defined network and cannot be removed" network rm none
	xfail_same 1 "has active endpoints" network rm mynet
	xfail_same 1 "network nosuch not found" network inspect nosuch
	xfail_same nz "" network rm
	ping_ok c1 10.7.0.1
	rm_all
	assert_no_leftovers
}

test_fail_run() {
	xok network create --subnet 10.90.0.0/24 mynet
	run_d c1 mynet --ip 10.90.0.10
	run_d c5 bridge
	xfail_same 125 "is already in use by container" run -d --name c1 --network mynet sleep 1d
	xfail_same 125 "is already in use by container" run --rm --name c1 true
	xfail_same 125 "does not belong to any of this network's subnets" run -d --name c2 --network mynet --ip 10.91.0.5 sleep 1d
	xfail_same 125 "Address already in use" run -d --name c2 --network mynet --ip 10.90.0.10 sleep 1d
	xfail_same 125 "user specified IP address is supported on user defined networks only" \
		run -d --name c2 --ip 172.17.0.50 sleep 1d
	xfail_same 125 "" run -d --name c2 --network mynet --ip not-an-ip sleep 1d
	xfail_same 125 "Invalid container name" run -d --name 'bad name!' sleep 1d
	xfail_same 125 "Invalid container name" run -d --name 'a/b' sleep 1d
	xfail_same 125 "network nosuch not found" run -d --name c3 --network nosuch sleep 1d
	xfail_same 127 "executable file not found" run -d --name c4 --network mynet no-such-cmd-xyz
	xfail_same 127 "executable file not found" run --rm --network mynet no-such-cmd-xyz
	# Docker's exit statuses: 125 for a flag error, 1 for a wrong operand count.
	xfail_same 125 "unknown flag" run --bogus-flag true
	xfail_same 1 '"xnet run" requires at least 1 argument.' run
	xfail_same 125 "" run -d --network host --ip 10.90.0.20 sleep 1d
	# Names and addresses refused above are still free.
	run_d c2 mynet --ip 10.90.0.11
	run_d c3 mynet
	ping_ok c1 10.90.0.11
	rm_all
	assert_no_leftovers
}

test_fail_connect() {
	xok network create --subnet 10.91.0.0/24 mynet
	xok network create --subnet 10.92.0.0/24 net2
	run_d c1 mynet --ip 10.91.0.10
	run_d c5 bridge
	xfail_same 1 "endpoint with name c1 already exists in network mynet" network connect mynet c1
	xfail_same 1 "network nosuch not found" network connect nosuch c1
	xfail_same 1 "No such container: nosuch" network connect mynet nosuch
	xfail_same 1 "Address already in use" network connect --ip 10.91.0.10 mynet c5
	xfail_same 1 "does not belong to any of this network's subnets" network connect --ip 10.99.0.10 net2 c5
	xfail_same 1 "user specified IP address is supported on user defined networks only" \
		network connect --ip 172.17.0.50 bridge c1
	xfail_same 1 "network-scoped aliases are only supported for user-defined networks" \
		network connect --alias foo bridge c1
	xfail_same 1 "No such container: nosuch" network disconnect mynet nosuch
	xfail_same 1 "network nosuch not found" network disconnect nosuch c1
	xfail_same 1 "" network disconnect net2 c1
	# Connect with --ip and --alias works and shows up.
	xok network connect --ip 10.92.0.77 --alias web --alias www net2 c1
	assert_eq "$(ipof c1 net2)" 10.92.0.77 "connect --ip"
	assert_contains "$(inspect_json c1 | jget 'd[0]["NetworkSettings"]["Networks"]["net2"]["Aliases"]')" '"web"' "Aliases"
	assert_contains "$(sx c1 ip -4 -o addr show dev eth1)" "10.92.0.77/24" "eth1 of c1"
	ping_ok c1 10.92.0.1
	rm_all
	assert_no_leftovers
}

test_fail_rm() {
	run_d c1 bridge
	run_d c2 bridge
	xfail_same 1 "No such container: nosuch" rm nosuch
	xfail_same 1 "container is running" rm c1
	# `docker inspect` (any object) says "No such object", `docker container inspect` "No such container".
	xfail_same 1 "" inspect nosuch
	assert_match "$ERR" "No such (object|container): nosuch" "stderr of inspect nosuch"
	xfail_same 1 "No such container: nosuch" exec nosuch true
	xfail_same nz "" rm
	# rm goes on past a failure.
	xrun rm -f c1 nosuch c2
	assert_eq "$RC" 1 "exit of rm -f c1 nosuch c2"
	assert_eq "$(printf '%s\n' "$OUT" | tr '\n' ' ')" "c1 c2 " "stdout of rm -f c1 nosuch c2"
	assert_contains "$ERR" "No such container: nosuch" "stderr of rm -f c1 nosuch c2"
	assert_no_leftovers
}

test_fail_help_and_usage() {
	local c
	for c in "network create" "network ls" "network inspect" "network rm" "network prune" \
		"network connect" "network disconnect" run exec ps rm inspect "system drops" \
		"system reconcile" "system teardown"; do
		# shellcheck disable=SC2086
		xok $c --help
		assert_match "$OUT$ERR" "[Uu]sage" "xnet $c --help"
	done
	xfail_same nz "" no-such-command
	xfail_same nz "" network no-such-subcommand
	xfail_same nz "" --log-level bogus network ls
	xok --log-level debug network ls
	xok --log-level error network ls
	# XNET_ROOT selects the root like --root.
	XNET_ROOT=$ROOT timeout 30 ip netns exec "${P}h" "$XNET" network ls >"$XT_TMP/o" 2>&1 ||
		fail "XNET_ROOT=... xnet network ls: $(cat "$XT_TMP/o")"
	xok network create --subnet 10.9.0.0/24 viaroot
	XNET_ROOT=$ROOT timeout 30 ip netns exec "${P}h" "$XNET" network ls >"$XT_TMP/o" 2>&1
	grep -q viaroot "$XT_TMP/o" || fail "XNET_ROOT does not select the root: $(cat "$XT_TMP/o")"
	rm_all
	assert_no_leftovers
}
