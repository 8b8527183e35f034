#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# report --processes against the real kernel, as root: processes that map
# hugepages privately, share a memfd, and only reserve them
# (tests/live/hugeholder.c). The ground truth is each process's own
# status (HugetlbPages), the pool's resv_hugepages and numa_maps as the
# kernel prints it. Restores the pool.

load pools.bash

HP=/sys/kernel/mm/hugepages
P2=$HP/hugepages-2048kB

setup() {
	scene_start
	[ -r /proc/self/numa_maps ] || skip "no numa_maps (a kernel without NUMA)"
	ORIG=$(cat "$P2/nr_hugepages")
	[ "$(cat "$P2/resv_hugepages")" -eq 0 ] || skip "2M pages reserved on this host"
	[ "$(($(cat "$P2/nr_hugepages") - $(cat "$P2/free_hugepages")))" -eq 0 ] || skip "2M pages in use on this host"
	T=$BATS_TEST_TMPDIR
	PIDS=()
}

teardown() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	echo "$ORIG" >"$P2/nr_hugepages"
	[ "$(cat "$P2/nr_hugepages")" = "$ORIG" ]
}

# row PID FIELD: that process's FIELD in the last JSON output
row() { jq -r --argjson p "$1" ".processes.list[] | select(.pid == \$p) | $2" <<<"$output"; }
status_kib() { awk '/^HugetlbPages:/ {print $2}' "/proc/$1/status"; }

@test "live: report --processes gives each process's pages per size and node, private, shared and unfaulted, as the kernel counts them" {
	set_pool 2048kB 16
	holder res reserve 4    # mapped, none touched: 4 reserved
	holder half touch 4 2   # 2 touched, 2 reserved
	holder shm memfd 3      # 3 pages, written here and read by a child
	[ "$(cat "$P2/resv_hugepages")" -eq 6 ]
	run "$HV" report --processes --format json
	[ "$status" -le 1 ]
	[ "$(jq -r .processes.read <<<"$output")" = true ]
	for p in "$res" "$half" "$shm"; do
		# in use: HugetlbPages of its status; per node: numa_maps' N<node>= pages
		[ "$(row "$p" .hugetlb_bytes)" -eq $(($(status_kib "$p") * 1024)) ]
		want=$(awk '/ huge / { for (i = 1; i <= NF; i++) if ($i ~ /^N[0-9]+=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }' "/proc/$p/numa_maps")
		[ "$(row "$p" '[.nodes[] | .pages] | add // 0')" -eq "$want" ]
	done
	[ "$(row "$res" .reservation_only)" = true ]
	[ "$(row "$res" .unfaulted_bytes)" -eq $((4 << 21)) ]
	[ "$(row "$res" '.nodes | length')" -eq 0 ]
	[ "$(row "$half" .private_bytes)" -eq $((2 << 21)) ]
	[ "$(row "$half" .unfaulted_bytes)" -eq $((2 << 21)) ]
	[ "$(row "$half" .reservation_only)" = false ]
	# the private mappings' unfaulted pages are the pool's reservations
	[ $(($(row "$res" .unfaulted_bytes) + $(row "$half" .unfaulted_bytes))) -eq $(($(cat "$P2/resv_hugepages") << 21)) ]
	[ "$(row "$shm" .shared_bytes)" -eq $((3 << 21)) ]
	[ "$(row "$shm" '.nodes[0].size')" -eq $((2 << 20)) ]
	[ "$(jq -r .processes.reservation_only <<<"$output")" -ge 1 ]
	run "$HV" report --processes
	[[ $output == *"$res hugeholder (root): 0B in use (0B private, 0B shared) of 8M mapped, 8M unfaulted: holds only reservations"* ]] || { echo "$output"; false; }
	[[ $output == *"$half hugeholder (root): 4M in use (4M private, 0B shared) of 8M mapped, 4M unfaulted; 2M pages: node "* ]]
	# without --processes nothing of it is read
	run "$HV" report --format json
	[ "$(jq -r .processes <<<"$output")" = null ]
}

@test "live: report --processes unprivileged says what it could not read, never a wrong figure" {
	command -v setpriv >/dev/null || skip "no setpriv"
	set_pool 2048kB 4
	holder half touch 4 2
	cp "$HV" "$T/hv" && chmod 755 "$T" "$T/hv"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$T/hv" report --processes --format json
	[ "$status" -le 1 ] || { echo "$output"; false; }
	[ "$(jq -r .processes.unreadable <<<"$output")" -ge 1 ]
	# root's holder: its status is readable, its smaps and numa_maps are not
	[ "$(row "$half" .hugetlb_bytes)" -eq $((2 << 21)) ]
	[ "$(row "$half" .private_bytes)" = "no access" ]
	[ "$(row "$half" .unfaulted_bytes)" = null ]
	[ "$(row "$half" .nodes)" = null ]
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$T/hv" report --processes
	[[ $output == *"$half hugeholder (root): 4M in use (its smaps: no access); per node: its numa_maps unreadable"* ]] || { echo "$output"; false; }
	[[ $output == *"could not be read (permission denied)"* ]]
}
