#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Print the kernel's own ground truth for a snapshot, from its raw files only,
# as key=value lines (one per line, "NA" when the snapshot lacks the source).
#
#   tests/vm/check-ground-truth.sh SNAPDIR [BASELINE_SNAPDIR]
#
# Keys:
#   release, page_size (4096 assumed: x86_64), struct_page_size (+ _source:
#     dmesg when derived from the 2M "can be freed" line, else assumed 64)
#   hvo_sysctl, hvo_boot_param
#   memtotal_kb, memory_blocks, memory_blocks_online, block_size_bytes
#   baseline_memmap_pages = memory_blocks * block_size / page_size * S / page_size
#   ram_sections (+ section_size_bytes, 128 MiB: x86_64) = memory sections
#     holding any top-level "System RAM" range of proc/iomem (else
#     sys/firmware/memmap "System RAM" entries); section_memmap_pages = that x
#     ceil(section pages x S / page_size): the boot memmap as mm/sparse.c
#     allocates it; block_overcount_pages = baseline_memmap_pages - that (a
#     memory block larger than a section counts its absent sections too)
#   With a "baseline" step in steps.txt (the counters after the devices are set
#   up and before any hugepage exists; new scenarios):
#     measured.boot_memmap_pages / measured.baseline_memmap_pages =
#     nr_memmap_pages + nr_memmap_boot_pages at the first step / the baseline
#     step, measured.device_memmap_pages = their difference (ZONE_DEVICE
#     memmap), step.<name>.memmap_pages for every step
#   nr_memmap_pages, nr_memmap_boot_pages            (6.11+ /proc/vmstat)
#   true_baseline_memmap_pages (+ _source: steps | sections | blocks) = the
#     memmap the kernel would hold without HVO: the baseline step if there is
#     one, else the section count, else the block count
#   realized_savings_pages/_bytes = true baseline - nr_memmap_pages - nr_memmap_boot_pages
#   hstate.<N>kB.{size_bytes,nr,free,resv,surplus,node<i>.nr,node<i>.free}
#   hstate.<N>kB.optimizable_kib / optimizable_bytes_per_page
#       from "HugeTLB: N KiB vmemmap can be freed for a X page" (6.0+)
#   hstate.<N>kB.boot_preallocated   from "HugeTLB: registered X page size, pre-allocated N pages"
#   hstate.<N>kB.full_savings_bytes  = nr * optimizable_bytes_per_page
#   full_savings_bytes (sum), unrealized_savings_bytes = full - realized (when both known)
#   With BASELINE_SNAPDIR (e.g. the hvo-boot-off twin of an hvo-boot-on snapshot):
#   memtotal_delta_kb = MemTotal(SNAPDIR) - MemTotal(BASELINE): on 6.1 the boot
#   vmemmap freed by HVO shows up as a MemTotal increase.
#   btf = file (sys/kernel/btf/vmlinux is a regular file inside the snapshot) | none
#   stale_pages.<N>kB = pages of that size allocated by an "alloc-<count>x<size>-…"
#       step of steps.txt that freed no vmemmap (6.11+: nr_memmap_pages +
#       nr_memmap_boot_pages did not drop; 6.1: MemTotal did not grow), i.e. pages
#       the kernel left un-optimized.  Only printed when steps.txt has such steps.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 SNAPDIR [BASELINE_SNAPDIR]" >&2
    exit 2
fi
snap=${1%/}
base=${2:-}
[ -d "$snap" ] || { echo "error: $snap is not a directory" >&2; exit 3; }

page_size=4096
kv() { printf '%s=%s\n' "$1" "${2:-NA}"; }
rd() { if [ -r "$snap/$1" ]; then tr -d '\n' <"$snap/$1"; fi; }
meminfo() { awk -v k="$2:" '$1 == k { print $2 }' "$1/proc/meminfo" 2>/dev/null; }
vmstat() { awk -v k="$1" '$1 == k { print $2 }' "$snap/proc/vmstat" 2>/dev/null; }

dmesg=$snap/dmesg.txt
[ -f "$dmesg" ] || dmesg=/dev/null

# "1.00 GiB" / "2.00 MiB" / "64.0 KiB" -> kB
# dmesg_hstates prints: <kB> <optimizable KiB|-> <preallocated|->
dmesg_hstates() {
    awk '
    function kb(v, u) { if (u ~ /^G/) return v * 1048576; if (u ~ /^M/) return v * 1024; return v }
    /HugeTLB: registered .* page size, pre-allocated/ {
        for (i = 1; i <= NF; i++) if ($i == "registered") { s = kb($(i+1), $(i+2)); break }
        for (i = 1; i <= NF; i++) if ($i == "pre-allocated") pre[s] = $(i+1)
        seen[s] = 1
    }
    /HugeTLB: [0-9]+ KiB vmemmap can be freed for a/ {
        for (i = 1; i <= NF; i++) if ($i == "HugeTLB:") v = $(i+1)
        s = kb($(NF-2), $(NF-1)); opt[s] = v; seen[s] = 1
    }
    END { for (s in seen) printf "%d %s %s\n", s, (s in opt) ? opt[s] : "-", (s in pre) ? pre[s] : "-" }
    ' "$dmesg"
}

