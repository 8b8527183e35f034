#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Who holds the hugepages in use (hvoplan report's holders and orphan
# finder) against the real kernel, as root: real hugetlbfs files, SysV
# SHM_HUGETLB segments, anonymous and memfd mappings and a descriptor-only
# memfd, made by tests/live/hugeholder.c. The ground truth is the pool's
# own count (nr_hugepages - free_hugepages), stat's st_blocks, ipcs, and
# the pages the pool gets back when the fix the report prints is run.
# Restores every pool, removes every segment and file, unmounts.

load pools.bash

HP=/sys/kernel/mm/hugepages
P2=$HP/hugepages-2048kB

setup() {
	scene_start
	grep -qw hugetlbfs /proc/filesystems || skip "no hugetlbfs"
	[ -r /proc/sysvipc/shm ] || skip "no SysV IPC"
	ORIG_POOLS=()
	for d in "$HP"/hugepages-*; do ORIG_POOLS+=("$d:$(cat "$d/nr_hugepages")"); done
	T=$BATS_TEST_TMPDIR
	M="$T/h m" # a blank: the fix line must quote the path
	MOUNTED=()
	PIDS=()
	SEGS=()
	# other segments or pages in use would make the counts below differ
	[ "$(awk 'NR > 1' /proc/sysvipc/shm | wc -l)" -eq 0 ] || skip "SysV segments exist on this host"
	[ "$(($(cat "$P2/nr_hugepages") - $(cat "$P2/free_hugepages")))" -eq 0 ] || skip "2M pages in use on this host"
}

