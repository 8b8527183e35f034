#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan report against the real kernel (root, hugetlbfs): the figures must
# equal what the kernel itself does. Each test restores every pool and the
# HVO sysctl to what it found.

HP=/sys/kernel/mm/hugepages
SYSCTL=/proc/sys/vm/hugetlb_optimize_vmemmap

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -d "$HP/hugepages-2048kB" ] || skip "no 2M hugepages"
	[ -w "$SYSCTL" ] || skip "no vm.hugetlb_optimize_vmemmap (HVO not built or not optimizable)"
	grep -q '^nr_memmap_pages ' /proc/vmstat || skip "kernel before 6.11: no memmap counters"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	# Other test files may allocate pages too: one at a time.
	exec 9>/run/lock/hvoplan-live-tests.lock
	flock -w 300 9
	ORIG_HVO=$(cat "$SYSCTL")
	ORIG_POOLS=()
	for d in "$HP"/hugepages-*; do ORIG_POOLS+=("$d:$(cat "$d/nr_hugepages")"); done
	GIG=0
	[ -d "$HP/hugepages-1048576kB" ] && GIG=1
}

teardown() {
	local e
	for e in "${ORIG_POOLS[@]}"; do echo "${e#*:}" >"${e%%:*}/nr_hugepages"; done
	[ -n "${ORIG_HVO:-}" ] && echo "$ORIG_HVO" >"$SYSCTL"
	for e in "${ORIG_POOLS[@]}"; do [ "$(cat "${e%%:*}/nr_hugepages")" = "${e#*:}" ]; done
}

memmap() { awk '/^nr_memmap_pages |^nr_memmap_boot_pages /{ t += $2 } END { print t }' /proc/vmstat; }

set_pool() { # set_pool SIZEkB COUNT: exactly COUNT or the test is skipped
	echo "$2" >"$HP/hugepages-$1/nr_hugepages"
	local got
	got=$(cat "$HP/hugepages-$1/nr_hugepages")
	[ "$got" = "$2" ] || skip "kernel gave $got of $2 pages of $1 (memory fragmented)"
}

json() { "$HV" report --format json | jq -r "$1"; }

@test "live: per-page optimizable sizes equal the boot log's lines" {
	dmesg >/dev/null 2>&1 || skip "kernel log not readable"
	while read -r kib size unit; do
		case $unit in MiB) kb=$((${size%.*} * 1024)) ;; GiB) kb=$((${size%.*} * 1024 * 1024)) ;; *) continue ;; esac
		got=$(json ".hstates[] | select(.size == $((kb * 1024))) | .optimizable_bytes_per_page")
		[ "$got" = "$((kib * 1024))" ] || { echo "$size $unit: boot log $kib KiB, report $got"; false; }
		[ "$(json ".hstates[] | select(.size == $((kb * 1024))) | .optimizable_source")" = boot_log ]
	done < <(dmesg | sed -n 's/.*HugeTLB: \([0-9]*\) KiB vmemmap can be freed for a \([0-9.]*\) \([MG]iB\) page.*/\1 \2 \3/p')
}

@test "live: current savings equal the drop of the memmap counters, to the page" {
	for d in "$HP"/hugepages-*; do echo 0 >"$d/nr_hugepages"; done
	echo 1 >"$SYSCTL"
	before=$(memmap)
	set_pool 2048kB 512
	[ "$GIG" = 1 ] && set_pool 1048576kB 2
	after=$(memmap)
	drop=$(((before - after) * 4096))
	[ "$drop" -gt 0 ]
	run "$HV" report --format json
	[ "$status" -eq 0 ]
	saved=$(jq -r .totals.savings_current_bytes <<<"$output")
	[ "$saved" = "$drop" ] || { echo "counters dropped $drop bytes, report says $saved"; false; }
	[ "$(jq -r .memmap.realized_savings_bytes <<<"$output")" = "$drop" ]
	[ "$(jq -r .totals.savings_current_basis <<<"$output")" = measured ]
	[ "$(jq -r '.hstates[] | select(.name == "2M") | .savings_current_bytes' <<<"$output")" = $((512 * 28672)) ]
	[ "$(jq -r '.hstates[] | select(.name == "2M") | .unoptimized_pages' <<<"$output")" = 0 ]
	[ "$(jq -r .totals.unoptimized_bytes <<<"$output")" = 0 ]
	if [ "$GIG" = 1 ]; then
		[ "$(jq -r '.hstates[] | select(.name == "1G") | .savings_current_bytes' <<<"$output")" = $((2 * 16380 * 1024)) ]
		[ "$drop" = $(((512 * 7 + 2 * 4095) * 4096)) ]
	fi
	# the sum over optimized pages, exactly
	[ "$saved" = "$(jq -r .totals.savings_possible_bytes <<<"$output")" ]
}

