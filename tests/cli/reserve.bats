#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The free-memory reserve next to the pools (hugeadm --explain's
# min_free_kbytes check, with the kernel's own formula): on every fixture
# of the QEMU bed the recommendation equals the vm.min_free_kbytes the
# kernel set itself (THP is on in Debian's kernels); lowered, it is a
# finding; without pools nothing is read; a bad zone file is an error
# naming it. Any user.

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
	R=$BATS_TEST_TMPDIR/root
	cp -a "$TOPDIR/tests/fixtures/vm/6.12-stale" "$R"
	chmod -R u+w "$R"
}

@test "reserve: the recommendation is what the kernel set, on every fixture with pools" {
	n=0
	for fx in "$TOPDIR"/tests/fixtures/vm/*/; do
		run "$HV" --root "$fx" report --format json
		[ "$status" -eq 0 ] || { echo "$fx: $output"; false; }
		got=$(jq -r '.reserve | if . == null then "none" else "\(.recommended_min_free_kbytes)" end' <<<"$output")
		[ "$got" != none ] || continue
		[ "$got" = "$(cat "$fx/proc/sys/vm/min_free_kbytes")" ] || { echo "$fx: recommended $got"; false; }
		[ "$(jq '[.findings[].id] | index("min-free-kbytes-low")' <<<"$output")" = null ]
		n=$((n + 1))
	done
	[ "$n" -ge 20 ]
}

@test "reserve: a lowered vm.min_free_kbytes is a finding with the figure to set; JSON has both" {
	echo 16384 >"$R/proc/sys/vm/min_free_kbytes"
	run "$HV" --root "$R" report --format json
	[ "$status" -eq 0 ]
	[ "$(jq -c '.reserve | [.min_free_kbytes, .recommended_min_free_kbytes, .populated_low_zones, .pageblock_bytes, .pageblock_source, .recommended_capped]' <<<"$output")" = '[16384,90112,4,2097152,"arch",false]' ]
	[ "$(jq -r '.findings[] | select(.id == "min-free-kbytes-low") | .fix' <<<"$output")" = "sysctl -w vm.min_free_kbytes=90112, and the same line in /etc/sysctl.d/ to keep it" ]
	run "$HV" --root "$R" report --color=never
	[[ $output == *"min-free-kbytes-low: vm.min_free_kbytes is 16384 kB (16M), below the 90112 kB (88M)"* ]]
	# on x86-64 the architecture tells the pageblock: pagetypeinfo (costly
	# to read on a big host) is left alone; elsewhere it is read
	printf 'Page block order: 10\nPages per block:  1024\n' >"$R/proc/pagetypeinfo"
	run "$HV" --root "$R" report --format json
	[ "$(jq -c '.reserve | [.recommended_min_free_kbytes, .pageblock_source]' <<<"$output")" = '[90112,"arch"]' ]
	sed -i 's/ x86_64 GNU/ riscv64 GNU/' "$R/uname.txt"
	run "$HV" --root "$R" report --format json
	[ "$(jq -c '.kernel.arch, (.reserve | [.recommended_min_free_kbytes, .pageblock_source])' <<<"$output" | paste -sd' ')" = '"riscv64" [180224,"pagetypeinfo"]' ]
}

@test "reserve: without pools nothing is read (reserve null, bad zone files do not matter)" {
	for f in "$R"/sys/kernel/mm/hugepages/*/{nr,free}_hugepages "$R"/sys/devices/system/node/node*/hugepages/*/{nr,free}_hugepages; do
		[ -f "$f" ] && echo 0 >"$f"
	done
	echo garbage >"$R/proc/buddyinfo"
	run "$HV" --root "$R" report --format json
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq .reserve <<<"$output")" = null ]
}

@test "reserve: a bad zoneinfo, pagetypeinfo or THP mode is an error naming the file and the value" {
	# the report counts the populated low zones by their present pages
	sed -i '0,/^        present /{/^        present /d}' "$R/proc/zoneinfo"
	run "$HV" --root "$R" report
	[ "$status" -eq 3 ]
	[[ $output == *"proc/zoneinfo: a DMA/DMA32/Normal zone without its present, managed or high line"* ]]
	cp "$TOPDIR/tests/fixtures/vm/6.12-stale/proc/zoneinfo" "$R/proc/zoneinfo"
	# a report no longer reads buddyinfo (the forecast of plan and apply does)
	echo garbage >"$R/proc/buddyinfo"
	run "$HV" --root "$R" report
	[ "$status" -eq 0 ]
	cp "$TOPDIR/tests/fixtures/vm/6.12-stale/proc/buddyinfo" "$R/proc/buddyinfo"
	sed -i 's/ x86_64 GNU/ riscv64 GNU/' "$R/uname.txt"
	printf 'Pages per block: 3\n' >"$R/proc/pagetypeinfo"
	run "$HV" --root "$R" report
	[ "$status" -eq 3 ]
	[[ $output == *"proc/pagetypeinfo: Pages per block: 3 is not a power of two"* ]]
	rm "$R/proc/pagetypeinfo"
	mkdir -p "$R/sys/kernel/mm/transparent_hugepage"
	echo "always madvise never" >"$R/sys/kernel/mm/transparent_hugepage/enabled"
	run "$HV" --root "$R" report
	[ "$status" -eq 3 ]
	[[ $output == *"transparent_hugepage/enabled: 'always madvise never' names no mode in brackets"* ]]
}
