#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every scenario on every kernel and print one ok/FAIL line per run.
#
#   tests/vm/run-all.sh [--update-fixtures] [--kernels "6.1 6.12"] [--scenarios "a b"]
#
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
while [ $# -gt 0 ]; do
    case $1 in
    --update-fixtures) update=1 ;;
    --kernels) read -r -a kernels <<<"$2"; shift ;;
    --scenarios) read -r -a scenarios <<<"$2"; shift ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
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
"$VM_DIR/mkinitramfs.sh" >/dev/null || skip "cannot build the initramfs (busybox-static?)"

accel=${HVOPLAN_VM_ACCEL:-$(pick_accel "$(kernel_root "${kernels[0]}")/boot/vmlinuz-$(kernel_release "${kernels[0]}")")}
export HVOPLAN_VM_ACCEL=$accel
echo "accel: $accel"

start=$(date +%s)
failed=0
passed=()
for k in "${kernels[@]}"; do
    for s in "${scenarios[@]}"; do
        if "$VM_DIR/run-scenario.sh" "$k" "$s"; then
            passed+=("$k-$s")
        else
            failed=$((failed + 1))
        fi
    done
done
echo "total: $((${#passed[@]} + failed)) runs, $failed failed, $(($(date +%s) - start))s ($accel)"
if [ "$update" = 1 ] && [ "${#passed[@]}" -gt 0 ]; then
    "$VM_DIR/update-fixtures.sh" "${passed[@]}"
fi
[ "$failed" = 0 ]
