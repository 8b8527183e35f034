#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The allocation forecast of apply's dry run and plan --from-host, on the
# 67 GiB Debian 7.3 guest of the QEMU bed (tests/fixtures/vm/7.3-big64).
# The expected figures are worked out by hand from its proc/buddyinfo and
# proc/zoneinfo in the comments. Any user.

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
	R=$BATS_TEST_TMPDIR/root
	cp -a "$TOPDIR/tests/fixtures/vm/7.3-big64" "$R"
	chmod -R u+w "$R"
}

# node 0, 2M (order 9, an allocation up to Movable, zone index 3):
#   DMA     blocks 1 + 2x2 = 5,        free 2816 - (min 5 + protection 35181) < 0: 0
#   DMA32   blocks 1 + 733x2 = 1467,   (751781 - 982 - 32231) >> 9 = 1403: 1403
#   Normal  blocks 5 + 7647x2 = 15299, (7834343 - 10763) >> 9 = 15280: 15280
#   = 16683; node 1 Normal: blocks 4 + 7657x2 = 15318, (7845317 - 10776) >> 9 = 15301
# 1G (above the largest order 10; zones below Movable, up to Normal, index 2):
#   node 0: DMA32 718568 >> 18 = 2, Normal 7823580 >> 18 = 29: 31; node 1: 29
@test "forecast: plan --from-host counts free blocks above the watermarks, per node and in all" {
	run "$HV" --root "$R" plan --from-host --format json
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.forecast[] | [.name, .basis, .watermarks, .free_now, .after_compaction, [.nodes[].free_now]]]' <<<"$output")" = \
		'[["2M","free-blocks",true,31984,31984,[16683,15301]],["1G","free-memory",true,60,60,[31,29]]]' ]
	run "$HV" --root "$R" plan --from-host --color=never
	[[ $output == *"Free now:        2M: 31984 pages in free blocks, at most 31984 after compaction; node 0 16683, node 1 15301"* ]]
	[[ $output == *"                 1G: at most 60 pages (free memory; contiguity unknown); node 0 31, node 1 29"* ]]
}

@test "forecast: without zoneinfo the free blocks are counted without watermarks, and JSON says so" {
	rm "$R/proc/zoneinfo"
	run "$HV" --root "$R" plan --from-host --format json
	[ "$status" -eq 0 ]
	[ "$(jq -c '.forecast[0] | [.watermarks, .free_now, [.nodes[].free_now]]' <<<"$output")" = '[false,32089,[16771,15318]]' ]
	# without watermarks the bound is all free memory: node 1's Normal zone,
	# 1 + 4x2 + 5x4 + ... + 7657x1024 pages, is 15322 2M pages
	[ "$(jq -c '.forecast[0].nodes[1].after_compaction' <<<"$output")" = 15322 ]
}

@test "forecast: without buddyinfo there is none: an empty list, no line, no note" {
	rm "$R/proc/buddyinfo"
	run "$HV" --root "$R" plan --from-host --format json
	[ "$status" -eq 0 ]
	[ "$(jq -c .forecast <<<"$output")" = '[]' ]
	run "$HV" --root "$R" plan --from-host
	[[ $output != *"Free now"* ]]
	run "$HV" --root "$R" apply --pages 2M:20000@1 --format json
	[ "$status" -eq 0 ]
	[ "$(jq -c '.actions[0].forecast' <<<"$output")" = null ]
	[ "$(jq '[.notes[] | select(test("free blocks"))] | length' <<<"$output")" -eq 0 ]
	run "$HV" plan --memory 64G --pool 2M:1G --format json
	[ "$(jq -c .forecast <<<"$output")" = null ]
}

