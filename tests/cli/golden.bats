#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden transcripts: every case of tests/expected/cases.sh over its fixture
# trees, diffed against tests/expected/COMMAND/FIXTURE.FORMAT. A format
# change fails here as a diff to review; if it is intended, run
# tests/expected/regen.sh and commit the new transcripts with the change
# (HACKING.md, "Golden transcripts").

setup() {
	TOPDIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	HV=${HVOPLAN:-$TOPDIR/hvoplan}
	. "$TOPDIR/tests/expected/cases.sh"
}

# golden COMMAND FORMAT: the case's transcripts, every fixture; prints the
# diff of the first mismatch and the names of the others
golden() {
	local c cmd fmt case='' fx file bad=() rc
	for c in "${HV_CASES[@]}"; do
		read -r cmd fmt _ <<<"$c"
		[ "$cmd $fmt" = "$1 $2" ] && case=$c
	done
	[ -n "$case" ] || { echo "no case '$1 $2' in tests/expected/cases.sh"; return 1; }
	read -r _ _ sets flags _ <<<"$case"
	local fixtures
	fixtures=$(hv_case_fixtures "$TOPDIR" "$sets")
	[ -n "$fixtures" ]
	for fx in $fixtures; do
		file=$(hv_case_file "$TOPDIR" "$case" "$fx")
		local s=$BATS_TEST_TMPDIR/$fx
		mkdir -p "$s/root"
		rc=0
		hv_case_run "$HV" "$TOPDIR" "$case" "$fx" "$s/root" "$s/out" "$s/err" || rc=$?
		local why=
		if [ "$rc" -ne 0 ]; then
			why="exit status $rc"
		elif [ ! -f "$file" ]; then
			why="${file#"$TOPDIR"/} is missing (run tests/expected/regen.sh)"
		elif ! diff -u --label "${file#"$TOPDIR"/}" --label "$1 $2 on $fx" "$file" "$s/out" >"$s/diff"; then
			why="stdout differs"
		elif [[ ,$flags, == *,err,* ]]; then
			diff -u --label "${file#"$TOPDIR"/}.err" --label "stderr of $1 $2 on $fx" "$file.err" "$s/err" >"$s/diff" ||
				why="stderr differs"
		elif [ -s "$s/err" ]; then
			why="unexpected stderr"
			cp "$s/err" "$s/diff"
		fi
		if [ -n "$why" ]; then
			if [ ${#bad[@]} -eq 0 ]; then
				echo "$1 $2 on $fx: $why"
				[ -f "$s/diff" ] && cat "$s/diff"
				[ "$rc" -ne 0 ] && cat "$s/err"
			fi
			bad+=("$fx")
		fi
	done
	[ ${#bad[@]} -eq 0 ] || { echo "mismatches: ${bad[*]}"; return 1; }
}

@test "golden: report table" { golden report table; }
@test "golden: report raw" { golden report raw; }
@test "golden: report json" { golden report json; }
@test "golden: report prometheus" { golden report prometheus; }
@test "golden: plan table" { golden plan table; }
@test "golden: plan json" { golden plan json; }
@test "golden: top batch" { golden top batch; }
@test "golden: top smaps" { golden top smaps; }
@test "golden: apply dry-run" { golden apply dry-run; }
@test "golden: apply json" { golden apply json; }
@test "golden: verify text" { golden verify text; }
@test "golden: verify json" { golden verify json; }
@test "golden: fleet table" { golden fleet table; }
@test "golden: fleet json" { golden fleet json; }
@test "golden: fleet csv" { golden fleet csv; }

@test "golden: every case of cases.sh has its test here, every transcript its case" {
	for c in "${HV_CASES[@]}"; do
		read -r cmd fmt _ <<<"$c"
		grep -qxF "@test \"golden: $cmd $fmt\" { golden $cmd $fmt; }" "$BATS_TEST_FILENAME" ||
			{ echo "case '$cmd $fmt' has no test in golden.bats"; false; }
	done
	for c in "${HV_CASES[@]}"; do
		read -r _ _ sets flags _ <<<"$c"
		for fx in $(hv_case_fixtures "$TOPDIR" "$sets"); do
			f=$(hv_case_file "$TOPDIR" "$c" "$fx")
			echo "${f#"$TOPDIR"/}"
			[[ ,$flags, == *,err,* ]] && echo "${f#"$TOPDIR"/}.err"
		done
	done | sort >"$BATS_TEST_TMPDIR/want"
	(cd "$TOPDIR" && find tests/expected -mindepth 2 -type f | sort) >"$BATS_TEST_TMPDIR/have"
	diff -u --label "transcripts of cases.sh" --label "files under tests/expected" \
		"$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/have"
}
