#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# run.sh: the xnet test runner (`make test`).
#
#   selftests/run.sh [-j N] [-k] [-v] [FILE|TEST [TEST...]]
#
# Without arguments: build/test_unit (the user-space unit tests),
# tools/check-layers.sh (user/'s layers: include rules, no circle, SQL only
# in store/), and
# build/test_bpf (the BPF unit tests), whose own summary lines "N passed,
# N failed" are added to the totals, build/test_pktgen, a short run
# of the packet fuzzer (build/fuzz_bpf, seeded with the frames test_bpf ran),
# the verifier budget check (build/verifier_stats --check against
# bench/results/verifier.json), then every test_* function of
# every selftests/integration/test_*.sh, each in a fresh bash with its own
# namespaces and state root (see integration/lib.sh).
#
#   FILE            one file: test_networks.sh, test_networks or a path
#   FILE TEST...    only those functions of FILE
#   TEST            a function name alone is looked up in every file
#   test_bpf        only the BPF unit tests
#   test_unit       only the user-space unit tests and the layer check
#   -j N            run N integration tests at a time (default 1)
#   -k              keep the world of failed tests (namespaces, state root)
#   -v              print the output of passing tests too
#   XT_SKIP_SLOW=1  skip the tests tagged @slow
#
# Sanitizers (`make sanitize` builds build-san/ with ASan + UBSan):
#   XNET=build-san/xnet selftests/run.sh FILE [TEST...]
#                   any file or test with the sanitized CLI
#   sanitize        only the sanitizer pass (below)
#   SAN_INTEGRATION="FILE[:TEST,TEST...] ..."
#                   the integration tests of the sanitizer pass: whole files
#                   or some of their tests (files that do not exist are left
#                   out; empty: none). Default: $SAN_DEFAULT below.
# Without arguments, after everything else comes the sanitizer pass, when
# build-san/ is built: build-san/test_unit and build-san/test_bpf, then the
# SAN_INTEGRATION tests again with build-san/xnet (shown as "name [san]").
# With a sanitized xnet or unit-test binary, every report of any process
# (also daemons it starts, and commands a test expects to fail) goes to a
# file of the test's own; any such file fails the test and is printed.
# Leak reports are on for the unit tests and off for the CLI: a one-shot
# process frees everything by exiting, so its leaks at exit are not bugs (an
# early error return would be reported for every flag the fuzz test tries),
# and the long-lived processes it starts end by signals, where LeakSanitizer
# does not run; memory errors and undefined behaviour stay fatal everywhere.
#
# One line per test: "PASS name (Ns)", "FAIL name (Ns)" followed by the test's
# output, or "SKIP name: reason"; then exactly one line
# "N passed, N failed[, N skipped]". Exit status: 0 all passed, 1 any failure,
# 4 nothing could run (not root, nothing built).

set -u
SKIP_RC=4
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
IDIR=$HERE/integration
LIB=$IDIR/lib.sh
TEST_BPF=${TEST_BPF:-$TOP/build/test_bpf}
export XNET=${XNET:-$TOP/build/xnet}
# A relative XNET (XNET=build-san/xnet) must keep working in tests that cd.
case $XNET in /*) ;; */*) [ -e "$XNET" ] && XNET=$(cd "$(dirname "$XNET")" && pwd)/$(basename "$XNET") ;; esac
SAN_BUILD=${SAN_BUILD:-$TOP/build-san}
# The CLI's flag parsing, and the listings that once overflowed stack buffers.
SAN_DEFAULT="test_cli_fuzz.sh test_networks.sh:test_network_ls_long_labels,test_json_output test_sandboxes.sh:test_ps_many_networks"
SAN_INTEGRATION=${SAN_INTEGRATION-$SAN_DEFAULT}
DEFAULT_TIMEOUT=${XT_TIMEOUT:-300}

jobs_max=1
keep=0
verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	-j) jobs_max=$2; shift 2 ;;
	-j*) jobs_max=${1#-j}; shift ;;
	-k) keep=1; shift ;;
	-v) verbose=1; shift ;;
	-h|--help) sed -n '4,50p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done

if [ "$(id -u)" != 0 ]; then
	echo "SKIP selftests: must run as root (namespaces, BPF)"
	echo "0 passed, 0 failed, 1 skipped"
	exit $SKIP_RC
fi

passed=0 failed=0 skipped=0
RESULTS=$(mktemp -d /tmp/xnet-run.XXXXXX)
trap 'rm -rf "$RESULTS"' EXIT

