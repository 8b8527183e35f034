#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetch Debian's own kernel packages (never installed on the host) and the host
# tools the VM test bed needs.  Idempotent.
#
#   tests/vm/fetch-kernels.sh [--no-host-packages]
#
# Kernels are unpacked with dpkg -x into $HVOPLAN_VM_CACHE (default
# /var/cache/hvoplan-vm)/kernels/<short>, where <short> is 6.1 or 6.12.
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

host_pkgs=1
[ "${1:-}" = --no-host-packages ] && host_pkgs=0

HOST_PACKAGES=(qemu-system-x86 busybox-static cpio kmod jq socat zstd xz-utils)

apt_updated=0
apt_update_once() {
    if [ "$apt_updated" = 0 ]; then
        apt-get update -qq >&2 || log "warning: apt-get update failed"
        apt_updated=1
    fi
}

if [ "$host_pkgs" = 1 ]; then
    missing=()
    for p in "${HOST_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        [ "$(id -u)" = 0 ] || die "need root to apt-get install ${missing[*]}"
        apt_update_once
        log "installing host packages: ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    fi
fi

# Resolve the package name for a kernel short name.
resolve_pkg() {
    local short=$1 name
    case $short in
    6.1)
        # The current bookworm ABI, as the linux-image-amd64 metapackage points at it.
        name=$(apt-cache depends linux-image-amd64 2>/dev/null |
            sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-amd64\)$/\1-unsigned/p' | head -n1)
        if [ -z "$name" ]; then
            name=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' |
                awk '{print $1}' | sort -V | tail -n1)
        fi
        ;;
    6.12)
        name=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' |
            awk '{print $1}' | sort -V | tail -n1)
        ;;
    *) die "unknown kernel short name $short" ;;
    esac
    printf '%s\n' "$name"
}

mkdir -p "$VM_CACHE/debs" "$VM_CACHE/kernels"
for short in "${KERNELS[@]}"; do
    root=$(kernel_root "$short")
    if [ -f "$root/.fetched" ]; then
        log "kernel $short: cached ($(cat "$root/.fetched"))"
        continue
    fi
    pkg=$(resolve_pkg "$short")
    if [ -z "$pkg" ]; then
        apt_update_once
        pkg=$(resolve_pkg "$short")
    fi
    [ -n "$pkg" ] || die "no package found for kernel $short (apt-get update?)"
    ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
    log "kernel $short: $pkg $ver"
    deb=$(find "$VM_CACHE/debs" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n1)
    if [ -z "$deb" ]; then
        (cd "$VM_CACHE/debs" && apt-get download "$pkg" >&2)
        deb=$(find "$VM_CACHE/debs" -maxdepth 1 -name "${pkg}_*.deb" | sort -V | tail -n1)
    fi
    [ -n "$deb" ] || die "apt-get download $pkg produced nothing"
    rm -rf "$root.tmp"
    mkdir -p "$root.tmp"
    dpkg -x "$deb" "$root.tmp"
    rm -rf "$root"
    mv "$root.tmp" "$root"
    printf '%s %s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" >"$root/.fetched"
    log "kernel $short: unpacked to $root"
done
for short in "${KERNELS[@]}"; do
    printf '%s %s %s\n' "$short" "$(kernel_release "$short")" "$(cat "$(kernel_root "$short")/.fetched")"
done
