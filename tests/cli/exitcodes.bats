#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The exit-status matrix (issue 11): every status each command documents in
# its man page's EXIT STATUS section, each from a real trigger (a fixture
# or scratch root, a fake boot loader tool), and the man pages list exactly
# these. 0 ok, 1 findings at/above --fail-on, 2 usage, 3 environment,
# 4 apply failed and rolled back, 5 apply failed and rolling back failed.

load ../fault/lib.bash

setup_file() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	export SNAP=$BATS_FILE_TMPDIR/snap
	"$HV" snapshot -o "$SNAP" >/dev/null 2>&1
}

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8 LC_ALL=C.UTF-8
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH HVOPLAN_CONFIG
	F=$TOPDIR/tests/fixtures/vm/6.12-stale # its one finding is a warning (stale pages)
	R=$BATS_TEST_TMPDIR/root
	fault_make_root "$R"
	FAKE=$BATS_TEST_TMPDIR/fake
	mkdir -p "$FAKE"
	printf '#!/bin/sh\nexit 0\n' >"$FAKE/update-grub"
	chmod +x "$FAKE/update-grub"
	BEFORE=$(fault_tree "$R")
}

# expect CODE ARGS...: hvoplan ARGS exits CODE (stdin not a terminal)
expect() {
	local want=$1
	shift
	run "$HV" "$@" </dev/null
	[ "$status" -eq "$want" ] || { echo "hvoplan $* -> $status (want $want): $output"; return 1; }
}

@test "exit 0: every command's success" {
	expect 0 --help
	expect 0 --version
	expect 0 --root "$F" report
	expect 0 --root "$F" report --fail-on error
	expect 0 plan --memory 1T --pool 2M:50%
	expect 0 --root "$F" plan --from-host
	expect 0 --root "$F" top -b -n 1
	expect 0 --root "$F" snapshot -o "$BATS_TEST_TMPDIR/s"
	expect 0 --root "$R" apply --hvo on --persist --bootloader grub
	[ "$(fault_tree "$R")" = "$BEFORE" ]
}

@test "exit 1: report finds something at or above --fail-on" {
	expect 1 --root "$F" report --fail-on warning
	[[ $output == *"stale-pages"* ]]
	expect 1 --root "$F" report --fail-on info --format json
}

@test "exit 2: usage errors of every command, nothing changed" {
	expect 2
	expect 2 bogus
	expect 2 --root= report
	expect 2 report --format xml
	expect 2 --root "$F" report -o NOPE
	expect 2 report --fail-on fatal
	expect 2 plan
	expect 2 plan --memory 1T --pool 2M:200%
	expect 2 top --delay 0
	expect 2 snapshot --bogus
	expect 2 --root "$R" apply
	expect 2 --root "$R" apply --pages 2M:x --yes
	expect 2 --root "$R" apply --pages 32M:1 --yes
	[[ $output == *"--pages 32M: this host has no 32M hugepage pool"* ]]
	expect 2 --root "$R" apply --revert --hvo on
	[ "$(fault_tree "$R")" = "$BEFORE" ]
}

@test "exit 2: config file and environment errors name their source, not a command-line option" {
	mkdir -p "$R/etc"
	printf '[apply]\npages = 32M:4\n' >"$R/etc/hvoplan.conf"
	expect 2 --root "$R" apply --yes
	[[ $output == *"$R/etc/hvoplan.conf: pages 32M: this host has no 32M hugepage pool"* ]]
	[[ $output != *"--pages"* ]]
	printf '[apply]\nreoptimize = yes\nhvo = off\n' >"$R/etc/hvoplan.conf"
	expect 2 --root "$R" apply --yes
	[[ $output == *"reoptimize = yes"* && $output == *"hvo = on"* ]]
	rm "$R/etc/hvoplan.conf"
	HVOPLAN_PAGES=2M:4@9 run "$HV" --root "$R" apply --yes
	[ "$status" -eq 2 ]
	[[ $output == *"HVOPLAN_PAGES 2M:4@9: no NUMA node 9"* ]]
	rm -rf "$R/etc/hvoplan.conf"
	[ "$(fault_tree "$R")" = "$BEFORE" ]
}

@test "exit 3: environment problems of every command" {
	expect 3 --root /nonexistent report
	expect 3 --root /nonexistent plan --from-host
	expect 3 --root /nonexistent top -b -n 1
	expect 3 --root "$F" top # the screen needs a terminal
	mkdir -p "$BATS_TEST_TMPDIR/exists"
	expect 3 --root "$F" snapshot -o "$BATS_TEST_TMPDIR/exists"
	expect 3 --root "$R" apply --revert # nothing persisted yet
	[[ $output == *"no backup to revert to"* ]]
	# HVO cannot be switched at run time on this "kernel"
	mv "$R/proc/sys/vm/hugetlb_optimize_vmemmap" "$BATS_TEST_TMPDIR/sysctl"
	expect 3 --root "$R" apply --hvo on
	mv "$BATS_TEST_TMPDIR/sysctl" "$R/proc/sys/vm/hugetlb_optimize_vmemmap"
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
		run setpriv --reuid=65534 --regid=65534 --clear-groups "$HV" apply --hvo on --yes
		[ "$status" -eq 3 ]
		[[ $output == *"needs root"* ]]
	fi
	mkdir -p "$R/run"
	run flock "$R/run/hvoplan.lock" "$HV" --root "$R" apply --hvo on --yes
	[ "$status" -eq 3 ]
	[ "$(fault_tree "$R")" = "$BEFORE" ]
}

