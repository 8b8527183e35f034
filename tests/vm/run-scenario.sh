#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot one Debian kernel in QEMU with one scenario and unpack its snapshot.
#
#   tests/vm/run-scenario.sh KERNEL SCENARIO      e.g.  6.12 stale
#
# KERNEL is a short name (6.1, 6.12) fetched by fetch-kernels.sh; SCENARIO is a
# file name in tests/vm/scenarios/ without .sh.  The snapshot lands in
# $HVOPLAN_VM_OUT (default tests/vm/out)/<KERNEL>-<SCENARIO>/; the console log
# and the raw serial data stay in $HVOPLAN_VM_OUT/.work/<KERNEL>-<SCENARIO>/.
# Prints "ok KERNEL-SCENARIO (Ns)" or "FAIL KERNEL-SCENARIO: reason" and exits
# 0/1.  Environment: HVOPLAN_VM_TIMEOUT (seconds per boot, default 300 with
# KVM, 900 with TCG), HVOPLAN_VM_ACCEL (kvm|tcg, default kvm if /dev/kvm works).
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# = 2 ] || die "usage: $0 KERNEL SCENARIO"
kernel=$1 scenario=$2
name=$kernel-$scenario
[ -f "$VM_DIR/scenarios/$scenario.sh" ] || die "no scenario $scenario"
kroot=$(kernel_root "$kernel")
release=$(kernel_release "$kernel")
read -r pkg pkgver <"$kroot/.fetched"
initrd=$("$VM_DIR/mkinitramfs.sh" "$kernel")

accel=${HVOPLAN_VM_ACCEL:-$(pick_accel "$kroot/boot/vmlinuz-$release")}
if [ "$accel" = kvm ]; then
    cpu=host timeout_s=${HVOPLAN_VM_TIMEOUT:-300}
else
    cpu=max timeout_s=${HVOPLAN_VM_TIMEOUT:-900}
fi

work=$VM_OUT/.work/$name
dest=$VM_OUT/$name
rm -rf "$work"
mkdir -p "$work"

fail() {
    printf 'FAIL %s: %s (log: %s)\n' "$name" "$*" "$work/console.log"
    exit 1
}

# Machine layout.  Two NUMA nodes of 3 GiB; only 1 GiB of RAM below 4 GiB so
# that both nodes own 1 GiB-aligned RAM for gigantic pages even after early
# boot allocations (NODE_DATA, memmap) land at the top of each node.
# shellcheck disable=SC2054 # commas are part of the QEMU options
mem=(-m 6G
    -object memory-backend-ram,id=m0,size=3G -object memory-backend-ram,id=m1,size=3G
    -numa node,nodeid=0,memdev=m0,cpus=0 -numa node,nodeid=1,memdev=m1,cpus=1)
machine=pc,accel=$accel,max-ram-below-4g=1G
append="console=ttyS0 nokaslr log_buf_len=1M panic=-1 hvoplan.scenario=$scenario"
hotplug=0
case $scenario in
hvo-boot-on)
    append+=" hugetlb_free_vmemmap=on hugepagesz=1G hugepages=0:1,1:1 hugepagesz=2M hugepages=256" ;;
hvo-boot-off)
    append+=" hugetlb_free_vmemmap=off hugepagesz=1G hugepages=0:1,1:1 hugepagesz=2M hugepages=256" ;;
default-1g)
    append+=" default_hugepagesz=1G hugepagesz=1G hugepages=2" ;;
stale | per-node) ;;
persist-boot)
    # persist-boot.sh: boot with exactly the command line `hvoplan apply
    # --persist` wrote (HVOPLAN_VM_CMDLINE); the test-bed parameters are only
    # added (those already present are not repeated; the last
    # hvoplan.scenario= wins in guest/init).
    [ -n "${HVOPLAN_VM_CMDLINE:-}" ] || die "persist-boot needs HVOPLAN_VM_CMDLINE"
    extra=
    for w in console=ttyS0 nokaslr log_buf_len=1M panic=-1; do
        case " $HVOPLAN_VM_CMDLINE " in *" $w "*) ;; *) extra+=" $w" ;; esac
    done
    append="$HVOPLAN_VM_CMDLINE$extra hvoplan.scenario=$scenario" ;;
