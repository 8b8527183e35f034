# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Common settings for the hvoplan VM test bed (sourced, not executed).
# shellcheck disable=SC2034 # the variables are used by the sourcing scripts

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_TOP=$(cd "$VM_DIR/../.." && pwd)
VM_CACHE=${HVOPLAN_VM_CACHE:-/var/cache/hvoplan-vm}
VM_OUT=${HVOPLAN_VM_OUT:-$VM_DIR/out}
FIXTURE_DIR=$REPO_TOP/tests/fixtures/vm
KERNELS=(6.1 6.12 7.2 7.3)
SCENARIOS=(hvo-boot-on hvo-boot-off stale per-node default-1g memmap-on-memory big64 pmem memless-node)
# The kernel:scenario pairs ci.sh boots (run-all.sh --ci): every scenario on
# the bookworm backport (6.12) and the newest kernel (7.3), the base ones on
# 6.1 and 7.2; the vm stage must stay under ~25 minutes on a 2-core machine
# (tests/vm/README.md, "CI time").
CI_RUNS=()
for _s in "${SCENARIOS[@]}"; do CI_RUNS+=("6.12:$_s" "7.3:$_s"); done
CI_RUNS+=(6.1:hvo-boot-on 6.1:stale 7.2:hvo-boot-on 7.2:stale)
unset _s

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The unpacked kernel tree for a short name (6.1, 6.12): $VM_CACHE/kernels/<short>
kernel_root() { printf '%s/kernels/%s\n' "$VM_CACHE" "$1"; }

# The kernel release (e.g. 6.1.0-56-amd64) of an unpacked kernel tree.
kernel_release() {
    local root; root=$(kernel_root "$1")
    local f
    for f in "$root"/boot/vmlinuz-*; do
        [ -e "$f" ] || die "kernel $1 not fetched (run tests/vm/fetch-kernels.sh)"
        basename "$f" | sed 's/^vmlinuz-//'
        return 0
    done
}

# pick_accel VMLINUZ: print "kvm" when KVM can boot a guest with 1 GiB page
# support (pdpe1gb; needed for gigantic pages), else "tcg".  Nested or partial
# KVM (missing MSRs or CPUID features) falls back to TCG.
pick_accel() {
    local out
    if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
        echo tcg
        return 0
    fi
    out=$(timeout 60 qemu-system-x86_64 -machine pc,accel=kvm -cpu host,pdpe1gb=on,enforce \
        -m 256 -nographic -no-reboot -kernel "$1" -append "console=ttyS0 panic=-1 loglevel=4" \
        </dev/null 2>&1 | tr -d '\r' || true)
    if printf '%s\n' "$out" | grep -q 'Kernel panic'; then
        echo kvm
    else
        echo tcg
    fi
}