@test "live: pages allocated while HVO was off are counted as stale" {
	for d in "$HP"/hugepages-*; do echo 0 >"$d/nr_hugepages"; done
	echo 0 >"$SYSCTL"
	set_pool 2048kB 100
	echo 1 >"$SYSCTL"
	set_pool 2048kB 300
	[ "$GIG" = 1 ] && set_pool 1048576kB 1
	run "$HV" report --format json --fail-on warning
	[ "$status" -eq 1 ] # the stale-pages warning
	[ "$(jq -r '.hstates[] | select(.name == "2M") | .unoptimized_pages' <<<"$output")" = 100 ]
	[ "$(jq -r '.hstates[] | select(.name == "2M") | .savings_current_bytes' <<<"$output")" = $((200 * 28672)) ]
	[ "$(jq -r .totals.unoptimized_bytes <<<"$output")" = $((100 * 28672)) ]
	[ "$(jq -r '[.findings[].id] | index("stale-pages") != null' <<<"$output")" = true ]
	if [ "$GIG" = 1 ]; then
		[ "$(jq -r '.hstates[] | select(.name == "1G") | .unoptimized_pages' <<<"$output")" = 0 ]
	fi
	run "$HV" report --color=never
	[[ $output == *"100 hugepages (100 x 2M) were allocated while HVO was off"* ]]
}

@test "live: a snapshot of this machine gives the same report" {
	echo 1 >"$SYSCTL"
	set_pool 2048kB 64
	# Transparent hugepages come and go between two reads of a live system;
	# who holds the pages is read live only (no mounts or processes in a snapshot).
	VOLATILE='del(.source, .kernel.config_source, .kernel.boot_log_source, .notes, .totals.thp_bytes, .holders)
		| .findings |= map(select(.id != "thp-not-eligible"))'
	snap=$BATS_TEST_TMPDIR/snap
	"$HV" snapshot -o "$snap"
	live=$("$HV" report --format json | jq -S "$VOLATILE")
	off=$("$HV" report --format json --root "$snap" | jq -S "$VOLATILE")
	[ "$live" = "$off" ] || { diff <(echo "$live") <(echo "$off"); false; }
	[ "$(jq -r .kernel.struct_page_size_source <<<"$off")" = btf ]
	[ "$(jq -r .kernel.page_size_source <<<"$off")" = live ]
}

@test "live: a report while hugepages are being freed waits for the counters, or says so" {
	for d in "$HP"/hugepages-*; do echo 0 >"$d/nr_hugepages"; done
	echo 1 >"$SYSCTL"
	set_pool 2048kB 4096
	# the shrink removes pages from the pool first and restores their
	# vmemmap after: a reading in between shows more freed than the pools hold
	(echo 0 >"$HP/hugepages-2048kB/nr_hugepages") &
	shrink=$!
	bad=0 n=0
	while kill -0 "$shrink" 2>/dev/null && [ "$n" -lt 50 ]; do
		out=$("$HV" report --format json)
		n=$((n + 1))
		if jq -e '.findings[] | select(.id == "counters-unexplained") | select(.message | test("being freed right now") | not)' <<<"$out" >/dev/null; then
			bad=$((bad + 1))
			echo "report $n: $(jq -c '.findings[] | select(.id == "counters-unexplained")' <<<"$out")"
		fi
	done
	wait "$shrink"
	echo "$n reports during the shrink"
	[ "$bad" -eq 0 ]
	# settled: the counters are back at the baseline
	[ "$(json '.memmap.realized_savings_bytes')" = 0 ]
}

# Every note names what it is about: a probe step that succeeded must not
# add one (the uname(2) release once added "(null)" to every live report).
@test "live: a report on a host where every file is readable has no note, in any command" {
	set_pool 2048kB 2
	run "$HV" report -J
	[ "$status" -eq 0 ]
	[ "$(jq '.notes | length' <<<"$output")" -eq 0 ] || { jq .notes <<<"$output"; false; }
	run "$HV" report
	[ "$status" -eq 0 ]
	! grep -q '(null)\|^Notes:' <<<"$output" || { echo "$output"; false; }
	run "$HV" plan --from-host --pool 2M:4
	[ "$status" -eq 0 ]
	! grep -q '(null)' <<<"$output" || { echo "$output"; false; }
	run "$HV" apply --pages 2M:2
	! grep -q '(null)' <<<"$output" || { echo "$output"; false; }
}
