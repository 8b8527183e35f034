#!/usr/bin/env bats
# hvoplan apply on this machine's real pools (root only). Teardown ALWAYS
# restores every pool's nr_hugepages (global and per node) and
# vm.hugetlb_optimize_vmemmap to the values found, and removes the lock file
# if the test created it.

SYSCTL=/proc/sys/vm/hugetlb_optimize_vmemmap
P2M=/sys/kernel/mm/hugepages/hugepages-2048kB

pool_files() {
	ls /sys/kernel/mm/hugepages/*/nr_hugepages /sys/devices/system/node/node*/hugepages/*/nr_hugepages 2>/dev/null
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -d "$P2M" ] || skip "no 2M hugepages"
	[ -w "$SYSCTL" ] || skip "no $SYSCTL (HVO not available)"
	grep -q '^nr_memmap_pages ' /proc/vmstat || skip "kernel without nr_memmap_pages (before 6.11)"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	ORIG_HVO=$(cat "$SYSCTL")
	ORIG_POOLS=$BATS_TEST_TMPDIR/pools
	for f in $(pool_files); do echo "$f $(cat "$f")"; done >"$ORIG_POOLS"
	LOCK_EXISTED=$([ -e /run/hvoplan.lock ] && echo yes || echo no)
}

teardown() {
	[ -n "${ORIG_POOLS:-}" ] || return 0
	# global pools first (shrinks), then per node back to the exact placement
	while read -r f v; do echo "$v" >"$f"; done <"$ORIG_POOLS"
	echo "$ORIG_HVO" >"$SYSCTL"
	[ "$LOCK_EXISTED" = yes ] || rm -f /run/hvoplan.lock
	while read -r f v; do [ "$(cat "$f")" = "$v" ] || { echo "$f: $(cat "$f") != $v"; return 1; }; done <"$ORIG_POOLS"
	[ "$(cat "$SYSCTL")" = "$ORIG_HVO" ]
}

memmap() { awk '$1 == "nr_memmap_pages" || $1 == "nr_memmap_boot_pages" { s += $2 } END { print s }' /proc/vmstat; }

@test "live: apply --reoptimize --yes turns stale 2M pages into optimized ones (memmap drops by N*7)" {
	orig=$(cat "$P2M/nr_hugepages")
	[ "$orig" -eq 0 ] || skip "2M pool in use on this host"
	N=64
	echo 0 >"$SYSCTL"
	echo "$N" >"$P2M/nr_hugepages"
	[ "$(cat "$P2M/nr_hugepages")" -eq "$N" ] || skip "the kernel could not allocate $N 2M pages"
	echo 1 >"$SYSCTL"
	run "$HV" report --format json
	[ "$(jq '.hstates[] | select(.name == "2M") | .unoptimized_pages' <<<"$output")" -eq "$N" ]
	before=$(memmap)
	# the dry run changes nothing
	run "$HV" apply --reoptimize
	[ "$status" -eq 0 ]
	[[ $output == *"re-optimize 2M"*"release its $N free pages"* ]]
	[ "$(memmap)" -eq "$before" ]
	run "$HV" apply --reoptimize --yes
	[ "$status" -eq 0 ]
	[[ $output == *"$N pages released and allocated again"* ]]
	after=$(memmap)
	echo "memmap $before -> $after"
	[ "$((before - after))" -eq $((N * 7)) ]
	[ "$(cat "$P2M/nr_hugepages")" -eq "$N" ]
	run "$HV" report --format json
	[ "$(jq '.hstates[] | select(.name == "2M") | .unoptimized_pages' <<<"$output")" -eq 0 ]
	# and again: nothing stale, nothing to do
	run "$HV" apply --reoptimize --yes
	[ "$status" -eq 0 ]
	[[ $output == *"nothing to do"* ]]
}

@test "live: runtime apply sets the sysctl and a pool, reads them back, and a re-run is a no-op" {
	orig=$(cat "$P2M/nr_hugepages")
	want=$((orig + 8))
	run "$HV" apply --hvo on --pages "2M:$want" --yes
	[ "$status" -eq 0 ]
	[ "$(cat "$SYSCTL")" = 1 ]
	[ "$(cat "$P2M/nr_hugepages")" -eq "$want" ] || skip "the kernel gave fewer pages"
	run "$HV" apply --hvo on --pages "2M:$want" --yes
	[ "$status" -eq 0 ]
	[[ $output == *"nothing to do"* ]]
}
