#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan apply on scratch trees copied from a snapshot of this machine:
# dry run, apply/revert, GRUB drop-in as grub-mkconfig sources it, no-op
# re-runs, conflicting parameters, hostile values, rollback. Any user; boot
# loader tools are fakes from HVOPLAN_TOOL_DIR that log their argv.

load apply-root.bash

setup_file() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	export SNAP=$BATS_FILE_TMPDIR/snap
	"$HV" snapshot -o "$SNAP" >/dev/null 2>&1
}

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH HVOPLAN_CONFIG
	R=$BATS_TEST_TMPDIR/root
	cp -a "$SNAP" "$R"
	# the host's own boot configuration, which the snapshot keeps for verify, is
	# not this test's starting point: it writes its own
	rm -rf "$R/etc" "$R/boot"
	# a known starting point: HVO off, empty pools
	echo 0 >"$R/proc/sys/vm/hugetlb_optimize_vmemmap"
	for f in "$R"/sys/kernel/mm/hugepages/*/{nr,free}_hugepages "$R"/sys/devices/system/node/node*/hugepages/*/{nr,free}_hugepages; do
		[ -f "$f" ] && echo 0 >"$f"
	done
	mkdir -p "$R/etc/default"
	cat >"$R/etc/default/grub" <<'GRUB'
# If you change this file, run 'update-grub' afterwards.
GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`
GRUB_CMDLINE_LINUX_DEFAULT="quiet hugetlb_free_vmemmap=off"
GRUB_CMDLINE_LINUX="console=ttyS0 hugepagesz=1G hugepages=2 hugepagesz=2M hugepages=16 rd.lvm=1"
GRUB
	FAKE=$BATS_TEST_TMPDIR/fake
	mkdir -p "$FAKE"
	for t in update-grub grubby kernel-install; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/tools.log"\n' "$t" "$BATS_TEST_TMPDIR" >"$FAKE/$t"
		chmod +x "$FAKE/$t"
	done
}

# sha256 of every file, minus the lock file (its existence is the lock)
tree() { (cd "$R" && find . -type f ! -path ./run/hvoplan.lock -exec sha256sum {} + | sort -k2); }

grub_cmdline() {
	(cd "$R" && bash -c '. etc/default/grub; for f in etc/default/grub.d/*.cfg; do . "$f"; done; echo "$GRUB_CMDLINE_LINUX"')
}

@test "apply --help lists every option of the man page and the reverse" {
	run "$HV" apply --help
	[ "$status" -eq 0 ]
	help_opts=$(grep -oE -- '--[a-z][a-z-]+' <<<"$output" | sort -u)
	man_opts=$(MANWIDTH=200 man -l "$TOPDIR/man/hvoplan-apply.8" 2>/dev/null | sed -n '/^OPTIONS/,/^[A-Z]/p' |
		grep -oE -- '--[a-z][a-z-]+' | sort -u)
	[ -n "$man_opts" ]
	diff <(echo "$help_opts") <(echo "$man_opts")
}

@test "man pages are lint clean" {
	for m in hvoplan-apply.8 hvoplan.conf.5; do
		run bash -c "man --warnings -l '$TOPDIR/man/$m' 2>&1 >/dev/null"
		[ -z "$output" ] || { echo "$m: $output"; false; }
	done
}

@test "dry run prints actions and diffs and changes no byte under the root" {
	before=$(tree)
	run "$HV" --root "$R" apply --hvo on --pages 2M:64 --persist --bootloader grub
	[ "$status" -eq 0 ]
	[[ $output == *"dry run"* ]]
	[[ $output == *"set vm.hugetlb_optimize_vmemmap 0 -> 1"* ]]
	[[ $output == *"+++ b/etc/default/grub.d/90-hvoplan.cfg"* ]]
	[[ $output == *"+vm.hugetlb_optimize_vmemmap = 1"* ]]
	[[ $output == *"run update-grub"* ]]
	[ "$(tree)" = "$before" ]
	[ ! -e "$R/run/hvoplan.lock" ]
	[ ! -e "$BATS_TEST_TMPDIR/tools.log" ]
}

@test "apply --yes writes runtime values and files, then --revert restores the tree byte for byte" {
	before=$(tree)
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:64 --persist --yes
	[ "$status" -eq 0 ]
	[ "$(cat "$R/proc/sys/vm/hugetlb_optimize_vmemmap")" = 1 ]
	[ "$(cat "$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 64 ]
	grep -qx 'vm.hugetlb_optimize_vmemmap = 1' "$R/etc/sysctl.d/90-hvoplan.conf"
	[ "$(cat "$BATS_TEST_TMPDIR/tools.log")" = "update-grub " ]
	ls "$R"/var/lib/hvoplan/backup/*/manifest
	# dry run of the revert shows it and changes nothing
	mid=$(tree)
	run "$HV" --root "$R" apply --revert
	[ "$status" -eq 0 ]
	[[ $output == *"remove /etc/sysctl.d/90-hvoplan.conf"* ]]
	[ "$(tree)" = "$mid" ]
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --revert --yes
	[ "$status" -eq 0 ]
	[ "$(tree)" = "$before" ]
	[ ! -e "$R/etc/sysctl.d" ] && [ ! -e "$R/etc/default/grub.d" ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/tools.log")" -eq 2 ]
	# nothing left to revert
	run "$HV" --root "$R" apply --revert
	[ "$status" -eq 3 ]
	[[ $output == *"no backup"* ]]
}

