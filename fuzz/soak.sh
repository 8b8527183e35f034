#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Longer fuzzing: every target for SECONDS each (default 600), two at a time
# (one per core), keeping the grown corpora under build/fuzz/work/ between
# runs. Then merges what was found into a minimized corpus under
# build/fuzz/merged/<target> (copy interesting files into fuzz/corpus/ by
# hand: the committed seeds stay small).
#   fuzz/soak.sh [SECONDS] [JOBS]
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
jobs=${2:-$(nproc)}
OUT=${FUZZ_OUT:-build/fuzz}
fuzz/build.sh >/dev/null || exit 3
targets=()
for t in fuzz/targets/fuzz_*.c; do
	t=$(basename "${t%.c}")
	targets+=("${t#fuzz_}")
done
printf '%s\n' "${targets[@]}" |
	FUZZ_NO_BUILD=1 xargs -P "$jobs" -I{} env FUZZ_RESULTS="$OUT/soak-{}.tsv" fuzz/run.sh "$secs" {} >"$OUT/soak.out" 2>&1
rc=$?
grep -v '^TARGET' "$OUT/soak.out" | sort
for t in "${targets[@]}"; do
	mkdir -p "$OUT/merged/$t"
	"$OUT/bin/fuzz_$t" -merge=1 "$OUT/merged/$t" "$OUT/work/$t" fuzz/corpus/$t >/dev/null 2>&1
done
echo "soak: ${secs}s per target; merged corpora in $OUT/merged/"
exit $rc
