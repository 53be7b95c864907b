# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The embedded DNS, names side: sandbox names, aliases, hostnames, short IDs
# and name.<network> answered in the datapath to dig, getent and python's
# resolver; case-insensitive; round robin over shared aliases; scope (a
# sandbox resolves the names of its own networks only, of all of them when it
# has several); Docker's default-bridge rule; maps following run, connect,
# disconnect and rm at once; resolv.conf and --dns/--dns-search/--dns-option/
# --link as Docker writes them; refusals with Docker's words.
# Forwarding, TCP, PTR and truncation (the helper) are test_dns_helper.sh's.

# The host's resolvers for this world: dnsmasq in the outside namespace,
# NXDOMAIN for everything but example.test (so that a name the datapath does
# not answer comes back NXDOMAIN through the helper, never from the machine's
# own resolvers). `ip netns exec` bind-mounts /etc/netns/NS/resolv.conf.
dns_world_up() {
	need_cmd dig dnsmasq getent
	mkdir -p "/etc/netns/${P}h"
	printf 'nameserver 127.0.0.53\nnameserver %s\nsearch corp.test\noptions edns0\n' "$XT_UP_OUT" \
		>"/etc/netns/${P}h/resolv.conf"
	# Not a process of the sandboxes (no XT_WORLD): the cleanup finds it by its namespace.
	ox env -u XT_WORLD dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
		--listen-address="$XT_UP_OUT" --except-interface=lo --pid-file= \
		--address=/example.test/203.0.113.7 --address=/#/ \
		--log-queries --log-facility="$XT_TMP/dnsmasq.log" &
	wait_until 10 ox dig +time=1 +tries=1 @"$XT_UP_OUT" example.test ||
		fail "the fake upstream dnsmasq did not come up"
}

# q SANDBOX NAME [TYPE]: dig's short answer from inside the sandbox, its default resolver.
q() {
	sx "$1" dig +short +time=2 +tries=1 "$2" "${3:-A}"
}

# status SANDBOX NAME [TYPE]: the rcode dig reports (NOERROR, NXDOMAIN, ...).
status() {
	dig_rcode "$(sx "$1" dig +time=2 +tries=1 "$2" "${3:-A}")"
}

test_dns_names() {
	local db web id ans
	dns_world_up
	xok network create --subnet 10.71.0.0/24 dnet
	run_d db dnet --network-alias cache --hostname dbhost
	db=$(ipof db dnet)
	id=$(printf '%s' "$RUN_ID" | cut -c1-12)
	run_d web dnet
	web=$(ipof web dnet)

	# Every form Docker answers, case-insensitive, from the sandbox's own resolver.
	for n in db DB Db.DNet cache cache.dnet dbhost "$id" "db.dnet."; do
		assert_eq "$(q web "$n")" "$db" "A $n"
	done
	assert_eq "$(q db web)" "$web" "A web from db"
	assert_eq "$(status web db)" NOERROR "status of db"
	# A known name without an A record of the asked type: empty NOERROR, not forwarded.
	assert_eq "$(q web db AAAA)" "" "AAAA db"
	assert_eq "$(status web db AAAA)" NOERROR "status of AAAA db"
	assert_eq "$(status web db MX)" NOERROR "status of MX db"
	# TTL 600, the AA and RA flags.
	ans=$(sx web dig +noall +answer +comments +time=2 +tries=1 db)
	assert_match "$ans" "db\.[[:space:]]+600[[:space:]]+IN[[:space:]]+A[[:space:]]+$db" "answer record"
	assert_match "$ans" "flags: qr aa rd ra" "answer flags"
	# /etc/hosts: its own address with its hostname and name.
	assert_match "$(sx db cat /etc/hosts)" "${db}[[:space:]]+dbhost db" "/etc/hosts of db"
	# The system's resolver (glibc, via resolv.conf) and python's.
	assert_contains "$(sx web getent hosts db)" "$db" "getent hosts db"
	assert_eq "$(sx web python3 -c 'import socket; print(socket.gethostbyname("cache"))')" "$db" \
		"python gethostbyname"
	# An unknown name goes on to the host's resolvers: NXDOMAIN from upstream.
	assert_eq "$(status web nosuchname)" NXDOMAIN "status of an unknown name"
	assert_eq "$(q web example.test)" 203.0.113.7 "a forwarded name"

	# Answered in the datapath: with the helper gone, names still resolve.
	local pid
	pid=$(dns_helper_pid)
	[ -n "$pid" ] || fail "no DNS helper runs with a DNS network"
	kill "$pid"
	wait_until 5 sh -c "! kill -0 $pid" || fail "the DNS helper did not stop"
	assert_eq "$(q web cache)" "$db" "A cache with no helper running"
	rm_all
	assert_no_leftovers
	# The helper stopped with the last network: its lock is free.
	flock -n "$ROOT/dns-helper.lock" true || fail "the DNS helper outlived the last network"
}

