#!/bin/bash
# Compare `hvoplan report --format json --root FIXTURE` with the kernel's ground
# truth (check-ground-truth.sh) for every VM fixture.
#
#   tests/vm/compare.sh [HVOPLAN_BINARY] [FIXTURE_DIR...]
#
# Checked per fixture: hstates[].nr, hstates[].optimizable_bytes_per_page (per
# size, against the boot-log "KiB vmemmap can be freed" line) and
# memmap.realized_savings_bytes (against baseline - nr_memmap_pages -
# nr_memmap_boot_pages; must be null where the kernel lacks the counters).
# Prints ok/FAIL per fixture and "N passed, N failed"; exit 1 on any failure,
# 0 with "SKIP: ..." when the binary is missing.
set -euo pipefail
# shellcheck source=tests/vm/lib.sh
. "$(dirname "$0")/lib.sh"

bin=${1:-$REPO_TOP/hvoplan}
shift || true
if [ ! -x "$bin" ]; then
    echo "SKIP: $bin not built (run make)"
    exit 0
fi
if ! command -v jq >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null 2>&1 || {
        echo "SKIP: jq not available"
        exit 0
    }
fi

dirs=("$@")
if [ "${#dirs[@]}" = 0 ]; then
    for d in "$FIXTURE_DIR"/*-*/; do
        [ -f "$d/SOURCE" ] && dirs+=("${d%/}")
    done
fi

mkdir -p "$VM_OUT"
pass=0 fail=0
for d in "${dirs[@]}"; do
    name=$(basename "$d")
    gt=$("$VM_DIR/check-ground-truth.sh" "$d")
    get() { sed -n "s/^$1=//p" <<<"$gt"; }
    errs=()
    if ! json=$("$bin" report --format json --root "$d" 2>"$VM_OUT/compare.err"); then
        rc=$?
        # exit 1 only means findings at or above --fail-on
        [ "$rc" = 1 ] || errs+=("hvoplan exited $rc: $(head -n1 "$VM_OUT/compare.err")")
    fi
    if [ "${#errs[@]}" = 0 ]; then
        want=$(get realized_savings_bytes)
        got=$(jq -r '.memmap.realized_savings_bytes // "null"' <<<"$json")
        [ "$want" = NA ] && want=null
        [ "$got" = "$want" ] || errs+=("memmap.realized_savings_bytes: want $want got $got")
        while IFS= read -r line; do
            kb=${line#hstate.}
            kb=${kb%%kB.*}
            size=$((kb * 1024))
            want_nr=$(get "hstate.${kb}kB.nr")
            got_nr=$(jq -r --argjson s "$size" '(.hstates[] | select(.size == $s) | .nr) // "missing"' <<<"$json")
            [ "$got_nr" = "$want_nr" ] || errs+=("hstates[size=$size].nr: want $want_nr got $got_nr")
            want_opt=$(get "hstate.${kb}kB.optimizable_bytes_per_page")
            if [ "$want_opt" != NA ]; then
                got_opt=$(jq -r --argjson s "$size" '(.hstates[] | select(.size == $s) | .optimizable_bytes_per_page) // "missing"' <<<"$json")
                [ "$got_opt" = "$want_opt" ] ||
                    errs+=("hstates[size=$size].optimizable_bytes_per_page: want $want_opt got $got_opt")
            fi
        done < <(grep -E '^hstate\.[0-9]+kB\.size_bytes=' <<<"$gt")
    fi
    if [ "${#errs[@]}" = 0 ]; then
        echo "ok $name"
        pass=$((pass + 1))
    else
        echo "FAIL $name"
        printf '    %s\n' "${errs[@]}"
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