# ------------------------------------------------------------ what to run

# tests_of FILE: "name tags" for every test_* function, in definition order.
# Tags come from the comment lines just above the function: "# @slow",
# "# @timeout=900".
tests_of() {
	awk '
		/^#/ { tags = tags " " $0; next }
		/^test_[A-Za-z0-9_]+ *\(\)/ {
			name = $1; sub(/\(\).*/, "", name)
			t = ""
			if (tags ~ /@slow/) t = t " slow"
			if (match(tags, /@timeout=[0-9]+/)) t = t " timeout=" substr(tags, RSTART + 9, RLENGTH - 9)
			print name t
		}
		{ tags = "" }
	' "$1"
}

resolve_file() {
	local a=$1
	for f in "$a" "$IDIR/$a" "$IDIR/$a.sh"; do
		[ -f "$f" ] && { (cd "$(dirname "$f")" && echo "$PWD/$(basename "$f")"); return 0; }
	done
	return 1
}

# ------------------------------------------------------------ sanitizers

# is_sanitized BIN: built with AddressSanitizer (make sanitize)?
is_sanitized() { [ -x "$1" ] && LC_ALL=C grep -qa __asan_init "$1"; }

# san_env DIR LEAKS: the environment for sanitized programs: reports go to
# files under DIR (kept apart from the output a test checks); LEAKS 0 or 1.
# The caller's own ASAN_OPTIONS/UBSAN_OPTIONS come after ours (they win),
# except log_path.
san_env() {
	mkdir -p "$1"
	echo "ASAN_OPTIONS=detect_leaks=$2:abort_on_error=0:${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$1/asan" \
	     "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$1/ubsan"
}

# san_reports DIR: print the reports written under DIR; false if there are none.
san_reports() {
	local f any=1
	for f in "$1"/asan.* "$1"/ubsan.*; do
		[ -s "$f" ] || continue
		echo "# sanitizer report ($(basename "$f")):"
		cat "$f"
		any=0
	done
	return $any
}

