#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every scenario on every kernel and print one ok/FAIL line per run.
#
#   tests/vm/run-all.sh [--update-fixtures] [--kernels "6.1 6.12"] [--scenarios "a b"]
#                       [--runs "6.12:stale 7.3:pmem" | --ci] [-j N]
#
# --runs: exactly these kernel:scenario pairs; --ci: the pairs ci.sh boots
# (CI_RUNS in lib.sh).  -j N (default $HVOPLAN_VM_JOBS or 2): N guests at a
# time; each run's output is printed in one piece when it ends (completion
# order), so the ok/FAIL lines of parallel runs never interleave.
# Exits 0 with "SKIP: <reason>" when QEMU cannot run here (no qemu and no way to
# install it, or the kernels cannot be fetched).  With --update-fixtures the
# snapshots of the runs that passed are copied into tests/fixtures/vm/ (see
# tests/vm/update-fixtures.sh).  Exit status 1 if any run failed.
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

update=0
kernels=("${KERNELS[@]}")
scenarios=("${SCENARIOS[@]}")
runs=()
jobs_max=${HVOPLAN_VM_JOBS:-2}
while [ $# -gt 0 ]; do
    case $1 in
    --update-fixtures) update=1 ;;
    --runs) read -r -a runs <<<"$2"; shift ;;
    --ci) runs=("${CI_RUNS[@]}") ;;
    -j) jobs_max=$2; shift ;;
    -j[0-9]*) jobs_max=${1#-j} ;;
    --kernels) read -r -a kernels <<<"$2"; shift ;;
    --scenarios) read -r -a scenarios <<<"$2"; shift ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
    esac
    shift
done

skip() { printf 'SKIP: %s\n' "$*"; exit 0; }

[ "$(uname -m)" = x86_64 ] || skip "host is $(uname -m), the test bed needs x86_64"
mkdir -p "$VM_OUT"
if ! "$VM_DIR/fetch-kernels.sh" >"$VM_OUT/fetch.log" 2>&1; then
    skip "could not fetch kernels or host packages (see $VM_OUT/fetch.log)"
fi
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not available"
qemu-system-x86_64 --version >/dev/null 2>&1 || skip "qemu-system-x86_64 does not run"

if [ "${#runs[@]}" = 0 ]; then
    for k in "${kernels[@]}"; do
        for s in "${scenarios[@]}"; do runs+=("$k:$s"); done
    done
fi
[[ $jobs_max =~ ^[1-9][0-9]*$ ]] || die "-j wants a positive number, not $jobs_max"
k0=${runs[0]%%:*}
accel=${HVOPLAN_VM_ACCEL:-$(pick_accel "$(kernel_root "$k0")/boot/vmlinuz-$(kernel_release "$k0")")}
export HVOPLAN_VM_ACCEL=$accel
echo "accel: $accel"

# The initramfs images first, one at a time (parallel boots would only wait
# for each other's build).
while read -r k; do
    "$VM_DIR/mkinitramfs.sh" "$k" >/dev/null || skip "cannot build the initramfs for $k"
done < <(for r in "${runs[@]}"; do printf '%s\n' "${r%%:*}"; done | sort -u)

start=$(date +%s)
failed=0
passed=()
jobdir=$(mktemp -d)
trap 'rm -rf "$jobdir"' EXIT
declare -A reported=()
# flush: print the output of every finished run not printed yet.
flush() {
    local f n rc
    for f in "$jobdir"/*.rc; do
        [ -e "$f" ] || continue
        n=$(basename "$f" .rc)
        [ -n "${reported[$n]:-}" ] && continue
        reported[$n]=1
        cat "$jobdir/$n.out"
        rc=$(cat "$f")
        if [ "$rc" = 0 ]; then passed+=("$n"); else failed=$((failed + 1)); fi
    done
}
for r in "${runs[@]}"; do
    k=${r%%:*} s=${r#*:}
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do
        wait -n || true
        flush
    done
    (
        rc=0
        "$VM_DIR/run-scenario.sh" "$k" "$s" >"$jobdir/$k-$s.out" 2>&1 || rc=$?
        echo "$rc" >"$jobdir/$k-$s.rc.tmp"
        mv "$jobdir/$k-$s.rc.tmp" "$jobdir/$k-$s.rc"
    ) &
done
wait
flush
echo "total: $((${#passed[@]} + failed)) runs, $failed failed, $(($(date +%s) - start))s ($accel, -j$jobs_max)"
if [ "$update" = 1 ] && [ "${#passed[@]}" -gt 0 ]; then
    "$VM_DIR/update-fixtures.sh" "${passed[@]}"
fi
[ "$failed" = 0 ]