@test "the GRUB drop-in gives the intended GRUB_CMDLINE_LINUX when sourced like grub-mkconfig" {
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:64 --persist --yes
	[ "$status" -eq 0 ]
	[ "$(grub_cmdline)" = "console=ttyS0 hugepagesz=1G hugepages=2 rd.lvm=1 hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64" ]
	# the conflicting parameter in _DEFAULT was taken out, not duplicated
	run bash -c "cd '$R' && . etc/default/grub && echo \"\$GRUB_CMDLINE_LINUX_DEFAULT\""
	[ "$output" = "quiet" ]
	# sh (dash) sources it the same way
	run sh -c "cd '$R' && . ./etc/default/grub && . ./etc/default/grub.d/90-hvoplan.cfg && echo \"\$GRUB_CMDLINE_LINUX\""
	[ "$output" = "console=ttyS0 hugepagesz=1G hugepages=2 rd.lvm=1 hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64" ]
}

@test "conflicting parameters are replaced, not duplicated, with per-node pools in node form" {
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 1G:1@0 --pages 2M:8 --persist --yes
	[ "$status" -eq 0 ]
	line=$(grub_cmdline)
	[ "$line" = "console=ttyS0 rd.lvm=1 hugetlb_free_vmemmap=on hugepagesz=2M hugepages=8 hugepagesz=1G hugepages=0:1" ]
	[ "$(grep -o 'hugetlb_free_vmemmap' <<<"$line" | wc -l)" -eq 1 ]
	[ "$(cat "$R/sys/devices/system/node/node0/hugepages/hugepages-1048576kB/nr_hugepages")" = 1 ]
}

@test "re-running the same apply is a no-op: says nothing to do, exit 0, no tool run" {
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:64 --persist --yes
	[ "$status" -eq 0 ]
	rm -f "$BATS_TEST_TMPDIR/tools.log"
	before=$(tree)
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:64 --persist --yes
	[ "$status" -eq 0 ]
	[[ $output == *"nothing to do"* ]]
	[ "$(tree)" = "$before" ]
	[ ! -e "$BATS_TEST_TMPDIR/tools.log" ]
}

