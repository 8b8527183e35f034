#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hugetlbfs mounts in hvoplan report against the real kernel (root): real
# mounts with every option, a real process holding a file's pages, and the
# kernel's own statfs() read by coreutils' stat -f as the ground truth.
# Restores every pool it found and unmounts what it mounted.

load pools.bash

HP=/sys/kernel/mm/hugepages

setup() {
	scene_start
	grep -qw hugetlbfs /proc/filesystems || skip "no hugetlbfs"
	ORIG_POOLS=()
	for d in "$HP"/hugepages-*; do ORIG_POOLS+=("$d:$(cat "$d/nr_hugepages")"); done
	T=$BATS_TEST_TMPDIR
	M="$T/h m" # a blank, which /proc/mounts writes as \040
	MOUNTED=()
	PIDS=()
}

teardown() {
	local p e
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for p in "${MOUNTED[@]}"; do umount "$p"; done
	for e in "${ORIG_POOLS[@]}"; do echo "${e#*:}" >"${e%%:*}/nr_hugepages"; done
	for e in "${ORIG_POOLS[@]}"; do [ "$(cat "${e%%:*}/nr_hugepages")" = "${e#*:}" ]; done
}

waitfor() { # waitfor FILE: the holder's ready line
	local i
	for i in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.05; done
	echo "no ready line in $1"
	return 1
}

@test "live: hugetlbfs mounts as the kernel shows them, with statfs() usage equal to stat -f's while a process holds a file" {
	set_pool 2048kB "$(($(cat "$HP/hugepages-2048kB/nr_hugepages") + 8))"
	mnt "$M" pagesize=2M,size=16M,min_size=4M,nr_inodes=8,mode=1770,uid=1000,gid=100
	"$HOLDER" -f "$M/rtemap_0" -r "$T/ready" file 4 3 &
	PIDS+=($!)
	waitfor "$T/ready"
	run "$HV" report --format json
	[ "$status" -le 1 ]
	m=$(jq -c --arg p "$M" '.hugetlbfs_mounts[] | select(.path == $p)' <<<"$output")
	[ -n "$m" ]
	[ "$(jq .page_size <<<"$m")" -eq $((2 << 20)) ]
	[ "$(jq .size_limit_bytes <<<"$m")" -eq $((16 << 20)) ]
	[ "$(jq .min_size_bytes <<<"$m")" -eq $((4 << 20)) ]
	[ "$(jq .nr_inodes <<<"$m")" -eq 8 ]
	[ "$(jq -r '.mode + " " + (.uid|tostring) + " " + (.gid|tostring)' <<<"$m")" = "1770 1000 100" ]
	[ "$(jq .pool <<<"$m")" = true ]
	# the kernel's statfs() through another reader: used blocks and inodes
	read -r blocks bfree bsize files ffree < <(stat -f -c '%b %f %S %c %d' "$M")
	[ "$bsize" -eq $((2 << 20)) ]
	[ "$(jq .used_bytes <<<"$m")" -eq $(((blocks - bfree) * bsize)) ]
	[ "$(jq .inodes_used <<<"$m")" -eq $((files - ffree)) ]
	# the 4 pages of the file's mapping are charged to the mount
	[ "$(jq .used_bytes <<<"$m")" -eq $((4 * 2 << 20)) ]
	run "$HV" report
	[[ $output == *"$M: 2M pages, size 16M (8M used), min_size 4M reserved, 2 of 8 inodes used, mode 1770, uid 1000, gid 100"* ]]

	# a snapshot keeps what statfs() said: the same mounts from the copy
	live=$("$HV" report --format json | jq -c .hugetlbfs_mounts)
	"$HV" snapshot -o "$T/snap" >/dev/null
	[ -f "$T/snap/hvoplan-hugetlbfs-statfs.txt" ]
	[ "$("$HV" report --root "$T/snap" --format json | jq -c .hugetlbfs_mounts)" = "$live" ]
}

@test "live: a mount of a size without a pool is a finding when other sizes have pools; a snapshot without proc/mounts says nothing" {
	[ -d "$HP/hugepages-1048576kB" ] || skip "no 1G hugepages"
	[ "$(cat "$HP/hugepages-1048576kB/nr_hugepages")" = 0 ] || skip "a 1G pool exists"
	[ "$(cat "$HP/hugepages-1048576kB/nr_overcommit_hugepages")" = 0 ] || skip "1G overcommit set"
	set_pool 2048kB "$(($(cat "$HP/hugepages-2048kB/nr_hugepages") + 2))"
	mnt "$T/g" pagesize=1G
	run "$HV" report --format json
	[ "$(jq --arg p "$T/g" '.hugetlbfs_mounts[] | select(.path == $p) | .pool' <<<"$output")" = false ]
	[ "$(jq --arg p "$T/g" '.hugetlbfs_mounts[] | select(.path == $p) | .used_bytes' <<<"$output")" = null ]
	[[ $(jq -r '.findings[] | select(.id == "hugetlbfs-no-pool") | .message' <<<"$output") == *"hugetlbfs at $T/g serves 1G pages, but the 1G pool is empty"* ]]
	# and the kernel agrees: a file there gets no page
	run "$HOLDER" -s 1048576 -f "$T/g/f" file 1
	[ "$status" -eq 1 ]
	[[ $output == *"Cannot allocate memory"* ]]
	"$HV" snapshot -o "$T/snap" >/dev/null
	rm "$T/snap/proc/mounts"
	[ "$("$HV" report --root "$T/snap" --format json | jq -c .hugetlbfs_mounts)" = null ]
}
