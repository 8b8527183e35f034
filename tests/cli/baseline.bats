#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The memmap baseline the 6.11+ counters are compared with (doc/kernel-
# rules.md, "Baseline: memory blocks and sections", "Memmap counters"):
# present sections where a memory block spans several (issue 13 E1), and
# the memmap that is not System RAM, page_ext and ZONE_DEVICE (E2). The
# hosts are copies of the real 6.12 capture tests/fixtures/vm/6.12-stale
# (6 GiB: 1 GiB below 4 GiB, 5 GiB from 4 GiB; 128 x 2M stale pages, 19.5M
# saved), edited as each test says (written into the copy's SOURCE): the
# layout of a >= 64 GiB x86_64 host's 2 GiB blocks, a page_ext boot line,
# device memory. Any user.

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	FIX=$BATS_TEST_DIRNAME/../fixtures/vm/6.12-stale
	D=$BATS_TEST_TMPDIR/host
	cp -a "$FIX" "$D"
	chmod -R u+w "$D"
	"$HV" --root "$FIX" report --format json >"$BATS_TEST_TMPDIR/real.json"
}

edit() {
	echo "EDITED by tests/cli/baseline.bats: $*" >>"$D/SOURCE"
}

json() { # json EXPR [FILE]
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"${2:-$BATS_TEST_TMPDIR/out.json}" "$1"
}

report_json() {
	run "$HV" --root "$D" report --format json
	[ "$status" -le 1 ] || { echo "$output"; false; }
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.json"
}

has_finding() {
	json "[f['id'] for f in d['findings']]" | grep -q "'$1'"
}

# The same RAM in 2 GiB blocks: sections 0-7 and 32-71 leave blocks 0, 2, 3
# and 4, two of them partial (arch/x86/mm/init_64.c probe_memory_block_size()).
two_gib_blocks() {
	local m=$D/sys/devices/system/memory
	for b in "$m"/memory*; do rm -rf "$b"; done
	echo 80000000 >"$m/block_size_bytes"
	for id in 0 2 3 4; do
		mkdir "$m/memory$id"
		printf '%08x\n' "$id" >"$m/memory$id/phys_index"
		echo online >"$m/memory$id/state"
	done
	edit "memory blocks replaced by 2 GiB blocks memory0, memory2-4"
}

iomem() {
	cat >"$D/proc/iomem" <<-'EOF'
		00000000-00000fff : Reserved
		00001000-0009fbff : System RAM
		0009fc00-0009ffff : Reserved
		000f0000-000fffff : Reserved
		00100000-3ffdffff : System RAM
		  01000000-01ffffff : Kernel code
		3ffe0000-3fffffff : Reserved
		fec00000-fec003ff : IOAPIC 0
		100000000-23fffffff : System RAM
	EOF
	edit "proc/iomem written for the guest's layout (1 GiB below 4 GiB, 5 GiB from 4 GiB)"
}

@test "baseline: 2 GiB blocks with holes, sections from proc/iomem: the figures of the real host (E1)" {
	two_gib_blocks
	iomem
	report_json
	[ "$(json "d['memmap']['baseline_basis']")" = sections ]
	[ "$(json "d['memmap']['ram_sections']")" = 48 ]
	[ "$(json "d['memmap']['section_bytes']")" = $((128 << 20)) ]
	[ "$(json "d['memmap']['ram_ranges_source']")" = proc/iomem ]
	for k in "d['memmap']['baseline_pages']" "d['memmap']['realized_savings_bytes']" "d['totals']" "d['hstates']"; do
		[ "$(json "$k")" = "$(json "$k" "$BATS_TEST_TMPDIR/real.json")" ] || { echo "$k differs"; false; }
	done
	[ "$(json "d['memmap']['realized_savings_bytes']")" = 20443136 ]
	[ "$(json "sum(h['unoptimized_pages'] for h in d['hstates'])")" = 128 ]
	run "$HV" --root "$D" report
	[[ $output == *"System RAM 96M (48 sections of 128M, proc/iomem)"* ]]
	# plan --from-host takes the same 6 GiB, not the 8 GiB of the blocks
	run "$HV" --root "$D" plan --from-host --format json
	[ "$status" -eq 0 ]
	[[ $output == *'"memory_bytes": 6442450944'* ]]
	[[ $output == *'"memory_source": "memory_sections"'* ]]
}

