# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The command line against bad input. Every command and subcommand is found
# in the --help outputs (xnet --help, then each group's), and every flag in
# its own --help, so that a new command or flag is covered without editing
# this file:
#   - each command with one operand too many (and one too few) is refused
#     with Docker's message before it does anything (`system teardown extra`
#     used to wipe the root, `network prune -f extra` to prune);
#   - each flag that takes a value gets malformed ones (empty, 64 KiB,
#     control characters, invalid UTF-8, unicode, integer overflow, format
#     strings, a template nested 1,000 deep): never a signal, a failure says
#     "Error: ..." and changes nothing in the store;
#   - the values refused on purpose (hostname, subnet, aliases, -p mode=,
#     --nat-ports, --root "", deep --format), each with its message.
# Only $XNET through xn: the file also runs against an ASan/UBSan build.

# fz_help PATH...: PATH's --help output, read once per test.
fz_help() {
	local f="$XT_TMP/help.${*// /_}"
	[ -f "$f" ] || xn "$@" --help >"$f" 2>/dev/null
	cat "$f"
}

# fz_walk [PATH...]: the command paths below PATH ("network create", "ps",
# ...), one a line, from the "Commands:" sections of the --help outputs.
fz_walk() {
	local c subs
	subs=$(fz_help "$@" | awk '/^Commands:/ { f = 1; next } f && /^  [a-z]/ { print $1 } f && /^$/ { f = 0 }')
	if [ -z "$subs" ]; then
		echo "$*"
		return
	fi
	for c in $subs; do
		fz_walk "$@" "$c"
	done
}

# fz_all_cmds: fz_walk, with a floor so that a broken --help cannot make the tests pass on nothing.
fz_all_cmds() {
	local cmds
	cmds=$(fz_walk)
	[ "$(printf '%s\n' "$cmds" | grep -c .)" -ge 20 ] ||
		fail "the --help outputs list only these commands: $(echo $cmds)"
	printf '%s\n' "$cmds"
}

# fz_args PATH...: the operand part of PATH's usage line ("NETWORK [NETWORK...]").
fz_args() {
	local u
	u=$(fz_help "$@" | sed -n 's/^Usage:  xnet //p' | head -n1)
	[ -n "$u" ] || fail "'xnet $* --help' prints no usage line"
	u=${u#"$*"}
	u=${u# }
	u=${u#"[OPTIONS]"}
	echo "${u# }"
}

# fz_flags PATH...: the long names of PATH's flags that take a value, from its --help.
fz_flags() {
	fz_help "$@" | awk '
		/^Options:/ { f = 1; next }
		f && /^  / {
			left = substr($0, 3, 30)
			n = split(left, w, " ")
			if (w[n] !~ /^--/ && w[n - 1] ~ /^--/) print w[n - 1]
		}'
}

# fz_operand WORD: a real operand for a usage word, so that a command that
# did not check its count would act on something.
fz_operand() {
	case ${1//[][.]/} in
	NETWORK) echo fz ;;
	CONTAINER) echo c1 ;;
	"allow|deny") echo deny ;;
	SOURCE) echo 10.99.0.0/16 ;;
	COMMAND | ARG) echo true ;;
	*) echo 80 ;;
	esac
}

# fz_state: what a refused command must leave unchanged: the store, the
# devices of the host namespace, the files of the root and its namespace files.
fz_state() {
	# Sorted: a row deleted and inserted again comes back in another place.
	sqlite3 "$ROOT/xnet.db" .dump 2>&1 | sort
	ip -n "${P}h" -o link show 2>&1 | cut -d' ' -f2
	ls -a "$ROOT" "$ROOT/netns" 2>&1 | grep -vE -- '-(wal|shm)$'
}

# fz_world: two networks, a sandbox on each (c1 publishes a port), an unused
# network and a policy rule: something for every destructive command to destroy.
fz_world() {
	need_cmd sqlite3
	xok network create --subnet 10.97.0.0/24 fz
	xok network create --subnet 10.98.0.0/24 fz2
	xok network create --subnet 10.96.0.0/24 fzfree
	run_d c1 fz -p 8080:80
	run_d c2 fz2
	xok system policy add allow 10.99.0.0/16
}

# fz_check WHAT [nostate]: the last xrun ended without a signal, a hang or a
# sanitizer report, and a failure said "Error: ..." and (unless nostate) left
# fz_state as $FZ_BASE.
fz_check() {
	local what=$1
	# A sanitizer build (XNET=build-san/xnet) reports and exits 1: not a refusal.
	case $ERR in
	*"ERROR: AddressSanitizer"* | *"ERROR: LeakSanitizer"* | *"runtime error: "*)
		xt_show
		fail "$what: the sanitizer reported an error"
		;;
	esac
	if [ "$RC" -ge 124 ] && [ "$RC" -ne 125 ] && [ "$RC" -ne 126 ] && [ "$RC" -ne 127 ]; then
		xt_show
		fail "$what: exit status $RC (a signal or a hang)"
	fi
	[ "$RC" = 0 ] && return 0
	grep -q '^Error: ' "$XT_TMP/err" || {
		xt_show
		fail "$what: failed (exit $RC) without an 'Error: ' line"
	}
	[ "${2:-}" = nostate ] && return 0
	fz_same "$what: failed (exit $RC) and"
}

