#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the busybox-static initramfs for the hvoplan VM test bed.
#
#   tests/vm/mkinitramfs.sh [KERNEL]     (KERNEL: a short name, 6.1 … 7.3)
#
# The image, $HVOPLAN_VM_CACHE/initramfs-KERNEL.cpio.gz, holds /bin/busybox,
# /init (tests/vm/guest/init), /lib/hvo.sh, every tests/vm/scenarios/*.sh and
# the kernel's NVDIMM/device-dax modules (MODULES below and what they depend
# on, from the package's modules.dep, decompressed so busybox insmod loads
# them, in load order in /lib/modules/load.order); the kernel command line
# picks the scenario with hvoplan.scenario=NAME.  The snapshot leaves the guest
# on the second serial port, so no disk is needed (every Debian kernel has
# 8250 serial, NUMA, ACPI memory hot-plug and BTF built in; libnvdimm, nd_e820,
# nd_pmem, device_dax and dax_pmem are modules in all of them).  Without KERNEL:
# no modules, initramfs.cpio.gz.  Rebuilt only when an input is newer than the
# image; safe to run from parallel boots (flock).
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

kernel=${1:-}
MODULES=(nd_e820 nd_pmem dax_pmem device_dax)
if [ -n "$kernel" ]; then
    out=$VM_CACHE/initramfs-$kernel.cpio.gz
    release=$(kernel_release "$kernel")
    moddir=$(kernel_root "$kernel")/lib/modules/$release
    # the packages ship no modules.dep (their postinst runs depmod)
    [ -f "$moddir/modules.dep" ] || depmod -b "$(kernel_root "$kernel")" "$release" ||
        die "kernel $kernel: depmod failed for $moddir"
else
    out=$VM_CACHE/initramfs.cpio.gz
    moddir=
fi
busybox=/bin/busybox
applets=$("$busybox" --list 2>/dev/null || true)
grep -qx base64 <<<"$applets" ||
    die "$busybox missing or without base64 (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
    die "$busybox is dynamically linked; install busybox-static"
fi

inputs=("$busybox" "$VM_DIR/guest/init" "$VM_DIR/guest/hvo.sh" "$VM_DIR"/scenarios/*.sh "$0")
[ -n "$moddir" ] && inputs+=("$moddir/modules.dep")
mkdir -p "$(dirname "$out")"
# Parallel boots (run-all.sh -j2) build the same image: one at a time.
exec 9>"$out.lock"
flock 9
if [ -f "$out" ]; then
    stale=0
    for f in "${inputs[@]}"; do
        [ "$f" -nt "$out" ] && stale=1
    done
    if [ "$stale" = 0 ]; then
        printf '%s\n' "$out"
        exit 0
    fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,sbin,lib,scenarios,proc,sys,dev,tmp,snap}
cp "$busybox" "$tmp/bin/busybox"
ln -s busybox "$tmp/bin/sh"
install -m 0755 "$VM_DIR/guest/init" "$tmp/init"
install -m 0644 "$VM_DIR/guest/hvo.sh" "$tmp/lib/hvo.sh"
install -m 0644 "$VM_DIR"/scenarios/*.sh "$tmp/scenarios/"
if [ -n "$moddir" ]; then
    # modules.dep: "kernel/drivers/nvdimm/nd_pmem.ko.xz: kernel/…/libnvdimm.ko.xz …";
    # modprobe loads the listed dependencies last to first, then the module.
    declare -A seen=()
    order=()
    visit() {
        local m=$1 line deps i
        [ -n "${seen[$m]:-}" ] && return 0
        seen[$m]=1
        line=$(grep -E "(^|/)$m\.ko(\.xz|\.zst|\.gz)?:" "$moddir/modules.dep" | head -n1)
        [ -n "$line" ] || die "module $m not in $moddir/modules.dep"
        read -r -a deps <<<"${line#*:}"
        for ((i = ${#deps[@]} - 1; i >= 0; i--)); do
            visit "$(basename "${deps[i]}" | sed -E 's/\.ko(\.xz|\.zst|\.gz)?$//')"
        done
        order+=("${line%%:*}")
    }
    for m in "${MODULES[@]}"; do visit "$m"; done
    mkdir -p "$tmp/lib/modules"
    for f in "${order[@]}"; do
        b=$(basename "$f")
        case $b in
        *.xz) xz -dc "$moddir/$f" >"$tmp/lib/modules/${b%.xz}"; b=${b%.xz} ;;
        *.zst) zstd -qdc "$moddir/$f" >"$tmp/lib/modules/${b%.zst}"; b=${b%.zst} ;;
        *.gz) gzip -dc "$moddir/$f" >"$tmp/lib/modules/${b%.gz}"; b=${b%.gz} ;;
        *) cp "$moddir/$f" "$tmp/lib/modules/$b" ;;
        esac
        echo "$b" >>"$tmp/lib/modules/load.order"
    done
fi
(cd "$tmp" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
log "built $out ($(du -h "$out" | cut -f1))"
printf '%s\n' "$out"
