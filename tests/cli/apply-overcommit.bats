#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# apply --overcommit on a scratch --root tree (a copy of a Debian 6.12
# guest's capture): the limit per size, its tmpfiles.d drop-in as the real
# systemd-tmpfiles --root writes it, a file hvoplan did not write refused,
# the other boot-time writers of the limit named, revert. Any user.

load apply-root.bash

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	export LANG=C.UTF-8
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_OVERCOMMIT HVOPLAN_CONFIG
	R=$BATS_TEST_TMPDIR/root
	apply_scratch_root 6.12-stale "$R"
	chmod -R u+w "$R"
	H=$R/sys/kernel/mm/hugepages
	for f in "$H"/*/nr_overcommit_hugepages "$H"/*/surplus_hugepages; do echo 0 >"$f"; done
	F=$R/etc/tmpfiles.d/90-hvoplan.conf
	OUT=$BATS_TEST_TMPDIR/out.json
}

tree() { (cd "$R" && find . -type f ! -path ./run/hvoplan.lock -exec sha256sum {} + | sort -k2); }

@test "overcommit: the dry run shows the limit and the drop-in and changes nothing" {
	before=$(tree)
	run "$HV" --root "$R" apply --overcommit 2M:64M --persist
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"set 2M overcommit limit 0 -> 32 pages"* ]]
	[[ $output == *"+w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 32"* ]]
	[ "$(tree)" = "$before" ]
}

@test "overcommit: --yes sets the limits, systemd-tmpfiles --root writes what the drop-in says, revert undoes both" {
	command -v systemd-tmpfiles >/dev/null || skip "no systemd-tmpfiles"
	run "$HV" --root "$R" apply --overcommit 2M:32,1G:2 --persist --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$H/hugepages-2048kB/nr_overcommit_hugepages")" = 32 ]
	[ "$(cat "$H/hugepages-1048576kB/nr_overcommit_hugepages")" = 2 ]
	# a relative change of one size keeps the other's line
	run "$HV" --root "$R" apply --overcommit 2M:+8 --persist --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(grep -c '^w ' "$F")" -eq 2 ]
	# what the boot would write: the real tool on the tree, over other values
	echo 0 >"$H/hugepages-2048kB/nr_overcommit_hugepages"
	echo 0 >"$H/hugepages-1048576kB/nr_overcommit_hugepages"
	run systemd-tmpfiles --create --root="$R" 90-hvoplan.conf
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$H/hugepages-2048kB/nr_overcommit_hugepages")" = 40 ]
	[ "$(cat "$H/hugepages-1048576kB/nr_overcommit_hugepages")" = 2 ]
	# revert undoes the last apply: 2M back to 32, its line too
	run "$HV" --root "$R" apply --revert --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$H/hugepages-2048kB/nr_overcommit_hugepages")" = 32 ]
	grep -qx 'w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 32' "$F"
	# and the one before it: nothing set, no file
	run "$HV" --root "$R" apply --revert --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$H/hugepages-2048kB/nr_overcommit_hugepages")" = 0 ]
	[ "$(cat "$H/hugepages-1048576kB/nr_overcommit_hugepages")" = 0 ]
	[ ! -e "$F" ]
}

@test "overcommit: a drop-in line hvoplan does not write is refused (exit 3), naming file and line, with no change" {
	mkdir -p "$R/etc/tmpfiles.d"
	printf '%s\n' 'w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 4' \
		'w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages - - - - 4' >"$F"
	before=$(tree)
	run "$HV" --root "$R" apply --overcommit 2M:8 --persist --yes
	[ "$status" -eq 3 ]
	[[ $output == *"/etc/tmpfiles.d/90-hvoplan.conf:2"* ]]
	[ "$(tree)" = "$before" ]
}

@test "overcommit: the other boot-time writers get a note that says which value the boot ends with; a masked file none" {
	mkdir -p "$R/etc/sysctl.d" "$R/usr/lib/tmpfiles.d" "$R/etc/tmpfiles.d"
	echo "vm.nr_overcommit_hugepages = 7" >"$R/etc/sysctl.d/50-oc.conf"
	echo "w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 9" >"$R/usr/lib/tmpfiles.d/10-vendor.conf"
	echo "w /sys/kernel/mm/hugepages/hugepages-*/nr_overcommit_hugepages - - - - 5" >"$R/usr/lib/tmpfiles.d/zz-glob.conf"
	echo "w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 3" >"$R/usr/lib/tmpfiles.d/masked.conf"
	ln -s /dev/null "$R/etc/tmpfiles.d/masked.conf"
	run "$HV" --root "$R" apply --overcommit 2M:32 --persist
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"/etc/sysctl.d/50-oc.conf:1 also sets the 2M overcommit limit at boot, to '7'"*"no fixed order"* ]]
	[[ $output == *"/usr/lib/tmpfiles.d/10-vendor.conf:1 also sets the 2M overcommit limit at boot, to '9': its file name sorts before 90-hvoplan.conf"* ]]
	[[ $output == *"/usr/lib/tmpfiles.d/zz-glob.conf:1 also sets the 2M overcommit limit at boot, to '5' (its path names several sizes): systemd-tmpfiles writes it after hvoplan's line"* ]]
	[[ $output != *masked.conf* ]]
	# and the notes say what the real tool does with these files
	command -v systemd-tmpfiles >/dev/null || skip "no systemd-tmpfiles"
	run "$HV" --root "$R" apply --overcommit 2M:32 --persist --yes
	[ "$status" -eq 0 ]
	rm "$R/usr/lib/tmpfiles.d/zz-glob.conf"
	echo 0 >"$H/hugepages-2048kB/nr_overcommit_hugepages"
	run systemd-tmpfiles --create --root="$R"
	[[ $output == *"90-hvoplan.conf:4: Duplicate line for path"* ]]
	[ "$(cat "$H/hugepages-2048kB/nr_overcommit_hugepages")" = 9 ]
}

@test "overcommit: JSON names the action kind overcommit with old and new values; @NODE and a stray size are refused" {
	run "$HV" --root "$R" apply --overcommit 2M:16 --json
	[ "$status" -eq 0 ]
	echo "$output" >"$OUT"
	[ "$(jv "$OUT" '[(a["kind"], a["old"], a["new"]) for a in d["actions"]]')" = '[["overcommit", 0, 16]]' ]
	run "$HV" --root "$R" apply --overcommit 2M:16@0
	[ "$status" -eq 2 ]
	[[ $output == *"--overcommit"* ]]
	run "$HV" --root "$R" apply --overcommit 16M:1
	[ "$status" -ne 0 ]
	[[ $output == *16M* ]]
}
