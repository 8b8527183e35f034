#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The longest functions in src/, longest first: "LINES FILE:LINE NAME".
# A function starts at a line beginning with a name and "(" (the project's
# style puts the return type on the same line) and ends at the next "}" in
# column 1.  scripts/long-functions.sh [REV [N]]: REV (a git revision) reads
# the files as they were there; N lines shown (default 20).
rev=${1:-}
n=${2:-20}
cd "$(dirname "$0")/.." || exit 1
if [ -n "$rev" ]; then
	files=$(git ls-tree -r --name-only "$rev" -- src | grep '\.c$')
else
	files=$(find src -name '*.c' | sort)
fi
for f in $files; do
	if [ -n "$rev" ]; then git show "$rev:$f"; else cat "$f"; fi |
		awk -v f="$f" '
			/^[a-z].*\(/ && !/;[ \t]*$/ && !/^static const/ && !/^const/ { name = $0; start = NR; next }
			/^}/ && start { sub(/\(.*/, "", name); sub(/.*[ *]/, "", name); print NR - start + 1, f ":" start, name; start = 0 }'
done | sort -rn | head -n "$n"
