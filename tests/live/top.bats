#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan top on real hugepages (root): a pool allocated during a batch run
# shows up on the next frame. Teardown restores nr_hugepages and
# vm.hugetlb_optimize_vmemmap to the values found.

P2M=/sys/kernel/mm/hugepages/hugepages-2048kB
SYSCTL=/proc/sys/vm/hugetlb_optimize_vmemmap

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -d "$P2M" ] || skip "no 2M hugepages"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	ORIG_NR=$(cat "$P2M/nr_hugepages")
	ORIG_HVO=$(cat "$SYSCTL" 2>/dev/null || echo none)
}

teardown() {
	[ -n "${ORIG_NR:-}" ] && echo "$ORIG_NR" >"$P2M/nr_hugepages"
	if [ "${ORIG_HVO:-none}" != none ]; then echo "$ORIG_HVO" >"$SYSCTL"; fi
	[ "$(cat "$P2M/nr_hugepages")" = "$ORIG_NR" ]
}

# wait_frames FILE N: poll until FILE holds N frames (20 s at most).
wait_frames() {
	local i
	for i in $(seq 200); do
		[ "$(grep -c '^hvoplan top - ' "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

row2m() { # row2m FILE FRAME: "pages free" of the 2M pool in frame FRAME (1-based)
	awk -v want="$2" '/^hvoplan top - /{ f++ } f == want && $1 == "2M" && $2 == "-" { print $3, $4; exit }' "$1"
}

@test "live: a pool allocated during -b -d 0.5 -n 4 shows on the next frame" {
	out=$BATS_TEST_TMPDIR/frames
	"$HV" top -b -d 0.5 -n 4 -u bytes --no-processes >"$out" &
	pid=$!
	wait_frames "$out" 1
	frames_before=$(grep -c '^hvoplan top - ' "$out")
	want=$((ORIG_NR + 16))
	echo "$want" >"$P2M/nr_hugepages"
	got=$(cat "$P2M/nr_hugepages")
	[ "$got" -gt "$ORIG_NR" ] || skip "the kernel could not allocate 2M pages"
	wait "$pid"
	[ "$(grep -c '^hvoplan top - ' "$out")" -eq 4 ]
	[ "$(row2m "$out" 1 | cut -d' ' -f1)" = "$ORIG_NR" ]
	# the first frame with the new count comes right after the write (allowing
	# for one frame printed while we wrote) and marks the change
	first=$(awk -v got="$got" '/^hvoplan top - /{ f++ } $1 == "2M" && $2 == "-" && $3 == got { print f; exit }' "$out")
	[ -n "$first" ] && [ "$first" -le $((frames_before + 2)) ]
	line=$(awk -v want="$first" '/^hvoplan top - /{ f++ } f == want && $1 == "2M" && $2 == "-" { print; exit }' "$out")
	[[ $line == *"pages+$((got - ORIG_NR))"* ]]
	# the last frame agrees with report taken right after
	json=$("$HV" report --format json)
	[ "$(row2m "$out" 4)" = "$(jq -r '.hstates[] | select(.name == "2M") | "\(.nr) \(.free)"' <<<"$json")" ]
}

@test "live: with HVO on, savings of a new pool equal report's" {
	[ "$ORIG_HVO" != none ] || skip "no vm.hugetlb_optimize_vmemmap"
	echo 1 >"$SYSCTL" || skip "cannot turn HVO on"
	echo 0 >"$P2M/nr_hugepages"
	echo 32 >"$P2M/nr_hugepages"
	[ "$(cat "$P2M/nr_hugepages")" -gt 0 ] || skip "the kernel could not allocate 2M pages"
	frame=$("$HV" top -b -n 1 -u bytes --no-processes)
	json=$("$HV" report --format json)
	got=$(awk '$1 == "2M" && $2 == "-" { print $3, $8, $9; exit }' <<<"$frame")
	want=$(jq -r '.hstates[] | select(.name == "2M") | "\(.nr) \(.savings_current_bytes // "?") \(.savings_possible_bytes)"' <<<"$json")
	[ "$got" = "$want" ]
	[[ $frame == *"HVO: compiled yes, sysctl 1"* ]]
}
