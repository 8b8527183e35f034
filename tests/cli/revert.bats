#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# apply --revert and the backup manifest (issue 11): directories are removed
# through the same no-symlink walk as files, a root without etc/ reverts, a
# value that cannot be read or is gone does not stop the revert, a rollback
# of a target the failed step never touched is not "rolling back failed",
# and the manifest is read from the heap. Scratch roots copied from
# `hvoplan snapshot`; fake update-grub; any user.

load ../fault/lib.bash

setup_file() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export SNAP=$BATS_FILE_TMPDIR/snap
	"$HV" snapshot -o "$SNAP" >/dev/null 2>&1
	export SHIM
	SHIM=$("$TOPDIR/tests/fault/build.sh" "$BATS_FILE_TMPDIR/shim")
	export PRELOAD
	PRELOAD=$(ldd "$HV" 2>/dev/null | awk '/lib(a|ub)san\.so/ {printf "%s ", $3}')$SHIM
}

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	export LANG=C.UTF-8 LC_ALL=C.UTF-8
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH HVOPLAN_CONFIG
	R=$BATS_TEST_TMPDIR/root
	FAKE=$BATS_TEST_TMPDIR/fake
	mkdir -p "$FAKE"
	printf '#!/bin/sh\nexit 0\n' >"$FAKE/update-grub"
	chmod +x "$FAKE/update-grub"
	fault_make_root "$R"
	BEFORE_TREE=$(fault_tree "$R")
}

applied() {
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" "${FAULT_ARGS[@]}"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	MANIFEST=$(echo "$R"/var/lib/hvoplan/backup/*/manifest)
	[ -f "$MANIFEST" ]
}

@test "revert: a recorded directory behind a symlink out of the root is not removed" {
	applied
	outside=$BATS_TEST_TMPDIR/outside
	mkdir -p "$outside/victim"
	ln -s "$outside" "$R/etc/link"
	echo "mkdir etc/link/victim" >>"$MANIFEST"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --revert --yes
	[ "$status" -eq 0 ]
	[ -d "$outside/victim" ]
	[[ $output == *"$R/etc/link: is a symbolic link or not a directory; refusing to go through it"* ]]
	rm "$R/etc/link"
	[ "$(fault_tree "$R")" = "$BEFORE_TREE" ]
}

@test "revert: a backup directory swapped for a symlink out of the root is neither read nor removed" {
	applied
	outside=$BATS_TEST_TMPDIR/outside
	mv "$R/var/lib/hvoplan/backup" "$outside"
	ln -s "$outside" "$R/var/lib/hvoplan/backup"
	want=$(cd "$outside" && find . | sort)
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --revert --yes
	[ "$status" -eq 3 ] || { echo "$output"; false; }
	[[ $output == *"$R/var/lib/hvoplan/backup"*"symbolic link"* ]] || { echo "$output"; false; }
	[ "$(cd "$outside" && find . | sort)" = "$want" ]
}

@test "revert: a root without etc/ gets back to no etc/" {
	rm -rf "$R/etc"
	BEFORE_TREE=$(fault_tree "$R")
	applied
	grep -qx 'mkdir etc' "$MANIFEST"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --revert --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$R/etc" ]
	[ "$(fault_tree "$R")" = "$BEFORE_TREE" ]
}

@test "revert: a pool whose file is gone is left out, said, and the rest is restored" {
	applied
	pool=sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
	grep -q "^value 0 $pool\$" "$MANIFEST"
	mv "$R/$(dirname "$pool")" "$BATS_TEST_TMPDIR/gone" # the size is gone
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --revert --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"$R/$pool: missing; its value (0) cannot be restored and is left out"* ]]
	mv "$BATS_TEST_TMPDIR/gone" "$R/$(dirname "$pool")"
	echo 0 >"$R/$pool" # the one change the revert could not undo
	[ "$(fault_tree "$R")" = "$BEFORE_TREE" ]
}

