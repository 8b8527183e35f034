#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CPU time per refresh of `hvoplan top -b` against procps `top -b`, with
# PROCESSES processes on the host, in three cases run side by side:
#   none  no hugetlb page in use (hvoplan skips the /proc walk)
#   one   one process maps one hugepage, PROCESSES - 1 `sleep`s
#   all   PROCESSES processes all map one shared hugepage (a PostgreSQL or
#         QEMU host), from tests/live/hugeholder.c's `share` mode
#
#   bench/top-cpu.sh [--allocate N] [PROCESSES [ITERATIONS]]  (3000 and 20)
#
# The consumer cases need free 2M hugepages (one is enough). The script
# never changes the host's pools unless asked: --allocate N (root) adds N
# 2M pages for the run and puts nr_hugepages back on exit; without it and
# without a free 2M page, the consumer cases are skipped.
#
# Each tool runs with -b -d 0.1 -n 1 and -n 1+ITERATIONS under bench/cputime.c
# (user+system CPU of that one child, from wait4, so a launcher shim in PATH
# is never timed; `file` shows each timed binary is an ELF executable). Per
# refresh is the difference over ITERATIONS, best of 3, so start-up is
# reported apart. hvoplan runs with its default panels (processes included).
set -euo pipefail
cd "$(dirname "$0")/.."
ALLOC=0
if [ "${1:-}" = --allocate ]; then
	ALLOC=${2:?--allocate takes a page count}
	shift 2
fi
NPROC=${1:-3000}
ITER=${2:-20}
HV=${HVOPLAN:-./hvoplan}
TOP=$(command -v top || true)
[ -x "$HV" ] || { echo "build hvoplan first (make)" >&2; exit 2; }
[ -n "$TOP" ] || { echo "procps top not installed" >&2; exit 2; }
P2M=/sys/kernel/mm/hugepages/hugepages-2048kB
export TERM=dumb LC_ALL=C

tmp=$(mktemp -d)
pids=()
orig_nr=
cleanup() {
	# only the processes this script started, by PID
	if [ "${#pids[@]}" -gt 0 ]; then kill "${pids[@]}" 2>/dev/null || true; fi
	wait 2>/dev/null || true
	if [ -n "$orig_nr" ]; then echo "$orig_nr" >"$P2M/nr_hugepages"; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cc -O2 -o "$tmp/cputime" bench/cputime.c
cc -O2 -D_GNU_SOURCE -o "$tmp/hugeholder" tests/live/hugeholder.c

stop_all() {
	if [ "${#pids[@]}" -gt 0 ]; then kill "${pids[@]}" 2>/dev/null || true; fi
	wait 2>/dev/null || true
	pids=()
}
sleeps() { # sleeps N
	local i
	for ((i = 0; i < $1; i++)); do
		sleep 3600 &
		pids+=($!)
	done
}
holder() { # holder ARGS...: hugeholder in the background, back once it is ready
	rm -f "$tmp/ready"
	"$tmp/hugeholder" -r "$tmp/ready" "$@" &
	pids+=($!)
	local i
	for ((i = 0; i < 600; i++)); do
		[ -s "$tmp/ready" ] && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# per CMD...: "startup_ms per_refresh_ms" (best of 3 runs each)
per() {
	local one=9e9 many=9e9 t _
	for _ in 1 2 3; do
		t=$("$tmp/cputime" "$@" -n 1)
		one=$(awk -v a="$one" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
		t=$("$tmp/cputime" "$@" -n $((ITER + 1)))
		many=$(awk -v a="$many" -v b="$t" 'BEGIN { print (b < a ? b : a) }')
	done
	awk -v o="$one" -v m="$many" -v n="$ITER" 'BEGIN { d = (m - o) / n; if (d < 0) d = 0; printf "%.1f %.2f\n", o * 1000, d * 1000 }'
}

RATIOS=()
measure() { # measure NAME LABEL
	local hv_start hv_per top_start top_per ratio tasks
	local t=(/proc/[0-9]*)
	tasks=${#t[@]}
	read -r hv_start hv_per < <(per "$HV" top -b -d 0.1)
	read -r top_start top_per < <(per "$TOP" -b -d 0.1)
	ratio=$(awk -v a="$hv_per" -v b="$top_per" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "n/a" }')
	echo
	echo "$2 ($tasks processes)"
	printf '  %-22s %12s %16s\n' tool "startup ms" "CPU ms/refresh"
	printf '  %-22s %12s %16s\n' "hvoplan top -b" "$hv_start" "$hv_per"
	printf '  %-22s %12s %16s\n' "procps top -b" "$top_start" "$top_per"
	echo "  ratio hvoplan/procps per refresh: $ratio"
	RATIOS+=("$1 $ratio ($hv_per ms)")
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -r)"
echo "timed: $(file -bL "$HV" | cut -d, -f1) $HV; $(file -bL "$TOP" | cut -d, -f1) $TOP; $ITER refreshes at -d 0.1"

sleeps "$NPROC"
measure none "A. none: no hugetlb page in use"
stop_all

free2m=$(cat "$P2M/free_hugepages" 2>/dev/null || echo 0)
if [ "$ALLOC" -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "--allocate needs root" >&2; exit 2; }
	orig_nr=$(cat "$P2M/nr_hugepages")
	echo $((orig_nr + ALLOC)) >"$P2M/nr_hugepages"
	free2m=$(cat "$P2M/free_hugepages")
fi
if [ "$free2m" -lt 1 ]; then
	echo
	echo "B, C skipped: no free 2M hugepage (run with --allocate 2 as root)"
else
	sleeps $((NPROC - 1))
	holder touch 1
	measure one "B. one process maps a hugepage"
	stop_all
	holder share 1 "$NPROC" || { echo "hugeholder share 1 $NPROC failed" >&2; exit 1; }
	measure all "C. all $NPROC processes map one shared hugepage"
	stop_all
fi
echo
echo "ratios (hvoplan/procps CPU per refresh): ${RATIOS[*]}"