@test "hostile values are refused with exit 2 and no change" {
	before=$(tree)
	for v in '2M:1 hugepages=9' $'2M:1\nhugepages=9' '2M:1;reboot' '2M:$(reboot)' '2M:`id`' '2M:1|x' '2M:-1' \
		'2M:99999999999' '2M:1e3' '3M:1' '2M:1@99' '0:1' '2M:' ':5' '2M:1@' '1G:1@0 1G:2'; do
		run "$HV" --root "$R" apply --pages "$v" --persist --yes
		[ "$status" -eq 2 ] || { echo "--pages '$v' -> $status: $output"; false; }
	done
	for a in "--hvo maybe" "--hvo on;reboot" "--bootloader lilo" "--batch 0" "--batch x"; do
		run "$HV" --root "$R" apply $a --yes
		[ "$status" -eq 2 ] || { echo "$a -> $status: $output"; false; }
	done
	HVOPLAN_PAGES='2M:1 $(id)' run "$HV" --root "$R" apply --yes
	[ "$status" -eq 2 ]
	[[ $output == *HVOPLAN_PAGES* ]]
	[ "$(tree)" = "$before" ]
}

@test "symlinks at target paths are refused (exit 3) with no change" {
	mkdir -p "$R/etc/sysctl.d"
	ln -s /etc/passwd "$R/etc/sysctl.d/90-hvoplan.conf"
	before=$(tree)
	run "$HV" --root "$R" apply --hvo on --persist --yes
	[ "$status" -eq 3 ]
	[[ $output == *"symbolic link"* ]]
	[ "$(tree)" = "$before" ]
	rm "$R/etc/sysctl.d/90-hvoplan.conf"
	# a symlinked directory on the way
	mkdir -p "$BATS_TEST_TMPDIR/elsewhere"
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$R/etc/default/grub.d"
	before=$(tree)
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --persist --bootloader grub --yes
	[ "$status" -eq 3 ]
	[ "$(tree)" = "$before" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/elsewhere")" ]
}

@test "a failing boot loader tool rolls everything back (exit 4)" {
	printf '#!/bin/sh\nexit 1\n' >"$FAKE/update-grub"
	before=$(tree)
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:64 --persist --yes
	[ "$status" -eq 4 ]
	[[ $output == *"rolled back"* ]]
	[ "$(tree)" = "$before" ]
	[ -z "$(ls -A "$R/var/lib/hvoplan/backup" 2>/dev/null)" ]
}

@test "kernel-install backend edits etc/kernel/cmdline, replacing conflicts" {
	rm "$R/etc/default/grub"
	mkdir -p "$R/etc/kernel"
	echo "root=/dev/vda1 ro hugetlb_free_vmemmap=off default_hugepagesz=2M hugepages=10" >"$R/etc/kernel/cmdline"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:32 --persist --yes
	[ "$status" -eq 0 ]
	[ "$(cat "$R/etc/kernel/cmdline")" = "root=/dev/vda1 ro default_hugepagesz=2M hugetlb_free_vmemmap=on hugepagesz=2M hugepages=32" ]
}

@test "grubby backend runs grubby with fixed argv, and --revert runs the inverse" {
	mkdir -p "$R/usr/sbin" && touch "$R/usr/sbin/grubby"
	echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 hugetlb_free_vmemmap=off" >"$R/proc/cmdline"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --persist --yes
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/tools.log")" = "grubby --update-kernel=ALL --remove-args=hugetlb_free_vmemmap=off --args=hugetlb_free_vmemmap=on" ]
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --revert --yes
	[ "$status" -eq 0 ]
	[ "$(tail -1 "$BATS_TEST_TMPDIR/tools.log")" = "grubby --update-kernel=ALL --remove-args=hugetlb_free_vmemmap=on --args=hugetlb_free_vmemmap=off" ]
}

@test "without tooling the manual steps are printed and nothing is written" {
	rm "$R/etc/default/grub"
	before=$(tree)
	run "$HV" --root "$R" apply --pages 2M:16 --persist --bootloader manual
	[ "$status" -eq 0 ]
	[[ $output == *"add to the kernel command line"*"hugepagesz=2M hugepages=16"* ]]
	[ "$(tree)" = "$before" ]
}

