#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CPU time of one run of report, plan --from-host and top -b -n 1 over trees
# of 1, 64, 256 and 1,024 NUMA nodes with 2 hugepage sizes, made by
# tests/fixtures/nodes/make-tree.sh from the 6.12-per-node capture.
#
#   bench/nodes-bench.sh [RUNS]      (default 5; the best run is shown)
#
# CPU is user+system of the one child (bench/cputime.c), output to
# /dev/null. A command that refuses the tree shows "refused" with its exit
# status. In brackets: microseconds per node x size past the first node's
# (the time above the 1-node run over the added cells): flat means linear.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
HV=${HVOPLAN:-./hvoplan}
[ -x "$HV" ] || { echo "build hvoplan first (make)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -o "$tmp/cputime" bench/cputime.c

best() { # best CMD...: the lowest CPU ms over RUNS runs, or "refused (rc N)"
	local b=9e9 t rc
	for _ in $(seq "$RUNS"); do
		rc=0
		t=$("$tmp/cputime" "$@" 2>/dev/null) || rc=$?
		[ "$rc" -eq 0 ] || { echo "refused (exit $rc)"; return; }
		b=$(awk -v a="$b" -v c="$t" 'BEGIN { print (c < a ? c : a) }')
	done
	awk -v b="$b" 'BEGIN { printf "%.1f", b * 1000 }'
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "timed: $(file -bL "$HV" | cut -d, -f1) $HV; best of $RUNS; CPU ms (us per added node x size)"
printf '%-6s %-24s %-24s %-24s %-24s\n' nodes "report" "report --format json" "plan --from-host" "top -b -n 1 --nodes"
declare -A base
for n in 1 64 256 1024; do
	tree=$tmp/n$n
	tests/fixtures/nodes/make-tree.sh "$tree" "$n" >/dev/null
	line=$(printf '%-6s' "$n")
	for cmd in "report" "report --format json" "plan --from-host" "top -b -n 1 --nodes"; do
		# shellcheck disable=SC2086
		ms=$(best "$HV" --root "$tree" $cmd)
		if [[ $ms == refused* ]]; then
			cell=$ms
		elif [ "$n" -eq 1 ]; then
			base[$cmd]=$ms
			cell=$ms
		else
			cell="$ms ($(awk -v m="$ms" -v b="${base[$cmd]:-0}" -v n="$n" 'BEGIN { printf "%.1f", (m - b) * 1000 / ((n - 1) * 2) }'))"
		fi
		line+=$(printf ' %-24s' "$cell")
	done
	echo "$line"
	rm -rf "$tree"
done
