#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan report --root FILE.tar reads a snapshot archive without extracting
# it by hand, and leaves no extraction behind.

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	FX=$BATS_TEST_DIRNAME/../fixtures/vm/6.12-stale
}

@test "report --root FILE.tar equals the report of the directory it came from" {
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	"$HV" --root "$FX" snapshot -o "$BATS_TEST_TMPDIR/s.tar" 2>/dev/null
	a=$("$HV" report --root "$FX" --format json | jq -S 'del(.source, .kernel.config_source, .kernel.boot_log_source, .notes)')
	b=$("$HV" report --root "$BATS_TEST_TMPDIR/s.tar" --format json)
	[ "$(jq -r .source.root <<<"$b")" = "$BATS_TEST_TMPDIR/s.tar" ]
	b=$(jq -S 'del(.source, .kernel.config_source, .kernel.boot_log_source, .notes)' <<<"$b")
	[ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b"); false; }
	[ -z "$(ls -A "$TMPDIR")" ] # the private extraction is gone
}

@test "report --root of a hostile archive fails with exit 3 and leaves nothing" {
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR" "$BATS_TEST_TMPDIR/src"
	echo x >"$BATS_TEST_TMPDIR/src/f"
	tar -C "$BATS_TEST_TMPDIR/src" -cf "$BATS_TEST_TMPDIR/evil.tar" --transform 's|^|../|' f
	run "$HV" report --root "$BATS_TEST_TMPDIR/evil.tar"
	[ "$status" -eq 3 ]
	[[ $output == *evil.tar* ]]
	[ -z "$(ls -A "$TMPDIR")" ]
}
