#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The license: COPYING is the GNU GPL version 2, and every source file the
# project wrote carries the SPDX line first (second after a #! or #compdef
# line). Fixtures and fuzz corpora are data, not checked. Any user.

SPDX='SPDX-License-Identifier: GPL-2.0-or-later'

setup() {
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
}

# Tracked files under the given paths; a plain tree (a copy without .git,
# as debian/build-and-test.sh builds from) falls back to find.
sources() {
	if git -C "$TOPDIR" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$TOPDIR" ls-files -- "$@"
	else
		(cd "$TOPDIR" && find "$@" -type f 2>/dev/null | sed 's|^\./||')
	fi
}

# The SPDX line of FILE: line 1, or line 2 when line 1 is #! or #compdef.
spdx_ok() {
	local first second
	{ IFS= read -r first; IFS= read -r second; } <"$TOPDIR/$1" || true
	case $first in
	'#!'* | '#compdef'*) [[ $second == *"$SPDX"* ]] ;;
	*) [[ $first == *"$SPDX"* ]] ;;
	esac
}

@test "license: COPYING is the GNU GPL version 2" {
	[ -f "$TOPDIR/COPYING" ]
	grep -q 'GNU GENERAL PUBLIC LICENSE' "$TOPDIR/COPYING"
	grep -q 'Version 2, June 1991' "$TOPDIR/COPYING"
	if [ -f /usr/share/common-licenses/GPL-2 ]; then
		cmp "$TOPDIR/COPYING" /usr/share/common-licenses/GPL-2
	fi
}

@test "license: every source file under src include tests/unit fuzz/targets scripts has the SPDX line" {
	n=0 bad=()
	while IFS= read -r f; do
		n=$((n + 1))
		spdx_ok "$f" || bad+=("$f")
	done < <(sources src include tests/unit fuzz/targets scripts)
	[ "${#bad[@]}" -eq 0 ] || { printf 'no SPDX line: %s\n' "${bad[@]}"; false; }
	[ "$n" -ge 100 ]
}

@test "license: scripts, bats files, man pages, completions, examples and the Makefile have the SPDX line" {
	bad=()
	while IFS= read -r f; do
		case $f in tests/fixtures/* | fuzz/corpus/*) continue ;; esac
		case $f in
		# JSON has no comments: the line is a value (the Grafana dashboard's "__license")
		examples/*.json | examples/*/*.json) grep -q "\"__license\": \"$SPDX\"" "$TOPDIR/$f" || bad+=("$f") ;;
		*.sh | *.bats | *.bash | man/* | completions/* | examples/* | contrib/* | Makefile | debian/rules | tests/live/*.c | tests/fault/*.c)
			spdx_ok "$f" || bad+=("$f") ;;
		esac
	done < <(sources .)
	[ "${#bad[@]}" -eq 0 ] || { printf 'no SPDX line: %s\n' "${bad[@]}"; false; }
}

@test "license: the zsh completion keeps #compdef on its first line" {
	[ "$(head -n1 "$TOPDIR/completions/_hvoplan")" = "#compdef hvoplan" ]
}

@test "license: debian/copyright names GPL-2.0-or-later and the common license file" {
	grep -qx 'License: GPL-2.0-or-later' "$TOPDIR/debian/copyright"
	grep -q '/usr/share/common-licenses/GPL-2' "$TOPDIR/debian/copyright"
}