@test "tools are not run under --root without HVOPLAN_TOOL_DIR" {
	run "$HV" --root "$R" apply --hvo on --persist --yes
	[ "$status" -eq 0 ]
	[[ $output == *"not run under --root"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/tools.log" ]
}

@test "a second run while the lock is held is refused (exit 3)" {
	mkdir -p "$R/run"
	before=$(tree)
	run flock "$R/run/hvoplan.lock" "$HV" --root "$R" apply --hvo on --yes
	[ "$status" -eq 3 ]
	[[ $output == *"another 'hvoplan apply' is running"* ]]
	[ "$(tree)" = "$before" ]
}

@test "--reoptimize cycles free pages per node, warns about 1G pages" {
	d=sys/devices/system/node/node0/hugepages
	echo 1 >"$R/proc/sys/vm/hugetlb_optimize_vmemmap"
	echo 4 >"$R/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages"
	echo 4 >"$R/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"
	echo 4 >"$R/$d/hugepages-1048576kB/nr_hugepages"
	echo 4 >"$R/$d/hugepages-1048576kB/free_hugepages"
	run "$HV" --root "$R" apply --reoptimize
	[ "$status" -eq 0 ]
	[[ $output == *"re-optimize 1G on node 0: release its 4 free pages"* ]]
	[[ $output == *"may not be able to allocate them again"*"--yes"* ]]
	run "$HV" --root "$R" apply --reoptimize --batch 1 --yes
	[ "$status" -eq 0 ]
	[[ $output == *"4 pages released and allocated again"* ]]
	[ "$(cat "$R/$d/hugepages-1048576kB/nr_hugepages")" = 4 ]
	# HVO off: refused
	echo 0 >"$R/proc/sys/vm/hugetlb_optimize_vmemmap"
	run "$HV" --root "$R" apply --reoptimize
	[ "$status" -eq 2 ]
	[[ $output == *"--hvo on"* ]]
}

@test "nothing asked for is a usage error; --revert with a desired state too" {
	run "$HV" --root "$R" apply
	[ "$status" -eq 2 ]
	run "$HV" --root "$R" apply --revert --hvo on
	[ "$status" -eq 2 ]
	for want in "--pages 2M:8" "--overcommit 2M:8"; do
		# shellcheck disable=SC2086 # the option and its value, two words
		run "$HV" --root "$R" apply --revert $want
		[ "$status" -eq 2 ]
		[[ $output == *"--revert takes no desired state"* ]]
	done
}

@test "--yes on the live root without root privileges is refused (exit 3)" {
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "no setpriv"
		run setpriv --reuid=65534 --regid=65534 --clear-groups "$HV" apply --hvo on --yes
	else
		run "$HV" apply --hvo on --yes
	fi
	[ "$status" -eq 3 ]
	[[ $output == *"needs root"* ]]
}

@test "the shipped hvoplan.conf parses and the service example runs apply --yes" {
	run "$HV" --root "$R" apply --config "$TOPDIR/hvoplan.conf"
	[ "$status" -eq 2 ] # every key is commented out: nothing asked for
	[[ $output == *"nothing asked for"* ]]
	grep -q '^ExecStart=.*hvoplan apply --yes' "$TOPDIR/examples/hvoplan-apply.service"
	grep -q '^After=.*local-fs.target' "$TOPDIR/examples/hvoplan-apply.service"
	grep -q '^Type=oneshot' "$TOPDIR/examples/hvoplan-apply.service"
}

@test "persist without boot loader tooling says so; --bootloader manual does not claim none was found" {
	rm -rf "$R/etc/default/grub" "$R/etc/default/grub.d" "$R/etc/kernel" "$R/boot/loader"
	run "$HV" --root "$R" apply --hvo on --persist
	[ "$status" -eq 0 ]
	[[ $output == *"manual: no boot loader tooling found: add to the kernel command line"* ]] || { echo "$output"; false; }
	run "$HV" --root "$R" apply --hvo on --persist --bootloader manual
	[ "$status" -eq 0 ]
	[[ $output == *"manual: add to the kernel command line in your boot loader: hugetlb_free_vmemmap=on"* ]] || { echo "$output"; false; }
	[[ $output != *"no boot loader tooling found"* ]]
}

@test "kernel-install: a bare hugepages= has the size default_hugepagesz= gives it, as in report's findings" {
	# the running command line says default_hugepagesz=1G; meminfo's 2M
	# does not decide (hv_default_hugepage_size, shared with the findings)
	D=$BATS_TEST_TMPDIR/d1g
	cp -a "$BATS_TEST_DIRNAME/../fixtures/vm/6.12-default-1g" "$D"
	sed -i 's/^Hugepagesize:.*/Hugepagesize:       2048 kB/' "$D/proc/meminfo"
	grep -q 'default_hugepagesz=1G' "$D/proc/cmdline"
	mkdir -p "$D/etc/kernel"
	echo "root=/dev/sda hugepages=4 ro" >"$D/etc/kernel/cmdline"
	run "$HV" --root "$D" apply --pages 1G:2 --persist --bootloader kernel-install
	[ "$status" -eq 0 ]
	[[ $output == *"replacing conflicting parameters: hugepages=4"* ]]
	[[ $output == *"+root=/dev/sda ro hugepagesz=1G hugepages=2"* ]]
}

@test "--pages amounts: a count, a size in whole pages, a change of the pool as found; results per node; changes only on the command line" {
	apply_scratch_root 6.12-per-node "$R" # 2 nodes
	echo 100 >"$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
	echo 40 >"$R/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages"
	run "$HV" apply --root "$R" --pages 2M:+28,1G:3G
	[ "$status" -eq 0 ]
	[[ $output == *"set 2M pool 100 -> 128 pages"* ]]
	[[ $output == *"set 1G pool 0 -> 3 pages"* ]]
	run "$HV" apply --root "$R" --pages 2M:-64M@1
	[[ $output == *"set 2M pool on node 1 40 -> 8 pages"* ]]
	run "$HV" apply --root "$R" --pages 2M:-101
	[ "$status" -eq 2 ]
	[[ $output == *"--pages 2M:-101: the 2M pool has 100 pages: it cannot lose 101"* ]]
	run "$HV" apply --root "$R" --pages 1G:1536M
	[ "$status" -eq 2 ]
	[[ $output == *"--pages: 1536M is not a whole number of 1G pages"* ]]
	# a change in a file or the environment would change the pool on every run
	printf '[apply]\npages = 2M:+8\n' >"$R/etc/hvoplan.conf"
	run "$HV" apply --root "$R" --hvo on
	[ "$status" -eq 2 ]
	[[ $output == *"only --pages takes a change"* ]]
	rm "$R/etc/hvoplan.conf"
	HVOPLAN_PAGES=2M:-8 run "$HV" apply --root "$R"
	[ "$status" -eq 2 ]
	[[ $output == *"HVOPLAN_PAGES: '2M:-8' changes the pool by -8"* ]]
	# carried out: the pools as the host then has them, whole and on every node
	run "$HV" apply --root "$R" --pages 2M:+28 --yes
	[ "$status" -eq 0 ]
	[ "$(cat "$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages")" = 128 ]
	[[ $output == *"2M pool now 128 pages: node 0 0, node 1 40"* ]]
	run "$HV" apply --root "$R" --pages 2M:+1 --yes --format json
	[ "$(jq -c '.pools_after' <<<"$output")" = '[{"size":2097152,"name":"2M","pages":129,"surplus":0,"nodes":[{"node":0,"pages":0},{"node":1,"pages":40}]}]' ]
	run "$HV" apply --root "$R" --hvo on --format json
	[ "$(jq -c '.pools_after' <<<"$output")" = null ]
}
