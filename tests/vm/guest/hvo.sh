# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Helpers for the guest scenario scripts (busybox sh).

SNAP=/snap

# copy_file SRC: copy one file into $SNAP at the same path, keeping its mode.
# Files that cannot be read (write-only sysfs attributes such as "demote") are
# created empty with the original mode, so the tree still shows they exist.
copy_file() {
    src=$1
    dst=$SNAP$src
    mkdir -p "${dst%/*}"
    mode=$(stat -c %a "$src" 2>/dev/null || echo 644)
    if ! cat "$src" >"$dst" 2>/dev/null; then
        : >"$dst"
    fi
    chmod "$mode" "$dst"
}

# copy_readable SRC: like copy_file but skip files that cannot be read.
copy_readable() {
    src=$1
    dst=$SNAP$src
    mkdir -p "${dst%/*}"
    if cat "$src" >"$dst.tmp" 2>/dev/null; then
        mv "$dst.tmp" "$dst"
        chmod "$(stat -c %a "$src")" "$dst"
    else
        rm -f "$dst.tmp"
    fi
}

# copy_tree DIR: every regular file below DIR (symlinks not followed).
copy_tree() {
    [ -d "$1" ] || return 0
    find "$1" -type f | while read -r f; do copy_file "$f"; done
}

# vmstat_val NAME: value of a /proc/vmstat counter or "NA".
vmstat_val() {
    v=$(awk -v k="$1" '$1 == k { print $2 }' /proc/vmstat)
    echo "${v:-NA}"
}
meminfo_kb() {
    awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# step NAME: append a line to steps.txt (and echo it to the console).
step() {
    mkdir -p "$SNAP"
    line="$1 nr_memmap_pages=$(vmstat_val nr_memmap_pages) nr_memmap_boot_pages=$(vmstat_val nr_memmap_boot_pages) MemTotal=$(meminfo_kb MemTotal) MemFree=$(meminfo_kb MemFree)"
    echo "$line" >>"$SNAP/steps.txt"
    echo "HVOPLAN-STEP: $line"
}

# set_pool SIZE_KB COUNT [NODE]: write a pool size and check it was reached.
set_pool() {
    if [ -n "${3:-}" ]; then
        f=/sys/devices/system/node/node$3/hugepages/hugepages-$1kB/nr_hugepages
    else
        f=/sys/kernel/mm/hugepages/hugepages-$1kB/nr_hugepages
    fi
    # A run-time allocation is best effort: under TCG on a loaded host the
    # kernel can come back short (pages on per-cpu lists, migration still
    # under way for a gigantic page).  Writing the same count again asks only
    # for the rest; three tries, each logged, before the scenario fails.  What
    # the scenarios assert is the accounting of the pages that exist.
    try=1
    while :; do
        echo "$2" >"$f" || true
        got=$(cat "$f")
        echo "HVOPLAN-GUEST: $f = $got (wanted $2, try $try)"
        [ "$got" = "$2" ] && return 0
        [ "$try" -ge 3 ] && return 1
        try=$((try + 1))
        sleep 1
    done
}

set_hvo() {
    echo "$1" >/proc/sys/vm/hugetlb_optimize_vmemmap
    echo "HVOPLAN-GUEST: hugetlb_optimize_vmemmap=$(cat /proc/sys/vm/hugetlb_optimize_vmemmap)"
}

# load_modules: insmod the initramfs's kernel modules (mkinitramfs.sh puts
# them in load order).
load_modules() {
    [ -f /lib/modules/load.order ] || { echo "HVOPLAN-GUEST: no modules in this initramfs"; return 1; }
    while read -r m; do
        insmod "/lib/modules/$m" || { echo "HVOPLAN-GUEST: insmod $m failed"; return 1; }
    done </lib/modules/load.order
    echo "HVOPLAN-GUEST: loaded $(tr '\n' ' ' </lib/modules/load.order)"
}

# sysw VALUE FILE: write a sysfs attribute and say so (set -e stops on failure).
sysw() {
    echo "HVOPLAN-GUEST: $1 > $2"
    echo "$1" >"$2"
}

# capture: write the snapshot tree under $SNAP.
capture() {
    mkdir -p "$SNAP"
    for f in meminfo vmstat cmdline cpuinfo zoneinfo buddyinfo iomem; do
        copy_file /proc/$f
    done
    # What RAM is present, section by section (memory blocks larger than a
    # section can be partial), and which ranges are device memory: the
    # firmware memory map and the NVDIMM / device-dax devices.
    copy_tree /sys/firmware/memmap
    for d in /sys/bus/nd/devices/* /sys/bus/dax/devices/*; do
        [ -d "$d" ] || continue
        for f in "$d"/*; do
            [ -f "$f" ] && copy_readable "$f"
        done
        [ -L "$d/driver" ] && readlink "$d/driver" | sed 's#.*/##' >"$SNAP$d.driver"
        [ -d "$d/dax_region" ] && for f in "$d"/dax_region/*; do [ -f "$f" ] && copy_readable "$f"; done
    done
    copy_file /proc/sys/kernel/osrelease
    for f in /proc/sys/vm/*; do
        [ -f "$f" ] && copy_readable "$f"
    done
    copy_tree /sys/kernel/mm/hugepages
    for f in online possible has_memory has_normal_memory has_cpu; do
        [ -f /sys/devices/system/node/$f ] && copy_file /sys/devices/system/node/$f
    done
    for n in /sys/devices/system/node/node[0-9]*; do
        [ -d "$n" ] || continue
        for f in meminfo vmstat numastat distance cpulist; do
            [ -f "$n/$f" ] && copy_file "$n/$f"
        done
        copy_tree "$n/hugepages"
    done
    copy_file /sys/devices/system/memory/block_size_bytes
    f=/sys/devices/system/memory/auto_online_blocks
    [ -f $f ] && copy_file $f
    for m in /sys/devices/system/memory/memory[0-9]*; do
        [ -d "$m" ] || continue
        for f in state online phys_index valid_zones removable; do
            [ -f "$m/$f" ] && copy_file "$m/$f"
        done
    done
    p=/sys/module/memory_hotplug/parameters/memmap_on_memory
    [ -f $p ] && copy_file $p
    [ -f /sys/kernel/btf/vmlinux ] && copy_file /sys/kernel/btf/vmlinux
    [ -f /proc/config.gz ] && copy_file /proc/config.gz
    dmesg >"$SNAP/dmesg.txt"
    uname -a >"$SNAP/uname.txt"
    echo "HVOPLAN-GUEST: captured $(find "$SNAP" -type f | wc -l) files"
}

# ship_snapshot: tar+gzip+base64 the snapshot onto the second serial port.
ship_snapshot() {
    out=/dev/ttyS1
    stty -F $out raw -echo 2>/dev/null || true
    tar -C "$SNAP" -czf /tmp/snap.tgz .
    sum=$(md5sum /tmp/snap.tgz | cut -d' ' -f1)
    {
        echo "HVOPLAN-SNAPSHOT-BEGIN $sum"
        base64 /tmp/snap.tgz
        echo "HVOPLAN-SNAPSHOT-END"
    } >$out
    echo "HVOPLAN-GUEST: shipped $(wc -c </tmp/snap.tgz) bytes md5 $sum"
}
