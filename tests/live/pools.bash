# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Helpers for the live tests that build a scene of pools and hugetlbfs
# mounts (mounts.bats, holders.bats). HP is /sys/kernel/mm/hugepages;
# MOUNTED lists the mounts made, for the test's teardown to unmount.

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
