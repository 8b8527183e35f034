#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan report --root over a REAL sosreport of this machine: Debian's
# sosreport package (sos 4.x; installed here if missing) with the plugins that
# copy what hvoplan reads:
#   kernel    -> proc/cmdline, sos_commands/kernel/dmesg, sos_commands/kernel/uname_-a
#                (and the top-level "uname" symlink to it), sos_commands/kernel/sysctl_-a,
#                sys/module/*/parameters
#   memory    -> proc/meminfo, proc/vmstat, sys/kernel/mm/hugepages/**
#   numa      -> sys/devices/system/node/node*/{meminfo,cpulist,distance,hugepages/**}
#   processor -> proc/cpuinfo
# It does NOT copy /sys/kernel/btf/vmlinux, the kernel config (/proc/config.gz,
# /boot/config-*), /proc/sys/vm/* (only `sysctl -a` output), /proc/sys/kernel/osrelease,
# /sys/devices/system/memory or node*/vmstat; the report must say so and fall back.
# (hvoplan's own sos plugin, contrib/sos/hvoplan.py, adds them: sos-plugin.bats.)
# sos needs root (it reads root-only files): skipped for other users.
# `sos report` takes about 2 s with these plugins.

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	if ! command -v sos >/dev/null; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sosreport >/dev/null 2>&1 || true
	fi
	command -v sos >/dev/null || return 0
	SOSDIR=$BATS_FILE_TMPDIR/sos
	mkdir -p "$SOSDIR/x"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	# the live report right before and after the archive: "the same moment"
	"$HV" report --format json >"$SOSDIR/live-before.json" 2>/dev/null || true
	timeout 120 sos report --batch --quiet --tmp-dir "$SOSDIR" \
		--only-plugins kernel,memory,numa,processor >"$SOSDIR/sos.log" 2>&1 || true
	"$HV" report --format json >"$SOSDIR/live-after.json" 2>/dev/null || true
	archive=$(ls "$SOSDIR"/sosreport-*.tar.* 2>/dev/null | grep -v '\.md5$' | head -n1)
	[ -n "$archive" ] && tar -xf "$archive" -C "$SOSDIR/x"
	true
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "sos report needs root"
	command -v sos >/dev/null || skip "sosreport not installable"
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	SOSDIR=$BATS_FILE_TMPDIR/sos
	SOS=$(ls -d "$SOSDIR"/x/sosreport-* 2>/dev/null | head -n1)
	[ -n "$SOS" ] || { cat "$SOSDIR/sos.log"; false; }
	T=$BATS_TEST_TMPDIR
}

report() {
	local rc=0
	"$HV" report --format json "$@" || rc=$?
	[ "$rc" -le 1 ]
}

# pools and counters: what a sosreport must carry over exactly
pools() {
	jq -S '{hstates: [.hstates[] | {size, nr, free, resv, surplus, overcommit,
			nodes: [.nodes[] | {node, nr, free, surplus}]}],
		memmap_sum: (if .memmap.pages == null then null else .memmap.pages + .memmap.boot_pages end),
		release: .kernel.release, arch: .kernel.arch, page_size: .kernel.page_size,
		struct_page_size: .kernel.struct_page_size, cmdline_param: .hvo.boot_param}' "$@"
}

@test "sos: the archive has the layout hvoplan reads (real file names of sos 4.x)" {
	for f in proc/meminfo proc/vmstat proc/cmdline sos_commands/kernel/dmesg sos_commands/kernel/uname_-a \
		sos_commands/kernel/sysctl_-a sys/kernel/mm/hugepages; do
		[ -e "$SOS/$f" ] || { echo "missing $f"; false; }
	done
	[ -L "$SOS/uname" ]
	ls "$SOS"/sys/devices/system/node/node0/hugepages/ >/dev/null
	[ ! -e "$SOS/sys/kernel/btf/vmlinux" ]
}

@test "sos: report --root EXTRACTED works; pools and counters equal the live report" {
	report --root "$SOS" >"$T/sos.json"
	[ "$(jq -r .source.live "$T/sos.json")" = false ]
	pools "$T/sos.json" >"$T/a"
	pools "$SOSDIR/live-before.json" >"$T/b"
	pools "$SOSDIR/live-after.json" >"$T/c"
	cmp -s "$T/a" "$T/b" || diff "$T/a" "$T/c"
	# release and arch from sos_commands/kernel/uname_-a
	[ "$(jq -r .kernel.release "$T/sos.json")" = "$(uname -r)" ]
	[ "$(jq -r .kernel.arch "$T/sos.json")" = "$(uname -m)" ]
}

@test "sos: the kernel log comes from sos_commands/kernel/dmesg" {
	report --root "$SOS" >"$T/sos.json"
	if grep -q 'HugeTLB: .* vmemmap can be freed' "$SOS/sos_commands/kernel/dmesg"; then
		[ "$(jq -r .kernel.boot_log_source "$T/sos.json")" = "$SOS/sos_commands/kernel/dmesg" ]
		[ "$(jq -r .kernel.struct_page_size_source "$T/sos.json")" = dmesg ]
		jq -e '[.hstates[] | .optimizable_source == "boot_log"] | all' "$T/sos.json"
	else
		skip "this kernel's log no longer holds the HugeTLB boot lines"
	fi
}

@test "sos: the report notes what the archive lacks (BTF, config, sysctls, memory blocks) and falls back" {
	report --root "$SOS" >"$T/sos.json"
	notes=$(jq -r '.notes[]' "$T/sos.json")
	echo "$notes"
	grep -q "$SOS is a sosreport without: .*BTF" <<<"$notes"
	grep -q "kernel config" <<<"$notes"
	grep -q "no kernel config found" <<<"$notes"
	grep -q "block_size_bytes is missing" <<<"$notes"
	[ "$(jq -r .kernel.config_source "$T/sos.json")" = null ]
	[ "$(jq -r .memmap.realized_savings_bytes "$T/sos.json")" = null ]
	[ "$(jq -r .kernel.struct_page_size_source "$T/sos.json")" != btf ]
	# and the table output says the same
	run "$HV" report --root "$SOS"
	[ "$status" -le 1 ]
	[[ $output == *"is a sosreport without"* ]]
}

@test "sos: a snapshot of the sosreport keeps its dmesg/uname and reports the same" {
	run "$HV" --root "$SOS" snapshot -o "$T/snap"
	[ "$status" -eq 0 ]
	cmp "$SOS/sos_commands/kernel/dmesg" "$T/snap/sos_commands/kernel/dmesg"
	cmp "$SOS/sos_commands/kernel/uname_-a" "$T/snap/sos_commands/kernel/uname_-a"
	diff <(report --root "$SOS" | jq -S 'del(.source, .notes, .kernel.boot_log_source, .kernel.config_source)') \
		<(report --root "$T/snap" | jq -S 'del(.source, .notes, .kernel.boot_log_source, .kernel.config_source)')
}

@test "sos: vm.hugetlb_optimize_vmemmap is taken from sos_commands/kernel/sysctl_-a" {
	want=$(sed -n 's/^vm\.hugetlb_optimize_vmemmap = //p' "$SOS/sos_commands/kernel/sysctl_-a")
	[ -n "$want" ] || skip "this kernel has no vm.hugetlb_optimize_vmemmap"
	report --root "$SOS" >"$T/sos.json"
	got=$(jq -r .hvo.sysctl "$T/sos.json")
	[ "$got" = "$want" ]
	jq -e '[.findings[].id] | index("hvo-sysctl-absent") | not' "$T/sos.json"
}
