#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What one `hvoplan report` costs against `numastat -m` (per-node meminfo,
# numactl), `hugeadm --pool-list` (pools, libhugetlbfs-bin) and bench/floor.c
# (reads only the pool files and /proc/vmstat, libc only): wall time
# (hyperfine, every command in one run, no shell), user-space instructions
# (valgrind --tool=callgrind: the VM's perf has no instruction counter) and
# system calls (strace -c -f). A benchmark, not a test: nothing here is in
# `make check`. It only reads the host: no pool or sysctl is written.
#
#   bench/report-bench.sh [RUNS]      (default 200, in ROUNDS=10 interleaved rounds)
#
# HVOPLAN=PATH times another build (default ./hvoplan). Installs hyperfine,
# numactl, libhugetlbfs-bin, valgrind, strace and jq when root and missing
# (idempotent). Every timed command must be an ELF binary: a launcher script
# (a python shim adds ~46 ms to anything started through it) is refused.
# The hvoplan rows run with its boot cache as a repeated run finds it (the
# first run of a boot builds it); "report, no cache" is the same report with
# HVOPLAN_NO_CACHE=1, timed in a second hyperfine run.
# Writes the hyperfine JSON to ${OUT:-/tmp/hvoplan-report-bench.json}.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-200}
HV=${HVOPLAN:-./hvoplan}
OUT=${OUT:-/tmp/hvoplan-report-bench.json}
BUILD=${BUILD:-build}
[ -x "$HV" ] || { echo "build hvoplan first (make)" >&2; exit 2; }

missing=()
for p in hyperfine numactl libhugetlbfs-bin valgrind strace jq; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "missing: ${missing[*]} (run as root to install)" >&2; exit 2; }
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 \
			install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi

FLOOR=$BUILD/bench/floor
if [ ! -x "$FLOOR" ] || [ bench/floor.c -nt "$FLOOR" ]; then
	mkdir -p "$BUILD/bench"
	${CC:-cc} -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -o "$FLOOR" bench/floor.c
fi

# name|command (split on spaces; no argument has one)
cases=(
	"hvoplan report|$HV report"
	"hvoplan report --format json|$HV report --format json"
	"hvoplan report --format prometheus|$HV report --format prometheus"
	"hvoplan --version|$HV --version"
	"numastat -m|numastat -m"
	"hugeadm --pool-list|hugeadm --pool-list"
	"floor (bench/floor.c)|$FLOOR"
)

