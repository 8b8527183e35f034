#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 4 end to end: boot a real kernel with the command line that
# `hvoplan apply --persist` wrote, and show the pools are optimized from boot.
#
#   tests/vm/persist-boot.sh [HVOPLAN_BINARY]
#
# For each kernel (HVOPLAN_VM_PERSIST_KERNELS, default "6.12 6.1"):
#  a. scratch root = copy of tests/fixtures/vm/<K>-hvo-boot-off (booted with
#     hugetlb_free_vmemmap=off and boot pools) + etc/kernel/cmdline holding that
#     guest's /proc/cmdline; then
#       hvoplan --root SCRATCH apply --hvo on --pages 2M:128@0 --pages 2M:256@1
#         --pages 1G:1@0 --pages 1G:1@1 --persist --bootloader kernel-install --yes
#     (kernel-install itself is not run under a non-/ root; only the file counts).
#  b. boot <K> with exactly that etc/kernel/cmdline (run-scenario.sh only adds
#     the test-bed parameters that are missing and hvoplan.scenario=persist-boot)
#     and capture a snapshot (scenarios/persist-boot.sh) into
#     ${HVOPLAN_VM_OUT:-tests/vm/out}/<K>-persist-boot.
#  c. `hvoplan report --format json --root SNAP` and check-ground-truth.sh:
#     boot_param on, at_boot true, every pool present per node and preallocated
#     at boot, and all possible savings realized (6.12: memmap counters,
#     unoptimized_bytes 0; 6.1: MemTotal grew by exactly the savings against the
#     hvo-boot-off fixture).
# One "ok …"/"FAIL …" line per check, then "persist-boot: N passed, N failed";
# exit 1 on any failure.  "SKIP: reason" and exit 0 when QEMU cannot run here.
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

bin=${1:-$REPO_TOP/hvoplan}
[ -x "$bin" ] || die "$bin not built (run make)"
read -r -a kernels <<<"${HVOPLAN_VM_PERSIST_KERNELS:-6.12 6.1}"
skip() { printf 'SKIP: %s\n' "$*"; exit 0; }

# Requested pools: size kB, node, count.
pages=(--pages 2M:128@0 --pages 2M:256@1 --pages 1G:1@0 --pages 1G:1@1)
want=("2048 0 128" "2048 1 256" "1048576 0 1" "1048576 1 1")

[ "$(uname -m)" = x86_64 ] || skip "host is $(uname -m), the test bed needs x86_64"
mkdir -p "$VM_OUT"
"$VM_DIR/fetch-kernels.sh" >"$VM_OUT/fetch.log" 2>&1 ||
    skip "could not fetch kernels or host packages (see $VM_OUT/fetch.log)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not available"
qemu-system-x86_64 --version >/dev/null 2>&1 || skip "qemu-system-x86_64 does not run"
"$VM_DIR/mkinitramfs.sh" >/dev/null || skip "cannot build the initramfs (busybox-static?)"
command -v jq >/dev/null || skip "jq not available"
if [ -z "${HVOPLAN_VM_ACCEL:-}" ]; then
    HVOPLAN_VM_ACCEL=$(pick_accel "$(kernel_root "${kernels[0]}")/boot/vmlinuz-$(kernel_release "${kernels[0]}")")
    export HVOPLAN_VM_ACCEL
fi

start=$(date +%s)
pass=0 fail=0
ok() { printf 'ok persist-boot %s\n' "$*"; pass=$((pass + 1)); }
bad() { printf 'FAIL persist-boot %s\n' "$*"; fail=$((fail + 1)); }
# check NAME GOT WANT
check() {
    if [ "$2" = "$3" ]; then ok "$1 = $2"; else bad "$1: got '$2', want '$3'"; fi
}

