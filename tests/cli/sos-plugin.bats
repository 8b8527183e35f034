#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# contrib/sos/hvoplan.py with the REAL sos report (Debian's sosreport, sos
# 4.x; installed here if missing), as `make install` places it: installed into
# a scratch DESTDIR, and sos' own plugin package (sos.report.plugins) given that
# directory as a second search path for the run (sos lists the modules of the
# package's __path__), so the system's sos is not changed. Then
# `hvoplan report --root EXTRACTED` must give the live report's figures field
# by field, with none of the fallback notes sos.bats sees without the plugin.
# Fields that cannot match: where a figure came from (page_size_source is
# "live" on the host, "config" from the archive; the paths), the CPU codename
# (libcpuid, live only), and transparent hugepage use (AnonHugePages moves
# from one moment to the next on a busy host: only its finding's presence is
# compared), and who holds the pages in use (counted on the live host only:
# an archive keeps no mount trees or processes). Needs root, as sos does. About 8 s.

PLUGINS=kernel,memory,numa,processor,hvoplan

# sos_run ARGS...: the system's sos with the installed plugin's directory on
# sos.report.plugins' path
SOS_PY='import sys, sos.report.plugins as p
p.__path__.append(sys.argv.pop(1))
from sos import SoS
SoS(sys.argv[1:]).execute()'
sos_run() {
	timeout 120 /usr/bin/python3 -c "$SOS_PY" "$PLUGDIR" "$@"
}

# A real process holding hugepages while sos runs (hugeholder, 4 x 2M of a
# pool made for it), so the per-process part has something to copy; only
# where the live pools may be touched (not with HVOPLAN_SKIP_LIVE=1), under
# the live tests' lock, and the pool is restored in teardown_file.
HP2=/sys/kernel/mm/hugepages/hugepages-2048kB
start_holder() {
	local hh=${HUGEHOLDER:-$TOPDIR/${BUILD:-build}/tests/hugeholder}
	[ "${HVOPLAN_SKIP_LIVE:-0}" != 1 ] && [ -x "$hh" ] && [ -w "$HP2/nr_hugepages" ] || return 0
	exec 8>/run/lock/hvoplan-live-tests.lock
	flock -w 300 8 || return 0
	cat "$HP2/nr_hugepages" >"$D/pool-before"
	echo $(($(cat "$D/pool-before") + 6)) >"$HP2/nr_hugepages"
	"$hh" -r "$D/holder.ready" touch 4 >"$D/holder.log" 2>&1 8>&- &
	echo $! >"$D/holder.pid"
	# and a file of 2 pages in a hugetlbfs mount with a size= limit (a blank
	# in its path), so the mounts and their statfs() figures come along too
	mkdir -p "$D/h m"
	if mount -t hugetlbfs -o pagesize=2M,size=16M none "$D/h m"; then
		echo "$D/h m" >"$D/mounted"
		"$hh" -f "$D/h m/rtemap_0" -r "$D/holder2.ready" file 2 >"$D/holder2.log" 2>&1 8>&- &
		echo $! >"$D/holder2.pid"
	fi
	for _ in $(seq 100); do
		[ -e "$D/holder.ready" ] && { [ ! -f "$D/mounted" ] || [ -e "$D/holder2.ready" ]; } && return 0
		sleep 0.05
	done
}