run_bpf=1
run_uunit=1
run_san=0
plan=()	# "file name tags..."
plan_xnet=()	# the xnet of each plan entry ("" = $XNET)
if [ $# -eq 0 ]; then
	run_san=1
	for f in "$IDIR"/test_*.sh; do
		[ -f "$f" ] || continue
		while read -r line; do plan+=("$f $line"); done < <(tests_of "$f")
	done
elif [ "$1" = test_bpf ]; then
	run_uunit=0
elif [ "$1" = test_unit ]; then
	run_bpf=0
elif [ "$1" = sanitize ]; then
	run_bpf=0
	run_uunit=0
	run_san=1
elif f=$(resolve_file "$1"); then
	run_bpf=0
	run_uunit=0
	shift
	while read -r line; do
		name=${line%% *}
		if [ $# -eq 0 ]; then
			plan+=("$f $line")
		else
			for want in "$@"; do [ "$want" = "$name" ] && plan+=("$f $line"); done
		fi
	done < <(tests_of "$f")
	[ ${#plan[@]} -gt 0 ] || { echo "run.sh: no such test in $f: $*" >&2; exit 2; }
else
	run_bpf=0
	run_uunit=0
	for want in "$@"; do
		found=0
		for f in "$IDIR"/test_*.sh; do
			while read -r line; do
				[ "${line%% *}" = "$want" ] && { plan+=("$f $line"); found=1; }
			done < <(tests_of "$f")
		done
		[ $found = 1 ] || { echo "run.sh: no test or file named $want" >&2; exit 2; }
	done
fi

# The sanitizer pass: the SAN_INTEGRATION tests again, with the sanitized xnet.
if [ $run_san = 1 ] && [ -n "$SAN_INTEGRATION" ]; then
	if is_sanitized "$SAN_BUILD/xnet"; then
		for want in $SAN_INTEGRATION; do
			f=$(resolve_file "${want%%:*}") || continue
			only=,
			[ "$want" != "${want#*:}" ] && only=,${want#*:},
			while read -r line; do
				[ "$only" = , ] || [ "${only#*,"${line%% *}",}" != "$only" ] || continue
				plan_xnet[${#plan[@]}]=$SAN_BUILD/xnet
				plan+=("$f $line")
			done < <(tests_of "$f")
		done
	else
		echo "SKIP sanitizer pass: $SAN_BUILD/xnet is not built (make sanitize)"
		skipped=$((skipped + 1))
	fi
fi

# ------------------------------------------------------------ BPF unit tests

# A unit-test binary that ends with "N passed, N failed[, N skipped]": its
# counts join the totals; exiting non-zero without a failure, or without the
# line, counts as one failure.
# A sanitized binary runs with leak checks on; any report counts as one failure.
# run_unit BIN [ARGS...]; UNIT_NAME names it in the results (default: BIN's
# name), UNIT_MAKE is the make target that builds it (for the SKIP line).
run_unit() {
	local bin=$1 name=${UNIT_NAME:-$(basename "$1")} rc summary p fl sk san=""
	shift
	if [ ! -x "$bin" ]; then
		echo "SKIP $name: $bin is not built (make ${UNIT_MAKE:-$(basename "$bin")})"
		skipped=$((skipped + 1))
		return
	fi
	if is_sanitized "$bin"; then
		san=$RESULTS/unit-$(basename "$bin").san
		env $(san_env "$san" 1) "$bin" "$@" 2>&1 | tee "$RESULTS/$name.log"
	else
		"$bin" "$@" 2>&1 | tee "$RESULTS/$name.log"
	fi
	rc=${PIPESTATUS[0]}
	if [ -n "$san" ] && san_reports "$san"; then
		echo "FAIL $name: sanitizer report (above)"
		failed=$((failed + 1))
	fi
	summary=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$RESULTS/$name.log" | tail -n1)
	if [ -n "$summary" ]; then
		p=$(echo "$summary" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
		fl=$(echo "$summary" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
		sk=$(echo "$summary" | grep -oE '[0-9]+ skipped' | grep -oE '[0-9]+')
		passed=$((passed + p))
		failed=$((failed + fl))
		skipped=$((skipped + ${sk:-0}))
		if [ "$rc" != 0 ] && [ "$fl" = 0 ]; then
			echo "FAIL $name: exited $rc although it reported no failure"
			failed=$((failed + 1))
		fi
	else
		echo "FAIL $name: exited $rc without a 'N passed, N failed' line"
		failed=$((failed + 1))
	fi
}

[ $run_uunit = 1 ] && run_unit "$TOP/build/test_unit"
# user/'s layers, module circles and SQL outside store/ (no build needed).
[ $run_uunit = 1 ] && UNIT_NAME=check-layers run_unit "$TOP/tools/check-layers.sh" "$TOP"
if [ $run_bpf = 1 ]; then
	# The unit tests' frames (XT_CORPUS) seed the packet fuzzer's short run.
	seeds=$TOP/build/fuzz-seeds.txt
	rm -f "$seeds.tmp"
	XT_CORPUS=$seeds.tmp run_unit "$TEST_BPF"
	[ -s "$seeds.tmp" ] && mv "$seeds.tmp" "$seeds"
	run_unit "$TOP/build/test_pktgen"
	FUZZ_SEEDS=$seeds run_unit "$TOP/build/fuzz_bpf"
	run_unit "$TOP/build/verifier_stats" --check "$TOP/bench/results/verifier.json"
fi
if [ $run_san = 1 ] && [ -e "$SAN_BUILD/test_unit" ]; then
	UNIT_NAME="test_unit [san]" UNIT_MAKE=sanitize run_unit "$SAN_BUILD/test_unit"
fi
if [ $run_san = 1 ] && [ -e "$SAN_BUILD/test_bpf" ]; then
	UNIT_NAME="test_bpf [san]" UNIT_MAKE=sanitize run_unit "$SAN_BUILD/test_bpf"
fi

# ------------------------------------------------------------ integration tests

# run_one INDEX FILE NAME TAGS...: runs in the background; writes RESULTS/INDEX.{rc,log,time,name}
run_one() {
	local idx=$1 file=$2 name=$3 tags=$4 tmo=$DEFAULT_TIMEOUT start rc world
	local xnet=${plan_xnet[$idx]:-$XNET} label=$name san="" senv=()
	case " $tags " in *" timeout="*) tmo=${tags##*timeout=}; tmo=${tmo%% *} ;; esac
	[ -n "${plan_xnet[$idx]:-}" ] && label="$name [san]"
	echo "$label" >"$RESULTS/$idx.name"
	if [ "${XT_SKIP_SLOW:-0}" = 1 ] && [ "${tags#*slow}" != "$tags" ]; then
		echo "SKIP: slow test (XT_SKIP_SLOW=1)" >"$RESULTS/$idx.log"
		echo $SKIP_RC >"$RESULTS/$idx.rc"
		echo 0 >"$RESULTS/$idx.time"
		return
	fi
	world=$RESULTS/$idx.world
	if is_sanitized "$xnet"; then
		san=$RESULTS/$idx.san
		read -r -a senv < <(san_env "$san" 0)
	fi
	start=$(date +%s)
	env "${senv[@]}" XNET="$xnet" XT_WORLD_FILE="$world" XT_KEEP=0 timeout -k 30 "$tmo" \
		bash -c 'source "$1" && source "$2" && xt_main "$3"' xt "$LIB" "$file" "$name" \
		>"$RESULTS/$idx.log" 2>&1 </dev/null
	rc=$?
	[ $rc = 124 ] && echo "# timed out after ${tmo}s" >>"$RESULTS/$idx.log"
	if [ -n "$san" ] && san_reports "$san" >>"$RESULTS/$idx.log"; then
		echo "# the sanitizers reported an error (above): the test fails" >>"$RESULTS/$idx.log"
		rc=1
	fi
	echo $(($(date +%s) - start)) >"$RESULTS/$idx.time"
	# Safety net: whatever the test left (killed by the timeout, failed cleanup).
	if [ -s "$world" ]; then
		read -r wp wroot wtmp <"$world"
		if [ $rc != 0 ] && [ $rc != $SKIP_RC ] && [ $keep = 1 ]; then
			echo "# kept: netns ${wp}h ${wp}o, root $wroot" >>"$RESULTS/$idx.log"
		elif ip netns list 2>/dev/null | grep -qE "^${wp}[ho]( |$)" || [ -d "$wroot" ]; then
			echo "# runner: cleaning up what the test left (${wp}, $wroot)" >>"$RESULTS/$idx.log"
			bash -c 'source "$1"; xt_force_cleanup "$2" "$3" "$4"' xt "$LIB" "$wp" "$wroot" "$wtmp" \
				>>"$RESULTS/$idx.log" 2>&1
		fi
	fi
	echo $rc >"$RESULTS/$idx.rc"
}

report() {
	local idx=$1 name rc t reason
	name=$(cat "$RESULTS/$idx.name")
	rc=$(cat "$RESULTS/$idx.rc")
	t=$(cat "$RESULTS/$idx.time")
	if [ "$rc" = 0 ]; then
		echo "PASS $name (${t}s)"
		passed=$((passed + 1))
		[ $verbose = 1 ] && sed 's/^/    /' "$RESULTS/$idx.log"
	elif [ "$rc" = $SKIP_RC ]; then
		reason=$(grep -E '^SKIP: ' "$RESULTS/$idx.log" | tail -n1)
		echo "SKIP $name: ${reason#SKIP: }"
		skipped=$((skipped + 1))
	else
		echo "FAIL $name (${t}s, exit $rc)"
		failed=$((failed + 1))
		sed 's/^/    /' "$RESULTS/$idx.log"
	fi
}

if [ ${#plan[@]} -gt 0 ]; then
	[ $keep = 1 ] && export XT_KEEP_FAILED=1
	declare -A running=()
	next_report=0
	for i in "${!plan[@]}"; do
		read -r file name tags <<<"${plan[$i]}"
		if [ "$jobs_max" -le 1 ]; then
			run_one "$i" "$file" "$name" "${tags:-}"
			report "$i"
			continue
		fi
		while [ ${#running[@]} -ge "$jobs_max" ]; do
			wait -n 2>/dev/null
			for j in "${!running[@]}"; do
				[ -f "$RESULTS/$j.rc" ] && unset "running[$j]"
			done
		done
		run_one "$i" "$file" "$name" "${tags:-}" &
		running[$i]=$!
		# Report finished tests in plan order.
		while [ -f "$RESULTS/$next_report.rc" ]; do report $next_report; next_report=$((next_report + 1)); done
	done
	if [ "$jobs_max" -gt 1 ]; then
		wait
		while [ $next_report -lt ${#plan[@]} ]; do report $next_report; next_report=$((next_report + 1)); done
	fi
fi

summary="$passed passed, $failed failed"
[ $skipped -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ $failed -gt 0 ] && exit 1
[ $passed = 0 ] && [ $skipped -gt 0 ] && exit $SKIP_RC
exit 0
