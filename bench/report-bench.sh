#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Wall time of one `hvoplan report` (table and JSON) against the tools an
# administrator would otherwise run for the same facts on this machine:
# `numastat -m` (per-node meminfo, numactl), `hugeadm --pool-list` (pools,
# libhugetlbfs-bin) and `lsmem` (memory blocks, util-linux). Not a timed test.
#
#   bench/report-bench.sh [RUNS]      (default 50; hyperfine, 5 warm-up runs)
#
# Installs hyperfine, numactl and libhugetlbfs-bin when root and missing
# (idempotent). Runs each command without a shell (hyperfine -N), output to
# /dev/null, and prints the median of each and its ratio to `hvoplan report`.
# Writes the hyperfine JSON to ${OUT:-/tmp/hvoplan-report-bench.json}.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-50}
HV=${HVOPLAN:-./hvoplan}
OUT=${OUT:-/tmp/hvoplan-report-bench.json}
[ -x "$HV" ] || { echo "build hvoplan first (make)" >&2; exit 2; }

missing=()
for p in hyperfine numactl libhugetlbfs-bin util-linux jq; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "missing: ${missing[*]} (run as root to install)" >&2; exit 2; }
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null ||
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 \
			install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }
fi

# every command must work here before it is timed
for c in "$HV report" "$HV report --format json" "numastat -m" "hugeadm --pool-list" "lsmem"; do
	$c >/dev/null 2>&1 || { echo "fails on this machine: $c" >&2; exit 3; }
done

echo "machine: $(uname -r), $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"$(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
echo "hugepages: $(for d in /sys/kernel/mm/hugepages/hugepages-*; do printf '%s=%s ' "${d##*-}" "$(cat "$d/nr_hugepages")"; done)" \
	"vm.hugetlb_optimize_vmemmap=$(cat /proc/sys/vm/hugetlb_optimize_vmemmap 2>/dev/null || echo -)"
echo "versions: $($HV --version), hyperfine $(hyperfine --version | awk '{print $2}')," \
	"numactl $(dpkg-query -W -f='${Version}' numactl), libhugetlbfs-bin $(dpkg-query -W -f='${Version}' libhugetlbfs-bin)," \
	"util-linux $(dpkg-query -W -f='${Version}' util-linux)"
echo

hyperfine -N --warmup 5 --runs "$RUNS" --style none --export-json "$OUT" \
	-n "hvoplan report" "$HV report" \
	-n "hvoplan report --format json" "$HV report --format json" \
	-n "numastat -m" "numastat -m" \
	-n "hugeadm --pool-list" "hugeadm --pool-list" \
	-n "lsmem" "lsmem" >/dev/null

jq -r '
	(.results[0].median) as $base |
	"command                          median ms   mean ms  stddev ms  ratio to hvoplan report",
	(.results[] | [.command, (.median * 1000), (.mean * 1000), (.stddev * 1000), (.median / $base)] |
		"\(.[0] + (" " * (32 - (.[0] | length))))\(.[1] * 100 | round / 100 | tostring | .[0:9] | " " * (9 - length) + .)  \(.[2] * 100 | round / 100 | tostring | " " * (8 - length) + .)  \(.[3] * 100 | round / 100 | tostring | " " * (9 - length) + .)  \(.[4] * 100 | round / 100)")
' "$OUT"
echo
echo "runs per command: $RUNS (after 5 warm-up runs), no shell, output to /dev/null; JSON: $OUT"