@test "baseline: without proc/iomem, /sys/firmware/memmap gives the sections" {
	two_gib_blocks
	local f=$D/sys/firmware/memmap
	mkdir -p "$f/0" "$f/1" "$f/2" "$f/3"
	printf '0x0\n0x9fbff\nSystem RAM\n' | { read -r a; read -r b; read -r t; echo "$a" >"$f/0/start"; echo "$b" >"$f/0/end"; echo "$t" >"$f/0/type"; }
	echo 0x9fc00 >"$f/1/start"; echo 0xfffff >"$f/1/end"; echo Reserved >"$f/1/type"
	echo 0x100000 >"$f/2/start"; echo 0x3ffdffff >"$f/2/end"; echo "System RAM" >"$f/2/type"
	echo 0x100000000 >"$f/3/start"; echo 0x23fffffff >"$f/3/end"; echo "System RAM" >"$f/3/type"
	edit "sys/firmware/memmap written for the guest's layout"
	report_json
	[ "$(json "d['memmap']['baseline_basis']")" = sections ]
	[ "$(json "d['memmap']['ram_ranges_source']")" = sys/firmware/memmap ]
	[ "$(json "d['memmap']['realized_savings_bytes']")" = 20443136 ]
	# memmap= changes the kernel's map after the firmware's: then it does not tell
	sed -i 's/$/ memmap=2G!5G/' "$D/proc/cmdline"
	report_json
	[ "$(json "d['memmap']['baseline_basis']")" = approximate ]
	[ "$(json "d['memmap']['realized_savings_bytes']")" = None ]
	[[ $(json "d['totals']['savings_current_note']") == *"memmap="* ]]
}

@test "baseline: 2 GiB blocks and no ranges: approximate, never measured; no false struct page error (E1)" {
	two_gib_blocks
	report_json
	[ "$(json "d['memmap']['baseline_basis']")" = approximate ]
	[ "$(json "d['memmap']['baseline_pages']")" = None ]
	[ "$(json "d['memmap']['realized_savings_bytes']")" = None ]
	[ "$(json "d['totals']['savings_current_bytes']")" = None ]
	[ "$(json "d['totals']['savings_current_basis']")" != measured ]
	[[ $(json "d['totals']['savings_current_note']") == *"approximate"*"2G"*"128M"* ]]
	! has_finding stale-pages
	! has_finding counters-unexplained
	# an iomem read without root (every address 0) says so
	printf '00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n' >"$D/proc/iomem"
	report_json
	[[ $(json "d['totals']['savings_current_note']") == *"read without root"* ]]
	# ranges that contradict the blocks are not used
	printf '00001000-3fffffff : System RAM\n100000000-2bfffffff : System RAM\n' >"$D/proc/iomem"
	report_json
	[ "$(json "d['memmap']['baseline_basis']")" = approximate ]
	[[ $(json "d['totals']['savings_current_note']") == *"do not match"* ]]
	# the struct page size is not derived from counters the blocks overstate
	rm -f "$D/dmesg.txt"
	find "$D/sys" -name '*_hugepages' -path '*hugepages-*' -exec sh -c 'for f; do echo 0 >"$f"; done' sh {} +
	report_json
	! has_finding struct-page-not-pow2
	[ "$(json "d['kernel']['struct_page_size_source']")" != vmstat ]
}

@test "baseline: page_ext from the boot log is its own part of the baseline (E2)" {
	boot=$(json "d['memmap']['boot_pages']" "$BATS_TEST_TMPDIR/real.json")
	sed -i "s/^nr_memmap_boot_pages .*/nr_memmap_boot_pages $((boot + 3072))/" "$D/proc/vmstat"
	echo "[    0.412000] allocated 12582912 bytes of page_ext" >>"$D/dmesg.txt"
	edit "nr_memmap_boot_pages +3072 and the boot line 'allocated 12582912 bytes of page_ext' (page_owner=on)"
	report_json
	[ "$(json "d['memmap']['page_ext_bytes']")" = 12582912 ]
	[ "$(json "d['memmap']['realized_savings_bytes']")" = 20443136 ]
	[ "$(json "sum(h['unoptimized_pages'] for h in d['hstates'])")" = 128 ]
	run "$HV" --root "$D" report
	[[ $output == *"page_ext 12M"* ]]
}

@test "baseline: ZONE_DEVICE memory: savings not measured, never a negative or wrapped figure (E2)" {
	pages=$(json "d['memmap']['pages']" "$BATS_TEST_TMPDIR/real.json")
	# a 16 GiB device-dax namespace: +65536 memmap pages at full size
	sed -i "s/^nr_memmap_pages .*/nr_memmap_pages $((pages + 65536))/" "$D/proc/vmstat"
	awk '/zone   Device/ {dev = 1} dev && /^        spanned/ {sub(/[0-9]+$/, "4194304"); dev = 0} {print}' \
		"$FIX/proc/zoneinfo" >"$D/proc/zoneinfo"
	edit "nr_memmap_pages +65536; proc/zoneinfo zone Device spanned 4194304 on each node (16 GiB)"
	report_json
	[ "$(json "d['memmap']['zone_device_bytes']")" = $((2 * 16 << 30)) ]
	[ "$(json "d['memmap']['realized_savings_bytes']")" = None ]
	[ "$(json "d['totals']['savings_current_bytes']")" = None ]
	[[ $(json "d['totals']['savings_current_note']") == *ZONE_DEVICE* ]]
	! has_finding stale-pages
	run "$HV" --root "$D" report
	[[ $output == *"Saved now:             ? (unknown: "*ZONE_DEVICE* ]]
	[[ $output != *16E* ]]
	# without zoneinfo the counters exceed the baseline: unknown, and why
	rm "$D/proc/zoneinfo"
	report_json
	[ "$(json "d['totals']['savings_current_bytes']")" = None ]
	[[ $(json "d['totals']['savings_current_note']") == *"proc/zoneinfo was not read"* ]]
	! has_finding stale-pages
}
