#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Copy captured snapshots from tests/vm/out into tests/fixtures/vm.
#
#   tests/vm/update-fixtures.sh [KERNEL-SCENARIO ...]    (default: every dir in out/)
#
# tests/fixtures/vm/<KERNEL>-<SCENARIO>/ is the snapshot as captured, except:
#  * sys/kernel/btf/vmlinux (several MB) is kept only in the snapshot named in
#    BTF_SCENARIO (one per kernel: <KERNEL>-hvo-boot-on), as a plain file, and
#    removed from the others.  Fixtures must be self-contained: hvoplan opens
#    files under --root with openat2(RESOLVE_IN_ROOT), so a symlink leaving the
#    snapshot never resolves.  The BTF-less fixtures exercise the boot-log
#    (dmesg) path for the struct page size; compare.sh checks both;
#  * boot/config-<release> stays a plain file in every snapshot (git stores the
#    identical blobs once);
#  * file modes are normalised to 0644 (what a git checkout gives anyway).
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

names=("$@")
if [ "${#names[@]}" = 0 ]; then
    for d in "$VM_OUT"/*-*/; do
        [ -f "$d/SOURCE" ] && names+=("$(basename "$d")")
    done
fi
[ "${#names[@]}" -gt 0 ] || die "no snapshots in $VM_OUT (run tests/vm/run-all.sh first)"

BTF_SCENARIO=hvo-boot-on
for name in "${names[@]}"; do
    src=$VM_OUT/$name
    [ -f "$src/SOURCE" ] || die "$src is not a captured snapshot"
    dest=$FIXTURE_DIR/$name
    release=$(tr -d '\n' <"$src/proc/sys/kernel/osrelease")
    rm -rf "$dest.tmp"
    cp -r "$src" "$dest.tmp"
    btf=$dest.tmp/sys/kernel/btf/vmlinux
    if [ "${name#*-}" != "$BTF_SCENARIO" ]; then
        rm -f "$btf"
        rmdir "${btf%/vmlinux}" 2>/dev/null || true
    elif [ ! -f "$btf" ] || [ -L "$btf" ]; then
        die "$src has no BTF (sys/kernel/btf/vmlinux); $name must carry it for $release"
    fi
    find "$dest.tmp" -type d -exec chmod 0755 {} +
    find "$dest.tmp" -type f -exec chmod 0644 {} +
    rm -rf "$dest"
    mv "$dest.tmp" "$dest"
    printf 'fixture %s (%s)\n' "${dest#"$REPO_TOP"/}" "$(du -sh "$dest" | cut -f1)"
done