@test "exit 3, not 2: what apply reads from the host is not a usage error" {
	# a directory where etc/default/grub should be
	mv "$R/etc/default/grub" "$BATS_TEST_TMPDIR/grub"
	mkdir "$R/etc/default/grub"
	expect 3 --root "$R" apply --hvo on --persist --bootloader grub
	[[ $output == *"$R/etc/default/grub: not a regular file"* ]]
	rmdir "$R/etc/default/grub"
	mv "$BATS_TEST_TMPDIR/grub" "$R/etc/default/grub"
	# more GRUB drop-ins than apply reads
	mkdir -p "$R/etc/default/grub.d"
	for i in $(seq 40); do echo "# $i" >"$R/etc/default/grub.d/$i.cfg"; done
	expect 3 --root "$R" apply --hvo on --persist --bootloader grub
	[[ $output == *"$R/etc/default/grub.d: more than"* ]]
	rm -rf "$R/etc/default/grub.d"
	# a backup manifest hvoplan did not write
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" "${FAULT_ARGS[@]}"
	[ "$status" -eq 0 ]
	echo 'tool sh -c reboot' >>"$R"/var/lib/hvoplan/backup/*/manifest
	expect 3 --root "$R" apply --revert --yes
	[[ $output == *"/manifest:"*": not a line hvoplan writes"* ]]
}

@test "exit 3, not 4: the backup cannot be made, nothing was changed" {
	mkdir -p "$R/var/lib/hvoplan"
	: >"$R/var/lib/hvoplan/backup" # a file where the backup directory goes
	BEFORE=$(fault_tree "$R")
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" "${FAULT_ARGS[@]}"
	[ "$status" -eq 3 ]
	[[ $output == *"cannot make the backup, nothing was changed: $R/var/lib/hvoplan/backup: "* ]]
	[ "$(fault_tree "$R")" = "$BEFORE" ]
}

@test "exit 4: a step fails and everything is rolled back" {
	printf '#!/bin/sh\necho "update-grub: no grub.cfg" >&2\nexit 1\n' >"$FAKE/update-grub"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" "${FAULT_ARGS[@]}"
	[ "$status" -eq 4 ]
	[[ $output == *"failed with exit status 1; every change was rolled back"* ]]
	[ "$(fault_tree "$R")" = "$BEFORE" ]
	[ -z "$(fault_backups "$R")" ]
}

@test "exit 5: a step fails and rolling back fails too; the backup is kept and --revert restores" {
	# the failing tool also puts a directory where etc/default/grub was:
	# the rollback cannot put the old file back
	cat >"$FAKE/update-grub" <<TOOL
#!/bin/sh
mv "$R/etc/default/grub" "$BATS_TEST_TMPDIR/grub.new" && mkdir "$R/etc/default/grub"
exit 1
TOOL
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" "${FAULT_ARGS[@]}"
	[ "$status" -eq 5 ]
	[[ $output == *"could not undo 'write /etc/default/grub'"* ]]
	[[ $output == *"rolling back failed for some steps (the backup /var/lib/hvoplan/backup/"*" is kept"* ]]
	[ "$(fault_backups "$R" | wc -l)" -eq 1 ]
	rmdir "$R/etc/default/grub"
	printf '#!/bin/sh\nexit 0\n' >"$FAKE/update-grub"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --revert --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(fault_tree "$R")" = "$BEFORE" ]
}

# the codes each man page's EXIT STATUS section lists
man_codes() {
	MANWIDTH=200 man -l "$TOPDIR/man/$1" 2>/dev/null | sed -n '/^EXIT STATUS/,/^[A-Z]/p' |
		grep -oE '(^|[^0-9.])[0-5]([^0-9.]|$)' | grep -oE '[0-5]' | sort -u | tr '\n' ' '
}

@test "the man pages list exactly the exit statuses the commands return" {
	[ "$(man_codes hvoplan.8)" = "0 1 2 3 4 5 " ] || { echo "hvoplan.8: $(man_codes hvoplan.8)"; false; }
	[ "$(man_codes hvoplan-report.8)" = "0 1 2 3 " ] || { echo "report: $(man_codes hvoplan-report.8)"; false; }
	[ "$(man_codes hvoplan-plan.8)" = "0 2 3 " ] || { echo "plan: $(man_codes hvoplan-plan.8)"; false; }
	[ "$(man_codes hvoplan-top.8)" = "0 2 3 " ] || { echo "top: $(man_codes hvoplan-top.8)"; false; }
	[ "$(man_codes hvoplan-snapshot.8)" = "0 2 3 " ] || { echo "snapshot: $(man_codes hvoplan-snapshot.8)"; false; }
	[ "$(man_codes hvoplan-fleet.8)" = "0 1 2 3 " ] || { echo "fleet: $(man_codes hvoplan-fleet.8)"; false; }
	[ "$(man_codes hvoplan-apply.8)" = "0 2 3 4 5 " ] || { echo "apply: $(man_codes hvoplan-apply.8)"; false; }
	# and apply's page names the environment cases tested above
	sect=$(MANWIDTH=200 man -l "$TOPDIR/man/hvoplan-apply.8" 2>/dev/null | sed -n '/^EXIT STATUS/,/^[A-Z]/p' | tr -s ' \n' ' ')
	[[ $sect == *"backup cannot be made"* ]]
	[[ $sect == *"not a regular file"* || $sect == *"cannot be read"* ]]
	"$HV" apply --help | grep -q '5 apply failed'
}
