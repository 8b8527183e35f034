#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Seeds for the manifest target: the backup manifests real runs of
# `hvoplan apply --persist` write, one per boot loader backend, on scratch
# roots copied from `hvoplan snapshot` of this machine (fake tools via
# HVOPLAN_TOOL_DIR, as in tests/cli/apply.bats). Called by fuzz/seeds.sh.
#   fuzz/seeds-manifest.sh [OUTDIR]   (default: fuzz/corpus/manifest)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-fuzz/corpus/manifest}
hv=${HVOPLAN:-./hvoplan}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out" "$tmp/fake"
for t in update-grub grubby kernel-install; do printf '#!/bin/sh\nexit 0\n' >"$tmp/fake/$t"; chmod +x "$tmp/fake/$t"; done
"$hv" snapshot -o "$tmp/snap" >/dev/null 2>&1
run() { # run NAME SETUP-COMMAND APPLY-ARGS...
	local name=$1 setup=$2 r=$tmp/$1
	shift 2
	cp -a "$tmp/snap" "$r"
	echo 0 >"$r/proc/sys/vm/hugetlb_optimize_vmemmap"
	(cd "$r" && eval "$setup")
	HVOPLAN_TOOL_DIR=$tmp/fake "$hv" --root "$r" apply "$@" --persist --yes >/dev/null
	cp "$r"/var/lib/hvoplan/backup/*/manifest "$out/$name"
}
grub='mkdir -p etc/default && printf "GRUB_CMDLINE_LINUX=\"quiet hugetlb_free_vmemmap=off hugepagesz=2M hugepages=16\"\n" >etc/default/grub'
run apply-grub "$grub" --hvo on --pages 2M:16 --bootloader grub
run apply-grubby 'mkdir -p etc && printf "x\n" >etc/hostname' --hvo on --pages 2M:8 --bootloader grubby
run apply-kernel-install 'mkdir -p etc/kernel && printf "root=/dev/vda1 hugetlb_free_vmemmap=off\n" >etc/kernel/cmdline && mkdir -p boot && : >"boot/vmlinuz-$(cat proc/sys/kernel/osrelease)"' \
	--hvo on --bootloader kernel-install
run apply-no-etc 'rm -rf etc' --hvo on --bootloader grub
echo "fuzz/seeds-manifest.sh: $(ls "$out" | wc -l) seeds in $out"
