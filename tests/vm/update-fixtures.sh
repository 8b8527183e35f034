#!/bin/bash
# Copy captured snapshots from tests/vm/out into tests/fixtures/vm.
#
#   tests/vm/update-fixtures.sh [KERNEL-SCENARIO ...]    (default: every dir in out/)
#
# tests/fixtures/vm/<KERNEL>-<SCENARIO>/ is the snapshot as captured, except:
#  * sys/kernel/btf/vmlinux (several MB) is stored once per kernel as
#    tests/fixtures/vm/btf/<release>.btf; the snapshot has a relative symlink;
#  * boot/config-<release> stays a plain file in every snapshot (git stores the
#    identical blobs once).  hvoplan opens files under --root with
#    openat2(RESOLVE_IN_ROOT), so a symlink leaving the snapshot does not resolve;
#    the BTF symlink therefore only serves tools that follow it normally;
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

mkdir -p "$FIXTURE_DIR/btf"
for name in "${names[@]}"; do
    src=$VM_OUT/$name
    [ -f "$src/SOURCE" ] || die "$src is not a captured snapshot"
    dest=$FIXTURE_DIR/$name
    release=$(tr -d '\n' <"$src/proc/sys/kernel/osrelease")
    rm -rf "$dest.tmp"
    cp -r "$src" "$dest.tmp"
    btf=$dest.tmp/sys/kernel/btf/vmlinux
    if [ -f "$btf" ] && [ ! -L "$btf" ]; then
        cmp -s "$btf" "$FIXTURE_DIR/btf/$release.btf" || cp "$btf" "$FIXTURE_DIR/btf/$release.btf"
        rm "$btf"
        ln -s "../../../../btf/$release.btf" "$btf"
    fi
    find "$dest.tmp" -type d -exec chmod 0755 {} +
    find "$dest.tmp" -type f -exec chmod 0644 {} +
    rm -rf "$dest"
    mv "$dest.tmp" "$dest"
    printf 'fixture %s (%s)\n' "${dest#"$REPO_TOP"/}" "$(du -sh "$dest" | cut -f1)"
done
chmod 0644 "$FIXTURE_DIR"/btf/*
