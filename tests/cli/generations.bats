#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel generation from what the host shows, and hugetlb_free_vmemmap= as
# each generation parses it (doc/kernel-rules.md, "Generations",
# "hugetlb_free_vmemmap=", "Boot log lines"). Kernels that cannot be booted
# here (5.15, RHEL 9's 5.14.0-*.el9, a 6.18 stable) are made by editing
# copies of real QEMU captures (tests/fixtures/vm/*), the reproducers of
# issue 13 E3, E4 and E7; each edit is written down in the copy's SOURCE.
# Any user.

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	FIX=$BATS_TEST_DIRNAME/../fixtures/vm
	T=$BATS_TEST_TMPDIR
}

# relabel SRC RELEASE: a copy of fixture SRC as if its kernel were RELEASE
# (osrelease, uname and the config file's name; the config's text stays).
relabel() {
	D=$T/$1-as-$2
	cp -a "$FIX/$1" "$D"
	chmod -R u+w "$D"
	echo "$2" >"$D/proc/sys/kernel/osrelease"
	sed -i "s/^Linux (none) [^ ]*/Linux (none) $2/" "$D/uname.txt"
	for c in "$D"/boot/config-*; do mv "$c" "$D/boot/config-$2"; done
	{
		echo "EDITED for tests/cli/generations.bats from tests/fixtures/vm/$1:"
		echo "  release relabelled $2 (proc/sys/kernel/osrelease, uname.txt, boot/config-* name)"
	} >"$D/SOURCE.edit"
	cat "$FIX/$1/SOURCE" >>"$D/SOURCE.edit"
	mv "$D/SOURCE.edit" "$D/SOURCE"
}

edit() { # edit WHAT...: appended to SOURCE
	echo "  $*" >>"$D/SOURCE"
}

json() { # json EXPR: of the last report --format json in $out
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/out.json" "$1"
}

report_json() {
	run "$HV" --root "$D" report --format json
	[ "$status" -le 1 ] || { echo "$output"; false; }
	printf '%s\n' "$output" >"$T/out.json"
}

has_finding() {
	json "[f['id'] for f in d['findings']]" | grep -q "'$1'"
}

# A 5.15 kernel: the 5.14-5.18 config symbol, no sysctl, no 6.0 boot lines.
as_515() {
	relabel 6.1-hvo-boot-on 5.15.0-91-generic
	sed -i 's/HUGETLB_PAGE_OPTIMIZE_VMEMMAP/HUGETLB_PAGE_FREE_VMEMMAP/g' "$D/boot/config-5.15.0-91-generic"
	rm -f "$D/proc/sys/vm/hugetlb_optimize_vmemmap"
	sed -i '/KiB vmemmap can be freed/d' "$D/dmesg.txt"
	edit "config symbol renamed CONFIG_HUGETLB_PAGE_FREE_VMEMMAP; proc/sys/vm/hugetlb_optimize_vmemmap removed;" \
		"the 6.0 'KiB vmemmap can be freed' lines removed from dmesg.txt"
}

@test "generations: 5.15 rejects hugetlb_free_vmemmap=1 (only on/off): HVO off at boot (E3)" {
	as_515
	sed -i 's/hugetlb_free_vmemmap=on/hugetlb_free_vmemmap=1/' "$D/proc/cmdline" "$D/dmesg.txt"
	edit "hugetlb_free_vmemmap=on replaced by =1 in proc/cmdline and dmesg.txt"
	report_json
	[ "$(json "d['kernel']['generation']")" = 5.14 ]
	[ "$(json "d['kernel']['generation_basis']")" = release ]
	[ "$(json "d['kernel']['reserved_vmemmap_pages']")" = 2 ]
	[ "$(json "d['hvo']['boot_param']")" = None ]
	[ "$(json "d['hvo']['boot_param_text']")" = 1 ]
	[ "$(json "d['hvo']['boot_param_rejected']")" = True ]
	[ "$(json "d['hvo']['at_boot']")" = False ]
	[ "$(json "d['hvo']['active']")" = False ]
	has_finding hvo-param-rejected
	has_finding hvo-off
	has_finding boot-pools-unoptimized
	run "$HV" --root "$D" report
	[[ $output == *"hugetlb_free_vmemmap=1 (rejected by this kernel)"* ]]
	[[ $output == *"only 'on' and 'off'"* ]]
	# the same value on 6.1 (core_param bool) is accepted: nothing rejected
	D=$FIX/6.1-hvo-boot-on
	cp -a "$D" "$T/61" && D=$T/61
	sed -i 's/hugetlb_free_vmemmap=on/hugetlb_free_vmemmap=1/' "$D/proc/cmdline"
	report_json
	[ "$(json "d['hvo']['boot_param']")" = on ]
	[ "$(json "d['hvo']['boot_param_rejected']")" = False ]
}

