# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Helpers for the live tests that build a scene of pools, hugetlbfs
# mounts and holder processes (mounts.bats, holders.bats, processes.bats).
# HP is /sys/kernel/mm/hugepages; MOUNTED lists the mounts made and PIDS
# the holders started, for the test's teardown; HOLDER is hugeholder and T
# the test's directory.

# The start of each scene's setup: root, a 2M pool, hvoplan (HV) and
# hugeholder (HOLDER), and the lock that keeps one live test at a time.
scene_start() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -d "$HP/hugepages-2048kB" ] || skip "no 2M hugepages"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	HOLDER=${HUGEHOLDER:-$BATS_TEST_DIRNAME/../../build/tests/hugeholder}
	[ -x "$HOLDER" ] || skip "no $HOLDER (make unit builds it)"
	exec 9>/run/lock/hvoplan-live-tests.lock
	flock -w 300 9
}

set_pool() { # set_pool SIZEkB COUNT: exactly COUNT or the test is skipped
	echo "$2" >"$HP/hugepages-$1/nr_hugepages"
	local got
	got=$(cat "$HP/hugepages-$1/nr_hugepages")
	[ "$got" = "$2" ] || skip "kernel gave $got of $2 pages of $1 (memory fragmented)"
}

mnt() { # mnt DIR OPTIONS
	mkdir -p "$1"
	mount -t hugetlbfs -o "$2" none "$1"
	MOUNTED+=("$1")
}

holder() { # holder NAME ARGS...: hugeholder in the background (its pid in $NAME), back once it holds its pages
	"$HOLDER" -r "$T/$1.ready" "${@:2}" 2>"$T/$1.log" &
	PIDS+=($!)
	printf -v "$1" '%s' "$!"
	local i
	for i in $(seq 200); do [ -s "$T/$1.ready" ] && return 0; sleep 0.05; done
	echo "hugeholder ${*:2}: not ready: $(cat "$T/$1.log")"
	return 1
}
