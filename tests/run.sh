#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The whole test suite: C unit tests (cmocka), command-line tests over
# fixtures (bats) and, as root on a kernel with hugetlbfs, tests on real
# hugepages (bats, restoring the pools and sysctl they found).
# Ends with "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export HVOPLAN=${HVOPLAN:-$PWD/hvoplan}
[[ $HVOPLAN = /* ]] || HVOPLAN=$PWD/$HVOPLAN
export HVOPLAN_TOP=$PWD
passed=0 failed=0 skipped=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	"$t" >"$log/$name.out" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log/$name.out" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed below:/\1/p' "$log/$name.out" | tail -1)
	p=${p:-0} f=${f:-0}
	# A crash (sanitizer abort, signal) prints no summary: count it as a failure.
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)) failed=$((failed + f))
	if [ "$f" -ne 0 ]; then cat "$log/$name.out"; fi
	echo "unit $name: $p passed, $f failed"
done

run_bats() {
	local dir=$1
	local out=$log/$(basename "$dir").tap
	compgen -G "$dir/*.bats" >/dev/null || return 0
	bats --tap "$dir" >"$out" 2>&1
	local p f s
	s=$(grep -c '^ok .* # skip' "$out")
	p=$(($(grep -c '^ok ' "$out") - s))
	f=$(grep -c '^not ok ' "$out")
	grep -q '^1\.\.' "$out" || f=$((f + 1)) # bats itself failed to run
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	grep -E '^not ok|^# ' "$out" | head -200
	grep -q '^1\.\.' "$out" || tail -20 "$out"
	echo "bats $dir: $p passed, $f failed, $s skipped"
}
run_bats tests/cli
# HVOPLAN_SKIP_LIVE=1: leave the live pools alone (a second checkout testing
# while another one owns the host's hugepages).
if [ "${HVOPLAN_SKIP_LIVE:-0}" != 1 ]; then run_bats tests/live; fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