@test "generations: the 5.14-5.18 'can free' line proves HVO was on at boot (E4)" {
	as_515
	sed -i 's/ hugetlb_free_vmemmap=on//' "$D/proc/cmdline" "$D/dmesg.txt"
	rm -f "$D"/boot/config-*
	printf '%s\n' '[    4.714800] HugeTLB: can free 4094 vmemmap pages for hugepages-1048576kB' \
		'[    4.715080] HugeTLB: can free 6 vmemmap pages for hugepages-2048kB' >>"$D/dmesg.txt"
	edit "hugetlb_free_vmemmap=on removed; boot/config removed; the 5.15 lines 'can free 4094 ... 1048576kB'" \
		"and 'can free 6 ... 2048kB' (mm/hugetlb_vmemmap.c, 5.15, prints them only when HVO is on) appended"
	report_json
	[ "$(json "d['kernel']['generation']")" = 5.14 ]
	[ "$(json "d['kernel']['reserved_vmemmap_pages']")" = 2 ]
	[ "$(json "d['hvo']['compiled']")" = True ]
	[ "$(json "d['hvo']['at_boot']")" = True ]
	[ "$(json "d['hvo']['active']")" = True ]
	# 256 x 2M at 24K and 2 x 1G at 16376K: 38M, assumed (no counters before 6.11)
	[ "$(json "d['totals']['savings_possible_bytes']")" = $((256 * 24576 + 2 * 16769024)) ]
	[ "$(json "d['totals']['savings_current_bytes']")" = $((256 * 24576 + 2 * 16769024)) ]
	[ "$(json "d['totals']['savings_current_basis']")" = assumed ]
	! has_finding hvo-off
	! has_finding boot-pools-unoptimized
}

@test "generations: the 'can free' figures tell 5.18 (1 page kept) from 5.14-5.17 (2)" {
	as_515
	sed -i 's/ hugetlb_free_vmemmap=on//' "$D/proc/cmdline" "$D/dmesg.txt"
	rm -f "$D"/boot/config-*
	# 5.18 keeps 1 page: 7 and 4095 (a 5.15 with e7d324850bfc backported)
	printf '%s\n' '[    4.714800] HugeTLB: can free 4095 vmemmap pages for hugepages-1048576kB' \
		'[    4.715080] HugeTLB: can free 7 vmemmap pages for hugepages-2048kB' >>"$D/dmesg.txt"
	edit "as the E4 case, with the 5.18 figures 'can free 4095' and 'can free 7'"
	report_json
	[ "$(json "d['kernel']['generation']")" = 5.18 ]
	[ "$(json "d['kernel']['generation_basis']")" = features ]
	[ "$(json "d['kernel']['release_generation']")" = 5.14 ]
	[ "$(json "d['kernel']['reserved_vmemmap_pages']")" = 1 ]
	has_finding generation-from-features
	# without BTF the two sizes still solve for S and the kept pages
	rm -f "$D/sys/kernel/btf/vmlinux"
	report_json
	[ "$(json "d['kernel']['generation']")" = 5.18 ]
	[ "$(json "d['kernel']['struct_page_size']")" = 64 ]
}

@test "generations: a backport-style 5.14.0-*.el9 release behaves as the 6.11 it shows (E7)" {
	relabel 6.12-stale 5.14.0-427.13.1.el9_4.x86_64
	report_json
	[ "$(json "d['kernel']['generation']")" = 6.11 ]
	[ "$(json "d['kernel']['generation_basis']")" = features ]
	[ "$(json "d['kernel']['release_generation']")" = 5.14 ]
	[ "$(json "d['kernel']['reserved_vmemmap_pages']")" = 1 ]
	[ "$(json "d['kernel']['struct_page_size']")" = 64 ]
	[[ $(json "d['kernel']['generation_evidence']") == *nr_memmap_pages* ]]
	has_finding generation-from-features
	! has_finding struct-page-not-pow2
	! has_finding model-mismatch
	# every figure as on the real 6.12 it was captured from
	"$HV" --root "$FIX/6.12-stale" report --format json >"$T/real.json"
	python3 - "$T/real.json" "$T/out.json" <<-'EOF'
		import json, sys
		a, b = (json.load(open(p)) for p in sys.argv[1:3])
		for k in ("hstates", "totals", "memmap", "hvo"):
		    assert a[k] == b[k], (k, a[k], b[k])
	EOF
	run "$HV" --root "$D" report
	[[ $output == *"HVO rules of 6.11 (from its features)"* ]]
}

@test "generations: a bare hugetlb_free_vmemmap is on for 6.0-6.14, rejected by 6.15+ (E3)" {
	relabel 6.12-hvo-boot-off 6.18.5
	sed -i 's/hugetlb_free_vmemmap=off/hugetlb_free_vmemmap/' "$D/proc/cmdline"
	edit "hugetlb_free_vmemmap=off replaced by a bare hugetlb_free_vmemmap in proc/cmdline"
	report_json
	[ "$(json "d['kernel']['generation']")" = 6.15 ]
	[ "$(json "d['hvo']['boot_param']")" = None ]
	[ "$(json "d['hvo']['boot_param_rejected']")" = True ]
	[ "$(json "d['hvo']['at_boot']")" = False ]
	has_finding hvo-param-rejected
	has_finding boot-pools-unoptimized
	# on the 6.12 it really is (core_param bool) the bare flag means on
	cp -a "$FIX/6.12-hvo-boot-off" "$T/612" && D=$T/612
	sed -i 's/hugetlb_free_vmemmap=off/hugetlb_free_vmemmap/' "$D/proc/cmdline"
	report_json
	[ "$(json "d['hvo']['boot_param']")" = on ]
	[ "$(json "d['hvo']['boot_param_rejected']")" = False ]
	! has_finding hvo-param-rejected
}

@test "generations: what the host shows, with no release at all" {
	cp -a "$FIX/6.12-stale" "$T/norel" && D=$T/norel
	rm -f "$D/proc/sys/kernel/osrelease" "$D/uname.txt"
	report_json
	[ "$(json "d['kernel']['generation']")" = 6.11 ]
	[ "$(json "d['kernel']['generation_basis']")" = features ]
	[ "$(json "d['kernel']['generation_assumed']")" = False ]
	[ "$(json "d['kernel']['release_generation']")" = None ]
}