kv release "$(rd proc/sys/kernel/osrelease)"
kv page_size "$page_size"

# struct page size from the 2M line: S = (KiB*1024 + PAGE_SIZE) / (2M / PAGE_SIZE)
opt2m=$(dmesg_hstates | awk '$1 == 2048 && $2 != "-" { print $2 }')
if [ -n "$opt2m" ] && [ "$opt2m" -gt 0 ]; then
    S=$(((opt2m * 1024 + page_size) / (2097152 / page_size)))
    kv struct_page_size "$S"
    kv struct_page_size_source dmesg
else
    S=64
    kv struct_page_size "$S"
    kv struct_page_size_source assumed
fi

kv hvo_sysctl "$(rd proc/sys/vm/hugetlb_optimize_vmemmap)"
param=$(tr ' ' '\n' <"$snap/proc/cmdline" 2>/dev/null | sed -n 's/^hugetlb_free_vmemmap=//p' | tail -n1)
kv hvo_boot_param "$param"
memtotal=$(meminfo "$snap" MemTotal)
kv memtotal_kb "$memtotal"
if [ -n "$base" ]; then
    bmt=$(meminfo "${base%/}" MemTotal)
    if [ -n "$memtotal" ] && [ -n "$bmt" ]; then
        kv memtotal_delta_kb "$((memtotal - bmt))"
    else
        kv memtotal_delta_kb NA
    fi
fi

bs_hex=$(rd sys/devices/system/memory/block_size_bytes)
blocks=0 online=0
for m in "$snap"/sys/devices/system/memory/memory[0-9]*; do
    [ -d "$m" ] || continue
    blocks=$((blocks + 1))
    [ "$(tr -d '\n' <"$m/state" 2>/dev/null)" = online ] && online=$((online + 1))