test_dns_round_robin() {
	local a b c first second all
	dns_world_up
	xok network create --subnet 10.72.0.0/24 rr
	run_d s1 rr --network-alias svc
	run_d s2 rr --network-alias svc
	run_d s3 rr --network-alias svc
	run_d cli rr
	a=$(ipof s1 rr) b=$(ipof s2 rr) c=$(ipof s3 rr)
	first=$(q cli svc)
	second=$(q cli svc)
	all=$(printf '%s\n' "$a" "$b" "$c" | sort)
	assert_eq "$(printf '%s\n' "$first" | sort)" "$all" "svc answers (first query)"
	assert_eq "$(printf '%s\n' "$second" | sort)" "$all" "svc answers (second query)"
	assert_ne "$(printf '%s\n' "$first" | head -n1)" "$(printf '%s\n' "$second" | head -n1)" \
		"first address of two queries in a row"
	# rm takes its address out of the shared name at once.
	xok rm -f s2
	assert_eq "$(q cli svc | sort)" "$(printf '%s\n' "$a" "$c" | sort)" "svc after rm s2"
	rm_all
	assert_no_leftovers
}

test_dns_scope() {
	local c1 c2
	dns_world_up
	xok network create --subnet 10.73.1.0/24 n1
	xok network create --subnet 10.73.2.0/24 n2
	run_d sa n1
	run_d sb n2
	run_d sc n1
	xok network connect --alias both n2 sc
	c1=$(ipof sc n1) c2=$(ipof sc n2)
	# A name on another network is not answered to a (it goes upstream: NXDOMAIN).
	assert_eq "$(status sa sb)" NXDOMAIN "b asked from a (other network)"
	assert_eq "$(q sa sc)" "$c1" "c asked from a: its address on n1"
	assert_eq "$(q sb sc)" "$c2" "c asked from b: its address on n2"
	assert_eq "$(q sb both)" "$c2" "connect --alias"
	assert_eq "$(status sa both)" NXDOMAIN "an n2 alias asked from a"
	# c is on both: it resolves names of both.
	assert_eq "$(q sc sa)" "$(ipof sa n1)" "a asked from c"
	assert_eq "$(q sc sb)" "$(ipof sb n2)" "b asked from c"
	assert_eq "$(q sc sb.n2)" "$(ipof sb n2)" "b.n2 asked from c"
	assert_eq "$(status sc sb.n1)" NXDOMAIN "b.n1 asked from c"

	# Disconnect removes the names at once; the resolver follows the first network.
	assert_contains "$(sx sc cat /etc/resolv.conf)" "nameserver 10.73.1.1" "c's resolv.conf on n1"
	xok network disconnect n1 sc
	assert_eq "$(status sa sc)" NXDOMAIN "c asked from a after disconnect"
	assert_contains "$(sx sc cat /etc/resolv.conf)" "nameserver 10.73.2.1" "c's resolv.conf after leaving n1"
	assert_eq "$(q sc sb)" "$(ipof sb n2)" "b asked from c after leaving n1"
	assert_eq "$(status sc sa)" NXDOMAIN "a asked from c after leaving n1"
	rm_all
	assert_no_leftovers
}

test_dns_default_bridge() {
	local r db
	dns_world_up
	run_d db bridge
	db=$(ipof db bridge)
	# The host's resolvers without the loopback one, its search and options.
	r=$(sx db cat /etc/resolv.conf)
	assert_not_contains "$r" "127.0.0.53" "default bridge resolv.conf"
	assert_contains "$r" "nameserver $XT_UP_OUT" "default bridge resolv.conf"
	assert_contains "$r" "search corp.test" "default bridge resolv.conf"
	# Docker's rule: no names on the default bridge (dig goes to the host's resolver: NXDOMAIN).
	xok run --rm --name c4 dig +time=2 +tries=1 db
	assert_contains "$OUT" "status: NXDOMAIN" "dig db on the default bridge"
	# And nothing answers on the bridge gateway's port 53.
	xrun run --rm --name c5 dig +time=1 +tries=1 @172.17.0.1 db
	assert_not_contains "$OUT" "ANSWER SECTION" "dig @gateway on the default bridge"
	# --link: the name in /etc/hosts.
	run_d web bridge --link db:database
	assert_match "$(sx web cat /etc/hosts)" "${db}[[:space:]]+database db" "/etc/hosts of web"
	assert_contains "$(sx web getent hosts database)" "$db" "getent hosts database"
	assert_eq "$(inspect_json web | jget 'd[0]["HostConfig"]["Links"][0]')" "/db:/web/database" "HostConfig.Links"
	rm_all
	assert_no_leftovers
}

