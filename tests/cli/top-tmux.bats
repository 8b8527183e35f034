#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan top on a real (tmux) terminal: draws this machine's pools, reacts to
# keys, survives resizes, and leaves the terminal restored. A private tmux
# socket per test; every wait polls capture-pane with a timeout.

load top-check

setup() {
	command -v tmux >/dev/null || skip "tmux not installed (scripts/install-deps.sh)"
	[ -d /sys/kernel/mm/hugepages ] || skip "no hugetlb in this kernel"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	SOCK=hvtest$$_${BATS_TEST_NUMBER}
	T="tmux -L $SOCK"
	OUT=$BATS_TEST_TMPDIR/exit
}

teardown() {
	tmux -L "$SOCK" kill-server 2>/dev/null || true
}

start() { # start [ARGS...]: the dashboard in a 110x40 pane; the shell records the exit code
	start_at 110 40 "$@"
}

start_at() { # start_at COLS ROWS [ARGS...]
	local x=$1 y=$2
	shift 2
	local cmd="env LANG=C.UTF-8 TERM=screen-256color $HV $* ; echo \"EXIT=\$?\" > $OUT; echo TERMINAL-BACK; sleep 60"
	[[ $1 == --root ]] || cmd="env LANG=C.UTF-8 TERM=screen-256color $HV top $* ; echo \"EXIT=\$?\" > $OUT; echo TERMINAL-BACK; sleep 60"
	# A tmux server that dies while starting ("server exited unexpectedly")
	# is tmux's problem, not the dashboard's: one retry.
	$T new-session -d -s S -x "$x" -y "$y" "$cmd" || { sleep 0.5; $T new-session -d -s S -x "$x" -y "$y" "$cmd"; }
}

screen() { $T capture-pane -p -t S; }

# wait_for TEXT [SECONDS]: poll the pane until TEXT appears.
wait_for() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ $SECONDS -lt $deadline ]; do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$1'; screen:"
	screen
	return 1
}

wait_gone() {
	local deadline=$((SECONDS + ${2:-10}))
	while [ $SECONDS -lt $deadline ]; do
		screen | grep -qF -- "$1" || return 0
		sleep 0.1
	done
	echo "'$1' still on screen:"
	screen
	return 1
}

@test "tmux: draws the pools of this machine" {
	start -d 1
	wait_for "hvoplan top - "
	wait_for "SIZE NODE"
	for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
		case ${d##*-} in
		2048kB) wait_for "    2M    -" ;;
		1048576kB) wait_for "    1G    -" ;;
		esac
	done
	wait_for "FINDINGS"
	wait_for "PROCESSES"
	wait_for "q quit  h help"
}

@test "tmux: keys n, p, u, s, h and q" {
	start -d 5
	wait_for "SIZE NODE"
	nodes=$(ls -d /sys/devices/system/node/node*/hugepages 2>/dev/null | wc -l)
	$T send-keys -t S n
	if [ "$nodes" -gt 0 ]; then
		wait_for "          0        "
	fi
	$T send-keys -t S n
	wait_gone "          0        "
	$T send-keys -t S p
	wait_gone "PROCESSES"
	$T send-keys -t S p
	wait_for "PROCESSES"
	$T send-keys -t S u
	wait_for "units bytes"
	$T send-keys -t S u
	wait_for "units KiB"
	$T send-keys -t S s
	wait_for "sort private"
	$T send-keys -t S h
	wait_for "hvoplan top - keys"
	$T send-keys -t S x
	wait_for "SIZE NODE"
	$T send-keys -t S ?
	wait_for "hvoplan top - keys"
	$T send-keys -t S q
	wait_for "TERMINAL-BACK"
	grep -qx "EXIT=0" "$OUT"
}

@test "tmux: d changes the delay, space refreshes" {
	start -d 30
	wait_for "every 30.0s"
	$T send-keys -t S d
	wait_for "Delay in seconds:"
	$T send-keys -t S "0.5" Enter
	wait_for "every 0.5s"
	$T send-keys -t S " "
	wait_for "SIZE NODE"
	$T send-keys -t S q
	wait_for "TERMINAL-BACK"
}

