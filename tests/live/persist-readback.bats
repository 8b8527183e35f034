#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# What `apply --persist` writes to sysctl.d and tmpfiles.d, read back by
# the tools that consume it at boot: systemd-sysctl (systemd-sysctl.service),
# procps `sysctl -p` (non-systemd boots) and systemd-tmpfiles
# (systemd-tmpfiles-setup.service). Each applies the written file to the
# live kernel, which must then hold the value apply meant. Root; the HVO
# sysctl and the overcommit limits are restored to what the test found.

SYSCTL=/proc/sys/vm/hugetlb_optimize_vmemmap

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -w "$SYSCTL" ] || skip "no vm.hugetlb_optimize_vmemmap"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	exec 9>/run/lock/hvoplan-live-tests.lock
	flock -w 300 9
	ORIG_HVO=$(cat "$SYSCTL")
	ORIG_OC=$BATS_TEST_TMPDIR/overcommit
	for f in /sys/kernel/mm/hugepages/*/nr_overcommit_hugepages; do echo "$f $(cat "$f")"; done >"$ORIG_OC"
	R=$BATS_TEST_TMPDIR/root
	cp -a "$BATS_TEST_DIRNAME/../fixtures/vm/6.12-stale" "$R"
	chmod -R u+w "$R"
}

teardown() {
	[ -n "${ORIG_HVO:-}" ] && echo "$ORIG_HVO" >"$SYSCTL"
	# only what changed: a gigantic size refuses every write, even of its value
	[ -f "${ORIG_OC:-}" ] && while read -r f v; do [ "$(cat "$f")" = "$v" ] || echo "$v" >"$f"; done <"$ORIG_OC"
	[ -f "${ORIG_OC:-}" ] && while read -r f v; do [ "$(cat "$f")" = "$v" ] || return 1; done <"$ORIG_OC"
	[ "$(cat "$SYSCTL")" = "${ORIG_HVO:-}" ]
}

persisted() { # persisted on|off: the sysctl.d file apply --persist writes
	run "$HV" --root "$R" apply --hvo "$1" --persist --bootloader manual --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	F=$R/etc/sysctl.d/90-hvoplan.conf
	[ -f "$F" ]
}

@test "persist read-back: systemd-sysctl applies the written file as apply meant it" {
	tool=$(command -v systemd-sysctl || ls /lib/systemd/systemd-sysctl 2>/dev/null) || skip "no systemd-sysctl"
	for want in on off; do
		persisted "$want"
		# the opposite first, so the file must change it
		[ "$want" = on ] && echo 0 >"$SYSCTL" || echo 1 >"$SYSCTL"
		run "$tool" "$F"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		[ "$(cat "$SYSCTL")" = "$([ "$want" = on ] && echo 1 || echo 0)" ]
	done
}

@test "persist read-back: procps sysctl -p applies the written file as apply meant it" {
	command -v sysctl >/dev/null || skip "no procps sysctl"
	for want in on off; do
		persisted "$want"
		[ "$want" = on ] && echo 0 >"$SYSCTL" || echo 1 >"$SYSCTL"
		run sysctl -p "$F"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		[[ $output == "vm.hugetlb_optimize_vmemmap = $([ "$want" = on ] && echo 1 || echo 0)" ]]
		[ "$(cat "$SYSCTL")" = "$([ "$want" = on ] && echo 1 || echo 0)" ]
	done
}

@test "persist read-back: systemd-tmpfiles writes the overcommit limit as apply meant it, and keeps a size not named" {
	command -v systemd-tmpfiles >/dev/null || skip "no systemd-tmpfiles"
	P2M=/sys/kernel/mm/hugepages/hugepages-2048kB
	[ -d "$P2M" ] || skip "no 2M hugepages"
	F=$R/etc/tmpfiles.d/90-hvoplan.conf
	run "$HV" --root "$R" apply --overcommit 2M:24M,1G:3 --persist --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run "$HV" --root "$R" apply --overcommit 2M:+5 --persist --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cat "$F"
	grep -qx 'w /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_overcommit_hugepages - - - - 3' "$F"
	# a limit of 0 takes its line out (and 6.18 refuses any write for 1G)
	run "$HV" --root "$R" apply --overcommit 1G:0 --persist --yes
	[ "$status" -eq 0 ]
	! grep -q 1048576kB "$F" || false
	# another value first, so the file must change it
	echo 1 >"$P2M/nr_overcommit_hugepages"
	run systemd-tmpfiles --create "$F"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$P2M/nr_overcommit_hugepages")" = 17 ]
	# the last line takes the file
	run "$HV" --root "$R" apply --overcommit 2M:0 --persist --yes
	[ "$status" -eq 0 ]
	[ ! -e "$F" ]
}
