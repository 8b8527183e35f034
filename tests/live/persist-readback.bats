#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# What `apply --persist` writes to sysctl.d, read back by the tools that
# consume it at boot: systemd-sysctl (systemd-sysctl.service) and procps
# `sysctl -p` (non-systemd boots). Each applies the written file to the
# live kernel, which must then hold the value apply meant. Root; the HVO
# sysctl is restored to what the test found.

SYSCTL=/proc/sys/vm/hugetlb_optimize_vmemmap

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -w "$SYSCTL" ] || skip "no vm.hugetlb_optimize_vmemmap"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	exec 9>/run/lock/hvoplan-live-tests.lock
	flock -w 300 9
	ORIG_HVO=$(cat "$SYSCTL")
	R=$BATS_TEST_TMPDIR/root
	cp -a "$BATS_TEST_DIRNAME/../fixtures/vm/6.12-stale" "$R"
	chmod -R u+w "$R"
}

teardown() {
	[ -n "${ORIG_HVO:-}" ] && echo "$ORIG_HVO" >"$SYSCTL"
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