@test "tmux: survives resize-window and redraws at the new size" {
	start -d 1
	wait_for "SIZE NODE"
	$T resize-window -t S -x 50 -y 10
	# the header wraps at 50 columns: the rest is below, and says so
	wait_for "more lines below"
	# nothing wider than the pane
	[ "$(screen | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 50 ]
	$T resize-window -t S -x 50 -y 40
	wait_for "SIZE NODE"
	$T resize-window -t S -x 30 -y 5
	$T resize-window -t S -x 140 -y 50
	wait_for "FINDINGS"
	$T send-keys -t S q
	wait_for "TERMINAL-BACK"
	grep -qx "EXIT=0" "$OUT"
}

@test "tmux: SIGTERM and SIGINT restore the terminal" {
	for sig in TERM INT; do
		start -d 1
		wait_for "SIZE NODE"
		# the pane's shell runs hvoplan as its child: signal that PID only
		pid=$(pgrep -P "$($T display-message -p -t S '#{pane_pid}')" || true)
		if [ "$sig" = INT ]; then
			$T send-keys -t S C-c
		else
			[ -n "$pid" ] || { echo "no pid"; false; }
			kill -TERM "$pid"
		fi
		wait_for "TERMINAL-BACK"
		grep -qx "EXIT=0" "$OUT"
		# back on the normal screen: the dashboard is gone
		! screen | grep -qF "SIZE NODE"
		$T kill-server
	done
}

@test "tmux: -n 2 quits by itself after two frames" {
	start -d 0.2 -n 2
	wait_for "TERMINAL-BACK"
	grep -qx "EXIT=0" "$OUT"
}

@test "tmux: 80x24 and 120, 80, 60, 40 columns: every figure whole and equal to report json" {
	tree=$BATS_TEST_TMPDIR/tree
	make_proc_tree "$(cd "$BATS_TEST_DIRNAME/../.." && pwd)" "$tree"
	json=$("$HV" --root "$tree" report --format json)
	# 80x24: the pools fit, the rest is below and announced
	start_at 80 24 --root "$tree" top --nodes --smaps -u bytes
	wait_for "SIZE NODE"
	wait_for "more lines below"
	check_frame "$(screen)" "$json" 80 12 partial
	$T kill-server
	# tall panes: the whole frame, findings and processes included
	for w in 120 80 60 40; do
		start_at "$w" 150 --root "$tree" top --nodes --smaps -u bytes
		wait_for "COMMAND"
		check_frame "$(screen)" "$json" "$w" 12 || { echo "at $w columns"; false; }
		# the user name longer than its column ends with the marker
		if screen | grep -qE '^ *PID USER '; then
			u=$(screen | awk '$1 == 2101 { print $2 }')
			[[ $u == *">" && hvdb-replication == "${u%>}"* ]] || { echo "user '$u'"; false; }
		fi
		$T kill-server
	done
}

@test "tmux: resizing 120 -> 80 -> 40 re-lays the columns out, never a cut figure" {
	tree=$BATS_TEST_TMPDIR/tree
	make_proc_tree "$(cd "$BATS_TEST_DIRNAME/../.." && pwd)" "$tree"
	json=$("$HV" --root "$tree" report --format json)
	start_at 120 150 --root "$tree" top --nodes -u bytes
	wait_for "COMMAND"
	screen | grep -qE '^ +SIZE NODE +PAGES +FREE +RESV +SURP USED +SAVED +POSSIBLE +STALE +CHANGE$'
	$T resize-window -t S -x 40 -y 150
	wait_for "not shown at 40 columns:"
	check_frame "$(screen)" "$json" 40 6
	$T resize-window -t S -x 80 -y 150
	wait_gone "not shown at"
	check_frame "$(screen)" "$json" 80 6
	$T send-keys -t S q
	wait_for "TERMINAL-BACK"
	grep -qx "EXIT=0" "$OUT"
}

@test "tmux: top -b on a terminal without COLUMNS fits the terminal's width" {
	tree=$BATS_TEST_TMPDIR/tree
	make_proc_tree "$(cd "$BATS_TEST_DIRNAME/../.." && pwd)" "$tree"
	json=$("$HV" --root "$tree" report --format json)
	$T new-session -d -s S -x 60 -y 150 \
		"env -u COLUMNS LANG=C.UTF-8 $HV --root $tree top -b -n 1 --nodes --smaps -u bytes; echo TERMINAL-BACK; sleep 60"
	wait_for "TERMINAL-BACK"
	frame=$(screen | sed '/TERMINAL-BACK/,$d')
	[[ $frame == *"not shown at 60 columns:"* ]]
	check_frame "$frame" "$json" 60 12
}
