#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan snapshot of this machine with a real 2M pool allocated under HVO
# (root only): the snapshot's report equals the live one, savings included,
# and the snapshot holds the BTF blob, the kernel config and the kernel log.
# Teardown ALWAYS restores every pool's nr_hugepages (global and per node) and
# vm.hugetlb_optimize_vmemmap to the values found.

SYSCTL=/proc/sys/vm/hugetlb_optimize_vmemmap
P2M=/sys/kernel/mm/hugepages/hugepages-2048kB

pool_files() {
	ls /sys/kernel/mm/hugepages/*/nr_hugepages /sys/devices/system/node/node*/hugepages/*/nr_hugepages 2>/dev/null
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -d "$P2M" ] || skip "no 2M hugepages"
	[ -w "$SYSCTL" ] || skip "no $SYSCTL (HVO not available)"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	T=$BATS_TEST_TMPDIR
	ORIG_HVO=$(cat "$SYSCTL")
	ORIG_POOLS=$T/pools
	for f in $(pool_files); do echo "$f $(cat "$f")"; done >"$ORIG_POOLS"
}

teardown() {
	[ -n "${ORIG_POOLS:-}" ] || return 0
	while read -r f v; do echo "$v" >"$f"; done <"$ORIG_POOLS"
	echo "$ORIG_HVO" >"$SYSCTL"
	while read -r f v; do [ "$(cat "$f")" = "$v" ] || { echo "$f: $(cat "$f") != $v"; return 1; }; done <"$ORIG_POOLS"
	[ "$(cat "$SYSCTL")" = "$ORIG_HVO" ]
}

# Everything but where it was read from and the holders (a snapshot keeps no
# mount trees or processes); THP and the pages/boot_pages split of
# the memmap counters move on their own on a live host (their sum does not).
norm() {
	jq -S 'del(.source, .notes, .kernel.boot_log_source, .kernel.config_source, .totals.thp_bytes, .holders)
		| .memmap.pages_sum = (if .memmap.pages == null then null else .memmap.pages + .memmap.boot_pages end)
		| del(.memmap.pages, .memmap.boot_pages)
		| .findings |= map(if .id == "thp-not-eligible" then {id} else . end)' "$@"
}

report() {
	local rc=0
	"$HV" report --format json "$@" || rc=$?
	[ "$rc" -le 1 ]
}

@test "live: snapshot with 64 x 2M pages under HVO reports the same savings as the live system" {
	orig=$(cat "$P2M/nr_hugepages")
	N=$((orig + 64))
	echo 1 >"$SYSCTL"
	echo "$N" >"$P2M/nr_hugepages"
	[ "$(cat "$P2M/nr_hugepages")" -eq "$N" ] || skip "the kernel could not allocate 64 more 2M pages"
	report >"$T/before.json"
	run "$HV" snapshot -o "$T/snap"
	[ "$status" -eq 0 ]
	report >"$T/after.json"
	report --root "$T/snap" >"$T/snap.json"
	jq -e --argjson n "$N" '.hstates[] | select(.name == "2M") | .nr == $n' "$T/snap.json"
	# the pages allocated now are optimized: savings are there and measured
	[ "$(jq '.hstates[] | select(.name == "2M") | .savings_current_bytes' "$T/snap.json")" -gt 0 ]
	if grep -q '^nr_memmap_pages ' /proc/vmstat; then
		[ "$(jq -r .totals.savings_current_basis "$T/snap.json")" = measured ]
		[ "$(jq .memmap.realized_savings_bytes "$T/snap.json")" -gt 0 ]
	fi
	norm "$T/snap.json" >"$T/a"
	norm "$T/before.json" >"$T/b"
	norm "$T/after.json" >"$T/c"
	cmp -s "$T/a" "$T/b" || diff "$T/a" "$T/c"
}

@test "live: the snapshot holds the BTF blob, the kernel config and the kernel log" {
	run "$HV" snapshot -o "$T/snap"
	[ "$status" -eq 0 ]
	if [ -r /sys/kernel/btf/vmlinux ]; then
		cmp /sys/kernel/btf/vmlinux "$T/snap/sys/kernel/btf/vmlinux"
		[ "$(report --root "$T/snap" | jq -r .kernel.struct_page_size_source)" = btf ]
	fi
	rel=$(uname -r)
	if [ -r /proc/config.gz ]; then
		cmp /proc/config.gz "$T/snap/proc/config.gz"
	elif [ -r "/boot/config-$rel" ]; then
		cmp "/boot/config-$rel" "$T/snap/boot/config-$rel"
	else
		skip "no kernel config on this host"
	fi
	[ "$(report --root "$T/snap" | jq -r .kernel.config_source)" != null ]
	# dmesg.txt in dmesg's format, with the kernel's HugeTLB boot lines when it still has them
	[ -s "$T/snap/dmesg.txt" ]
	grep -qE '^\[ *[0-9]+\.[0-9]{6}\] ' "$T/snap/dmesg.txt"
	if dmesg | grep -q 'HugeTLB: .* vmemmap can be freed'; then
		grep -q 'HugeTLB: .* vmemmap can be freed' "$T/snap/dmesg.txt"
		[ "$(report --root "$T/snap" | jq -r .kernel.boot_log_source)" = "$T/snap/dmesg.txt" ]
	fi
	grep -q "^uname=Linux .* $rel " "$T/snap/hvoplan-snapshot.txt"
}
