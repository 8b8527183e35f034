#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Every man page in man/: lint clean (man --warnings), section from the
# suffix matches .TH, NAME names the file, and the pages refer only to pages
# that exist. Any user.

setup() {
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
	command -v man >/dev/null || skip "man-db not installed"
}

@test "manpages: every page in man/ is lint clean" {
	n=0
	for p in "$TOPDIR"/man/*.[0-9]; do
		run man --warnings -l "$p"
		[ "$status" -eq 0 ] || { echo "$p: exit $status"; false; }
		warn=$(man --warnings -l "$p" 2>&1 >/dev/null)
		[ -z "$warn" ] || { echo "$p: $warn"; false; }
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
}

@test "manpages: .TH section and name match the file name" {
	for p in "$TOPDIR"/man/*.[0-9]; do
		f=${p##*/} sec=${f##*.} name=${f%.*}
		th=$(grep -m1 '^\.TH' "$p")
		read -r _ thname thsec _ <<<"$th"
		[ "$thsec" = "$sec" ] || { echo "$f: .TH section $thsec"; false; }
		[ "$(tr -d '\\' <<<"$thname")" = "$(tr a-z A-Z <<<"$name")" ] || { echo "$f: .TH $thname"; false; }
	done
}

@test "manpages: references to hvoplan pages name pages that exist" {
	for p in "$TOPDIR"/man/*.[0-9]; do
		for ref in $(grep -ohE '^\.BR hvoplan[^ ]* \([0-9]\)' "$p" | sed 's/^\.BR //; s/\\//g; s/ (\([0-9]\))/.\1/'); do
			[ -f "$TOPDIR/man/$ref" ] || { echo "${p##*/} refers to $ref, not in man/"; false; }
		done
	done
}
