#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the busybox-static initramfs for the hvoplan VM test bed.
#
#   tests/vm/mkinitramfs.sh [OUTPUT]     (default $HVOPLAN_VM_CACHE/initramfs.cpio.gz)
#
# The image holds /bin/busybox, /init (tests/vm/guest/init), /lib/hvo.sh and every
# tests/vm/scenarios/*.sh; the kernel command line picks the scenario with
# hvoplan.scenario=NAME.  The snapshot leaves the guest on the second serial
# port, so no disk and no kernel modules are needed (both Debian kernels have
# 8250 serial, NUMA, ACPI memory hot-plug and BTF built in).  Rebuilt only when
# an input is newer than the image.
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

out=${1:-$VM_CACHE/initramfs.cpio.gz}
busybox=/bin/busybox
applets=$("$busybox" --list 2>/dev/null || true)
grep -qx base64 <<<"$applets" ||
    die "$busybox missing or without base64 (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
    die "$busybox is dynamically linked; install busybox-static"
fi

inputs=("$busybox" "$VM_DIR/guest/init" "$VM_DIR/guest/hvo.sh" "$VM_DIR"/scenarios/*.sh "$0")
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

mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,sbin,lib,scenarios,proc,sys,dev,tmp,snap}
cp "$busybox" "$tmp/bin/busybox"
ln -s busybox "$tmp/bin/sh"
install -m 0755 "$VM_DIR/guest/init" "$tmp/init"
install -m 0644 "$VM_DIR/guest/hvo.sh" "$tmp/lib/hvo.sh"
install -m 0644 "$VM_DIR"/scenarios/*.sh "$tmp/scenarios/"
(cd "$tmp" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9 >"$out.tmp"
mv "$out.tmp" "$out"
log "built $out ($(du -h "$out" | cut -f1))"
printf '%s\n' "$out"
