#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerates fuzz/corpus/<target>/ from real captures: this machine's
# /proc and /sys, and the QEMU kernel snapshots under tests/fixtures/vm/
# (Debian 6.1 and 6.12). Files are kept small (a few KB) so the committed
# corpora stay cheap and libFuzzer's -max_len stays low. Seeds that are not
# captures are named synth-* and say what they stand for.
# Needs libbpf-dev (for the BTF writer, fuzz/tools/mkbtf.c) and gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
C=fuzz/corpus
FIX=tests/fixtures/vm
# the targets whose corpora this script makes; the others' (config, mounts, bootcfg:
# the shipped file, captures of grub-mkconfig and kernel-install output, and
# inputs fuzzing found) are kept as they are
made="meminfo vmstat cpuinfo numbers hstate size nodelist release cmdline kconfig kconfig_gz dmesg btf model manifest iomem procfs grub_filter cmdline_filter tmpfiles"
for t in $made; do
	rm -rf "${C:?}/$t"
	mkdir -p "$C/$t"
done
put() { # put TARGET NAME < content
	cat >"$C/$1/$2"
}
# Only the lines the parsers look at, plus a few neighbours, for configs.
config_subset() {
	grep -E '^# Automatically|^# Linux|HUGETLB|PAGE_SHIFT|PAGE_SIZE|_PAGES=|MHP_|MEMORY_HOTPLUG|PAGE_EXTENSION|SPARSEMEM|^CONFIG_X86_64=|^CONFIG_64BIT=|^CONFIG_MMU=' "$1" | head -60
}

# --- this machine ---
host=$(uname -r | tr -c 'A-Za-z0-9.\n-' _)
put meminfo "live-$host" </proc/meminfo
put vmstat "live-$host" </proc/vmstat
put iomem "live-iomem-$host" </proc/iomem
put iomem "live-zoneinfo-$host" </proc/zoneinfo
put iomem "live-buddyinfo-$host" </proc/buddyinfo
{ cat /proc/buddyinfo; printf '\f'; cat /proc/zoneinfo; } | put iomem "live-forecast-$host"
[ -r /proc/pagetypeinfo ] && put iomem "live-pagetypeinfo-$host" </proc/pagetypeinfo
[ -r /sys/kernel/mm/transparent_hugepage/enabled ] && put iomem live-thp-enabled </sys/kernel/mm/transparent_hugepage/enabled
printf '00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n' | put iomem synth-nonroot
awk 'NF == 0 && n++ == 1 { exit } { print }' /proc/cpuinfo | put cpuinfo "live-$host" # two blocks
put cmdline "live-$host" </proc/cmdline
uname -r | put release "live-$host"
put procfs "live-status-$host" </proc/self/status
for f in /sys/devices/system/node/online /sys/devices/system/node/possible /sys/devices/system/node/has_memory; do
	[ -r "$f" ] && put nodelist "live-$(basename "$f")" <"$f"
done
[ -r /sys/devices/system/memory/block_size_bytes ] &&
	put numbers live-block_size_bytes </sys/devices/system/memory/block_size_bytes
for d in /sys/kernel/mm/hugepages/hugepages-*; do
	[ -d "$d" ] || continue
	b=$(basename "$d")
	printf '%s' "$b" | put hstate "live-$b"
	for f in nr_hugepages free_hugepages; do
		put numbers "live-$b-$f" <"$d/$f"
	done
done
if [ -r /proc/config.gz ]; then
	zcat /proc/config.gz >"$C/.config"
	config_subset "$C/.config" | put kconfig "live-$host"
	config_subset "$C/.config" | gzip -9n | put kconfig_gz "live-$host.gz"
	rm -f "$C/.config"