big64)
    # Production-sized: 67 GiB, 3 GiB below the PCI hole (0-3G) and 64 GiB
    # above it (4G-68G), two nodes of 35 and 32 GiB.  With 64 GiB or more of
    # RAM x86_64 uses memory blocks larger than a 128 MiB section
    # (probe_memory_block_size(); under a hypervisor the largest power of two
    # up to 2 GiB that divides the end of RAM, 68G: 2 GiB), so block 1
    # (2G-4G) holds only 1 GiB of RAM: a partial block.  reserve=off: the host
    # commits only what the guest touches (its ~1.1 GiB memmap and little else).
    # shellcheck disable=SC2054
    mem=(-m 67G
        -object memory-backend-ram,id=m0,size=35G,reserve=off -object memory-backend-ram,id=m1,size=32G,reserve=off
        -numa node,nodeid=0,memdev=m0,cpus=0 -numa node,nodeid=1,memdev=m1,cpus=1)
    machine=pc,accel=$accel,max-ram-below-4g=3G ;;
pmem)
    # Legacy persistent memory: memmap=2G!5G turns guest-physical 5G-7G (RAM
    # of node 0: 0-1G and 4G-7G; node 1 is 7G-11G) into an e820 type-12
    # range that nd_e820 offers as region0/namespace0.0.
    # shellcheck disable=SC2054
    mem=(-m 8G
        -object memory-backend-ram,id=m0,size=4G -object memory-backend-ram,id=m1,size=4G
        -numa node,nodeid=0,memdev=m0,cpus=0 -numa node,nodeid=1,memdev=m1,cpus=1)
    append+=" memmap=2G!5G" ;;
memless-node)
    # Node 2 has memory and no CPU (a memory-only node, like CXL or HBM
    # expanders): -numa node without cpus=.
    # shellcheck disable=SC2054
    mem=(-m 9G
        -object memory-backend-ram,id=m0,size=3G -object memory-backend-ram,id=m1,size=3G
        -object memory-backend-ram,id=m2,size=3G
        -numa node,nodeid=0,memdev=m0,cpus=0 -numa node,nodeid=1,memdev=m1,cpus=1
        -numa node,nodeid=2,memdev=m2) ;;
memmap-on-memory)
    # shellcheck disable=SC2054
    mem=(-m 2G,slots=2,maxmem=6G
        -object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=1G
        -numa node,nodeid=0,memdev=m0,cpus=0 -numa node,nodeid=1,memdev=m1,cpus=1)
    # offline by default so the guest can online the DIMM movable itself (6.12 auto-onlines)
    append+=" memory_hotplug.memmap_on_memory=1 memhp_default_state=offline"
    hotplug=1 ;;
*) ;;
esac

qemu=(qemu-system-x86_64 -machine "$machine" -cpu "$cpu" -smp 2 "${mem[@]}"
    -kernel "$kroot/boot/vmlinuz-$release" -initrd "$initrd" -append "$append"
    -nographic -no-reboot -serial mon:stdio -serial "file:$work/data.b64")
[ "$hotplug" = 1 ] && qemu+=(-qmp "unix:$work/qmp.sock,server=on,wait=off")
printf '%q ' "${qemu[@]}" >"$work/qemu-cmdline"
echo >>"$work/qemu-cmdline"

command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 not installed"

# boot_once: one boot; sets qrc and secs.
boot_once() {
    start=$(date +%s)
    timeout -k 5 "$timeout_s" "${qemu[@]}" </dev/null >"$work/console.log" 2>&1 &
    qpid=$!

    if [ "$hotplug" = 1 ]; then
        # The guest asks for the DIMM on its console once it is up.
        deadline=$((start + timeout_s))
        while ! grep -q 'HVOPLAN-HOTPLUG-REQUEST' "$work/console.log" 2>/dev/null; do
            kill -0 "$qpid" 2>/dev/null || break
            [ "$(date +%s)" -lt "$deadline" ] || break
            sleep 0.5
        done
        if grep -q 'HVOPLAN-HOTPLUG-REQUEST' "$work/console.log"; then
            {
                echo '{"execute":"qmp_capabilities"}'
                echo '{"execute":"object-add","arguments":{"qom-type":"memory-backend-ram","id":"hp0","size":1073741824}}'
                echo '{"execute":"device_add","arguments":{"driver":"pc-dimm","id":"dimm0","memdev":"hp0","node":1}}'
                sleep 1
            } | socat - "UNIX-CONNECT:$work/qmp.sock" >"$work/qmp.log" 2>&1 || true
        fi
    fi

    qrc=0
    wait "$qpid" || qrc=$?
    secs=$(($(date +%s) - start))
}

