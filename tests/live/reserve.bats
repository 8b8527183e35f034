#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The reserve check against the running kernel: with a 2M pool, lower
# vm.min_free_kbytes, let `hvoplan report` say what the kernel would set,
# then make the kernel set it (writing THP's mode again runs
# set_recommended_min_free_kbytes()) and compare. Root; the pool,
# min_free_kbytes and the THP mode are restored to what the test found.

P2M=/sys/kernel/mm/hugepages/hugepages-2048kB
MINFREE=/proc/sys/vm/min_free_kbytes
THP=/sys/kernel/mm/transparent_hugepage/enabled

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -d "$P2M" ] && [ -w "$MINFREE" ] && [ -w "$THP" ] || skip "no 2M pool, min_free_kbytes or THP here"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	exec 9>/run/lock/hvoplan-live-tests.lock
	flock -w 300 9
	ORIG_POOL=$(cat "$P2M/nr_hugepages")
	ORIG_MINFREE=$(cat "$MINFREE")
	ORIG_THP=$(sed 's/.*\[\(.*\)\].*/\1/' "$THP")
}

teardown() {
	[ -n "${ORIG_POOL:-}" ] || return 0
	[ "$(sed 's/.*\[\(.*\)\].*/\1/' "$THP")" = "$ORIG_THP" ] || echo "$ORIG_THP" >"$THP"
	echo "$ORIG_MINFREE" >"$MINFREE"
	echo "$ORIG_POOL" >"$P2M/nr_hugepages"
	[ "$(cat "$MINFREE")" = "$ORIG_MINFREE" ] && [ "$(cat "$P2M/nr_hugepages")" = "$ORIG_POOL" ]
}

@test "live reserve: the kernel sets vm.min_free_kbytes to exactly the figure the report recommends" {
	[ "$ORIG_THP" != never ] || skip "THP is never: the kernel keeps no recommendation"
	[ "$ORIG_POOL" -gt 0 ] || echo 4 >"$P2M/nr_hugepages"
	[ "$(cat "$P2M/nr_hugepages")" -gt 0 ] || skip "no 2M page could be allocated"
	run "$HV" report --format json
	[ "$status" -le 1 ]
	want=$(jq .reserve.recommended_min_free_kbytes <<<"$output")
	[ "$(jq -r .reserve.thp_enabled <<<"$output")" = "$ORIG_THP" ]
	[ "$want" -gt 0 ]
	low=$((want / 4))
	echo "$low" >"$MINFREE"
	run "$HV" report --format json
	[ "$(jq .reserve.min_free_kbytes <<<"$output")" -eq "$low" ]
	[ "$(jq -r '.findings[] | select(.id == "min-free-kbytes-low") | .fix' <<<"$output")" = \
		"sysctl -w vm.min_free_kbytes=$want, and the same line in /etc/sysctl.d/ to keep it" ]
	# the kernel's own computation, run again
	echo "$ORIG_THP" >"$THP"
	echo "kernel: $(cat "$MINFREE"), report: $want"
	[ "$(cat "$MINFREE")" -eq "$want" ]
	run "$HV" report --format json
	[ "$(jq '[.findings[].id] | index("min-free-kbytes-low")' <<<"$output")" = null ]
}
