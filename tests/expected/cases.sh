# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The golden transcripts: which commands run over which fixture trees, and
# how. Sourced by tests/expected/regen.sh (writes the files) and by
# tests/cli/golden.bats (diffs against them), so the two cannot drift.
#
# A transcript is tests/expected/COMMAND/FIXTURE.FORMAT: the command's
# standard output only. Its standard error must be empty unless the case
# is marked "err" (stderr by design); then it is kept in FILE.err. A
# sanitizer (make check-asan) writes only to stderr, so it never ends up in
# a transcript; under a sanitizer an unexpected stderr fails the test.
#
# Environment: every command runs under `env -i` with only PATH, LANG=C.UTF-8,
# TZ=UTC and the sanitizers' ASAN_OPTIONS/UBSAN_OPTIONS/LSAN_OPTIONS (no
# LC_ALL, COLUMNS, NO_COLOR, TERM or HVOPLAN_* from the caller); a case may
# set more variables (VAR=VALUE words before the command). Color is off:
# stdout is a file, and tables pass --color=never as well. top runs without
# COLUMNS, so into a file it does not wrap: its frames name the --root
# directory, whose length (the checkout's path) would move the wrap points
# (top.bats checks the wrapping at fixed widths).
#
# Normalisations (sed over stdout and stderr, never in the product):
#   1. the --root directory (the fixture tree in the source tree, or a
#      scratch copy under a temporary directory) is replaced by ROOT: report
#      json names it ("root", "config_source", "boot_log_source"), top names
#      it in its header and its processes line, apply names every file it
#      would write (apply json only in "root": its targets are relative). Nothing else varies: snapshots carry no clock (top prints
#      "?" for the time of a --root frame) and no output has a time stamp.
#
# Fixture sets:
#   vm     every tree under tests/fixtures/vm (read in place, or copied to a
#          scratch directory for the cases marked "copy")
#   procs  top-procs: tests/fixtures/vm/6.12-stale with
#          tests/fixtures/top-procs/root over it (see its SOURCE), built in
#          a scratch directory
#   fleet  all-vm: the directory tests/fixtures/vm itself, every tree in it
#          one host (for `fleet`, which reads many at once)

# "COMMAND FORMAT SETS FLAGS [VAR=VALUE...] ARGS..."
#   SETS: fixture sets, comma separated; FLAGS: "-" or a comma-separated
#   list of: copy (run on a scratch copy of the tree), err (stderr by design),
#   operand (ROOT is appended as an operand, for fleet's PATH, instead of
#   --root ROOT), status (the exit status is part of the answer, as verify's
#   drift: it is the transcript's last line, "exit N", and not a failure).
#   ARGS are split on blanks; --root ROOT is appended.
# shellcheck disable=SC2034 # used by the scripts that source this one
HV_CASES=(
	"report table vm - report --color=never"
	"report raw vm - report -r"
	"report json vm - report --format json"
	"report prometheus vm - report --format prometheus"
	"plan table vm - plan --from-host --color=never"
	"plan json vm - plan --from-host --format json"
	"top batch vm,procs - top -b -n 1 --color=never"
	"top smaps procs - top -b -n 1 --smaps --nodes --color=never"
	"apply dry-run vm copy apply --hvo on --pages 2M:512,1G:1 --persist --bootloader manual"
	"apply json vm copy apply --format json --hvo on --pages 2M:512,1G:1 --persist --bootloader manual"
	"verify text vm status verify"
	"verify json vm status verify --format json"
	"fleet table fleet operand fleet --color=never"
	"fleet json fleet operand fleet --format json"
	"fleet csv fleet operand fleet --format csv"
)

# hv_case_fixtures TOPDIR SETS: the fixture names of SETS, one a line
hv_case_fixtures() {
	local top=$1 set d
	local -a sets
	IFS=, read -ra sets <<<"$2"
	for set in "${sets[@]}"; do
		case $set in
		vm) for d in "$top"/tests/fixtures/vm/*/; do d=${d%/}; echo "${d##*/}"; done ;;
		procs) echo top-procs ;;
		fleet) echo all-vm ;;
		*) echo "cases.sh: unknown fixture set '$set'" >&2; return 2 ;;
		esac
	done
}

# hv_case_root TOPDIR FIXTURE FLAGS SCRATCH: prints the --root directory
# for FIXTURE, building it under SCRATCH (an empty directory) if needed
hv_case_root() {
	local top=$1 fx=$2 flags=$3 scratch=$4
	if [ "$fx" = all-vm ]; then
		echo "$top/tests/fixtures/vm"
	elif [ "$fx" = top-procs ]; then
		cp -r "$top/tests/fixtures/vm/6.12-stale/." "$scratch/" &&
			cp -r "$top/tests/fixtures/top-procs/root/." "$scratch/" || return
		echo "$scratch"
	elif [[ ,$flags, == *,copy,* ]]; then
		cp -a "$top/tests/fixtures/vm/$fx/." "$scratch/" || return
		echo "$scratch"
	else
		echo "$top/tests/fixtures/vm/$fx"
	fi
}

# hv_case_normalise ROOT: the normalisations listed above, stdin to stdout
hv_case_normalise() {
	local re
	re=$(printf '%s' "$1" | sed 's/[][\.*^$|]/\\&/g')
	sed "s|$re|ROOT|g"
}

# hv_case_run BIN TOPDIR CASE FIXTURE SCRATCH OUT ERR: runs CASE on FIXTURE,
# writes its normalised stdout to OUT and stderr to ERR; returns its status
hv_case_run() {
	local bin=$1 top=$2 fx=$4 scratch=$5 out=$6 err=$7
	local cmd fmt sets flags root rc
	local -a words vars=()
	read -r cmd fmt sets flags _ <<<"$3"
	read -ra words <<<"$3"
	words=("${words[@]:4}")
	while [[ ${words[0]} == [A-Z]*=* ]]; do vars+=("${words[0]}"); words=("${words[@]:1}"); done
	root=$(hv_case_root "$top" "$fx" "$flags" "$scratch") || return 125
	local -a rootopt=(--root)
	[[ ,$flags, == *,operand,* ]] && rootopt=()
	env -i PATH="$PATH" LANG=C.UTF-8 TZ=UTC \
		${ASAN_OPTIONS+"ASAN_OPTIONS=$ASAN_OPTIONS"} \
		${UBSAN_OPTIONS+"UBSAN_OPTIONS=$UBSAN_OPTIONS"} \
		${LSAN_OPTIONS+"LSAN_OPTIONS=$LSAN_OPTIONS"} \
		"${vars[@]}" "$bin" "${words[@]}" ${rootopt[@]+"${rootopt[@]}"} "$root" >"$out.raw" 2>"$err.raw"
	rc=$?
	hv_case_normalise "$root" <"$out.raw" >"$out" && hv_case_normalise "$root" <"$err.raw" >"$err" || return 125
	rm -f "$out.raw" "$err.raw"
	# a command whose exit status is part of its answer: recorded, not failed
	if [[ ,$flags, == *,status,* ]]; then
		echo "exit $rc" >>"$out"
		return 0
	fi
	return "$rc"
}

# hv_case_file TOPDIR CASE FIXTURE: the transcript's path
hv_case_file() {
	local cmd fmt
	read -r cmd fmt _ <<<"$2"
	echo "$1/tests/expected/$cmd/$3.$fmt"
}
