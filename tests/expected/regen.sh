#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Regenerates every golden transcript under tests/expected/ from the cases
# in tests/expected/cases.sh (the environment and normalisations are listed
# there). Usage: tests/expected/regen.sh [BIN]; BIN defaults to ./hvoplan.
# Review the result with `git diff tests/expected` before committing it.
# A command that exits non-zero, or writes to stderr without its case
# being marked "err", stops the run: a transcript records a working command.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$top/hvoplan}
[[ $bin = /* ]] || bin=$PWD/$bin
[ -x "$bin" ] || { echo "regen.sh: $bin: not an executable (run make first)" >&2; exit 2; }
# shellcheck source=tests/expected/cases.sh
. "$top/tests/expected/cases.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
for c in "${HV_CASES[@]}"; do
	read -r cmd fmt sets flags _ <<<"$c"
	mkdir -p "$top/tests/expected/$cmd"
	fixtures=$(hv_case_fixtures "$top" "$sets") || exit 2
	for fx in $fixtures; do
		file=$(hv_case_file "$top" "$c" "$fx")
		rm -rf "$tmp/root" && mkdir "$tmp/root"
		hv_case_run "$bin" "$top" "$c" "$fx" "$tmp/root" "$tmp/out" "$tmp/err"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "regen.sh: $cmd $fmt on $fx: exit status $rc" >&2
			cat "$tmp/err" >&2
			exit 1
		fi
		if [[ ,$flags, == *,err,* ]]; then
			cp "$tmp/err" "$file.err"
		elif [ -s "$tmp/err" ]; then
			echo "regen.sh: $cmd $fmt on $fx wrote to stderr (mark the case \"err\" if it does by design):" >&2
			cat "$tmp/err" >&2
			exit 1
		else
			rm -f "$file.err"
		fi
		cp "$tmp/out" "$file"
		n=$((n + 1))
	done
done
# transcripts no case writes any more
find "$top/tests/expected" -mindepth 2 -type f | sort >"$tmp/all"
for c in "${HV_CASES[@]}"; do
	read -r cmd fmt sets _ <<<"$c"
	for fx in $(hv_case_fixtures "$top" "$sets"); do
		f=$(hv_case_file "$top" "$c" "$fx")
		echo "$f"
		[[ ,$(read -r _ _ _ fl _ <<<"$c"; echo "$fl"), == *,err,* ]] && echo "$f.err"
	done
done | sort >"$tmp/want"
comm -23 "$tmp/all" "$tmp/want" | while read -r f; do
	echo "regen.sh: removing ${f#"$top"/} (no case writes it)"
	rm -f "$f"
done
echo "regen.sh: $n transcripts written with $bin"