# A guest that never reached its scenario's result line because the emulated
# machine stalled (a soft lockup or RCU stall under TCG on a loaded host, or
# the boot timeout) is booted once more; a scenario that ran and failed is
# never retried.  The first attempt's console log is kept beside the second.
boot_once
if ! grep -q 'HVOPLAN-GUEST: scenario rc=' "$work/console.log" &&
    { [ "$qrc" = 124 ] || grep -qE 'soft lockup|rcu_sched self-detected stall|rcu: INFO: rcu_preempt' "$work/console.log"; }; then
    why=$([ "$qrc" = 124 ] && echo "timed out after ${timeout_s}s" || echo "stalled (qemu rc=$qrc)")
    mv "$work/console.log" "$work/console.attempt1.log"
    : >"$work/data.b64"
    printf 'retry %s: first boot %s (log: %s)\n' "$name" "$why" "$work/console.attempt1.log"
    boot_once
fi
[ "$qrc" = 124 ] && fail "timed out after ${timeout_s}s"
if ! grep -q 'HVOPLAN-GUEST: scenario rc=0' "$work/console.log"; then
    # The console log stays in the work directory, which a CI run on a
    # throw-away clone loses: the guest's own last lines say which step failed.
    tr -d '\r' <"$work/console.log" | grep -E '^HVOPLAN-(GUEST|STEP):|WARNING:|BUG:|Call Trace' |
        tail -n 8 | sed "s/^/  $name: /"
    fail "scenario failed in the guest (qemu rc=$qrc)"
fi

# Unpack the snapshot.
tr -d '\r' <"$work/data.b64" >"$work/data.txt"
sum=$(sed -n 's/^HVOPLAN-SNAPSHOT-BEGIN //p' "$work/data.txt" | head -n1)
[ -n "$sum" ] || fail "no snapshot on the data serial port"
sed -n '/^HVOPLAN-SNAPSHOT-BEGIN/,/^HVOPLAN-SNAPSHOT-END/p' "$work/data.txt" |
    sed '1d;$d' | base64 -d >"$work/snap.tgz" || fail "bad base64"
[ "$(md5sum <"$work/snap.tgz" | cut -d' ' -f1)" = "$sum" ] || fail "snapshot checksum mismatch"
rm -rf "$dest.tmp"
mkdir -p "$dest.tmp"
tar -C "$dest.tmp" -xzf "$work/snap.tgz" --no-same-owner
# No /proc/config.gz in Debian kernels (IKCONFIG off): ship the package's config.
if [ ! -f "$dest.tmp/proc/config.gz" ]; then
    mkdir -p "$dest.tmp/boot"
    cp "$kroot/boot/config-$release" "$dest.tmp/boot/config-$release"
fi
accel_note=$accel
[ "$accel" = tcg ] && accel_note="tcg (-accel tcg)"
smry="qemu-system-x86_64 $(qemu-system-x86_64 --version | head -n1 | sed 's/.*version \([^ ]*\).*/\1/')"
smry+=" -machine $machine -cpu $cpu -smp 2 ${mem[*]:0:2}"
nnodes=$(printf '%s\n' "${mem[@]}" | grep -c '^node,nodeid=' || true)
[ "$nnodes" -gt 1 ] && smry+=" $nnodes NUMA nodes ($(printf '%s\n' "${mem[@]}" | sed -n 's/^memory-backend-ram,id=m[0-9]*,size=\([^,]*\).*/\1/p' | paste -sd+))"
[ "$hotplug" = 1 ] && smry+=" +pc-dimm 1G node1 via QMP"
printf '%s\n' "kernel $pkg $pkgver ($release); scenario $scenario; $smry, accel $accel_note; -append \"$append\"; captured $(date -u +%Y-%m-%dT%H:%M:%SZ) by tests/vm/run-scenario.sh" >"$dest.tmp/SOURCE"
cp "$work/console.log" "$dest.tmp/../.work/$name/console.txt" 2>/dev/null || true
rm -rf "$dest"
mv "$dest.tmp" "$dest"
printf 'ok %s (%ss)\n' "$name" "$secs"
