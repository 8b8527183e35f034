#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Every command takes a snapshot archive (FILE.tar, as 'snapshot -o FILE.tar'
# writes) for --root as it takes the directory: one extraction
# (hv_root_open in src/probe/root.c, called once by src/main.c), removed
# when the command ends.

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	FX=$(cd "$BATS_TEST_DIRNAME/../fixtures/vm/6.12-stale" && pwd)
	export LANG=C.UTF-8 LC_ALL=C.UTF-8 COLUMNS=120
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH HVOPLAN_CONFIG
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	T=$BATS_TEST_TMPDIR/s.tar
	"$HV" --root "$FX" snapshot -o "$T" 2>/dev/null
	# the directory the archive holds, for the comparisons
	D=$BATS_TEST_TMPDIR/d
	mkdir -p "$D"
	tar -C "$D" -xf "$T"
}

teardown() {
	[ -z "$(ls -A "$TMPDIR")" ] # no extraction is left behind
}

@test "report on the archive equals report on its directory" {
	run "$HV" --root "$T" report
	[ "$status" -eq 0 ]
	a=${output//"$T"/ROOT}
	run "$HV" --root "$D" report
	[ "$a" = "${output//"$D"/ROOT}" ]
}

@test "plan --from-host on the archive equals the plan of its directory" {
	run "$HV" --root "$T" plan --from-host --json
	[ "$status" -eq 0 ]
	a=${output//"$T"/ROOT}
	run "$HV" --root "$D" plan --from-host --json
	[ "$a" = "${output//"$D"/ROOT}" ]
}

@test "top -b on the archive equals top -b on its directory" {
	run "$HV" --root "$T" top -b -n 1 --nodes
	[ "$status" -eq 0 ]
	[[ $output == *"(snapshot $T)"* ]]
	a=${output//"$T"/ROOT}
	run "$HV" --root "$D" top -b -n 1 --nodes
	[ "$status" -eq 0 ]
	b=${output//"$D"/ROOT}
	[ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b"); false; }
}

@test "apply dry run on the archive equals the dry run on its directory" {
	for args in "--hvo off" "--pages 2M:10 --persist --bootloader grub" "--reoptimize"; do
		# shellcheck disable=SC2086
		run "$HV" --root "$T" apply $args
		[ "$status" -eq 0 ] || { echo "apply $args: $output"; false; }
		a=${output//"$T"/ROOT}
		# shellcheck disable=SC2086
		run "$HV" --root "$D" apply $args
		b=${output//"$D"/ROOT}
		[ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b"); false; }
	done
}

@test "apply --yes on the archive is refused, naming it; the archive is unchanged" {
	sum=$(sha256sum <"$T")
	run "$HV" --root "$T" apply --hvo off --yes
	[ "$status" -eq 3 ]
	[[ $output == *"$T: a snapshot archive cannot be changed in place"* ]]
	[[ $output != *applied* ]]
	run "$HV" --root "$T" apply --revert --yes
	[ "$status" -eq 3 ]
	[[ $output == *"$T: a snapshot archive cannot be changed in place"* ]]
	[ "$(sha256sum <"$T")" = "$sum" ]
}

@test "snapshot of the archive holds what the archive holds" {
	run "$HV" --root "$T" snapshot -o "$BATS_TEST_TMPDIR/again"
	[ "$status" -eq 0 ]
	diff -r -x hvoplan-snapshot.txt "$D" "$BATS_TEST_TMPDIR/again"
}

@test "a damaged archive fails every command with exit 3, naming it" {
	head -c 1000 "$T" >"$BATS_TEST_TMPDIR/bad.tar"
	for cmd in report "plan --from-host" "top -b -n 1" "apply --hvo off" "snapshot -o $BATS_TEST_TMPDIR/x"; do
		# shellcheck disable=SC2086
		run "$HV" --root "$BATS_TEST_TMPDIR/bad.tar" $cmd
		[ "$status" -eq 3 ] || { echo "$cmd -> $status: $output"; false; }
		[[ $output == *bad.tar* ]] || { echo "$cmd: $output"; false; }
	done
}

@test "a missing --root fails every command that reads it once, with exit 3 and one message" {
	for cmd in report "plan --from-host" "top -b -n 1" "apply --hvo off" "snapshot -o $BATS_TEST_TMPDIR/x"; do
		for root in "$BATS_TEST_TMPDIR/none.tar" "$BATS_TEST_TMPDIR/none"; do
			# shellcheck disable=SC2086
			run "$HV" $cmd --root "$root"
			[ "$status" -eq 3 ] || { echo "$cmd --root $root -> $status: $output"; false; }
			[ "$output" = "hvoplan: $root: No such file or directory" ] || { echo "$cmd: $output"; false; }
		done
	done
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}
