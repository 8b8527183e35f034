#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetch Debian's own kernel packages (never installed on the host) and the host
# tools the VM test bed needs.  Idempotent.
#
#   tests/vm/fetch-kernels.sh [--no-host-packages]
#
# Kernels are unpacked with dpkg -x into $HVOPLAN_VM_CACHE (default
# /var/cache/hvoplan-vm)/kernels/<short>, where <short> is 6.1, 6.12, 7.2 or 7.3.
#
# 6.1 and 6.12 come from the host's own bookworm sources (one package,
# linux-image-<abi>-amd64-unsigned, with /boot/vmlinuz-*, /boot/config-* and the
# modules).  7.2 (sid) and 7.3 (experimental) come through a PRIVATE apt
# configuration under $HVOPLAN_VM_CACHE/apt (its own sources.list, state and
# cache directories, verified with debian-archive-keyring); the system's
# /etc/apt is never touched.  Since 7.x Debian splits the kernel: the image is
# in linux-binary-<abi>, the config in linux-base-<abi>, the modules in
# linux-modules-<abi> (linux-image-<abi> is an empty metapackage needing all
# three and an initramfs tool, and there is no -unsigned package any more); the
# files sit in /usr/lib/modules/<release>/{vmlinuz,config}, and boot/vmlinuz-*
# and boot/config-* symlinks are added so every tree looks the same.
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

host_pkgs=1
[ "${1:-}" = --no-host-packages ] && host_pkgs=0

HOST_PACKAGES=(qemu-system-x86 busybox-static cpio kmod jq socat zstd xz-utils debian-archive-keyring)

# The private apt configuration for sid and experimental.
PAPT=$VM_CACHE/apt
papt_opts=(-o "Dir::Etc::sourcelist=$PAPT/etc/sources.list"
    -o "Dir::Etc::sourceparts=$PAPT/etc/sources.list.d"
    -o "Dir::Etc::preferencesparts=$PAPT/etc/preferences.d"
    -o "Dir::Etc::trustedparts=$PAPT/etc/trusted.gpg.d"
    -o "Dir::State=$PAPT/state" -o "Dir::State::status=$PAPT/state/status"
    -o "Dir::Cache=$PAPT/cache" -o APT::Architecture=amd64 -o APT::Architectures=amd64
    -o Acquire::Languages=none -o APT::Sandbox::User=root)
papt_updated=0
papt_update_once() {
    [ "$papt_updated" = 0 ] || return 0
    mkdir -p "$PAPT"/etc/{sources.list.d,preferences.d,trusted.gpg.d} \
        "$PAPT"/state/lists/partial "$PAPT"/cache/archives/partial
    cat >"$PAPT/etc/sources.list" <<'EOF_SOURCES'
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian experimental main
EOF_SOURCES
    [ -f "$PAPT/state/status" ] || : >"$PAPT/state/status"
    apt-get "${papt_opts[@]}" update -qq >&2 || log "warning: private apt-get update (sid, experimental) failed"
    papt_updated=1
}
papt_cache() { apt-cache "${papt_opts[@]}" "$@"; }

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
    7.*)
        # linux-binary-7.2.13+deb14-amd64 (sid), linux-binary-7.3-amd64
        # (experimental, an -rc): the highest version among the ABIs of that
        # major.minor.
        local esc=${short//./\\.} c v best='' bestv=''
        for c in $(papt_cache search --names-only "^linux-binary-$esc(\.[0-9]+)?(\+deb[0-9]+)?-amd64\$" 2>/dev/null | awk '{print $1}'); do
            v=$(papt_cache policy "$c" | sed -n 's/^ *Candidate: //p')
            if [ -z "$v" ] || [ "$v" = "(none)" ]; then continue; fi
            if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$bestv"; then best=$c bestv=$v; fi
        done
        name=$best
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
    case $short in
    7.*)
        papt_update_once
        pkg=$(resolve_pkg "$short")
        [ -n "$pkg" ] || die "no linux-binary package for kernel $short in sid/experimental"
        abi=${pkg#linux-binary-}
        pkgs=("$pkg" "linux-base-$abi" "linux-modules-$abi")
        ver=$(papt_cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
        ;;
    *)
        pkg=$(resolve_pkg "$short")
        if [ -z "$pkg" ]; then
            apt_update_once
            pkg=$(resolve_pkg "$short")
        fi
        [ -n "$pkg" ] || die "no package found for kernel $short (apt-get update?)"
        pkgs=("$pkg")
        ver=$(apt-cache policy "$pkg" | sed -n 's/^ *Candidate: //p')
        ;;
    esac
    log "kernel $short: ${pkgs[*]} $ver"
    rm -rf "$root.tmp"
    mkdir -p "$root.tmp"
    for p in "${pkgs[@]}"; do
        # apt-get download writes NAME_VERSION_ARCH.deb, the version's ':' as %3a
        deb=$VM_CACHE/debs/${p}_${ver//:/%3a}_amd64.deb
        if [ ! -f "$deb" ]; then
            case $short in
            7.*) (cd "$VM_CACHE/debs" && apt-get "${papt_opts[@]}" download "$p=$ver" >&2) ;;
            *) (cd "$VM_CACHE/debs" && apt-get download "$p=$ver" >&2) ;;
            esac
        fi
        [ -f "$deb" ] || die "apt-get download $p=$ver produced no $deb"
        dpkg -x "$deb" "$root.tmp"
    done
    if ! compgen -G "$root.tmp/boot/vmlinuz-*" >/dev/null; then
        # 7.x layout: /usr/lib/modules/<release>/{vmlinuz,config}
        mkdir -p "$root.tmp/boot" "$root.tmp/lib"
        for d in "$root.tmp"/usr/lib/modules/*/; do
            rel=$(basename "$d")
            [ -f "$d/vmlinuz" ] || continue
            ln -s "../usr/lib/modules/$rel/vmlinuz" "$root.tmp/boot/vmlinuz-$rel"
            ln -s "../usr/lib/modules/$rel/config" "$root.tmp/boot/config-$rel"
        done
        [ -e "$root.tmp/lib/modules" ] || ln -s ../usr/lib/modules "$root.tmp/lib/modules"
    fi
    # linux-modules-* ships no modules.dep (its postinst runs depmod);
    # mkinitramfs.sh needs it to find the dax/nvdimm modules' dependencies.
    for d in "$root.tmp"/lib/modules/*/; do
        [ -f "$d/modules.dep" ] || depmod -b "$root.tmp" "$(basename "$d")"
    done
    compgen -G "$root.tmp/boot/vmlinuz-*" >/dev/null || die "kernel $short: no vmlinuz in ${pkgs[*]}"
    rm -rf "$root"
    mv "$root.tmp" "$root"
    printf '%s %s\n' "$pkg" "$ver" >"$root/.fetched"
    log "kernel $short: unpacked to $root"
done
for short in "${KERNELS[@]}"; do
    printf '%s %s %s\n' "$short" "$(kernel_release "$short")" "$(cat "$(kernel_root "$short")/.fetched")"
done
