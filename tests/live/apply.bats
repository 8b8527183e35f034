#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan apply on this machine's real pools (root only). Teardown ALWAYS
# restores every pool's nr_hugepages (global and per node) and
# vm.hugetlb_optimize_vmemmap to the values found, and removes the lock file
# if the test created it.

SYSCTL=/proc/sys/vm/hugetlb_optimize_vmemmap
P2M=/sys/kernel/mm/hugepages/hugepages-2048kB

pool_files() {
	ls /sys/kernel/mm/hugepages/*/nr_overcommit_hugepages 2>/dev/null
	ls /sys/kernel/mm/hugepages/*/nr_hugepages /sys/devices/system/node/node*/hugepages/*/nr_hugepages 2>/dev/null
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -d "$P2M" ] || skip "no 2M hugepages"
	[ -w "$SYSCTL" ] || skip "no $SYSCTL (HVO not available)"
	grep -q '^nr_memmap_pages ' /proc/vmstat || skip "kernel without nr_memmap_pages (before 6.11)"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	HH=${HUGEHOLDER:-$BATS_TEST_DIRNAME/../../${BUILD:-build}/tests/hugeholder}
	[ -x "$HH" ] || { echo "$HH missing: build it with 'make unit' (make check does)"; return 1; }
	ORIG_HVO=$(cat "$SYSCTL")
	ORIG_POOLS=$BATS_TEST_TMPDIR/pools
	for f in $(pool_files); do echo "$f $(cat "$f")"; done >"$ORIG_POOLS"
	LOCK_EXISTED=$([ -e /run/hvoplan.lock ] && echo yes || echo no)
}

teardown() {
	[ -n "${ORIG_POOLS:-}" ] || return 0
	# the holders first: pages they use or reserve cannot be given back
	if [ -f "$BATS_TEST_TMPDIR/holders" ]; then
		while read -r pid; do kill "$pid" 2>/dev/null; done <"$BATS_TEST_TMPDIR/holders"
		while read -r pid; do while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done; done <"$BATS_TEST_TMPDIR/holders"
	fi
	# global pools first (shrinks), then per node back to the exact placement
	while read -r f v; do [ "$(cat "$f")" = "$v" ] || echo "$v" >"$f"; done <"$ORIG_POOLS"
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

# ---- apply on a pool that programs use (issue 11) ----
# Each test builds a pool of stale 2M pages (allocated with HVO off), lets
# hugeholder processes take pages from it as real programs do, and checks
# that after apply the persistent pool (nr_hugepages - surplus_hugepages)
# is where it started and that the memmap counters fell by exactly the
# vmemmap of the pages hvoplan says it re-optimized.

hp() { cat "$P2M/$1"; }
persistent() { echo $(($(hp nr_hugepages) - $(hp surplus_hugepages))); }

# stale_pool N: a 2M pool of N pages allocated while HVO was off, HVO on now
stale_pool() {
	[ "$(hp nr_hugepages)" -eq 0 ] || skip "2M pool in use on this host"
	echo 0 >"$SYSCTL"
	echo "$1" >"$P2M/nr_hugepages"
	[ "$(hp nr_hugepages)" -eq "$1" ] || skip "the kernel could not allocate $1 2M pages"
	echo 1 >"$SYSCTL"
}

# vmemmap pages HVO frees per 2M page on this host (7 with 4K pages and a
# 64-byte struct page)
per_page() {
	"$HV" report --format json | jq "(.hstates[] | select(.name == \"2M\") | .optimizable_bytes_per_page) / $(getconf PAGESIZE)"
}

unoptimized() { "$HV" report --format json | jq '.hstates[] | select(.name == "2M") | .unoptimized_pages'; }

# holder NAME ARGS...: hugeholder in the background, back once it holds
# its pages; its pid in ${NAME}_pid, killed by teardown
holder() {
	local name=$1 pid
	shift
	"$HH" -r "$BATS_TEST_TMPDIR/$name.ready" "$@" >"$BATS_TEST_TMPDIR/$name.log" 2>&1 3>&- &
	pid=$!
	echo "$pid" >>"$BATS_TEST_TMPDIR/holders"
	printf -v "${name}_pid" %s "$pid"
	for _ in $(seq 200); do
		[ -e "$BATS_TEST_TMPDIR/$name.ready" ] && return 0
		kill -0 "$pid" 2>/dev/null || { echo "hugeholder $*: $(cat "$BATS_TEST_TMPDIR/$name.log")"; return 1; }
		sleep 0.05
	done
	echo "hugeholder $*: not ready after 10 s"
	return 1
}

stop_holder() {
	kill "$1"
	while kill -0 "$1" 2>/dev/null; do sleep 0.05; done
}

# the pages apply says it re-optimized (success or failure message)
reoptimized() { grep -oE '[0-9]+ pages (released and allocated again|were re-optimized)' <<<"$output" | awk '{ s += $1 } END { print s + 0 }'; }

@test "live: --reoptimize keeps pages reserved by an untouched MAP_HUGETLB mapping (issue 11 reproducer)" {
	stale_pool 512
	holder r reserve 100
	[ "$(hp resv_hugepages)" -eq 100 ]
	per=$(per_page)
	before=$(memmap)
	run "$HV" apply --reoptimize
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"release 412 of its 512 free pages"* ]]
	[[ $output == *"100 un-optimized pages cannot be re-optimized now"*"100 reserved"* ]]
	run "$HV" apply --reoptimize --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"412 pages released and allocated again"* ]]
	[[ $output == *"100 un-optimized pages cannot be re-optimized now"* ]]
	[ "$(persistent)" -eq 512 ]
	[ "$(hp surplus_hugepages)" -eq 0 ]
	[ "$(hp resv_hugepages)" -eq 100 ]
	echo "memmap $before -> $(memmap)"
	[ $((before - $(memmap))) -eq $((412 * per)) ]
	# the pool outlives its user
	stop_holder "$r_pid"
	[ "$(hp nr_hugepages)" -eq 512 ]
	[ "$(unoptimized)" -eq 100 ]
}

@test "live: --reoptimize with overcommit: surplus pages and a reservation beyond the pool stay, the pool stays persistent" {
	stale_pool 100
	echo 50 >"$P2M/nr_overcommit_hugepages"
	holder r reserve 140
	[ "$(hp surplus_hugepages)" -eq 40 ]
	[ "$(hp resv_hugepages)" -eq 140 ]
	before=$(memmap)
	run "$HV" apply --reoptimize --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"100 un-optimized pages cannot be re-optimized now"* ]]
	[ "$(persistent)" -eq 100 ]
	[ "$(hp surplus_hugepages)" -eq 40 ]
	[ "$(memmap)" -eq "$before" ]
	stop_holder "$r_pid"
	[ "$(hp nr_hugepages)" -eq 100 ]
	[ "$(hp surplus_hugepages)" -eq 0 ]
}

@test "live: --reoptimize with pages in use: the free ones now, the rest once freed" {
	stale_pool 256
	holder u touch 100
	[ "$(hp free_hugepages)" -eq 156 ]
	per=$(per_page)
	before=$(memmap)
	run "$HV" apply --reoptimize
	[ "$status" -eq 0 ]
	[[ $output == *"release its 156 free pages"* ]]
	[[ $output == *"100 un-optimized pages cannot be re-optimized now"*"100 in use"* ]]
	run "$HV" apply --reoptimize --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"156 pages released and allocated again"* ]]
	[ "$(persistent)" -eq 256 ]
	[ $((before - $(memmap))) -eq $((156 * per)) ]
	[ "$(unoptimized)" -eq 100 ]
	stop_holder "$u_pid"
	run "$HV" apply --reoptimize --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"256 pages released and allocated again"* ]]
	[ "$(persistent)" -eq 256 ]
	[ $((before - $(memmap))) -eq $((256 * per)) ]
	[ "$(unoptimized)" -eq 0 ]
}

@test "live: --reoptimize with a hugetlb memfd shared by two processes" {
	stale_pool 128
	# 64 pages: 48 written by one process and read through a second mapping
	# by its child, 16 reserved by the shared mapping and not touched
	holder m memfd 64 48
	[ -n "$(pgrep -P "$m_pid")" ]
	[ "$(hp free_hugepages)" -eq 80 ]
	[ "$(hp resv_hugepages)" -eq 16 ]
	per=$(per_page)
	before=$(memmap)
	run "$HV" apply --reoptimize --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"64 pages released and allocated again"* ]]
	[[ $output == *"64 un-optimized pages cannot be re-optimized now"* ]]
	[ "$(persistent)" -eq 128 ]
	[ "$(hp resv_hugepages)" -eq 16 ]
	[ $((before - $(memmap))) -eq $((64 * per)) ]
	kill -0 "$m_pid"
	[ -n "$(pgrep -P "$m_pid")" ]
}

@test "live: a process allocating hugepages while --reoptimize runs: the pool comes back whole" {
	stale_pool 512
	per=$(per_page)
	before=$(memmap)
	holder g -d 300 grow 300
	run "$HV" apply --reoptimize --yes --batch 4
	echo "$output"
	# either it got through, or the kernel stopped releasing and it grew the
	# pool back and said so (exit 4); never a smaller pool
	[ "$status" -eq 0 ] || { [ "$status" -eq 4 ] && [[ $output == *"grown back to 512"* ]]; }
	[ "$(persistent)" -eq 512 ]
	[ "$(hp surplus_hugepages)" -eq 0 ]
	n=$(reoptimized)
	echo "re-optimized $n, memmap $before -> $(memmap)"
	[ "$n" -gt 0 ]
	[ $((before - $(memmap))) -eq $((n * per)) ]
	# the holder gets all its pages once the pool is back
	for _ in $(seq 200); do grep -q '^held 300 ' "$BATS_TEST_TMPDIR/g.log" && break; sleep 0.05; done
	cat "$BATS_TEST_TMPDIR/g.log"
	grep -q '^held 300 ' "$BATS_TEST_TMPDIR/g.log"
}

@test "live: a pool write that fails while growing back: the pool is grown back by the rollback, exit 4" {
	stale_pool 64
	SHIM=$("$BATS_TEST_DIRNAME/../fault/build.sh" "$BATS_TEST_TMPDIR/shim")
	PRELOAD=$(ldd "$HV" 2>/dev/null | awk '/lib(a|ub)san\.so/ {printf "%s ", $3}')$SHIM
	per=$(per_page)
	before=$(memmap)
	# write 1 releases the 64 pages, write 2 (growing back) fails
	HV_FAULT_OP=write HV_FAULT_AT=2 HV_FAULT_ROOT=/sys LD_PRELOAD=$PRELOAD run "$HV" apply --reoptimize --yes --batch 64
	echo "$output"
	[ "$status" -eq 4 ]
	[[ $output == *"nr_hugepages: writing 64 failed"* ]]
	[[ $output == *"every change was rolled back"* ]]
	[ "$(persistent)" -eq 64 ]
	# the rollback allocated them with HVO on
	[ $((before - $(memmap))) -eq $((64 * per)) ]
}

@test "live: --pages sets the persistent count: surplus pages in use are reported, a re-run is a no-op" {
	[ "$(hp nr_hugepages)" -eq 0 ] || skip "2M pool in use on this host"
	echo 1 >"$SYSCTL"
	echo 100 >"$P2M/nr_hugepages"
	[ "$(hp nr_hugepages)" -eq 100 ] || skip "the kernel could not allocate 100 2M pages"
	holder u touch 100
	run "$HV" apply --pages 2M:50 --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"100 -> 50"* ]]
	[[ $output == *"asked for 50, the kernel set 50 persistent + 50 surplus"* ]]
	[ "$(persistent)" -eq 50 ]
	[ "$(hp surplus_hugepages)" -eq 50 ]
	run "$HV" apply --pages 2M:50 --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"nothing to do"* ]]
	stop_holder "$u_pid"
	[ "$(hp nr_hugepages)" -eq 50 ]
}

@test "live: --pages with HVO off, --persist without hugetlb_free_vmemmap=on: says the new pages will not be optimized" {
	orig=$(hp nr_hugepages)
	echo 0 >"$SYSCTL"
	run "$HV" apply --pages "2M:$((orig + 8))"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"8 new 2M pages will not be optimized"*"--hvo on"* ]]
	run "$HV" apply --hvo on --pages "2M:$((orig + 8))"
	[ "$status" -eq 0 ]
	[[ $output != *"will not be optimized"* ]]
	# the next boot: only hugetlb_free_vmemmap=on (or a kernel built with HVO on by default) optimizes boot pools
	[ "$("$HV" report --format json | jq .hvo.at_boot)" = false ] || return 0
	run "$HV" apply --pages "2M:$((orig + 8))" --persist --bootloader manual
	[ "$status" -eq 0 ]
	[[ $output == *"boot pools (2M:$((orig + 8))) will not be optimized at boot"* ]]
	run "$HV" apply --hvo on --pages "2M:$((orig + 8))" --persist --bootloader manual
	[ "$status" -eq 0 ]
	[[ $output != *"will not be optimized"* ]]
}

@test "live: the --reoptimize progress bar counts pages, not writes" {
	stale_pool 64
	# a terminal on stderr: the bar is drawn only there
	run script -qec "$HV apply --reoptimize --yes --batch 16" /dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	# 4 writes down, 4 up: 16 pages a step out of 128
	for n in 16 32 48 64 80 96 112 128; do [[ $output == *" $n/128 pages"* ]]; done
	[ "$(persistent)" -eq 64 ]
}

@test "live: --reoptimize of 1G pages: released, allocated again, memmap drops by the promised pages" {
	P1G=/sys/kernel/mm/hugepages/hugepages-1048576kB
	[ -d "$P1G" ] || skip "no 1G hugepages"
	[ "$(cat "$P1G/nr_hugepages")" -eq 0 ] || skip "1G pool in use on this host"
	echo 0 >"$SYSCTL"
	echo 2 >"$P1G/nr_hugepages"
	[ "$(cat "$P1G/nr_hugepages")" -eq 2 ] || skip "the kernel could not allocate 2 1G pages"
	echo 1 >"$SYSCTL"
	run "$HV" apply --reoptimize
	[ "$status" -eq 0 ]
	[[ $output == *"may not be able to allocate them again"* ]]
	promised=$(grep -oE '1G on node 0: .* saves [0-9]+ vmemmap pages' <<<"$output" | grep -oE '[0-9]+ vmemmap' | cut -d' ' -f1)
	[ -n "$promised" ]
	before=$(memmap)
	run "$HV" apply --reoptimize --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"2 pages released and allocated again"* ]]
	[ "$(cat "$P1G/nr_hugepages")" -eq 2 ]
	echo "memmap $before -> $(memmap), promised $promised"
	[ $((before - $(memmap))) -eq "$promised" ]
}

@test "live: apply --overcommit lets a program take surplus pages beyond an empty pool; a lower limit leaves them in use" {
	[ "$(hp nr_hugepages)" -eq 0 ] || skip "2M pool in use on this host"
	[ "$(hp nr_overcommit_hugepages)" -eq 0 ] || skip "2M overcommit limit set on this host"
	run "$HV" apply --overcommit 2M:64M --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"set 2M overcommit limit 0 -> 32 pages"*": done"* ]]
	[ "$(hp nr_overcommit_hugepages)" -eq 32 ]
	holder t touch 20
	[ "$(hp surplus_hugepages)" -eq 20 ]
	[ "$(persistent)" -eq 0 ]
	run "$HV" apply --overcommit 2M:-24 --yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"20 surplus pages are in use, more than the new limit of 8"* ]]
	[ "$(hp nr_overcommit_hugepages)" -eq 8 ]
	[ "$(hp surplus_hugepages)" -eq 20 ]
	# the kernel makes no new surplus page above the limit
	! holder u touch 1 || false
	stop_holder "$t_pid"
	[ "$(hp surplus_hugepages)" -eq 0 ]
	[ "$(hp nr_hugepages)" -eq 0 ]
}

@test "live: a 1G overcommit limit the kernel refuses rolls back the 2M one written before it, and says why" {
	P1G=/sys/kernel/mm/hugepages/hugepages-1048576kB
	[ -d "$P1G" ] || skip "no 1G hugepages"
	[ "$(hp nr_overcommit_hugepages)" -eq 0 ] || skip "2M overcommit limit set on this host"
	run "$HV" apply --overcommit 2M:4,1G:1
	[[ $output == *"1G pages are gigantic"* ]]
	run "$HV" apply --overcommit 2M:4,1G:1 --yes
	echo "$output"
	if [ "$status" -eq 0 ]; then # a kernel that overcommits gigantic pages
		[ "$(cat "$P1G/nr_overcommit_hugepages")" -eq 1 ]
		[ "$(hp nr_overcommit_hugepages)" -eq 4 ]
		return 0
	fi
	[ "$status" -eq 4 ]
	[[ $output == *"hugepages-1048576kB/nr_overcommit_hugepages: writing 1 failed: Invalid argument (this kernel refuses an overcommit limit for gigantic pages); every change was rolled back"* ]]
	[ "$(hp nr_overcommit_hugepages)" -eq 0 ]
	[ "$(cat "$P1G/nr_overcommit_hugepages")" -eq 0 ]
}
