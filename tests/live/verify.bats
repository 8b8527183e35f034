#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan verify on this machine against the real boot-time consumers: what
# verify says the next boot sets is what systemd-sysctl and systemd-tmpfiles
# then set on the live kernel, from this host's own configuration
# directories. /etc/sysctl.d, /usr/lib/sysctl.d, /etc/tmpfiles.d and
# /var/lib/hvoplan are copies on tmpfs in a private mount namespace, so the
# host's files are never changed. Root; the HVO sysctl, the pools and the
# overcommit limits are restored to what the test found.

SYSCTL=/proc/sys/vm/hugetlb_optimize_vmemmap
P2M=/sys/kernel/mm/hugepages/hugepages-2048kB

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -w "$SYSCTL" ] || skip "no vm.hugetlb_optimize_vmemmap"
	[ -d "$P2M" ] || skip "no 2M hugepages"
	command -v unshare >/dev/null || skip "no unshare"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	exec 9>/run/lock/hvoplan-live-tests.lock
	flock -w 300 9
	ORIG_HVO=$(cat "$SYSCTL")
	ORIG=$BATS_TEST_TMPDIR/orig
	for f in "$P2M/nr_hugepages" "$P2M/nr_overcommit_hugepages"; do echo "$f $(cat "$f")"; done >"$ORIG"
	[ "$(cat "$P2M/nr_hugepages")" -eq 0 ] || skip "a 2M pool exists on this host"
	T=$BATS_TEST_TMPDIR
}

teardown() {
	[ -z "${MADE_STATE_DIR:-}" ] || rmdir /var/lib/hvoplan
	[ -n "${ORIG_HVO:-}" ] || return 0
	echo "$ORIG_HVO" >"$SYSCTL"
	while read -r f v; do [ "$(cat "$f")" = "$v" ] || echo "$v" >"$f"; done <"$ORIG"
	while read -r f v; do [ "$(cat "$f")" = "$v" ] || return 1; done <"$ORIG"
	[ "$(cat "$SYSCTL")" = "$ORIG_HVO" ]
}

# in_private SCRIPT: runs bash SCRIPT with the configuration directories as
# tmpfs copies of the host's (HV and T exported)
in_private() {
	[ -d /var/lib/hvoplan ] || { mkdir -p /var/lib/hvoplan && MADE_STATE_DIR=1; }
	HV=$HV T=$T unshare -m bash -euc '
		for d in /etc/sysctl.d /usr/lib/sysctl.d /etc/tmpfiles.d /var/lib/hvoplan; do
			mkdir -p "$d"
			c=$T/copy${d//\//_}
			mkdir -p "$c"
			cp -a "$d/." "$c/"
			mount -t tmpfs none "$d"
			cp -a "$c/." "$d/"
		done
		'"$1"
}

@test "live: the HVO value verify says the next boot sets is what systemd-sysctl sets, file order and masks included" {
	tool=$(command -v systemd-sysctl || ls /lib/systemd/systemd-sysctl 2>/dev/null) || skip "no systemd-sysctl"
	TOOL=$tool in_private '
		next() { "$HV" verify --format json | jq -r ".checks[] | select(.id == \"hvo\") | .next_boot"; }
		# next boot: N; then the live value set the other way, and systemd-sysctl run
		check() {
			n=$(next)
			[ "$n" = 0 ] || [ "$n" = 1 ] || { echo "verify: next_boot $n"; exit 1; }
			echo $((1 - n)) >/proc/sys/vm/hugetlb_optimize_vmemmap
			"$TOOL" --prefix=vm.hugetlb_optimize_vmemmap
			got=$(cat /proc/sys/vm/hugetlb_optimize_vmemmap)
			echo "$1: verify says $n, systemd-sysctl set $got"
			[ "$got" = "$n" ]
			"$HV" verify --format json | jq -e ".checks[] | select(.id == \"hvo\") | .state == \"ok\"" >/dev/null
		}
		"$HV" apply --hvo on --persist --bootloader manual --yes >/dev/null
		[ -f /etc/sysctl.d/90-hvoplan.conf ]
		check "hvoplan drop-in"
		echo "vm.hugetlb_optimize_vmemmap = 0" >/usr/lib/sysctl.d/99-zz-vendor.conf
		check "a vendor file read after it"
		"$HV" verify --format json | jq -e "[.checks[] | select(.id == \"sysctl-overridden\")] | length == 1" >/dev/null
		ln -s /dev/null /etc/sysctl.d/99-zz-vendor.conf
		check "the vendor file masked"
		rm /etc/sysctl.d/99-zz-vendor.conf
		printf "# local\n-vm/hugetlb_optimize_vmemmap=0\n" >/etc/sysctl.d/99-zz-vendor.conf
		check "the same name in /etc, slashes and a dash"
	' >"$T/out" 2>&1 || { cat "$T/out"; false; }
	cat "$T/out"
	[ "$(grep -c 'verify says' "$T/out")" -eq 4 ]
}

@test "live: a pool grown by hand drifts, and an overcommit limit holds once systemd-tmpfiles writes it" {
	command -v systemd-tmpfiles >/dev/null || skip "no systemd-tmpfiles"
	echo 4 >"$P2M/nr_hugepages"
	[ "$(cat "$P2M/nr_hugepages")" -eq 4 ] || skip "the kernel gave no 4 pages"
	run "$HV" verify --format json
	[ "$status" -eq 1 ]
	pool=$(jq -c '.checks[] | select(.id == "pool" and .subject == "2M") | [.state, .now, .next_boot, .fix]' <<<"$output")
	[ "$pool" = '["drift","4","0","hvoplan apply --pages 2M:4 --persist --yes keeps the running pool"]' ]
	in_private '
		"$HV" apply --overcommit 2M:8 --persist --bootloader manual --yes >/dev/null
		echo 0 >/sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages
		s=$("$HV" verify --format json | jq -r ".checks[] | select(.id == \"overcommit\") | .state + \" \" + .now + \" \" + .next_boot")
		echo "before systemd-tmpfiles: $s"
		[ "$s" = "drift 0 8" ]
		systemd-tmpfiles --create /etc/tmpfiles.d/90-hvoplan.conf
		[ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages)" = 8 ]
		s=$("$HV" verify --format json | jq -r ".checks[] | select(.id == \"overcommit\") | .state")
		echo "after: $s"
		[ "$s" = ok ]
	' >"$T/out" 2>&1 || { cat "$T/out"; false; }
	grep -qx 'after: ok' "$T/out"
}