fi
if dmesg >/dev/null 2>&1; then
	dmesg | grep -B2 -A2 HugeTLB | head -40 | put dmesg "live-$host" || true
	dmesg -r | grep HugeTLB | head -20 | put dmesg "live-raw-$host" || true
	dmesg | grep -o 'registered [0-9.]* [KMG]iB' | sed 's/registered //' | sort -u | while read -r s; do
		printf '%s' "$s" | put size "live-$(echo "$s" | tr -d ' ')"
	done
fi

# --- QEMU snapshots of Debian kernels ---
if [ -d "$FIX" ]; then
	for snap in "$FIX"/*/; do
		s=$(basename "$snap")
		[ -f "$snap/proc/meminfo" ] || continue
		put meminfo "vm-$s" <"$snap/proc/meminfo"
		put vmstat "vm-$s" <"$snap/proc/vmstat"
		[ -f "$snap/proc/zoneinfo" ] && put iomem "vm-zoneinfo-$s" <"$snap/proc/zoneinfo"
		[ -f "$snap/proc/zoneinfo" ] && [ -f "$snap/proc/buddyinfo" ] &&
			{ cat "$snap/proc/buddyinfo"; printf '\f'; cat "$snap/proc/zoneinfo"; } | put iomem "vm-forecast-$s"
		[ -f "$snap/proc/iomem" ] && put iomem "vm-iomem-$s" <"$snap/proc/iomem"
		[ -f "$snap/proc/cpuinfo" ] && awk 'NF == 0 && n++ == 1 { exit } { print }' "$snap/proc/cpuinfo" | put cpuinfo "vm-$s"
		put cmdline "vm-$s" <"$snap/proc/cmdline"
		[ -f "$snap/proc/sys/kernel/osrelease" ] && put release "vm-$s" <"$snap/proc/sys/kernel/osrelease"
		[ -f "$snap/sys/devices/system/node/online" ] && put nodelist "vm-$s" <"$snap/sys/devices/system/node/online"
		[ -f "$snap/dmesg.txt" ] && grep -B1 -A1 -E 'HugeTLB|hugetlb|vmemmap' "$snap/dmesg.txt" | head -40 | put dmesg "vm-$s"
		[ -f "$snap/sys/devices/system/memory/block_size_bytes" ] &&
			put numbers "vm-$s-block_size_bytes" <"$snap/sys/devices/system/memory/block_size_bytes"
		for d in "$snap"/sys/kernel/mm/hugepages/hugepages-* "$snap"/sys/devices/system/node/node*/hugepages/hugepages-*; do
			[ -d "$d" ] || continue
			b=$(basename "$d")
			printf '%s' "$b" | put hstate "vm-$b"
			n=$(cat "$d/nr_hugepages")
			printf '%s\n' "$n" | put numbers "vm-nr-$n"
		done
	done
	for cfg in "$FIX"/config/config-*; do
		[ -f "$cfg" ] || continue
		v=${cfg##*/config-}
		config_subset "$cfg" | put kconfig "vm-$v"
		config_subset "$cfg" | gzip -9n | put kconfig_gz "vm-$v.gz"
	done
fi

# processes of the top fixture: status and the hugetlb mappings of smaps
for d in tests/fixtures/top-procs/root/proc/[0-9]*/; do
	p=$(basename "$d")
	put procfs "top-status-$p" <"$d/status"
	[ -f "$d/smaps" ] && head -c 4096 "$d/smaps" | put procfs "top-smaps-$p"
done
# the holder count's inputs (captures, tests/fixtures/holders/SOURCE)
put procfs sysvipc-shm-6.18 <tests/fixtures/holders/sysvipc-shm-6.18
awk '/SYSV/ { f = 1 } f { print } f && /^VmFlags/ { exit }' tests/fixtures/holders/smaps-sysv-6.18 | put procfs smaps-sysv-6.18
printf 'Name:\ta\\nb\\\\c\nUid:\t1000\t1001\t1001\t1001\nHugetlbPages:\t 4096 kB\n' | put procfs synth-status-escaped

# --- BTF: tiny blobs from libbpf's writer (the real vmlinux BTF is ~5 MB) ---
mkdir -p build/fuzz
cc -O1 -o build/fuzz/mkbtf fuzz/tools/mkbtf.c -lbpf
build/fuzz/mkbtf 64 "$C/btf/synth-libbpf-page64.btf"
build/fuzz/mkbtf 80 "$C/btf/synth-libbpf-page80.btf"

# --- synthetic: shapes the captures above do not show ---
printf 'hugepagesz=1G hugepages=0:2,1:3 hugepagesz=2M hugepages=512 default_hugepagesz=2M hugetlb_free_vmemmap=on memory_hotplug.memmap_on_memory=force sysctl.vm.hugetlb_optimize_vmemmap=1 "quoted arg=x y" -- init=/bin/sh\n' |
	put cmdline synth-hugepages
printf '[    0.512345] HugeTLB: can free 6 vmemmap pages for hugepages-2048kB\n[    0.512346] HugeTLB: can optimize 7 vmemmap pages for hugepages-2048kB\n<6>[    0.6] HugeTLB registered 2.00 MiB page size, pre-allocated 0 pages\n6,123,275435,-;HugeTLB: 1.00 GiB page size: 1 invalid page(s) discarded\nHugeTLB: struct page crosses page boundaries\n' |
	put dmesg synth-old-kernels
printf 'nr_free_pages 100\nnr_memmap_pages 98304\nnr_memmap_boot_pages 0\n' | put vmstat synth-6.11-counters
printf 'MemTotal:       16384 kB\nHugetlb:        2097152 kB\nHugepagesize:       2048 kB\n' | put meminfo synth-minimal
for v in 0 18446744073709551615 0x8000000 8000000 ' 42 '; do printf '%s\n' "$v" | put numbers "synth-$(echo "$v" | tr -dc '0-9a-x')"; done
for v in 2M 1G 2048kB 1.5G 4096 '1.00 GiB' 16E 0B 64KiB; do printf '%s' "$v" | put size "synth-$(echo "$v" | tr -d ' ')"; done
printf '0-3,5' | put nodelist synth-ranges
printf '5.14.0-427.13.1.el9_4.x86_64' | put release synth-rhel9
printf 'CONFIG_ARM64_64K_PAGES=y\nCONFIG_PAGE_SHIFT=16\n# CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP is not set\nCONFIG_HUGETLB_PAGE_FREE_VMEMMAP=y\n' |
	put kconfig synth-arm64-64k
# model: byte strings the harness decodes into a host (see fuzz_model.c).
head -c 512 /dev/zero | put model synth-zeros
for i in 1 2 3 4; do
	head -c 2048 /dev/zero | tr '\0' "\\$(printf '%03o' $((i * 37)))" | put model "synth-fill-$i"
done
# grub_filter / cmdline_filter: 3 bytes of desired state (fuzz_boot_common.h), then the text.
mkdir -p "$C/grub_filter" "$C/cmdline_filter"
printf '\x02\x03\x01GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet hugetlb_free_vmemmap=off"\nGRUB_CMDLINE_LINUX="console=ttyS0 hugepagesz=1G hugepages=2 hugepagesz=2M hugepages=16 rd.lvm=1"\n' |
	put grub_filter synth-debian
printf '\x02\x02\x01export GRUB_CMDLINE_LINUX=hugepages=8 # x\nGRUB_CMDLINE_LINUX_DEFAULT=\x27a hugepages=3\x27\n' | put grub_filter synth-plain-single
printf '\x02\x02\x01GRUB_CMDLINE_LINUX=hugepages=64\\ cmd\nGRUB_CMDLINE_LINUX="${EXTRA:- hugepages=64}"\nif true; then\n GRUB_CMDLINE_LINUX="hugepages=1"\nfi\n' |
	put grub_filter synth-unsafe
printf '\x02\x03\x01BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro foo="a hugepages=8 b" hugepagesz=2M hugepages=16 hugetlb-free-vmemmap=off -- hugepages=1\n' |
	put cmdline_filter synth-quoted
# inputs that once broke the oracle (the filter edited what it should not)
printf '\002\002\001export GRUB_CMDLINE_LINUX=hugepages=\020\000\000\000x\012GRUB_CMDLINE_LINUX_DEFAULT2\047a hugepages=3\047\012' | put grub_filter synth-found-control-char
printf '\002\002\001export GRUB_CMDLINE_LINUX=hugepages=\270#\000x\372\000\000\000\000\000\000' | put grub_filter synth-found-hash-in-word
printf '\002\002\001e\012;GRUB_CMDLINE_LINUX_DEFAULT=\047a hugepages=6\047\012' | put grub_filter synth-found-leading-semicolon
printf '\002\002\001GRUB_CMDLINE_LINUGRUB_CMDLINE_LINUX=hugepages=8 # x\012GRUB_CMDLINE_LINUX_DX=hugeages=64\134 cmd\012GRUB_CMDLINE_X="hugepage"s\012f1p=ages=64\134 cmd\012GRUB_CMDLINE_X="hugepages=1"\012fi\012' | put grub_filter synth-found-other-variable
printf '\002\003\001GRUB_DEFAULT=0\012GRUB_CMDLINE_LINUX_DEFAULT="quiet ugepages=2 gesh2=u gePagesz=2M 2 hugepashugetlb_free_vmemmap=offG hugepages=2 gesh2=u geE_LINUX_DEFAULT=";s=16 rd.lvm=1"\012' | put grub_filter synth-found-two-statements
printf '\002\002\001export ;;;;);;;;;;;GRUB_CMDLINE_LINUX=hugepages=8 # x\012GRUC_BMDLINE_LINUX_DEFAULT2\047a hugepages=3\047\012' | put grub_filter synth-found-unbalanced-paren
printf '\002\003\001GR_DEFAULT=0\012GRUB_CMDLINE_LINUX_DEFAULT="quiet hons2le=ttyS0 hugepage\002\002;;;;;;);;;;;;sz=0G hugepages=2 hugepag?sz\3342M hugepages=16sysc;;;);;tltl.v";;\000I\012' | put grub_filter synth-found-double-semicolon
for f in "$C"/cmdline/live-* "$C"/cmdline/vm-6.1-per-node; do
	{ printf '\x02\x03\x01'; cat "$f"; } | put cmdline_filter "$(basename "$f")"
done
# tmpfiles: the first byte picks the limits asked for (bits 0-3: 2M, 1G,
# 64K, 32M; the high nibble their counts); then a drop-in or another
# sysctl.d/tmpfiles.d file as hvoplan reads it
{ printf '\x13'; printf '%s\n' \
	'# Written by `hvoplan apply --overcommit ... --persist`; `hvoplan apply --revert`' \
	'w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 32' \
	'w /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_overcommit_hugepages - - - - 2'; } | put tmpfiles synth-dropin
{ printf '\x21'; printf '%s\n' '# vendor' 'vm.swappiness = 10' ' -vm/nr_overcommit_hugepages = 7 ' \
	'w- /sys/kernel/mm/hugepages/hugepages-*/nr_overcommit_hugepages - - - - 5' \
	'w /proc/sys/vm/nr_overcommit_hugepages - - - - 3' 'f /tmp/x 0644 - - - nr_overcommit_hugepages'; } |
	put tmpfiles synth-other-writers
printf '\x0f%s\n' 'w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 4' \
	'w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages - - - - 4' | put tmpfiles synth-foreign-line
fuzz/seeds-manifest.sh "$C/manifest"
echo "fuzz/seeds.sh: $(find "$C" -type f | wc -l) seeds, $(du -sh "$C" | cut -f1)"
