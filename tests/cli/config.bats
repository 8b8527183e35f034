#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan.conf for apply: where it is read from, errors naming file, line
# and key, and command line > environment > file. Any user.

setup_file() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	export SNAP=$BATS_FILE_TMPDIR/snap
	"$HV" snapshot -o "$SNAP" >/dev/null 2>&1
}

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH HVOPLAN_CONFIG
	R=$BATS_TEST_TMPDIR/root
	cp -a "$SNAP" "$R"
	# the host's own boot configuration, which the snapshot keeps for verify, is
	# not this test's starting point: it writes its own
	rm -rf "$R/etc" "$R/boot"
	echo 0 >"$R/proc/sys/vm/hugetlb_optimize_vmemmap"
	# empty pools, whatever the live host held when it was captured (a
	# pool with free pages left as is would have free > nr)
	find "$R/sys" -path '*hugepages-*' -name '*_hugepages' -exec sh -c 'for f; do echo 0 >"$f"; done' sh {} +
	C=$BATS_TEST_TMPDIR/hvoplan.conf
}

@test "config: ROOT/etc/hvoplan.conf is read by default" {
	mkdir -p "$R/etc"
	printf '[apply]\nhvo = on\npages = 2M:12\n' >"$R/etc/hvoplan.conf"
	run "$HV" --root "$R" apply
	[ "$status" -eq 0 ]
	[[ $output == *"set vm.hugetlb_optimize_vmemmap 0 -> 1"* ]]
	[[ $output == *"set 2M pool 0 -> 12 pages"* ]]
}

@test "config: a missing default file is fine, a missing explicit one is an error" {
	run "$HV" --root "$R" apply --hvo on
	[ "$status" -eq 0 ]
	run "$HV" --root "$R" apply --hvo on --config "$BATS_TEST_TMPDIR/nope.conf"
	[ "$status" -eq 3 ]
	[[ $output == *"nope.conf"* ]]
	HVOPLAN_CONFIG=$BATS_TEST_TMPDIR/nope.conf run "$HV" --root "$R" apply --hvo on
	[ "$status" -eq 3 ]
}

@test "config: unknown keys and bad values name file, line and key (exit 2, no change)" {
	printf '[apply]\nhvo = on\npagez = 2M:1\n' >"$C"
	run "$HV" --root "$R" apply --config "$C" --yes
	[ "$status" -eq 2 ]
	[[ $output == *"$C:3: pagez: unknown key"* ]]
	printf '[apply]\n\npages = 2M:1 $(reboot)\n' >"$C"
	run "$HV" --root "$R" apply --config "$C" --yes
	[ "$status" -eq 2 ]
	[[ $output == *"$C:3: pages:"* ]] || [[ $output == *"$C:3"* ]]
	printf '[apply]\npersist = sometimes\n' >"$C"
	run "$HV" --root "$R" apply --config "$C" --yes
	[ "$status" -eq 2 ]
	[[ $output == *"$C:2: persist: 'sometimes' is not yes or no"* ]]
	[ "$(cat "$R/proc/sys/vm/hugetlb_optimize_vmemmap")" = 0 ]
}

@test "config: command line > environment > file" {
	printf '[apply]\nhvo = off\npages = 2M:4\n' >"$C"
	echo 1 >"$R/proc/sys/vm/hugetlb_optimize_vmemmap"
	run "$HV" --root "$R" apply --config "$C"
	[[ $output == *"vm.hugetlb_optimize_vmemmap 1 -> 0"* && $output == *"0 -> 4 pages"* ]]
	HVOPLAN_PAGES=2M:8 run "$HV" --root "$R" apply --config "$C"
	[[ $output == *"0 -> 8 pages"* ]]
	HVOPLAN_PAGES=2M:8 HVOPLAN_HVO=on run "$HV" --root "$R" apply --config "$C" --pages 2M:16
	[[ $output == *"0 -> 16 pages"* ]]
	[[ $output != *"hugetlb_optimize_vmemmap 1 -> 0"* ]]
}

@test "config: the documented hvoplan.conf names every key apply knows" {
	for k in hvo pages persist reoptimize bootloader batch; do
		grep -q "^#$k = " "$TOPDIR/hvoplan.conf" || { echo "missing $k"; false; }
		grep -q "^\.BR\? $k\b\|^\.BI $k\b" "$TOPDIR/man/hvoplan.conf.5" || { echo "man lacks $k"; false; }
	done
	# uncommented, it is a valid config
	sed 's/^#\([a-z]* = \)/\1/; s/1G:64/2M:2/; /^pages = 2M:1024/d' "$TOPDIR/hvoplan.conf" >"$C"
	run "$HV" --root "$R" apply --config "$C"
	[ "$status" -eq 0 ]
	[[ $output == *"set 2M pool 0 -> 2 pages"* ]]
}

@test "config: --config before the command is the global form; apply's own --config wins" {
	printf '[apply]\nhvo = on\n' >"$C"
	run "$HV" --root "$R" --config "$C" apply
	[ "$status" -eq 0 ]
	[[ $output == *"set vm.hugetlb_optimize_vmemmap 0 -> 1"* ]]
	run "$HV" --root "$R" --config "$BATS_TEST_TMPDIR/nope.conf" apply --config "$C"
	[ "$status" -eq 0 ]
	run "$HV" --root "$R" --config "$BATS_TEST_TMPDIR/nope.conf" apply
	[ "$status" -eq 3 ]
	[[ $output == *"nope.conf"* ]]
}
