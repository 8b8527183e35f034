#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every libFuzzer target for SECONDS (default 10) on its seed corpus
# (fuzz/corpus/<target>, read only) plus a scratch corpus under build/fuzz/.
#   fuzz/run.sh [SECONDS] [TARGET...]
#   fuzz/run.sh --update-doc [SECONDS]   also rewrites the results table in
#                                        tests/RELIABILITY.md (and runs the
#                                        valgrind checks, fuzz/valgrind.sh)
# Prints per target: executions, corpus size, result. Exits 1 if any target
# crashed, hit a sanitizer, timed out or leaked; the input is kept under
# build/fuzz/artifacts/<target>/ and its path printed.
set -uo pipefail
cd "$(dirname "$0")/.."
update_doc=0
if [ "${1:-}" = --update-doc ]; then
	update_doc=1
	shift
fi
secs=${1:-10}
shift || true
[[ $secs =~ ^[0-9]+$ ]] || { echo "usage: fuzz/run.sh [--update-doc] [SECONDS] [TARGET...]" >&2; exit 2; }
OUT=${FUZZ_OUT:-build/fuzz}
[ "${FUZZ_NO_BUILD:-0}" = 1 ] || fuzz/build.sh >/dev/null || exit 3

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
	for t in fuzz/targets/fuzz_*.c; do
		t=$(basename "${t%.c}")
		targets+=("${t#fuzz_}")
	done
fi

results=${FUZZ_RESULTS:-$OUT/results.tsv}
: >"$results"
failed=0
printf '%-11s %12s %8s  %s\n' TARGET EXECUTIONS CORPUS RESULT
for t in "${targets[@]}"; do
	bin=$OUT/bin/fuzz_$t
	seeds=fuzz/corpus/$t
	work=$OUT/work/$t
	art=$OUT/artifacts/$t/
	log=$OUT/logs/$t.log
	[ -x "$bin" ] || { echo "no target $t" >&2; exit 2; }
	mkdir -p "$work" "$art" "$(dirname "$log")" "$seeds"
	# New inputs go to the first directory (scratch), never into the seeds.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	corp=$(grep -Eo 'corp: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		failed=1
		what=$(grep -Eo 'ERROR: [A-Za-z]+: [a-z-]+|runtime error: [^:]*|invariant failed: .*|deadly signal|timeout|out-of-memory' "$log" | head -1)
		crash=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$log" | tail -1)
		result="FAIL (${what:-exit $rc}) ${crash:-see $log}"
	fi
	printf '%-11s %12s %8s  %s\n' "$t" "${execs:-?}" "${corp:-?}" "$result"
	printf '%s\t%s\t%s\t%s\t%s\n' "$t" "${execs:-?}" "${corp:-?}" "$(ls "$seeds" | wc -l)" "$result" >>"$results"
done

if [ "$update_doc" -eq 1 ]; then
	fuzz/update-doc.sh "$secs" "$results" || failed=1
fi
[ "$failed" -eq 0 ]
