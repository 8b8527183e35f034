#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# vm.hugetlb_shm_group against the real kernel, as root: an unprivileged
# user (nobody, setpriv) makes a SysV hugepage segment (shmget with
# SHM_HUGETLB, tests/live/hugeholder.c) only when the sysctl names its
# group, while mmap(MAP_HUGETLB) needs no group; and hvoplan report names
# the group and its members, or warns when no group has the gid. Restores
# the sysctl and the pool, removes the segment.

load pools.bash

HP=/sys/kernel/mm/hugepages
P2=$HP/hugepages-2048kB
SHM=/proc/sys/vm/hugetlb_shm_group

setup() {
	scene_start
	[ -w "$SHM" ] || skip "no $SHM"
	command -v setpriv >/dev/null || skip "no setpriv"
	[ "$(getent group nogroup | cut -d: -f3)" = 65534 ] || skip "no group nogroup (65534)"
	ORIG_POOL=$(cat "$P2/nr_hugepages")
	ORIG_SHM=$(cat "$SHM")
	T=$BATS_TEST_TMPDIR
	# nobody runs the holder from a copy it can reach, and writes its ready
	# files there (bats' own directories are root's alone)
	W=$(mktemp -d /tmp/hvoplan-shm.XXXXXX)
	chmod 1777 "$W"
	cp "$HOLDER" "$W/hugeholder" && chmod 755 "$W/hugeholder"
	SEGS=()
}

teardown() {
	local s
	for s in "${SEGS[@]}"; do ipcrm -m "$s" 2>/dev/null; done
	[ -n "${W:-}" ] && rm -rf "$W"
	echo "$ORIG_SHM" >"$SHM"
	echo "$ORIG_POOL" >"$P2/nr_hugepages"
	[ "$(cat "$SHM")" = "$ORIG_SHM" ] && [ "$(cat "$P2/nr_hugepages")" = "$ORIG_POOL" ]
}

# as nobody: setpriv execs the command, so $! of `nobody ... &` is its pid
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
nobody() { "${NOBODY[@]}" "$@"; }

@test "live: only the hugetlb_shm_group makes SysV hugepage segments (mmap needs none), and report says whose it is" {
	set_pool 2048kB $((ORIG_POOL + 4))
	gid=$(getent group nogroup | cut -d: -f3)
	# a gid no group has: report warns, and nobody is refused by the kernel
	unused=4242
	while getent group "$unused" >/dev/null; do unused=$((unused + 1)); done
	echo "$unused" >"$SHM"
	run nobody "$W/hugeholder" -r "$W/r1" -D sysv 1
	[ "$status" -ne 0 ]
	[[ $output == *"SysV segment of 1 x 2048 KiB pages: Operation not permitted"* ]] || { echo "$output"; false; }
	run "$HV" report --format json
	[ "$status" -eq 0 ]
	[ "$(jq -c .hugetlb_shm_group <<<"$output")" = "{\"gid\":$unused,\"name\":null,\"exists\":false,\"members\":null}" ]
	[ "$(jq -r '[.findings[] | select(.id == "shm-group-unknown")] | length' <<<"$output")" = 1 ]
	[[ $(jq -r '.findings[] | select(.id == "shm-group-unknown") | .message' <<<"$output") == "vm.hugetlb_shm_group is $unused, a gid no group of /etc/group has"* ]]
	# the same user maps hugepages with MAP_HUGETLB: no group needed
	"${NOBODY[@]}" "$W/hugeholder" -r "$W/r2" touch 1 2>"$T/r2.log" &
	pid=$!
	for _ in $(seq 100); do [ -s "$W/r2" ] && break; sleep 0.05; done
	[ -s "$W/r2" ] || { echo "MAP_HUGETLB as nobody failed: $(cat "$T/r2.log")"; false; }
	kill "$pid"
	wait "$pid" || true
	# the sysctl names nobody's group: the segment is made
	echo "$gid" >"$SHM"
	run nobody "$W/hugeholder" -r "$W/r3" -D sysv 1
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	read -r _ _ shmid <"$W/r3"
	SEGS+=("$shmid")
	ipcs -m -i "$shmid" | grep -q "uid=65534"
	run "$HV" report --format json
	[ "$(jq -r .hugetlb_shm_group.name <<<"$output")" = nogroup ]
	[ "$(jq -r .hugetlb_shm_group.exists <<<"$output")" = true ]
	[ "$(jq -r '[.findings[] | select(.id == "shm-group-unknown")] | length' <<<"$output")" = 0 ]
	# a snapshot keeps that one line of /etc/group, and reads alike
	"$HV" snapshot -o "$T/snap" >/dev/null 2>&1
	[ "$(cat "$T/snap/etc/group")" = "$(getent group "$gid" | sed 's/^\([^:]*\):[^:]*:/\1:x:/')" ]
	run "$HV" --root "$T/snap" report --format json
	[ "$(jq -r .hugetlb_shm_group.name <<<"$output")" = nogroup ]
}