teardown_file() {
	D=$BATS_FILE_TMPDIR/sosp
	local p
	for p in "$D/holder.pid" "$D/holder2.pid"; do
		[ -f "$p" ] || continue
		kill "$(cat "$p")" 2>/dev/null
		while kill -0 "$(cat "$p")" 2>/dev/null; do sleep 0.05; done
	done
	[ -f "$D/mounted" ] && umount "$(cat "$D/mounted")"
	[ -f "$D/pool-before" ] && cat "$D/pool-before" >"$HP2/nr_hugepages"
	true
}

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	if ! command -v sos >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sosreport >/dev/null 2>&1 || true
	fi
	command -v sos >/dev/null || return 0
	D=$BATS_FILE_TMPDIR/sosp
	mkdir -p "$D/x"
	HV=$(realpath "${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}")
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	make -s -C "$TOPDIR" install DESTDIR="$D/dest" PREFIX=/usr >"$D/install.log" 2>&1 || return 0
	SOSPKG=$(/usr/bin/python3 -c 'import os, sos.report.plugins as p; print(os.path.dirname(p.__file__))')
	echo "$SOSPKG" >"$D/sospkg"
	PLUGDIR=$D/dest$SOSPKG
	start_holder
	"$HV" report --format json >"$D/live-before.json" 2>/dev/null || true
	sos_run report --batch --quiet -z gzip --tmp-dir "$D" --only-plugins "$PLUGINS" \
		-k hvoplan.binary="$HV" >"$D/sos.log" 2>&1 || true
	"$HV" report --format json >"$D/live-after.json" 2>/dev/null || true
	archive=$(ls "$D"/sosreport-*.tar.* 2>/dev/null | grep -v '\.md5$' | head -n1)
	[ -n "$archive" ] && tar -xf "$archive" -C "$D/x"
	true
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "sos report needs root"
	command -v sos >/dev/null || skip "sosreport not installable"
	HV=$(realpath "${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}")
	D=$BATS_FILE_TMPDIR/sosp
	[ -f "$D/sospkg" ] || { cat "$D/install.log"; false; }
	PLUGDIR=$D/dest$(cat "$D/sospkg")
	SOS=$(ls -d "$D"/x/sosreport-* 2>/dev/null | head -n1)
	[ -n "$SOS" ] || { cat "$D/sos.log"; false; }
	T=$BATS_TEST_TMPDIR
}

report() {
	local rc=0
	"$HV" report --format json "$@" || rc=$?
	[ "$rc" -le 1 ]
}

# the report without what cannot match (see the top of this file)
figures() {
	jq -S 'del(.source, .notes, .kernel.config_source, .kernel.boot_log_source,
		.kernel.page_size_source, .cpu.codename, .totals.thp_bytes, .holders)
		| .findings |= map(if .id == "thp-not-eligible" then del(.message) else . end)' "$@"
}

@test "sos-plugin: make install puts the plugin in sos' plugin package, and sos loads it" {
	[ -f "$PLUGDIR/hvoplan.py" ]
	cmp "$PLUGDIR/hvoplan.py" "$BATS_TEST_DIRNAME/../../contrib/sos/hvoplan.py"
	run sos_run report --list-plugins
	[ "$status" -eq 0 ]
	grep -E '^ *hvoplan +.*hugepage pools and HugeTLB' <<<"$output"
	! grep -Ei 'hvoplan.*(does not (install|validate)|skipping)' "$D/sos.log"
	[ -d "$SOS/sos_commands/hvoplan" ]
}

@test "sos-plugin: the archive has what hvoplan reads, byte for byte where the kernel does not change it" {
	cmp /sys/kernel/btf/vmlinux "$SOS/sys/kernel/btf/vmlinux"
	if [ -e /proc/config.gz ]; then cmp /proc/config.gz "$SOS/proc/config.gz"; else
		cmp "/boot/config-$(uname -r)" "$SOS/boot/config-$(uname -r)"; fi
	[ "$(cat "$SOS/proc/sys/kernel/osrelease")" = "$(uname -r)" ]
	cmp /sys/devices/system/memory/block_size_bytes "$SOS/sys/devices/system/memory/block_size_bytes"
	[ "$(ls -d "$SOS"/sys/devices/system/memory/memory[0-9]* | wc -l)" = \
		"$(ls -d /sys/devices/system/memory/memory[0-9]* | wc -l)" ]
	[ -f "$SOS/sys/devices/system/node/node0/vmstat" ]
	if [ -e /proc/sys/vm/hugetlb_optimize_vmemmap ]; then
		cmp /proc/sys/vm/hugetlb_optimize_vmemmap "$SOS/proc/sys/vm/hugetlb_optimize_vmemmap"
	fi
}

