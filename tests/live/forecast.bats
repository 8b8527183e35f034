#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The allocation forecast against the running kernel: the 2M pages that
# plan --from-host and apply's dry run call free now are what the kernel
# hands out from its free lists (allocating some takes exactly that many
# off the forecast), compaction never assembles more than the free-memory
# bound, and a 1G page takes one off that bound.
# Root; the pools are restored to what the test found.

P2M=/sys/kernel/mm/hugepages/hugepages-2048kB
P1G=/sys/kernel/mm/hugepages/hugepages-1048576kB

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -d "$P2M" ] && [ -r /proc/buddyinfo ] && [ -r /proc/zoneinfo ] || skip "no 2M pool or zone files here"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	exec 9>/run/lock/hvoplan-live-tests.lock
	flock -w 300 9
	ORIG_2M=$(cat "$P2M/nr_hugepages")
	ORIG_1G=$(cat "$P1G/nr_hugepages" 2>/dev/null || echo -)
}

teardown() {
	[ -n "${ORIG_2M:-}" ] || return 0
	echo "$ORIG_2M" >"$P2M/nr_hugepages"
	[ "$ORIG_1G" = - ] || echo "$ORIG_1G" >"$P1G/nr_hugepages"
	[ "$(cat "$P2M/nr_hugepages")" = "$ORIG_2M" ]
}

# free_now NAME: the forecast of size NAME for the whole host
free_now() {
	"$HV" plan --from-host --format json | jq --arg n "$1" '.forecast[] | select(.name == $n) | .free_now'
}

@test "live forecast: allocating 2M pages takes exactly that many off the pages free now" {
	before=$(free_now 2M)
	[ "$before" -ge 64 ] || skip "only $before free 2M blocks"
	ask=$((before / 2))
	[ "$ask" -le 2048 ] || ask=2048
	run "$HV" apply --pages "2M:+$ask"
	[ "$status" -eq 0 ]
	dry=$(sed -n 's/.*set 2M pool .*; \([0-9]*\) free now.*/\1/p' <<<"$output")
	tol=$((before / 50 > 8 ? before / 50 : 8))
	echo "forecast $before, dry run $dry, asking for $ask (tolerance $tol for the host's own churn)"
	[ "$dry" -ge $((before - tol)) ] && [ "$dry" -le $((before + tol)) ]
	# Other work on the host (a guest of the QEMU bed exiting, reclaim) can
	# free or take hundreds of blocks between the two reads: a measurement
	# the churn spoiled is taken again, up to three times, each a fresh
	# before, allocation and after.
	for try in 1 2 3; do
		[ "$try" -eq 1 ] || before=$(free_now 2M)
		echo $((ORIG_2M + ask)) >"$P2M/nr_hugepages"
		[ "$(cat "$P2M/nr_hugepages")" -eq $((ORIG_2M + ask)) ]
		after=$(free_now 2M)
		echo "try $try: before $before, after $after, expected $((before - ask))"
		[ "$after" -ge $((before - ask - tol)) ] && [ "$after" -le $((before - ask + tol)) ] && return 0
		echo "$ORIG_2M" >"$P2M/nr_hugepages"
	done
	false
}

# forecast_of JSON: "free_now after_compaction" of apply's first action
forecast_of() {
	jq -r '.actions[0].forecast | "\(.free_now) \(.after_compaction)"' <<<"$1"
}

@test "live forecast: compacting memory brings the free blocks up, never past the after-compaction bound" {
	[ -w /proc/sys/vm/compact_memory ] || skip "no compaction here"
	read -r now bound <<<"$(forecast_of "$("$HV" apply --pages 2M:+1 --format json)")"
	echo 1 >/proc/sys/vm/compact_memory
	read -r now2 bound2 <<<"$(forecast_of "$("$HV" apply --pages 2M:+1 --format json)")"
	tol=$((bound / 50 > 8 ? bound / 50 : 8))
	echo "before: $now free, at most $bound; after compact_memory: $now2 free, at most $bound2 (tolerance $tol)"
	[ "$now" -le "$bound" ] && [ "$now2" -le "$bound2" ]
	[ "$now2" -ge $((now - tol)) ]
	[ "$now2" -le $((bound + tol)) ]
	# compaction moves pages and frees none: the bound stays
	[ "$bound2" -ge $((bound - tol)) ] && [ "$bound2" -le $((bound + tol)) ]
}

@test "live forecast: the dry run's note says whether compaction or only reclaim can give the rest" {
	run "$HV" apply --pages 2M:+1 --format json
	read -r now bound <<<"$(forecast_of "$output")"
	over=$((bound + 256))
	run "$HV" apply --pages "2M:+$over" --format json
	[ "$status" -eq 0 ]
	read -r now bound <<<"$(forecast_of "$output")"
	[ "$over" -gt "$bound" ] || skip "free memory grew by 256 2M pages meanwhile"
	[[ $(jq -r '.notes[]' <<<"$output") == *"holds at most $bound of the $over new pages; the rest needs memory reclaimed first"* ]]
	[ $((bound - now)) -ge 16 ] || skip "the free blocks are all of the free memory: no room for compaction"
	mid=$(((now + bound) / 2))
	run "$HV" apply --pages "2M:+$mid" --format json
	read -r now bound <<<"$(forecast_of "$output")"
	[ "$mid" -gt "$now" ] && [ "$mid" -le "$bound" ] || skip "the free blocks moved meanwhile"
	[[ $(jq -r '.notes[]' <<<"$output") == *"$now of the $mid new pages are free blocks now (/proc/buddyinfo); the free memory above the min watermark holds them all, so the kernel's compaction can assemble the rest"* ]]
}

@test "live forecast: a 1G page takes one page off the free-memory bound" {
	[ "$ORIG_1G" != - ] || skip "no 1G pool here"
	before=$(free_now 1G)
	[ "$before" -ge 2 ] || skip "free memory for only $before 1G pages"
	echo $((ORIG_1G + 1)) >"$P1G/nr_hugepages"
	[ "$(cat "$P1G/nr_hugepages")" -eq $((ORIG_1G + 1)) ] || skip "the kernel found no 1G range now"
	after=$(free_now 1G)
	echo "1G bound before $before, after $after"
	[ "$after" -le $((before - 1)) ] && [ "$after" -ge $((before - 2)) ]
	[ "$(jq -r '.forecast[] | select(.name == "1G") | .basis' <<<"$("$HV" plan --from-host --format json)")" = free-memory ]
}