test_dns_options() {
	local r
	dns_world_up
	xok network create --subnet 10.74.0.0/24 on
	# User network: the network's DNS address, ndots:0, --dns-search, --dns-option; --dns is where it forwards.
	run_d u on --dns "$XT_UP_OUT" --dns-search a.test --dns-search b.test --dns-option timeout:3
	r=$(sx u cat /etc/resolv.conf)
	assert_contains "$r" "nameserver 10.74.0.1" "resolv.conf of u"
	assert_not_contains "$r" "nameserver $XT_UP_OUT" "resolv.conf of u"
	assert_contains "$r" "search a.test b.test" "resolv.conf of u"
	assert_contains "$r" "options ndots:0 timeout:3" "resolv.conf of u"
	assert_eq "$(inspect_json u | jget 'd[0]["HostConfig"]["Dns"]')" "[\"$XT_UP_OUT\"]" "HostConfig.Dns"
	assert_eq "$(q u example.test)" 203.0.113.7 "forwarded through --dns"
	# The user's ndots wins; "--dns-search ." means none.
	run_d v on --dns-option ndots:2 --dns-search .
	r=$(sx v cat /etc/resolv.conf)
	assert_contains "$r" "options ndots:2" "resolv.conf of v"
	assert_not_contains "$r" "ndots:0" "resolv.conf of v"
	assert_not_contains "$r" "search" "resolv.conf of v"
	# Default bridge with --dns: those servers, as given.
	run_d w bridge --dns 192.0.2.53 --dns 2001:db8::53
	r=$(sx w cat /etc/resolv.conf)
	assert_contains "$r" "nameserver 192.0.2.53" "resolv.conf of w"
	assert_contains "$r" "nameserver 2001:db8::53" "resolv.conf of w"
	assert_not_contains "$r" "nameserver $XT_UP_OUT" "resolv.conf of w"

	# Refusals, with nothing created.
	xfail_same 125 'invalid argument "1.2.3" for "--dns" flag: 1.2.3 is not an ip address' \
		run -d --name bad1 --network on --dns 1.2.3 sleep 1d
	xfail_same 125 'invalid argument "-bad.test" for "--dns-search" flag: -bad.test is not a valid domain' \
		run -d --name bad2 --network on --dns-search -bad.test sleep 1d
	xfail_same 125 "conflicting options: dns and the network mode" \
		run -d --name bad3 --network container:u --dns 192.0.2.1 sleep 1d
	xfail_same 125 "could not get container for nosuch" \
		run -d --name bad4 --link nosuch sleep 1d
	xfail_same 125 "conflicting options: host type networking can't be used with links" \
		run -d --name bad5 --network host --link u sleep 1d
	rm_all
	assert_no_leftovers
}

test_dns_reconcile() {
	local db
	dns_world_up
	xok network create --subnet 10.75.0.0/24 rc
	run_d db rc --network-alias cache
	run_d web rc
	db=$(ipof db rc)
	# The names map wiped behind our back: reconcile writes it again from the store.
	bpftool map dump pinned "$(map_path xnet_dns_names)" >/dev/null
	python3 - "$(map_path xnet_dns_names)" <<'EOF' || fail "cannot empty xnet_dns_names"
import subprocess, sys, json
m = sys.argv[1]
for e in json.loads(subprocess.check_output(["bpftool", "-j", "map", "dump", "pinned", m])):
    key = e["key"]
    subprocess.check_call(["bpftool", "map", "delete", "pinned", m, "key"] + [str(int(b, 16)) for b in key])
EOF
	assert_eq "$(map_len xnet_dns_names)" 0 "names after wiping"
	xok system reconcile
	assert_eq "$(q web cache)" "$db" "A cache after reconcile"
	rm_all
	assert_no_leftovers
}
