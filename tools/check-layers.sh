#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# check-layers.sh: user/'s layers keep one direction of use (docs/ARCHITECTURE.md,
# "The pieces"). Run by `make test` (selftests/run.sh); no root needed.
#
#   tools/check-layers.sh [TOP]
#
# Three checks, each over the #include lines and the text of user/*/*.[ch] and
# user/agents/*/*.[ch]:
#   layers   a file of layer L includes only the layers L may use (may_use below)
#   cycles   no circle between modules (a module is foo.c with its foo.h), the
#            same depth-first search as over bpf/'s includes
#   sql      SQL (sqlite3_*, store__prepare/exec) only under store/
# A known violation is listed in tools/layers.allow ("FILE RULE WHAT"); a new
# one fails, and so does a listed one that is gone (delete its line: the list
# only shrinks). Output: one line per problem, then "N passed, N failed".

set -u
TOP=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$TOP" || exit 2
ALLOW=tools/layers.allow

# may_use LAYER: the folders a file under user/LAYER/ may include from.
may_use() {
	case $1 in
	lib) echo "lib" ;;
	model) echo "lib model" ;;
	kernel) echo "lib kernel" ;;
	store) echo "lib model store" ;;
	datapath) echo "lib kernel datapath" ;;
	drivers) echo "lib model kernel datapath drivers" ;;
	agents) echo "lib kernel datapath agents" ;;
	core) echo "lib model kernel datapath drivers store agents core" ;;
	cmd|plugins) echo "lib model core agents cmd plugins" ;;
	*) echo "" ;;
	esac
}

shopt -s nullglob
files=(user/*/*.[ch] user/agents/*/*.[ch])
found=$(mktemp)
trap 'rm -f "$found"' EXIT
checks=0

# module PATH: user/core/dns.c -> core/dns; user/agents/dns/dns_helper.h -> agents/dns/dns_helper
module() { local m=${1#user/}; echo "${m%.*}"; }

# ---- layers and the include graph
edges=$(mktemp)
trap 'rm -f "$found" "$edges"' EXIT
for f in "${files[@]}"; do
	layer=${f#user/}
	layer=${layer%%/*}
	allowed=" $(may_use "$layer") "
	me=$(module "$f")
	while read -r inc; do
		dep=${inc%%/*}
		[ "$dep" = "$inc" ] && continue	# headers/ and generated skeletons: no folder
		checks=$((checks + 1))
		case $allowed in
		*" $dep "*) ;;
		*) echo "$f layers $inc" >>"$found" ;;
		esac
		[ "${inc%.h}" != "$me" ] && echo "$me ${inc%.h}" >>"$edges"
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
	# Generated skeletons (BPF objects) only in the datapath.
	if [ "$layer" != datapath ] && grep -q '^#include "[a-z_]*\.skel\.h"' "$f"; then
		echo "$f layers skeleton" >>"$found"
	fi
	# ---- SQL only in the store
	if [ "$layer" != store ]; then
		checks=$((checks + 1))
		if grep -qE 'sqlite3_[a-z_]+\(|store__(prepare|exec)\(' "$f"; then
			echo "$f sql statements" >>"$found"
		fi
	fi
done

# ---- cycles: depth-first search over the module graph
checks=$((checks + 1))
sort -u "$edges" | awk '
	{ adj[$1] = adj[$1] " " $2; nodes[$1] = 1; nodes[$2] = 1 }
	function dfs(n,    i, k, d) {
		color[n] = 1
		stack[++depth] = n
		k = split(adj[n], d, " ")
		for (i = 1; i <= k; i++) {
			if (color[d[i]] == 1) {
				cyc = d[i]
				for (j = depth; j >= 1 && stack[j] != d[i]; j--)
					cyc = stack[j] " -> " cyc
				print "cycle " d[i] " -> " cyc
			} else if (!color[d[i]]) {
				dfs(d[i])
			}
		}
		depth--
		color[n] = 2
	}
	END { for (n in nodes) if (!color[n]) dfs(n) }
' | sort -u | sed 's/^/user cycles /' >>"$found"

# ---- compare with the allow-list
failed=0
while read -r line; do
	[ -z "$line" ] && continue
	if ! grep -qxF "$line" <(grep -v '^#' "$ALLOW" 2>/dev/null); then
		echo "FAIL new violation: $line"
		failed=$((failed + 1))
	fi
done < <(sort -u "$found")
while read -r line; do
	case $line in ''|'#'*) continue ;; esac
	if ! grep -qxF "$line" "$found"; then
		echo "FAIL $ALLOW lists a violation that is gone (delete the line): $line"
		failed=$((failed + 1))
	fi
done <"$ALLOW"
echo "check-layers: $checks include and SQL checks over ${#files[@]} files, $(sort -u "$edges" | wc -l) module edges"
echo "$((checks > failed ? checks - failed : 0)) passed, $failed failed"
[ $failed = 0 ]