@test "forecast: a damaged buddyinfo or zoneinfo is an error naming the file and line" {
	cp "$R/proc/buddyinfo" "$BATS_TEST_TMPDIR/b"
	sed -i '2s/733/7x3/' "$R/proc/buddyinfo"
	run "$HV" --root "$R" plan --from-host
	[ "$status" -eq 3 ]
	[[ $output == *"$R/proc/buddyinfo: line 2: free block count '7x3' is not a count"* ]]
	run "$HV" --root "$R" apply --pages 2M:1024
	[[ $output == *"$R/proc/buddyinfo: line 2: free block count '7x3' is not a count"* ]]
	cp "$BATS_TEST_TMPDIR/b" "$R/proc/buddyinfo"
	sed -i '0,/protection: (0, 2949/s//protection: (0, -2949/' "$R/proc/zoneinfo"
	run "$HV" --root "$R" plan --from-host
	[[ $output == *"$R/proc/zoneinfo: line "*": '        protection: (0, -2949"*"is not a protection list"* ]]
}

@test "forecast: apply's dry run gives the pages free now, and a note when fewer than the new pages" {
	run "$HV" --root "$R" apply --pages 2M:20000@1
	[ "$status" -eq 0 ]
	[[ $output == *"set 2M pool on node 1 256 -> 20000 pages; 15301 free now, at most 15301 after compaction"* ]]
	[[ $output == *"note: 2M pool on node 1: the free memory above the min watermark holds at most 15301 of the 19744 new pages; the rest needs memory reclaimed first, and the kernel may stop short: apply reads back what it got"* ]]
	run "$HV" --root "$R" apply --pages 2M:10000@1 --format json
	[ "$(jq -c '.actions[0].forecast' <<<"$output")" = '{"free_now":15301,"after_compaction":15301,"basis":"free-blocks","watermarks":true}' ]
	[ "$(jq '[.notes[] | select(test("new pages"))] | length' <<<"$output")" -eq 0 ]
	# node 1's free memory in smaller blocks (an edit of the copy: 6000 more
	# order-8 blocks, 1500 fewer order-10 ones, the same free pages): 4 +
	# 6157x2 = 12318 free blocks, and compaction could assemble the rest
	sed -i 's/^\(Node 1, zone   Normal .*\)      3      4   7657 *$/\1   6003      4   6157/' "$R/proc/buddyinfo"
	run "$HV" --root "$R" apply --pages 2M:13000@1
	[[ $output == *"set 2M pool on node 1 256 -> 13000 pages; 12318 free now, at most 15301 after compaction"* ]]
	[[ $output == *"note: 2M pool on node 1: 12318 of the 12744 new pages are free blocks now (/proc/buddyinfo); the free memory above the min watermark holds them all, so the kernel's compaction can assemble the rest"* ]]
	# a shrinking pool has no forecast
	run "$HV" --root "$R" apply --pages 2M:100@1 --format json
	[ "$(jq -c '.actions[0].forecast' <<<"$output")" = null ]
	run "$HV" --root "$R" apply --pages 1G:64
	[[ $output == *"set 1G pool 2 -> 64 pages; free memory for at most 60 now"* ]]
	[[ $output == *"note: 1G pool: the free memory above the min watermark holds at most 60 of the 62 new pages; the rest needs memory reclaimed first"* ]]
}

@test "forecast: plan --from-host notes a plan that grows a pool beyond the free blocks" {
	# the copy's node 1 keeps 1000 free 4M blocks instead of 7657 (an edit
	# of the capture, to stand for a host whose memory is in use)
	sed -i 's/^\(Node 1, zone   Normal .*\) 7657 *$/\1 1000/' "$R/proc/buddyinfo"
	run "$HV" --root "$R" plan --from-host --pool 2M:30000 --format json
	[ "$status" -eq 0 ]
	[ "$(jq -c '.forecast[0].nodes | map(.free_now)' <<<"$output")" = '[16683,2004]' ]
	[ "$(jq -r '.notes[] | select(startswith("2M:"))' <<<"$output")" = \
		"2M: the plan adds 29488 pages; free blocks hold 18687 now, the free memory all of them: the kernel must compact for the rest" ]
	run "$HV" --root "$R" plan --from-host --pool 2M:16000 --format json
	[ "$(jq '[.notes[] | select(startswith("2M:"))] | length' <<<"$output")" -eq 0 ]
}