@test "sos-plugin: report --root EXTRACTED has no fallback note and every figure of the live report" {
	report --root "$SOS" >"$T/sos.json"
	[ "$(jq -r .source.live "$T/sos.json")" = false ]
	notes=$(jq -r '.notes[]' "$T/sos.json")
	echo "$notes"
	! grep -q 'is a sosreport without' <<<"$notes"
	! grep -q 'block_size_bytes is missing' <<<"$notes"
	! grep -q 'no kernel config found' <<<"$notes"
	[ "$(jq -r .kernel.config_source "$T/sos.json")" != null ]
	[ "$(jq -r .kernel.struct_page_size_source "$T/sos.json")" = \
		"$(jq -r .kernel.struct_page_size_source "$D/live-before.json")" ]
	# field by field, against the live report just before or just after
	figures "$T/sos.json" >"$T/a"
	figures "$D/live-before.json" >"$T/b"
	figures "$D/live-after.json" >"$T/c"
	cmp -s "$T/a" "$T/b" || diff "$T/a" "$T/c"
	# the figures the plugin brings, known (they are null without it)
	jq -e '.memmap.baseline_pages != null and .hvo.compiled != null' "$T/sos.json"
	# the mount made for the run, with what statfs() counted in it
	if [ -f "$D/mounted" ]; then
		[ "$(jq --arg p "$D/h m" '.hugetlbfs_mounts[] | select(.path == $p) | .used_bytes' "$T/sos.json")" -eq $((2 * 2 << 20)) ]
	fi
	if [ "$(jq -r .memmap.realized_savings_bytes "$D/live-before.json")" != null ]; then
		[ "$(jq -r .memmap.realized_savings_bytes "$T/sos.json")" != null ]
	fi
}

@test "sos-plugin: hvoplan's own report in the archive is the live one" {
	f=$SOS/sos_commands/hvoplan/hvoplan_report.json
	[ "$(jq -r .source.live "$f")" = true ]
	figures "$f" >"$T/a"
	figures "$D/live-before.json" >"$T/b"
	figures "$D/live-after.json" >"$T/c"
	cmp -s "$T/a" "$T/b" || diff "$T/a" "$T/c"
	grep -q '^hvoplan top' "$SOS/sos_commands/hvoplan/hvoplan_top"
	grep -q '^SIZE  *PAGES' "$SOS/sos_commands/hvoplan/hvoplan_report"
	grep -q '^Kernel: *'"$(uname -r)" "$SOS/sos_commands/hvoplan/hvoplan_report"
}

@test "sos-plugin: the hugetlbfs mounts are those of the host" {
	[ -f "$SOS/sos_commands/hvoplan/hugetlbfs_mounts" ]
	diff <(findmnt --kernel --types hugetlbfs --output TARGET,SOURCE,OPTIONS) \
		"$SOS/sos_commands/hvoplan/hugetlbfs_mounts"
}

@test "sos-plugin: the processes holding hugepages have their status, comm and smaps, no others" {
	# the ones that held hugepages while sos ran and still do
	held=$(grep -l '^HugetlbPages:[[:space:]]*[1-9]' /proc/[0-9]*/status 2>/dev/null |
		sed -E 's|/proc/([0-9]+)/status|\1|' | sort -n || true)
	copied=$(ls -d "$SOS"/proc/[0-9]* 2>/dev/null | sed 's|.*/||' | sort -n || true)
	for pid in $copied; do
		# proc/mounts is a link to self/mounts: sos' own process directory
		# comes along with that one file
		[ -f "$SOS/proc/$pid/status" ] || [ "$(ls "$SOS/proc/$pid")" != mounts ] || continue
		grep -q '^HugetlbPages:[[:space:]]*[1-9]' "$SOS/proc/$pid/status" ||
			{ echo "process $pid copied without hugetlb pages"; false; }
	done
	if [ -e "$D/holder.ready" ]; then
		# the test's own holder is among the copied processes
		grep -qx "$(cat "$D/holder.pid")" <<<"$copied" || { echo "hugeholder $(cat "$D/holder.pid") not copied"; false; }
	fi
	[ -n "$held" ] || skip "no process holds hugepages on this host now (nothing to copy)"
	for pid in $held; do
		grep -qx "$pid" <<<"$copied" || continue # started after sos
		[ -f "$SOS/proc/$pid/comm" ] && [ -f "$SOS/proc/$pid/smaps" ]
	done
	run "$HV" top --root "$SOS" -b -n 1
	[ "$status" -eq 0 ]
	[[ $output != *"has no process directories"* ]]
}