# fz_same WHAT: fz_state is $FZ_BASE.
fz_same() {
	local now
	now=$(fz_state)
	if [ "$now" != "$FZ_BASE" ]; then
		diff <(printf '%s\n' "$FZ_BASE") <(printf '%s\n' "$now") | head -40 >&2
		fail "$1 changed the state"
	fi
}

# fz_refused RC PHRASE ARGS: xfail, and the state is unchanged.
fz_refused() {
	xfail "$@"
	shift 2
	fz_check "xnet $*"
}

# ---------------------------------------------------------------- tests

test_cli_operand_count() {
	local path args min max w words n ops checked=0 msg
	fz_world
	FZ_BASE=$(fz_state)
	while read -r path; do
		# shellcheck disable=SC2086
		args=$(fz_args $path)
		read -ra words <<<"$args"
		# The count the usage line allows, as cli__operands counts it.
		min=0 max=0
		local depth=0 opt
		for w in "${words[@]}"; do
			opt=0
			{ [ $depth -gt 0 ] || [ "${w:0:1}" = "[" ]; } && opt=1
			n=${w//[^[]/}
			depth=$((depth + ${#n}))
			n=${w//[^]]/}
			depth=$((depth - ${#n}))
			[ $opt = 1 ] || min=$((min + 1))
			if [ $max -ge 0 ]; then
				case $w in *...*) max=-1 ;; *) max=$((max + 1)) ;; esac
			fi
		done
		ops=()
		for w in "${words[@]}"; do ops+=("$(fz_operand "$w")"); done
		if [ $max -ge 0 ]; then
			# One too many: real operands, then "extra".
			case $max in
			0) msg="\"xnet $path\" accepts no arguments." ;;
			*) msg="\"xnet $path\" requires" ;;
			esac
			# shellcheck disable=SC2086
			fz_refused 1 "$msg" $path "${ops[@]:0:$max}" extra
			checked=$((checked + 1))
		fi
		if [ $min -gt 0 ]; then
			# shellcheck disable=SC2086
			fz_refused 1 "\"xnet $path\" requires" $path "${ops[@]:0:$((min - 1))}"
			checked=$((checked + 1))
		fi
	done < <(fz_all_cmds)
	xt_note "$checked wrong operand counts refused"
	# Spelled out: what the destructive ones would have destroyed is there.
	xok network ls
	assert_contains "$OUT" fzfree "network prune -f extra pruned"
	xok ps -q
	[ "$(printf '%s\n' "$OUT" | grep -c .)" = 2 ] || fail "sandboxes gone after the refused commands: $OUT"
	# The operands counted after the flags, and flag errors first (exit 125, as Docker's).
	fz_refused 1 '"xnet network prune" accepts no arguments.' network prune -f extra
	fz_refused 1 '"xnet system teardown" accepts no arguments.' system teardown extra
	fz_refused 125 "unknown flag: --bogus" system teardown --bogus
	fz_refused 1 '"xnet network create" requires exactly 1 argument.' network create --subnet 10.95.0.0/24 a b
	fz_refused 1 '"xnet network connect" requires exactly 2 arguments.' network connect fz2 c1 c2
	fz_refused 1 '"xnet port" requires at least 1 and at most 2 arguments.' port c1 80 81
	rm_all
	xok system policy rm 10.99.0.0/16
	assert_no_leftovers
}

# fz_operands PATH...: operands with which PATH would succeed, so that each
# fuzzed flag value meets the command's real validation.
fz_operands() {
	case "$*" in
	run) echo --rm true ;;
	exec) echo c1 true ;;
	"network create") echo fznew ;;
	"network connect") echo fz2 c1 ;;
	*)
		local w
		for w in $(fz_args "$@"); do
			case $w in "["*) ;; *) fz_operand "$w" ;; esac
		done
		;;
	esac
}

# fz_undo PATH... FLAG VALUE: take back what a successful fuzzed command did.
fz_undo() {
	local n=$# v=${!#}
	case "$*" in
	"network create "*) xok network rm fznew ;;
	"network connect "*) xok network disconnect fz2 c1 ;;
	"system policy add "*) xok system policy rm --port "$v" 10.99.0.0/16 ;;
	"system config --nat-ports "*) xok system config --nat-ports default ;;
	"system config --uplink "*) xok system config --uplink auto ;;
	"system config --uplink-xdp "*) xok system config --uplink-xdp auto ;;
	esac
	: "$n"
}

