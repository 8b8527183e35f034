#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Output that cannot be written fails every command alike: main's one check
# of stdout after the command (close_stdout in src/main.c, as util-linux's
# include/closestream.h) exits 3 with "hvoplan: write error: REASON". A
# reader that went away (EPIPE, when SIGPIPE is ignored) is not an error.

bats_require_minimum_version 1.5.0

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	FX=$BATS_TEST_DIRNAME/../fixtures/vm/6.12-stale
	export LANG=C.UTF-8 LC_ALL=C.UTF-8
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH HVOPLAN_CONFIG
}

# full ARGS...: hvoplan ARGS >/dev/full exits 3 with the one message
full() {
	local status=0 stderr
	"$HV" "$@" </dev/null >/dev/full 2>"$BATS_TEST_TMPDIR/err" || status=$?
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
	[ "$status" -eq 3 ] || { echo "hvoplan $* >/dev/full -> $status: $stderr"; return 1; }
	[ "$stderr" = "hvoplan: write error: No space left on device" ] || { echo "hvoplan $*: '$stderr'"; return 1; }
}

@test "report, in every format, into a full device: exit 3, write error" {
	full --root "$FX" report
	full --root "$FX" report --format json
	full --root "$FX" report --format prometheus
	full --root "$FX" report --fail-on info # the write error wins over exit 1
}

@test "plan into a full device: exit 3, write error" {
	full plan --memory 1T --pool 2M:50%
	full plan --memory 1T --pool 2M:50% --json
	full --root "$FX" plan --from-host
}

@test "apply dry run and apply --yes into a full device: exit 3, write error" {
	full --root "$FX" apply --hvo off
	S=$BATS_TEST_TMPDIR/root
	cp -a "$FX" "$S"
	full --root "$S" apply --hvo off --yes
	# the change was made; only its account was lost
	[ "$(cat "$S/proc/sys/vm/hugetlb_optimize_vmemmap")" = 0 ]
}

@test "top -b into a full device: exit 3, write error" {
	full --root "$FX" top -b -n 1
	full --root "$FX" top -b -n 1 --nodes -u bytes
}

@test "--help and --version of hvoplan and of every command into a full device: exit 3" {
	full --help
	full --version
	for c in report plan apply top snapshot; do
		full "$c" --help
		full "$c" --version
	done
}

@test "snapshot writes nothing to stdout: a full stdout is no error" {
	"$HV" --root "$FX" snapshot -o "$BATS_TEST_TMPDIR/s" >/dev/full 2>"$BATS_TEST_TMPDIR/err"
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
	[[ $stderr == *"wrote "*" files to "* ]]
	[ -f "$BATS_TEST_TMPDIR/s/proc/meminfo" ]
}

@test "a closed stdout is a write error too" {
	local status=0
	"$HV" --root "$FX" report >&- 2>"$BATS_TEST_TMPDIR/err" || status=$?
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
	[ "$status" -eq 3 ]
	[ "$stderr" = "hvoplan: write error: Bad file descriptor" ]
}

# epipe ARGS...: hvoplan ARGS with stdout a pipe whose reader has gone
# (a FIFO opened read-write, then its read side closed: no race with a
# reader that exits), SIGPIPE ignored as under systemd or a Python parent
epipe() {
	local fifo=$BATS_TEST_TMPDIR/fifo
	rm -f "$fifo"
	mkfifo "$fifo"
	run --separate-stderr bash -c 'exec 4<>"$1" 5>"$1" 4<&-; trap "" PIPE; shift; exec "$@" >&5' _ "$fifo" "$HV" "$@"
}

@test "EPIPE with SIGPIPE ignored: no message, the command's own status" {
	epipe --root "$FX" report
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	epipe --root "$FX" report --fail-on info
	[ "$status" -eq 1 ] && [ -z "$stderr" ]
	epipe --root "$FX" report --format json
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	epipe --root "$FX" top -b -n 1
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	epipe --root "$FX" apply --hvo off
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
	epipe --version
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
}

@test "EPIPE with SIGPIPE at its default: SIGPIPE ends hvoplan, as any filter" {
	local fifo=$BATS_TEST_TMPDIR/fifo
	mkfifo "$fifo"
	run bash -c 'exec 4<>"$1" 5>"$1" 4<&-; trap - PIPE; "$2" --root "$3" report >&5 2>/dev/null; echo "status $?"' _ "$fifo" "$HV" "$FX"
	[ "$output" = "status 141" ] # 128 + SIGPIPE
	# and the everyday pipe to head: whatever the timing, never an error message
	run --separate-stderr bash -c '"$1" --root "$2" report | head -c1 >/dev/null' _ "$HV" "$FX"
	[ "$status" -eq 0 ] && [ -z "$stderr" ]
}