# A timed command is its binary, not a launcher in front of it.
for c in "${cases[@]}"; do
	cmd=${c#*|}
	bin=$(command -v "${cmd%% *}") || { echo "not found: ${cmd%% *}" >&2; exit 3; }
	bin=$(readlink -f "$bin")
	[ "$(head -c 4 "$bin" | od -An -c | tr -d ' ')" = '177ELF' ] ||
		{ echo "not an ELF binary: $bin ($(head -1 "$bin" | cut -c1-60)): time the real program" >&2; exit 3; }
	$cmd >/dev/null 2>&1 || { echo "fails on this machine: $cmd" >&2; exit 3; }
done

echo "machine: $(uname -r), $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hugepages: $(for d in /sys/kernel/mm/hugepages/hugepages-*; do printf '%s=%s ' "${d##*-}" "$(cat "$d/nr_hugepages")"; done)" \
	"vm.hugetlb_optimize_vmemmap=$(cat /proc/sys/vm/hugetlb_optimize_vmemmap 2>/dev/null || echo -)"
echo "versions: $($HV --version), hyperfine $(hyperfine --version | awk '{print $2}')," \
	"numactl $(dpkg-query -W -f='${Version}' numactl), libhugetlbfs-bin $(dpkg-query -W -f='${Version}' libhugetlbfs-bin)," \
	"valgrind $(valgrind --version | sed 's/valgrind-//'), strace $(strace -V | awk 'NR == 1 {print $4}')"
# what the loader opens for each (LD_DEBUG=libs), libc included
libs() { LD_DEBUG=libs "$@" 2>&1 >/dev/null | sed -n 's/.*find library=\([^ ;]*\).*/\1/p' | sort -u | tr '\n' ' '; }
echo "libraries loaded: hvoplan report: $(libs "$HV" report); --format json: $(libs "$HV" report --format json);" \
	"--format prometheus: $(libs "$HV" report --format prometheus); --version: $(libs "$HV" --version); numastat -m: $(libs numastat -m)"
echo

# Interleaved: ROUNDS rounds of hyperfine over every command (RUNS / ROUNDS
# runs each), so that load from elsewhere falls on all of them alike; the
# median is over every run of every round. The no-cache report needs
# HVOPLAN_NO_CACHE=1 in its environment: it is the last command of each
# round, run through hyperfine's own environment.
ROUNDS=${ROUNDS:-10}
per=$(((RUNS + ROUNDS - 1) / ROUNDS))
args=()
for c in "${cases[@]}"; do args+=(-n "${c%%|*}" "${c#*|}"); done
rm -f "$OUT".round.*
for r in $(seq "$ROUNDS"); do
	hyperfine -N --warmup 3 --runs "$per" --style none --export-json "$OUT.round.$r.a" "${args[@]}" >/dev/null 2>&1
	HVOPLAN_NO_CACHE=1 hyperfine -N --warmup 3 --runs "$per" --style none --export-json "$OUT.round.$r.b" \
		-n "hvoplan report, no cache" "$HV report" >/dev/null 2>&1
done
jq -s '{results: (map(.results) | add | group_by(.command) |
	map({command: .[0].command, times: (map(.times) | add | sort)} |
		.median = (.times | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end)))}' \
	"$OUT".round.* >"$OUT"
rm -f "$OUT".round.*

median() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$2"; }
# instr CMD...: user-space instructions of one run (loader included)
instr() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | sed -n 's/.*Collected : //p'; }
# syscalls CMD...: system calls of one run, children included
syscalls() {
	local f
	f=$(mktemp)
	strace -c -f -o "$f" "$@" >/dev/null 2>&1
	awk '$NF == "total" { print ($4 ~ /^[0-9]+$/) ? $4 : $3 }' "$f"
	rm -f "$f"
}

names=() ms=() ins=() scs=()
for c in "${cases[@]}"; do
	# shellcheck disable=SC2086
	names+=("${c%%|*}") ms+=("$(median "${c%%|*}" "$OUT")") ins+=("$(instr ${c#*|})") scs+=("$(syscalls ${c#*|})")
done
# shellcheck disable=SC2086
names+=("hvoplan report, no cache") ms+=("$(median "hvoplan report, no cache" "$OUT")") \
	ins+=("$(HVOPLAN_NO_CACHE=1 instr $HV report)") scs+=("$(HVOPLAN_NO_CACHE=1 syscalls $HV report)")
for i in "${!names[@]}"; do [ "${names[$i]}" = "numastat -m" ] && base=$i; done

printf '%-36s %9s %7s %12s %7s %9s %7s\n' command "median ms" "x numa" "instr (user)" "x numa" syscalls "x numa"
for i in "${!names[@]}"; do
	awk -v n="${names[$i]}" -v ms="${ms[$i]}" -v bms="${ms[$base]}" -v in_="${ins[$i]}" -v bin="${ins[$base]}" \
		-v sc="${scs[$i]}" -v bsc="${scs[$base]}" \
		'BEGIN { printf "%-36s %9.2f %7.2f %12d %7.2f %9d %7.2f\n", n, ms, ms / bms, in_, in_ / bin, sc, sc / bsc }'
done
echo
echo "runs per command: $((per * ROUNDS)) in $ROUNDS interleaved rounds (3 warm-up runs each), no shell, output to /dev/null;"
echo "x numa = ratio to numastat -m; median ms = the median of all runs;"
echo "instructions: valgrind --tool=callgrind (user space, loader included); syscalls: strace -c -f; JSON: $OUT"
echo "goals for every hvoplan report row: <= 1.3x numastat -m wall, <= 2000000 instructions, <= 150 syscalls"