@test "revert: a rollback that finds the failed target untouched is a rollback (exit 4), not exit 5" {
	# renames keep failing from the one of etc/default/grub on: that step
	# changed nothing, so undoing it (another rename) is not needed
	for n in $(seq 1 8); do
		HV_FAULT_COUNT=0 fault_run rename "$n" EIO
		[[ $INJECTED == *" on $R/etc/default/grub: "* ]] && break
	done
	[[ $INJECTED == *" on $R/etc/default/grub: "* ]]
	[ "$status" -eq 4 ] || { cat "$FERR"; false; }
	grep -q 'every change was rolled back' "$FERR"
	! grep -q 'rolling back failed' "$FERR"
	[ "$(fault_tree "$R")" = "$BEFORE_TREE" ]
}

@test "revert: the manifest is not read onto the stack (runs with a 256 KiB stack)" {
	applied
	HVOPLAN_TOOL_DIR=$FAKE run bash -c 'ulimit -s 256 && exec "$0" --root "$1" apply --revert --yes' "$HV" "$R"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(fault_tree "$R")" = "$BEFORE_TREE" ]
}

@test "revert: a manifest hvoplan would not write is refused naming file and line (exit 3, no change)" {
	applied
	after=$(fault_tree "$R")
	for line in 'file absent - etc/../../outside' 'value 5 proc/sys/kernel/core_pattern' 'tool sh -c reboot' \
		'file present 0644 etc/passwd extra' 'grubby-added a=$(reboot)'; do
		cp "$MANIFEST" "$BATS_TEST_TMPDIR/m"
		echo "$line" >>"$MANIFEST"
		n=$(wc -l <"$MANIFEST")
		HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --revert --yes
		[ "$status" -eq 3 ] || { echo "$line -> $status: $output"; false; }
		[[ $output == *"$MANIFEST:$n: not a line hvoplan writes; refusing to revert from this backup"* ]] || { echo "$line: $output"; false; }
		[ "$(fault_tree "$R")" = "$after" ]
		cp "$BATS_TEST_TMPDIR/m" "$MANIFEST"
	done
}

@test "revert: when a --revert with grubby fails later, its rollback puts grubby's arguments back" {
	mkdir -p "$R/usr/sbin" && touch "$R/usr/sbin/grubby"
	echo "BOOT_IMAGE=/vmlinuz root=/dev/sda1 hugetlb_free_vmemmap=off" >"$R/proc/cmdline"
	printf '#!/bin/sh\necho "grubby $*" >>"%s/tools.log"\n' "$BATS_TEST_TMPDIR" >"$FAKE/grubby"
	chmod +x "$FAKE/grubby"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --persist --yes
	[ "$status" -eq 0 ]
	# the revert: drop-in removed, grubby run, then the sysctl write fails
	HV_FAULT_OP=write HV_FAULT_AT=1 HV_FAULT_ROOT=$R/proc HV_FAULT_LOG=$BATS_TEST_TMPDIR/fault.log \
		HVOPLAN_TOOL_DIR=$FAKE LD_PRELOAD=$PRELOAD run "$HV" --root "$R" apply --revert --yes
	[ "$status" -eq 4 ] || { echo "$output"; false; }
	grep -q "hugetlb_optimize_vmemmap" "$BATS_TEST_TMPDIR/fault.log"
	diff - "$BATS_TEST_TMPDIR/tools.log" <<LOG
grubby --update-kernel=ALL --remove-args=hugetlb_free_vmemmap=off --args=hugetlb_free_vmemmap=on
grubby --update-kernel=ALL --remove-args=hugetlb_free_vmemmap=on --args=hugetlb_free_vmemmap=off
grubby --update-kernel=ALL --remove-args=hugetlb_free_vmemmap=off --args=hugetlb_free_vmemmap=on
LOG
	[ -e "$R/etc/sysctl.d/90-hvoplan.conf" ] # the applied state, and its backup, are back
	[ "$(fault_backups "$R" | wc -l)" -eq 1 ]
}