for k in "${kernels[@]}"; do
    fixture=$FIXTURE_DIR/$k-hvo-boot-off
    name=$k-persist-boot
    snap=$VM_OUT/$name
    scratch=$VM_OUT/.work/$name-root
    if [ ! -f "$fixture/proc/cmdline" ]; then
        bad "$k: no fixture $fixture"
        continue
    fi

    # a. apply --persist into a scratch root made from the hvo-boot-off guest
    rm -rf "$scratch" "$snap"
    mkdir -p "$scratch"
    cp -a "$fixture/." "$scratch/"
    mkdir -p "$scratch/etc/kernel"
    cp "$fixture/proc/cmdline" "$scratch/etc/kernel/cmdline"
    orig=$(cat "$fixture/proc/cmdline")
    arc=0
    "$bin" --root "$scratch" apply --hvo on "${pages[@]}" --persist \
        --bootloader kernel-install --yes >"$VM_OUT/.work/$name-apply.log" 2>&1 || arc=$?
    if [ "$arc" != 0 ]; then
        bad "$k apply --persist: exit $arc (see $VM_OUT/.work/$name-apply.log)"
        continue
    fi
    ok "$k apply --persist --bootloader kernel-install: exit 0"
    cmdline=$(cat "$scratch/etc/kernel/cmdline")
    echo "  $k original: $orig"
    echo "  $k written:  $cmdline"
    case " $cmdline " in
    *" hugetlb_free_vmemmap=off "*) bad "$k etc/kernel/cmdline still has hugetlb_free_vmemmap=off" ;;
    *" hugetlb_free_vmemmap=on "*) ok "$k etc/kernel/cmdline: hugetlb_free_vmemmap=on, =off gone" ;;
    *) bad "$k etc/kernel/cmdline has no hugetlb_free_vmemmap=on" ;;
    esac
    # the parameters hvoplan does not own survive
    kept=1
    for w in $orig; do
        case $w in hugetlb_free_vmemmap=* | hugepagesz=* | hugepages=* | default_hugepagesz=*) continue ;; esac
        case " $cmdline " in *" $w "*) ;; *) kept=0; bad "$k etc/kernel/cmdline lost '$w'" ;; esac
    done
    [ "$kept" = 1 ] && ok "$k etc/kernel/cmdline keeps the other original parameters"

    # b. boot with exactly that command line
    brc=0
    bout=$(HVOPLAN_VM_CMDLINE=$cmdline "$VM_DIR/run-scenario.sh" "$k" persist-boot 2>&1) || brc=$?
    printf '%s\n' "$bout" | grep -vE '^(ok|FAIL) ' | sed 's/^/  /' >&2 || true
    if [ "$brc" != 0 ] || [ ! -f "$snap/SOURCE" ]; then
        bad "$k boot: $(grep -E '^(ok|FAIL) ' <<<"$bout" | tail -n1)"
        continue
    fi
    ok "$k boot: $(sed -n 's/^ok //p' <<<"$bout" | tail -n1)"
    booted=$(cat "$snap/proc/cmdline")
    case "$booted" in
    "$cmdline" | "$cmdline "*) ok "$k guest /proc/cmdline starts with the written command line" ;;
    *) bad "$k guest /proc/cmdline '$booted' does not start with '$cmdline'" ;;
    esac

    # c. hvoplan report vs what was asked and vs the kernel's ground truth
    json=$("$bin" report --format json --root "$snap" 2>/dev/null) || true
    if ! jq -e . >/dev/null 2>&1 <<<"$json"; then
        bad "$k report --format json: no JSON"
        continue
    fi
    gt=$("$VM_DIR/check-ground-truth.sh" "$snap" "$fixture")
    g() { sed -n "s/^$1=//p" <<<"$gt" | head -n1; }
    j() { jq -r "$1" <<<"$json"; }

    check "$k hvo.boot_param" "$(j .hvo.boot_param)" on
    check "$k hvo.at_boot" "$(j .hvo.at_boot)" true
    check "$k ground truth hvo_boot_param" "$(g hvo_boot_param)" on
    for w in "${want[@]}"; do
        read -r kb node n <<<"$w"
        size=$((kb * 1024))
        check "$k report ${kb}kB node$node nr" \
            "$(j ".hstates[] | select(.size == $size) | .nodes[] | select(.node == $node) | .nr")" "$n"
        check "$k ground truth ${kb}kB node$node nr" "$(g "hstate.${kb}kB.node$node.nr")" "$n"
    done
    unopt=0
    [ "$(g nr_memmap_pages)" = NA ] && unopt=null
    for kb in 2048 1048576; do
        size=$((kb * 1024))
        total=0
        for w in "${want[@]}"; do
            read -r wkb _ n <<<"$w"
            [ "$wkb" = "$kb" ] && total=$((total + n))
        done
        check "$k report ${kb}kB nr" "$(j ".hstates[] | select(.size == $size) | .nr")" "$total"
        # allocated by the kernel at boot from hugepages=, not at run time
        check "$k ground truth ${kb}kB boot_preallocated" "$(g "hstate.${kb}kB.boot_preallocated")" "$total"
        # 6.11+ measures it (0: all optimized); 6.1 cannot, so unknown (null)
        check "$k report ${kb}kB unoptimized_pages" \
            "$(j ".hstates[] | select(.size == $size) | .unoptimized_pages")" "$unopt"
    done
    possible=$(j .totals.savings_possible_bytes)
    check "$k totals.savings_possible_bytes = ground truth full_savings_bytes" "$possible" "$(g full_savings_bytes)"
    if [ "$(g nr_memmap_pages)" != NA ]; then
        # 6.11+: the memmap counters measure what HVO freed
        check "$k memmap.realized_savings_bytes = totals.savings_possible_bytes" \
            "$(j .memmap.realized_savings_bytes)" "$possible"
        check "$k memmap.realized_savings_bytes = ground truth realized_savings_bytes" \
            "$(j .memmap.realized_savings_bytes)" "$(g realized_savings_bytes)"
        check "$k ground truth unrealized_savings_bytes" "$(g unrealized_savings_bytes)" 0
        check "$k totals.unoptimized_bytes" "$(j .totals.unoptimized_bytes)" 0
    else
        # 6.1: no counters; the boot vmemmap HVO freed goes back to the buddy
        # allocator and shows up as MemTotal growth against the same machine
        # booted with hugetlb_free_vmemmap=off (the fixture): all of it freed
        # <=> the growth equals the possible savings.
        delta=$(g memtotal_delta_kb)
        if [ -n "$delta" ] && [ "$delta" != NA ]; then
            check "$k MemTotal growth vs hvo-boot-off (bytes) = totals.savings_possible_bytes" \
                "$((delta * 1024))" "$possible"
        else
            bad "$k no MemTotal delta against the hvo-boot-off boot"
        fi
        check "$k totals.savings_current_bytes (assumed) = savings_possible_bytes" \
            "$(j .totals.savings_current_bytes)" "$possible"
        check "$k totals.savings_current_basis" "$(j .totals.savings_current_basis)" assumed
    fi
done

echo "time: $(($(date +%s) - start))s"
echo "persist-boot: $pass passed, $fail failed"
[ "$fail" = 0 ]