teardown() {
	local p e
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for p in "${SEGS[@]}"; do ipcrm -m "$p" 2>/dev/null; done
	for p in "${MOUNTED[@]}"; do rm -f "$p"/*; umount "$p"; done
	for e in "${ORIG_POOLS[@]}"; do echo "${e#*:}" >"${e%%:*}/nr_hugepages"; done
	for e in "${ORIG_POOLS[@]}"; do [ "$(cat "${e%%:*}/nr_hugepages")" = "${e#*:}" ]; done
}

orphan_file() { # orphan_file PATH PAGES: a file of PAGES written pages whose writer has gone
	holder writer -f "$1" file "$2"
	kill "$writer"
	wait "$writer" || true
}

in_use() { echo $(($(cat "$P2/nr_hugepages") - $(cat "$P2/free_hugepages"))); }

size2m() { jq -c '.holders.sizes[] | select(.size == 2097152)' <<<"$1"; }

@test "live: every page in use has its holder: files, segments, mappings and a descriptor, each counted as the kernel does" {
	set_pool 2048kB 24
	mnt "$M" pagesize=2M
	orphan_file "$M/orphan" 3
	holder live -f "$M/live" file 4 2     # 2 written of 4: the file holds 2
	holder seg -D sysv 2                  # detached at once: nobody attached
	read -r _ _ seg <"$T/seg.ready"
	SEGS+=("$seg")
	holder att sysv 1
	read -r _ _ att <"$T/att.ready"
	SEGS+=("$att")
	holder anon touch 2
	holder mfd memfd 3                    # 3 pages, two processes map them
	holder fd fdonly 1                    # only a descriptor holds it
	[ "$(in_use)" -eq 14 ]
	# the kernel's own counts of what the files hold
	[ "$(stat -c %b "$M/orphan")" -eq $((3 * 4096)) ]
	[ "$(stat -c %b "$M/live")" -eq $((2 * 4096)) ]
	[ "$(awk -v id="$seg" '$2 == id { print $7 }' /proc/sysvipc/shm)" -eq 0 ] # nattch
	run "$HV" report --format json
	[ "$status" -le 1 ]
	z=$(size2m "$output")
	[ "$(jq .in_use <<<"$z")" -eq "$(in_use)" ]
	[ "$(jq -c '[.files, .sysv, .mapped, .unattributed, .orphaned]' <<<"$z")" = "[5,3,5,1,5]" ]
	[ "$(jq -r .unattributed_basis <<<"$z")" = exact ]
	[ "$(jq -r .holders.sysv_rss_unit_basis <<<"$output")" = "attached segment" ]
	[ "$(jq -r '[.holders.orphans[] | .kind + ":" + (.path // (.shmid | tostring)) + ":" + (.pages | tostring)] | join(",")' <<<"$output")" = "file:$M/orphan:3,sysv:$seg:2" ]
	fix=$(jq -r '.findings[] | select(.id == "orphaned-hugepages") | .fix' <<<"$output")
	[[ $fix == "rm '$M/orphan'; ipcrm -m $seg "* ]]
	run "$HV" report
	[[ $output == *"Holders:               2M: 14 in use: 5 in hugetlbfs files, 3 in SysV segments, 5 only in mappings, 1 unattributed"* ]]
	[[ $output == *"Not mapped:            $M/orphan: 3 x 2M, no process maps it, uid 0"* ]]
	[[ $output == *"SysV segment $seg (key 0x00000000, uid 0): 2 x 2M, no process attached"* ]]
	# --fail-on warning alerts on orphans
	run "$HV" report --fail-on warning --holders auto
	[ "$status" -eq 1 ]
	# the printed fix, run as printed, gives exactly the orphans' pages back
	before=$(cat "$P2/free_hugepages")
	rm "$M/orphan"
	ipcrm -m "$seg"
	[ "$(cat "$P2/free_hugepages")" -eq $((before + 5)) ]
	run "$HV" report --format json
	[ "$(jq '.holders.orphans | length' <<<"$output")" -eq 0 ]
	[ "$(jq -c '[.files, .sysv, .orphaned]' <<<"$(size2m "$output")")" = "[2,1,0]" ]
	[ "$(jq '[.findings[] | select(.id == "orphaned-hugepages")] | length' <<<"$output")" -eq 0 ]
	# the same counts for Prometheus, only when asked
	run "$HV" report --format prometheus
	! grep -q hugetlb_held_pages <<<"$output" || false
	run "$HV" report --format prometheus --holders always
	grep -qx 'hvoplan_hugetlb_held_pages{size="2M",holder="unattributed"} 1' <<<"$output"
	grep -qx 'hvoplan_hugetlb_held_pages{size="2M",holder="mapped"} 5' <<<"$output"
}

@test "live: an unprivileged report says its holder count is an upper bound and why, never a wrong exact figure" {
	command -v setpriv >/dev/null || skip "no setpriv"
	set_pool 2048kB 4
	holder anon touch 2
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$HV" report --format json
	[ "$status" -le 1 ]
	z=$(size2m "$output")
	[ "$(jq .in_use <<<"$z")" -eq 2 ]
	[ "$(jq -r .unattributed_basis <<<"$z")" = at-most ]
	[ "$(jq .holders.processes_unreadable <<<"$output")" -ge 1 ]
	[ "$(jq -r '.findings[] | select(.id == "hugepages-unattributed") | .fix' <<<"$output")" = "run hvoplan report as root, which reads every process's mappings" ]
	# as root, the same pages are accounted for
	run "$HV" report --format json
	[ "$(jq -c '[.mapped, .unattributed, .unattributed_basis]' <<<"$(size2m "$output")")" = '[2,0,"exact"]' ]
}

@test "live: with no page in use or --holders never, nothing is walked and the report says so" {
	set_pool 2048kB 2
	run "$HV" report --format json
	[ "$(jq -c '.holders' <<<"$output")" = '{"scanned":false,"why":"no hugepage is in use"}' ]
	run "$HV" report
	! grep -q '^Holders:' <<<"$output" || false
	holder anon touch 1
	run "$HV" report --holders never --format json
	[ "$(jq -r '.holders.why' <<<"$output")" = "--holders never" ]
	run "$HV" report --holders never
	[[ $output == *"Holders:               not counted (--holders never)"* ]]
	# no process's smaps is opened without a page in use
	command -v strace >/dev/null || return 0
	kill "${PIDS[@]}"; wait "${PIDS[@]}" 2>/dev/null || true
	PIDS=()
	run strace -f -e trace=openat -o "$T/trace" "$HV" report --format json
	! grep -q 'smaps\|sysvipc' "$T/trace" || false
}

@test "live: top shows who holds the pages and follows them when an orphan is removed" {
	set_pool 2048kB 8
	mnt "$M" pagesize=2M
	"$HOLDER" -f "$M/orphan" -r "$T/o.ready" file 3 &
	o=$!
	for i in $(seq 200); do [ -s "$T/o.ready" ] && break; sleep 0.05; done
	kill "$o"; wait "$o" || true
	holder anon touch 2
	[ "$(in_use)" -eq 5 ]
	# two frames 3 s apart; the orphan is removed after the first
	"$HV" top -b -n 2 -d 3 --smaps >"$T/top.out" 2>"$T/top.err" &
	top=$!
	for i in $(seq 100); do grep -q '^FINDINGS' "$T/top.out" && break; sleep 0.05; done
	rm "$M/orphan"
	wait "$top"
	[ ! -s "$T/top.err" ]
	first=$(awk '/^hvoplan top/ { n++ } n == 1' "$T/top.out")
	second=$(awk '/^hvoplan top/ { n++ } n == 2' "$T/top.out")
	grep -qx '    2M  5 in use: 3 in files, 0 in SysV segments, 2 only mapped, 0 unattributed, 3 not mapped' <<<"$first"
	grep -qx "        $M/orphan: 3 x 2M, not mapped" <<<"$first"
	grep -q '^  warning orphaned-hugepages: ' <<<"$first"
	# the pages in use changed: the holders are read again, not kept from the first frame
	grep -qx '    2M  2 in use: 0 in files, 0 in SysV segments, 2 only mapped, 0 unattributed' <<<"$second"
	! grep -q 'orphan' <<<"$second" || false
	# without the smaps split, top reads no mapping and says so
	run "$HV" top -b -n 1
	[ "$status" -eq 0 ]
	grep -qx 'HOLDERS  not counted: needs the smaps split (m or --smaps)' <<<"$output"
	! grep -q 'only mapped' <<<"$output" || false
}

@test "live: a file seen twice, through a bind mount of its file system or a hard link, is counted once" {
	set_pool 2048kB 8
	mnt "$M" pagesize=2M
	orphan_file "$M/f" 3
	ln "$M/f" "$M/hardlink"
	mkdir -p "$T/bind"
	mount --bind "$M" "$T/bind"
	MOUNTED=("$T/bind" "${MOUNTED[@]}")
	[ "$(in_use)" -eq 3 ]
	run "$HV" report --format json
	[ "$status" -le 1 ]
	z=$(size2m "$output")
	[ "$(jq -c '[.in_use, .files, .orphaned, .unattributed]' <<<"$z")" = "[3,3,3,0]" ] || { echo "$z"; false; }
	[ "$(jq '.holders.orphans | length' <<<"$output")" -eq 1 ]
}