# @timeout=900
test_cli_fuzz_flags() {
	local big deep path flag v i ops what ok=0 refused=0 cwd=$XT_TMP/cwd
	local -a vals names
	big=$(printf '%065536d' 0 | tr 0 A)
	deep=$(printf '{{if .}}%.0s' {1..1000})x$(printf '{{end}}%.0s' {1..1000})
	vals=("" "$big" $'a\nb' $'\t' $'\x01' $'\x7f' $'\xff\xfe' 'ünï☃' 99999999999999999999 -1 '%s%n%s%n' "$deep")
	names=(empty 64KiB newline tab '\x01' '\x7f' 'invalid UTF-8' unicode overflow -1 '%s%n' 'deep template')
	fz_world
	# Set as fz_undo sets them back: an accepted value and its undo leave the state as it was.
	xok system config --uplink auto --nat-ports default --uplink-xdp auto
	# A relative --root would land here: nothing may.
	mkdir -p "$cwd" && cd "$cwd" || fail "cd $cwd"
	FZ_BASE=$(fz_state)
	while read -r path; do
		# shellcheck disable=SC2086
		ops=$(fz_operands $path)
		for flag in $(fz_flags $path); do
			# The state is compared once after each run of refusals, and
			# after an accepted value and its undo: the commands since the
			# last comparison are to blame for a difference.
			what=""
			for i in "${!vals[@]}"; do
				v=${vals[$i]}
				# shellcheck disable=SC2086
				xrun $path "$flag" "$v" $ops
				if [ "$RC" != 0 ]; then
					refused=$((refused + 1))
					fz_check "xnet $path $flag <${names[$i]}>" nostate
					what="$what <${names[$i]}>"
					continue
				fi
				ok=$((ok + 1))
				fz_check "xnet $path $flag <${names[$i]}>"
				xt_note "accepted: $path $flag <${names[$i]}>"
				fz_undo $path "$flag" "$v"
				fz_same "'xnet $path $flag' refused with${what:- nothing}, then accepted <${names[$i]}> and undone,"
				what=""
			done
			[ -z "$what" ] || fz_same "refused 'xnet $path $flag' with$what"
		done
	done < <(fz_all_cmds)
	# The global flags: --root only with values that must fail (the others would make a root here).
	for i in 0 1 2 4; do
		xrun --root "${vals[$i]}" ps
		[ "$RC" != 0 ] || fail "xnet --root <${names[$i]}> ps succeeded"
		fz_check "xnet --root <${names[$i]}> ps"
	done
	for i in "${!vals[@]}"; do
		xrun --log-level "${vals[$i]}" ps
		fz_check "xnet --log-level <${names[$i]}> ps"
	done
	[ -z "$(ls -A "$cwd")" ] || fail "files made in the working directory: $(ls -A "$cwd")"
	xt_note "$((ok + refused)) fuzzed flag values: $refused refused, $ok accepted"
	[ $refused -ge 200 ] || fail "only $refused fuzzed values were refused: did the flag lists come out empty?"
	rm_all
	xok system policy rm 10.99.0.0/16
	assert_no_leftovers
}

