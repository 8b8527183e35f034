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
	# the holders this test started, by PID
	for p in ${HOLDERS:-}; do kill "$p" 2>/dev/null || true; done
	for p in ${HOLDERS:-}; do wait "$p" 2>/dev/null || true; done
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

# frames_with FILE PID: the numbers of the frames (1-based) whose process
# list has PID
frames_with() {
	awk -v pid="$2" '/^hvoplan top - /{ f++ } $1 == pid && $NF == "hugeholder" { print f }' "$1" | sort -un
}

@test "live: a process that starts mapping after top saw it shows within --rescan refreshes; one that exits leaves at once" {
	HH=${HUGEHOLDER:-$BATS_TEST_DIRNAME/../../${BUILD:-build}/tests/hugeholder}
	[ -x "$HH" ] || skip "build the tests first (make unit)"
	echo $((ORIG_NR + 4)) >"$P2M/nr_hugepages"
	[ "$(cat "$P2M/free_hugepages")" -ge 2 ] || skip "the kernel could not allocate 2M pages"
	d=$BATS_TEST_TMPDIR
	# one consumer from the start (top is never idle, so no full walk), and
	# one process that top knows before it maps anything (-W: on SIGUSR1)
	"$HH" -r "$d/first.ready" touch 1 &
	first=$!
	"$HH" -W -r "$d/late.ready" touch 1 &
	late=$!
	HOLDERS="$first $late"
	for _ in $(seq 100); do [ -s "$d/first.ready" ] && break; sleep 0.1; done
	[ -s "$d/first.ready" ]
	K=4
	"$HV" top -b -d 0.3 -n 24 --rescan $K -u bytes >"$d/frames" &
	top=$!
	wait_frames "$d/frames" 3
	kill -USR1 "$late"
	for _ in $(seq 100); do [ -s "$d/late.ready" ] && break; sleep 0.05; done
	[ -s "$d/late.ready" ]
	mapped_at=$(grep -c '^hvoplan top - ' "$d/frames")
	wait_frames "$d/frames" $((mapped_at + K + 2))
	kill "$first"
	wait "$first" || true
	gone_at=$(grep -c '^hvoplan top - ' "$d/frames")
	wait "$top"
	HOLDERS=$late
	# the late one: not in the frames before it mapped, then within K
	# refreshes (one more for a frame printed while it mapped)
	shown=$(frames_with "$d/frames" "$late" | head -1)
	[ -n "$shown" ]
	[ "$shown" -gt 3 ]
	[ "$shown" -le $((mapped_at + K + 1)) ]
	# and in every frame after
	[ "$(frames_with "$d/frames" "$late" | wc -l)" -eq $((24 - shown + 1)) ]
	# the first one: in every frame up to its exit, none after the next
	[ "$(frames_with "$d/frames" "$first" | head -1)" -eq 1 ]
	last=$(frames_with "$d/frames" "$first" | tail -1)
	[ "$last" -le $((gone_at + 1)) ]
	[ "$(frames_with "$d/frames" "$first" | wc -l)" -eq "$last" ]
}

@test "live: with more consumers than are read each refresh, every one stays listed and all leave at once when they exit" {
	HH=${HUGEHOLDER:-$BATS_TEST_DIRNAME/../../${BUILD:-build}/tests/hugeholder}
	[ -x "$HH" ] || skip "build the tests first (make unit)"
	echo $((ORIG_NR + 2)) >"$P2M/nr_hugepages"
	[ "$(cat "$P2M/free_hugepages")" -ge 1 ] || skip "the kernel could not allocate 2M pages"
	d=$BATS_TEST_TMPDIR
	# 300 processes sharing one page: more than 64 and than a K-th of the
	# host's processes, so top reads them in turn, not every refresh
	tasks=(/proc/[0-9]*)
	n=$(( ${#tasks[@]} > 300 ? ${#tasks[@]} : 300 ))
	"$HH" -r "$d/share.ready" share 1 "$n" &
	HOLDERS=$!
	for _ in $(seq 300); do [ -s "$d/share.ready" ] && break; sleep 0.1; done
	[ -s "$d/share.ready" ]
	"$HV" top -b -d 0.3 -n 12 --rescan 4 >"$d/frames" &
	top=$!
	wait_frames "$d/frames" 6
	kill "$HOLDERS"
	wait "$HOLDERS" || true
	gone_at=$(grep -c '^hvoplan top - ' "$d/frames")
	wait "$top"
	counts=$(awk '/^hvoplan top - /{ f++ } $NF == "hugeholder" { c[f]++ } END { for (i = 1; i <= f; i++) print i, c[i] + 0 }' "$d/frames")
	# every frame before the exit lists all of them, every one after none
	while read -r f c; do
		if [ "$f" -lt "$gone_at" ]; then
			[ "$c" -eq "$n" ] || { echo "frame $f: $c of $n"; return 1; }
		elif [ "$f" -gt $((gone_at + 1)) ]; then
			[ "$c" -eq 0 ] || { echo "frame $f after the exit: $c"; return 1; }
		fi
	done <<<"$counts"
}
