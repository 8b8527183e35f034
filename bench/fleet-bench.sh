#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Throughput of `hvoplan fleet`: HOSTS snapshot directories (default 1000) and
# TARS snapshot archives (default 100), made with `hvoplan snapshot` from the
# real fixtures in tests/fixtures/vm and copied round-robin (directories as
# hard-linked copies, so generating them costs no disk; each is its own tree
# to the probe) under a temporary directory, then timed with one worker
# (--jobs 1) and with the default (one per CPU). Prints hosts per second and
# the speed-up over one worker. Not a timed test.
#
#   bench/fleet-bench.sh [HOSTS [TARS [RUNS]]]     (RUNS default 3; medians)
#
# The archives are extracted under $TMPDIR like `--root FILE.tar`; on a disk
# that costs far more than reading a directory (see bench/RESULTS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
HOSTS=${1:-1000}
TARS=${2:-100}
RUNS=${3:-3}
HV=$(realpath "${HVOPLAN:-./hvoplan}")
[ -x "$HV" ] || { echo "build hvoplan first (make)" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/fleet-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/dirs" "$work/tars" "$work/tmp"
fixtures=()
for d in tests/fixtures/vm/*/; do
	d=${d%/} n=${d##*/}
	"$HV" --root "$d" snapshot -o "$work/src/$n" >/dev/null 2>&1
	"$HV" --root "$d" snapshot -o "$work/src/$n.tar" >/dev/null 2>&1
	fixtures+=("$n")
done
nf=${#fixtures[@]}
for ((i = 0; i < HOSTS; i++)); do
	cp -al "$work/src/${fixtures[i % nf]}" "$work/dirs/host$(printf %04d "$i")"
done
for ((i = 0; i < TARS; i++)); do
	ln "$work/src/${fixtures[i % nf]}.tar" "$work/tars/host$(printf %04d "$i").tar"
done

# median wall seconds of RUNS runs of "$@" (output discarded)
median() {
	local t=() i s e
	for ((i = 0; i < RUNS; i++)); do
		s=$(date +%s.%N)
		TMPDIR=$work/tmp "$@" >/dev/null
		e=$(date +%s.%N)
		t+=("$(echo "$e - $s" | bc -l)")
	done
	printf '%s\n' "${t[@]}" | sort -n | sed -n "$(((RUNS + 1) / 2))p"
}

echo "machine: $(uname -r), $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
	"load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "hvoplan fleet over $HOSTS snapshot directories and $TARS archives (copies of $nf fixtures), median of $RUNS runs"
printf '%-34s %6s %9s %11s %9s\n' input jobs seconds hosts/s speed-up
for set in dirs tars; do
	n=$(ls "$work/$set" | wc -l)
	[ "$n" -gt 0 ] || continue
	# every host must be read before it is timed
	got=$(TMPDIR=$work/tmp "$HV" fleet -J "$work/$set" | jq .totals.hosts)
	[ "$got" -eq "$n" ] || { echo "fleet read $got of $n hosts in $set" >&2; exit 3; }
	one=$(median "$HV" fleet --jobs 1 "$work/$set")
	all=$(median "$HV" fleet "$work/$set")
	label="$n $([ "$set" = dirs ] && echo "snapshot directories" || echo "snapshot archives")"
	printf '%-34s %6s %9.2f %11.0f %9s\n' "$label" 1 "$one" "$(echo "$n / $one" | bc -l)" 1
	printf '%-34s %6s %9.2f %11.0f %8.2fx\n' "$label" "$(nproc)" "$all" "$(echo "$n / $all" | bc -l)" \
		"$(echo "$one / $all" | bc -l)"
done
[ -z "$(ls -A "$work/tmp")" ] || { echo "extractions left behind in $work/tmp" >&2; exit 3; }