# The values refused on purpose, each with its message, and their good neighbours accepted.
test_cli_refused_values() {
	local deep d99 l63 eph lo
	fz_world
	FZ_BASE=$(fz_state)
	# --hostname: one DNS name, as it goes to sethostname(2), /etc/hosts and
	# the embedded DNS (a newline used to add a line to the sandbox's /etc/hosts).
	fz_refused 125 'invalid hostname "x\n10.0.0.1 evil": only letters' run --rm -h $'x\n10.0.0.1 evil' true
	fz_refused 125 'invalid hostname "a\tb"' run --rm --hostname $'a\tb' true
	fz_refused 125 'invalid hostname "a\x7f"' run --rm -h $'a\x7f' true
	fz_refused 125 'invalid hostname "": it is empty' run --rm -h "" true
	fz_refused 125 "longer than 64 bytes" run --rm -h "$(printf 'a%.0s' {1..32}).$(printf 'b%.0s' {1..32})" true
	fz_refused 125 "empty label" run --rm -h a..b true
	fz_refused 125 "starts or ends with '-'" run --rm -h web- true
	xok run --rm --network fz -h "$(printf 'a%.0s' {1..32}).$(printf 'b%.0s' {1..31})" hostname
	assert_eq "$OUT" "$(printf 'a%.0s' {1..32}).$(printf 'b%.0s' {1..31})" "64-byte hostname"
	xok run --rm --network fz -h my_host.example-1 cat /etc/hosts
	assert_contains "$OUT" "my_host.example-1" "/etc/hosts"
	# Aliases: DNS names (labels of 1-63, 253 bytes in all, no empty label).
	l63=$(printf 'a%.0s' {1..63})
	fz_refused 125 'invalid network-scoped alias "": it is empty' run --rm --network fz --network-alias "" true
	fz_refused 1 'invalid network-scoped alias "a..b": it has an empty label' network connect --alias a..b fz2 c1
	fz_refused 1 "empty label" network connect --alias .web fz2 c1
	fz_refused 1 "empty label" network connect --alias web. fz2 c1
	fz_refused 1 'invalid network-scoped alias "web\n"' network connect --alias $'web\n' fz2 c1
	fz_refused 1 "a label is longer than 63 characters" network connect --alias "${l63}a" fz2 c1
	fz_refused 1 "longer than 253 bytes" network connect --alias "$l63.$l63.$l63.$l63" fz2 c1
	xok network connect --alias "$l63.$l63.$l63.${l63:0:61}" --alias web_1 fz2 c1
	xok network disconnect fz2 c1
	# The endpoint's list of aliases used to be cut to 1 KiB, broken JSON in the store.
	l63="$l63.$l63.$l63.${l63:0:61}"
	fz_refused 1 "network-scoped aliases of c1 on fz2 are too long" network connect --alias "$l63" --alias "$l63" \
		--alias "$l63" --alias "$l63" --alias "$l63" fz2 c1
	# --subnet: Go's prefix syntax, no blank, sign or leading zero in the length.
	fz_refused 1 "invalid CIDR address: 10.90.0.0/ 24" network create --subnet "10.90.0.0/ 24" bad
	fz_refused 1 "invalid CIDR address: 10.90.0.0/+24" network create --subnet 10.90.0.0/+24 bad
	fz_refused 1 "invalid CIDR address: 10.90.0.0/024" network create --subnet 10.90.0.0/024 bad
	fz_refused 1 "invalid CIDR address" network create --subnet "10.90.0.0/24 " bad
	fz_refused 1 "invalid CIDR address" network create --subnet "10.90.0.0/" bad
	# -p long syntax: docker/cli's PortOpt keys and modes.
	fz_refused 125 "invalid publish mode value (bogus): must be either 'ingress' or 'host'" \
		run --rm -p published=8081,target=80,mode=bogus true
	fz_refused 125 "invalid field key bogus" run --rm -p target=80,bogus=1 true
	xok run --rm --network fz -p published=8081,target=80,mode=host -p published=8082,target=81,mode=ingress true
	# --dns-option: one word of resolv.conf's options line.
	fz_refused 125 "not a resolver option" run --rm --dns-option $'ndots:1\x01' true
	# --nat-ports: not the host's ephemeral ports, not a published port, digits only.
	read -r eph _ < <(hx cat /proc/sys/net/ipv4/ip_local_port_range)
	lo=$((eph - 100))
	fz_refused 1 "overlaps the ephemeral port range" system config --nat-ports "$lo-$((eph + 100))"
	fz_refused 1 "it contains port 8080/tcp, published by sandbox c1" system config --nat-ports 8000-9000
	fz_refused 1 "invalid NAT port range" system config --nat-ports " 1-2"
	fz_refused 1 "invalid NAT port range" system config --nat-ports "10000-+20000"
	xok system config --nat-ports 10000-20000
	xok system config
	assert_contains "$OUT" "NAT ports:  10000-20000" "system config"
	xok system config --nat-ports default
	FZ_BASE=$(fz_state)
	# --port of policy rules: digits only, the whole value.
	fz_refused 1 "invalid port" system policy add --port " 80" deny 10.98.0.0/16
	fz_refused 1 "invalid port" system policy add --port "$(printf '0%.0s' {1..29})80x" deny 10.98.0.0/16
	# --root "": refused (an empty XNET_ROOT still means the default).
	fz_refused 1 'invalid argument "" for "--root" flag' --root "" ps
	fz_refused 1 "contains a control character" --root $'/tmp/x\ny' ps
	# --format nested 1,000 deep: an error in every listing, 99 deep still works.
	deep=$(printf '{{if .}}%.0s' {1..1000})x$(printf '{{end}}%.0s' {1..1000})
	d99=$(printf '{{if .}}%.0s' {1..99})x$(printf '{{end}}%.0s' {1..99})
	fz_refused 1 "exceeded maximum template depth (100)" network ls --format "$deep"
	fz_refused 1 "exceeded maximum template depth (100)" network inspect --format "$deep" fz
	fz_refused 1 "exceeded maximum template depth (100)" ps --format "$deep"
	fz_refused 1 "exceeded maximum template depth (100)" inspect --format "$deep" c1
	xok inspect --format "$d99" c1
	assert_eq "$OUT" x "99 nested {{if}}"
	rm_all
	xok system policy rm 10.99.0.0/16
	assert_no_leftovers
}