done
kv memory_blocks "$blocks"
kv memory_blocks_online "$online"
baseline=
if [ -n "$bs_hex" ]; then
    bs=$((16#$bs_hex))
    kv block_size_bytes "$bs"
    baseline=$((blocks * (bs / page_size) * S / page_size))
    kv baseline_memmap_pages "$baseline"
else
    kv block_size_bytes NA
    kv baseline_memmap_pages NA
fi

# Present sections from the System RAM ranges (inclusive ends, hex).
section_size=$((128 << 20))
ram_ranges() {
    if [ -f "$snap/proc/iomem" ]; then
        sed -n 's/^\([0-9a-f]*\)-\([0-9a-f]*\) : System RAM$/\1 \2/p' "$snap/proc/iomem"
    elif [ -d "$snap/sys/firmware/memmap" ]; then
        for e in "$snap"/sys/firmware/memmap/*/; do
            [ "$(tr -d '\n' <"$e/type" 2>/dev/null)" = "System RAM" ] || continue
            printf '%s %s\n' "$(tr -d '\n' <"$e/start")" "$(tr -d '\n' <"$e/end")" | sed 's/0x//g'
        done
    fi
}
ranges=$(ram_ranges)
sect_baseline=
if [ -n "$ranges" ]; then
    sections=$(while read -r a b; do
        i=$((16#$a / section_size))
        while [ "$i" -le $((16#$b / section_size)) ]; do echo "$i"; i=$((i + 1)); done
    done <<<"$ranges" | sort -un | wc -l)
    per_section=$(((section_size / page_size * S + page_size - 1) / page_size))
    sect_baseline=$((sections * per_section))
    kv section_size_bytes "$section_size"
    kv ram_sections "$sections"
    kv section_memmap_pages "$sect_baseline"
    [ -n "$baseline" ] && kv block_overcount_pages "$((baseline - sect_baseline))"
else
    kv ram_sections NA
    kv section_memmap_pages NA
fi

# steps.txt counters: NAME -> nr_memmap_pages + nr_memmap_boot_pages
steps_baseline=
if [ -f "$snap/steps.txt" ] && grep -q '^baseline ' "$snap/steps.txt"; then
    stepsum() {
        awk -v n="$1" '($1 == n || (n == "FIRST" && NR == 1)) {
            for (i = 2; i <= NF; i++) { split($i, p, "="); v[p[1]] = p[2] }
            if (v["nr_memmap_pages"] == "NA") print "NA"; else print v["nr_memmap_pages"] + v["nr_memmap_boot_pages"]; exit }' "$snap/steps.txt"
    }
    sb=$(stepsum FIRST)
    steps_baseline=$(stepsum baseline)
    [ "$steps_baseline" = NA ] && steps_baseline=
    kv measured.boot_memmap_pages "$sb"
    kv measured.baseline_memmap_pages "$steps_baseline"
    if [ -n "$steps_baseline" ]; then
        kv measured.device_memmap_pages "$((steps_baseline - sb))"
    else
        kv measured.device_memmap_pages NA
    fi
    while read -r n; do
        kv "step.$n.memmap_pages" "$(stepsum "$n")"
    done < <(awk '{ print $1 }' "$snap/steps.txt")
fi

mp=$(vmstat nr_memmap_pages)
mbp=$(vmstat nr_memmap_boot_pages)
kv nr_memmap_pages "$mp"
kv nr_memmap_boot_pages "$mbp"
if [ -n "$steps_baseline" ]; then
    baseline=$steps_baseline src=steps
elif [ -n "$sect_baseline" ]; then
    baseline=$sect_baseline src=sections
else
    src=blocks
fi
kv true_baseline_memmap_pages "$baseline"
kv true_baseline_memmap_pages_source "$src"
realized=
if [ -n "$mp" ] && [ -n "$mbp" ] && [ -n "$baseline" ]; then
    realized=$(((baseline - mp - mbp) * page_size))
    kv realized_savings_pages "$((baseline - mp - mbp))"
    kv realized_savings_bytes "$realized"
else
    kv realized_savings_pages NA
    kv realized_savings_bytes NA
fi

full=0 full_known=1
declare -A opt pre
while read -r kb o p; do
    opt[$kb]=$o pre[$kb]=$p
done < <(dmesg_hstates)
for d in "$snap"/sys/kernel/mm/hugepages/hugepages-*kB; do
    [ -d "$d" ] || continue
    kb=${d##*hugepages-}
    kb=${kb%kB}
    h=hstate.${kb}kB
    kv "$h.size_bytes" "$((kb * 1024))"
    nr=$(tr -d '\n' <"$d/nr_hugepages")
    kv "$h.nr" "$nr"
    kv "$h.free" "$(tr -d '\n' <"$d/free_hugepages")"
    kv "$h.resv" "$(tr -d '\n' <"$d/resv_hugepages")"
    kv "$h.surplus" "$(tr -d '\n' <"$d/surplus_hugepages")"
    for n in "$snap"/sys/devices/system/node/node[0-9]*; do
        nd=$n/hugepages/hugepages-${kb}kB
        [ -d "$nd" ] || continue
        kv "$h.${n##*/}.nr" "$(tr -d '\n' <"$nd/nr_hugepages")"
        kv "$h.${n##*/}.free" "$(tr -d '\n' <"$nd/free_hugepages")"
    done
    o=${opt[$kb]:-}
    [ "$o" = - ] && o=
    p=${pre[$kb]:-}
    [ "$p" = - ] && p=
    kv "$h.optimizable_kib" "$o"
    if [ -n "$o" ]; then
        kv "$h.optimizable_bytes_per_page" "$((o * 1024))"
        kv "$h.full_savings_bytes" "$((nr * o * 1024))"
        full=$((full + nr * o * 1024))
    else
        kv "$h.optimizable_bytes_per_page" NA
        kv "$h.full_savings_bytes" NA
        full_known=0
    fi
    kv "$h.boot_preallocated" "$p"
done
if [ "$full_known" = 1 ]; then
    kv full_savings_bytes "$full"
    if [ -n "$realized" ]; then
        kv unrealized_savings_bytes "$((full - realized))"
    else
        kv unrealized_savings_bytes NA
    fi
else
    kv full_savings_bytes NA
    kv unrealized_savings_bytes NA
fi

if [ -f "$snap/sys/kernel/btf/vmlinux" ] && [ ! -L "$snap/sys/kernel/btf/vmlinux" ]; then
    kv btf file
else
    kv btf none
fi

# steps.txt: "NAME nr_memmap_pages=A nr_memmap_boot_pages=B MemTotal=C MemFree=D"
if [ -f "$snap/steps.txt" ]; then
    awk '
    function kb(sz) { if (sz ~ /G$/) return sz * 1048576; if (sz ~ /M$/) return sz * 1024; return sz }
    {
        for (i = 2; i <= NF; i++) { split($i, kvp, "="); v[kvp[1]] = kvp[2] }
        mp = v["nr_memmap_pages"]; mbp = v["nr_memmap_boot_pages"]; mt = v["MemTotal"]
        if (NR > 1 && match($1, /^alloc-[0-9]+x[0-9]+[MG]-/)) {
            spec = substr($1, 7, RLENGTH - 7); split(spec, a, "x")
            size = kb(a[2] + 0 "" substr(a[2], length(a[2])))
            if (mp != "NA" && pmp != "NA") freed = (pmp + pmbp) - (mp + mbp)
            else freed = mt - pmt
            st[size] += (freed == 0) ? a[1] : 0
            seen[size] = 1
        }
        pmp = mp; pmbp = mbp; pmt = mt
    }
    END { for (s in seen) printf "stale_pages.%dkB=%d\n", s, st[s] }
    ' "$snap/steps.txt" | sort
fi
