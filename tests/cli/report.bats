#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan report over snapshots captured from real Debian kernels under QEMU
# (tests/fixtures/vm, see tests/vm/README.md): figures, formats, options.

setup() {
	TOPDIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	HV=${HVOPLAN:-$TOPDIR/hvoplan}
	FX=$TOPDIR/tests/fixtures/vm
	export LC_ALL=C.UTF-8
}

json() { # json FIXTURE JQ-FILTER
	"$HV" report --root "$FX/$1" --format json | jq -r "$2"
}

opts_of() { grep -oE -- '--[a-z][a-z-]+' | sort -u; }
man_opts() { MANWIDTH=200 man -l "$1" 2>/dev/null | sed -n '/^OPTIONS/,/^[A-Z]/p' | opts_of; }

# The exact table (and raw, json, prometheus output) of every snapshot:
# tests/cli/golden.bats against tests/expected/report/.

@test "report: 6.12 stale snapshot: 128 un-optimized 2M pages, measured" {
	[ "$(json 6.12-stale '.hstates[0].unoptimized_pages')" = 128 ]
	[ "$(json 6.12-stale '.hstates[0].savings_current_bytes')" = $((128 * 28672)) ]
	[ "$(json 6.12-stale '.hstates[1].unoptimized_pages')" = 0 ]
	[ "$(json 6.12-stale '.totals.unoptimized_bytes')" = $((128 * 28672)) ]
	[ "$(json 6.12-stale '.totals.savings_current_basis')" = measured ]
	[ "$(json 6.12-stale '.memmap.realized_savings_bytes')" = 20443136 ]
	[ "$(json 6.12-stale '.memmap.baseline_pages')" = 24576 ]
	[ "$(json 6.12-stale '[.findings[].id] | index("stale-pages") != null')" = true ]
}

@test "report: boot pools optimized from boot on 6.12: every page saves, measured" {
	[ "$(json 6.12-hvo-boot-on '.memmap.realized_savings_bytes')" = 40886272 ]
	[ "$(json 6.12-hvo-boot-on '.totals.savings_current_bytes')" = 40886272 ]
	[ "$(json 6.12-hvo-boot-on '.totals.savings_possible_bytes')" = 40886272 ]
	[ "$(json 6.12-hvo-boot-on '.hvo.at_boot')" = true ]
	[ "$(json 6.12-hvo-boot-on '.hvo.boot_param')" = on ]
}

@test "report: boot pools with hugetlb_free_vmemmap=off are all stale and flagged" {
	[ "$(json 6.12-hvo-boot-off '.memmap.realized_savings_bytes')" = 0 ]
	[ "$(json 6.12-hvo-boot-off '.hstates[0].unoptimized_pages')" = 256 ]
	[ "$(json 6.12-hvo-boot-off '.hstates[1].unoptimized_pages')" = 2 ]
	[ "$(json 6.12-hvo-boot-off '.hvo.boot_param')" = off ]
	[ "$(json 6.12-hvo-boot-off '[.findings[].id] | index("boot-pools-unoptimized") != null')" = true ]
}

@test "report: per-node pools" {
	[ "$(json 6.12-per-node '[.hstates[0].nodes[].nr] | @csv')" = '64,192' ]
	[ "$(json 6.12-per-node '[.hstates[0].nodes[].savings_possible_bytes] | @csv')" = "$((64 * 28672)),$((192 * 28672))" ]
	[ "$(json 6.12-per-node '.hstates[1].nodes[1].savings_current_bytes')" = $((16380 * 1024)) ]
}

@test "report: 6.1 has no memmap counters: savings assumed, realized null" {
	for f in 6.1-hvo-boot-on 6.1-stale 6.1-per-node; do
		[ "$(json $f '.memmap.realized_savings_bytes')" = null ]
		[ "$(json $f '.totals.savings_current_basis')" = assumed ]
		[ "$(json $f '.hstates[0].unoptimized_pages')" = null ]
		[ "$(json $f '[.findings[].id] | index("savings-assumed") != null')" = true ]
	done
}

@test "report: per-page figures equal every fixture's boot log lines" {
	for d in "$FX"/6.*; do
		f=$(basename "$d")
		while read -r kib size unit; do
			[ "$unit" = MiB ] && bytes=$((${size%.*} << 20)) || bytes=$((${size%.*} << 30))
			got=$(json "$f" ".hstates[] | select(.size == $bytes) | .optimizable_bytes_per_page")
			[ "$got" = $((kib * 1024)) ] || { echo "$f $size $unit: $got"; false; }
		done < <(sed -n 's/.*HugeTLB: \([0-9]*\) KiB vmemmap can be freed for a \([0-9.]*\) \([MG]iB\) page.*/\1 \2 \3/p' "$d/dmesg.txt")
	done
}

@test "report: memmap_on_memory is found and blocks" {
	[ "$(json 6.12-memmap-on-memory '.hvo.blockers | index("memmap-on-memory") != null')" = true ]
}

@test "report: prometheus format carries the JSON figures" {
	run "$HV" report --root "$FX/6.12-stale" --format prometheus
	[ "$status" -eq 0 ]
	[[ $output == *'hvoplan_unoptimized_pages{size="2M",size_bytes="2097152"} 128'* ]]
	[[ $output == *"hvoplan_realized_savings_bytes 20443136"* ]]
	[[ $output == *'hvoplan_finding{id="stale-pages",severity="warning"} 1'* ]]
}

@test "report: -o, -r, -n, -b and --summary" {
	run "$HV" report --root "$FX/6.12-stale" -o size,pages,stale -b -r -n
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "2097152 - 256 128" ] || [ "${lines[0]}" = "2097152 256 128" ]
	run "$HV" report --root "$FX/6.12-stale" --summary=only
	[[ $output == Kernel:* ]]
	run "$HV" report --root "$FX/6.12-stale" --summary=never
	[[ $output != *Findings* ]]
	run "$HV" report --root "$FX/6.12-stale" -o SIZE,BOGUS
	[ "$status" -eq 2 ]
	[[ $output == *"unknown column: BOGUS"* ]]
}

@test "report: --fail-on gives exit 1 only at or above the severity" {
	run "$HV" report --root "$FX/6.12-stale" --fail-on warning
	[ "$status" -eq 1 ]
	run "$HV" report --root "$FX/6.12-stale" --fail-on error
	[ "$status" -eq 0 ]
	run "$HV" report --root "$FX/6.12-hvo-boot-on" --fail-on warning
	[ "$status" -eq 0 ]
	run "$HV" report --fail-on bogus
	[ "$status" -eq 2 ]
}

@test "report: usage errors exit 2, a missing root or file exits 3 naming it" {
	run "$HV" report --format yaml
	[ "$status" -eq 2 ]
	run "$HV" report --struct-page-size 7
	[ "$status" -eq 2 ]
	run "$HV" report --root /nonexistent/dir
	[ "$status" -eq 3 ]
	[[ $output == *"/nonexistent/dir"* ]]
	cp -r "$FX/6.12-stale" "$BATS_TEST_TMPDIR/s"
	rm "$BATS_TEST_TMPDIR/s/proc/meminfo"
	run "$HV" report --root "$BATS_TEST_TMPDIR/s"
	[ "$status" -eq 3 ]
	[[ $output == *"s/proc/meminfo: No such file or directory"* ]]
}

@test "report: overrides of struct page and page size are used and named" {
	[ "$(json 6.12-stale '.kernel.struct_page_size_source')" = dmesg ]
	out=$("$HV" report --root "$FX/6.12-stale" --struct-page-size 80 --format json)
	[ "$(jq -r .kernel.struct_page_size_source <<<"$out")" = override ]
	[ "$(jq -r '.hstates[0].vmemmap_bytes_per_page' <<<"$out")" = 40960 ]
	[ "$(jq -r '[.findings[].id] | index("struct-page-not-pow2") != null' <<<"$out")" = true ]
}

@test "report, snapshot and hvoplan: --help and the man pages list the same options" {
	for cmd in report snapshot; do
		diff <("$HV" $cmd --help | opts_of) <(man_opts "$TOPDIR/man/hvoplan-$cmd.8")
	done
	diff <("$HV" --help | opts_of) <(man_opts "$TOPDIR/man/hvoplan.8")
	for col in $("$HV" report --help | sed -n '/^Available output columns/,/^$/p' | tail -n +2 | awk 'NF > 1 {print $1}'); do
		MANWIDTH=200 man -l "$TOPDIR/man/hvoplan-report.8" | sed -n '/^COLUMNS/,/^FINDINGS/p' | grep -qw "$col"
	done
	for page in hvoplan hvoplan-report hvoplan-snapshot; do
		[ -z "$(man --warnings -l "$TOPDIR/man/$page.8" 2>&1 >/dev/null)" ]
	done
}

@test "report: works unprivileged, with the same figures, and says what it could not read" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch to nobody"
	command -v setpriv >/dev/null || skip "no setpriv"
	cp "$HV" "$BATS_TEST_TMPDIR/hv" && chmod 755 "$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR/hv"
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$BATS_TEST_TMPDIR/hv" report --format json
	[ "$status" -eq 0 ]
	mine=$("$HV" report --format json)
	for f in '[.hstates[] | .optimizable_bytes_per_page] | @csv' '.kernel.struct_page_size' '.hvo.active'; do
		[ "$(jq -r "$f" <<<"$output")" = "$(jq -r "$f" <<<"$mine")" ]
	done
	if [ "$(cat /proc/sys/kernel/dmesg_restrict)" = 1 ]; then
		[ "$(jq -r '.notes | map(select(test("dmesg_restrict"))) | length' <<<"$output")" = 1 ]
		[ "$(jq -r '.hstates[0].optimizable_source' <<<"$output")" = computed ]
	fi
}

# Issue 11. Each test edits a copy of a fixture in its temp dir; the comment
# says what is edited.

copy() { # copy FIXTURE: the copy's path in $S
	S=$BATS_TEST_TMPDIR/snap
	cp -a "$FX/$1" "$S"
}

@test "report: no memoryN directories: realized savings null with the reason, never 16E (measured)" {
	copy 6.12-stale
	rm -r "$S"/sys/devices/system/memory/memory[0-9]* # edited: the memory block directories are gone
	run "$HV" report --root "$S" --format json
	[ "$status" -le 1 ]
	[ "$(jq -r .memmap.realized_savings_bytes <<<"$output")" = null ]
	[ "$(jq -r .totals.savings_current_bytes <<<"$output")" = null ]
	[ "$(jq -r .totals.savings_current_basis <<<"$output")" != measured ]
	[[ "$(jq -r .totals.savings_current_note <<<"$output")" == *"no memoryN directories"* ]]
	[ "$(jq '[.. | numbers | select(. < 0)] | length' <<<"$output")" = 0 ]
	[ "$(jq -r '[.findings[].id] | index("savings-unknown") != null' <<<"$output")" = true ]
	[ "$(jq -r '[.findings[].id] | index("stale-pages")' <<<"$output")" = null ]
	run "$HV" report --root "$S" --format prometheus
	[[ $output != *"hvoplan_host_savings_current_bytes "* ]]
	[[ $output != *"hvoplan_realized_savings_bytes "* ]]
	[[ $output == *"hvoplan_savings_measured 0"* ]]
	! grep -E '^hvoplan_[a-z_]+(\{[^}]*\})? -' <<<"$output"
	run "$HV" report --root "$S"
	[[ $output != *16E* && $output != *"(measured"* ]]
	[[ $output == *"Saved now:             ? (unknown: sys/devices/system/memory has no memoryN directories"* ]]
}

@test "report: memory blocks missing from a snapshot are found against MemTotal" {
	copy 6.12-stale
	rm -r "$S"/sys/devices/system/memory/memory3[2-9] # edited: 8 of the 48 memory blocks are gone
	run "$HV" report --root "$S" --format json
	[ "$(jq -r .memmap.realized_savings_bytes <<<"$output")" = null ]
	[[ "$(jq -r .totals.savings_current_note <<<"$output")" == *"less than MemTotal"* ]]
}

@test "report: a 6.11+ snapshot without block_size_bytes gives the true reason, not 'no counters'" {
	copy 6.12-stale
	rm "$S/sys/devices/system/memory/block_size_bytes" # edited: as in a sosreport
	run "$HV" report --root "$S"
	[[ $output != *"no memmap counters"* && $output != *"(6.11+)"* ]]
	[[ $output == *"block_size_bytes is missing"* ]]
	# a 6.1 kernel really has no counters, and says so
	run "$HV" report --root "$FX/6.1-stale"
	[[ $output == *"Saved now:             "*"(assumed: kernel 6.1."*"has no nr_memmap_pages counters (added in 6.11))"* ]]
}

@test "report: 4 EiB hugepages: figures beyond 64 signed bits are unknown, never wrapped" {
	copy 6.12-stale
	# edited: a 4 EiB hugepage size with 2 pages (8 EiB of memory)
	d=$S/sys/kernel/mm/hugepages/hugepages-4503599627370496kB
	mkdir "$d"
	for f in nr_hugepages free_hugepages; do echo 2 >"$d/$f"; done
	for f in resv_hugepages surplus_hugepages nr_overcommit_hugepages; do echo 0 >"$d/$f"; done
	run "$HV" report --root "$S" --format json
	[ "$status" -le 1 ]
	[ "$(jq '[.. | numbers | select(. < 0)] | length' <<<"$output")" = 0 ]
	[ "$(jq -r .totals.hugetlb_bytes <<<"$output")" = null ]
	grep -q "\"vmemmap_bytes_per_page\": $((1 << 56))," <<<"$output" # jq would round it
	run "$HV" report --root "$S" -o size,pages,hugetlb,vmemmap -r -n
	[[ $output == *"4E 2 ? 128P"* ]]
	run "$HV" report --root "$S" --summary=only
	[[ $output == *"Hugetlb memory:        ?, described by"* ]]
	run "$HV" report --root "$S" --format prometheus
	! grep -E '^hvoplan_[a-z_]+(\{[^}]*\})? -' <<<"$output"
	# one page (4 EiB) still fits and is shown
	for f in nr_hugepages free_hugepages; do echo 1 >"$d/$f"; done
	run "$HV" report --root "$S" -o size,pages,hugetlb -r -n
	[[ $output == *"4E 1 4E"* ]]
}

@test "report: HVO and pools set only until the next reboot are found, with --persist fixes" {
	# 6.12-stale: the sysctl is 1 and both pools were allocated at run time
	run "$HV" report --root "$FX/6.12-stale" --format json
	[ "$(jq -r '.findings[] | select(.id == "hvo-not-persistent") | .fix' <<<"$output")" = "hvoplan apply --hvo on --persist --yes" ]
	[[ "$(jq -r '.findings[] | select(.id == "hvo-not-persistent") | .message' <<<"$output")" == *"does not read /etc/sysctl.d"* ]]
	[[ "$(jq -r '.findings[] | select(.id == "pools-not-persistent") | .message' <<<"$output")" == *"2M has 256 pages now, 0 at boot; 1G has 1 page now, 0 at boot"* ]]
	[ "$(jq -r '.findings[] | select(.id == "pools-not-persistent") | .fix' <<<"$output")" = "hvoplan apply --pages 2M:256,1G:1 --persist --yes" ]
	copy 6.12-stale
	# edited: the command line sets what runs now
	echo "console=ttyS0 hugetlb_free_vmemmap=on hugepagesz=2M hugepages=256 hugepagesz=1G hugepages=1" >"$S/proc/cmdline"
	run "$HV" report --root "$S" --format json
	[ "$(jq -r '[.findings[].id] | (index("hvo-not-persistent"), index("pools-not-persistent"))' <<<"$output" | sort -u)" = null ]
}

@test "report: hvo-off persists and promises nothing now; no pools, no re-allocation advice" {
	copy 6.12-stale
	echo 0 >"$S/proc/sys/vm/hugetlb_optimize_vmemmap" # edited: HVO off
	run "$HV" report --root "$S" --format json
	fix=$(jq -r '.findings[] | select(.id == "hvo-off") | .fix' <<<"$output")
	msg=$(jq -r '.findings[] | select(.id == "hvo-off") | .message' <<<"$output")
	[[ $fix == "hvoplan apply --hvo on --persist --yes"*"hvoplan apply --reoptimize --yes" ]]
	[[ $msg != *"now)"* && $msg == *"once re-allocated with HVO on"* ]]
	for h in "$S"/sys/kernel/mm/hugepages/*/ "$S"/sys/devices/system/node/node*/hugepages/*/; do
		echo 0 >"$h/nr_hugepages" && echo 0 >"$h/free_hugepages" # edited: no pools
	done
	run "$HV" report --root "$S" --format json
	fix=$(jq -r '.findings[] | select(.id == "hvo-off") | .fix' <<<"$output")
	[[ $fix == *"--persist"* && $fix != *reallocate* && $fix != *reoptimize* ]]
}

@test "report: stale-pages says which pages are in use and can only be re-optimized once freed; singular" {
	copy 6.12-stale
	# edited: 1 stale 2M page instead of 128 (127 x 7 fewer boot memmap pages) ...
	awk '$1 == "nr_memmap_boot_pages" { $2 -= 127 * 7 } { print }' "$FX/6.12-stale/proc/vmstat" >"$S/proc/vmstat"
	# ... and 56 of the 256 2M pages in use, 8 more reserved
	echo 200 >"$S/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
	echo 8 >"$S/sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages"
	run "$HV" report --root "$S" --format json
	msg=$(jq -r '.findings[] | select(.id == "stale-pages") | .message' <<<"$output")
	[[ $msg == "1 hugepage (1 x 2M) was allocated while HVO was off and is not optimized"* ]]
	[[ $msg == *"in use or reserved (nr - free + resv): 64 of the 256 2M pages, and stale pages among them can only be re-optimized once freed"* ]]
	[[ "$(jq -r '.findings[] | select(.id == "stale-pages") | .fix' <<<"$output")" == *"only after they are freed"* ]]
}

@test "report: one page is 'page', not 'pages', in the error of a node larger than its pool" {
	copy 6.12-per-node
	echo 0 >"$S/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages" # edited: pool 0, node 1 keeps its page
	echo 0 >"$S/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"
	run "$HV" report --root "$S"
	[ "$status" -eq 3 ]
	[[ $output == *"node 1 has 1 1G page, more than the 0 of the whole pool"* ]]
}

@test "report: a per-node boot pool moved to another node at run time is found per node" {
	# 6.12-hvo-boot-on boots with hugepages=0:1,1:1 for 1G and runs just that
	run "$HV" report --root "$FX/6.12-hvo-boot-on" --format json
	[ "$(jq -r '[.findings[].id] | index("pools-not-persistent")' <<<"$output")" = null ]
	copy 6.12-hvo-boot-on
	N=$S/sys/devices/system/node
	# edited: node 1's 1G page now on node 0 (same total)
	for f in nr_hugepages free_hugepages; do
		echo 2 >"$N/node0/hugepages/hugepages-1048576kB/$f"
		echo 0 >"$N/node1/hugepages/hugepages-1048576kB/$f"
	done
	run "$HV" report --root "$S" --format json
	[[ "$(jq -r '.findings[] | select(.id == "pools-not-persistent") | .message' <<<"$output")" == *"1G on node 0 has 2 pages now, 1 at boot; 1G on node 1 has 0 pages now, 1 at boot"* ]]
	[ "$(jq -r '.findings[] | select(.id == "pools-not-persistent") | .fix' <<<"$output")" = "hvoplan apply --pages 1G:2@0,1G:0@1 --persist --yes" ]
}

# First contact: a host without pools (a copy of a real snapshot with every
# pool set to 0 here) is told what HVO would free and the plan to run, and is
# never told to re-allocate pools it does not have.
@test "report: no pools: the no-pools finding gives HVO's figure for half of MemTotal and a ready plan" {
	copy 6.12-hvo-boot-on
	find "$S/sys" \( -name nr_hugepages -o -name free_hugepages -o -name resv_hugepages \
		-o -name surplus_hugepages \) -exec sh -c 'echo 0 >"$1"' _ {} \;
	run "$HV" report --root "$S" --format json
	[ "$status" -eq 0 ]
	j=$output
	[ "$(jq '[.hstates[].nr] | add' <<<"$j")" = 0 ]
	memtotal=$(( $(awk '/^MemTotal:/ { print $2 }' "$S/proc/meminfo") * 1024 ))
	n=$((memtotal / 2 / 2097152))
	[ "$(jq -r '[.findings[] | select(.id == "no-pools")] | length' <<<"$j")" = 1 ]
	msg=$(jq -r '.findings[] | select(.id == "no-pools") | .message' <<<"$j")
	fix=$(jq -r '.findings[] | select(.id == "no-pools") | .fix' <<<"$j")
	[[ $msg == *"in 2M pages would free"* ]]
	[[ $fix == "hvoplan plan --from-host --pool 2M:50%"*"--pages 2M:$n --persist" ]]
	# freed: n pages x (32K of struct pages - the one 4K page HVO keeps)
	freed=$(awk -v b=$((n * 28672)) 'BEGIN { s = sprintf("%.1f", b / 1048576); sub(/\.0$/, "", s); print s "M" }')
	[[ $msg == *"would free $freed of the"* ]]
	# (a bare '! cmd' does not fail a bats test: compare the matches with nothing)
	[ -z "$(jq -r '.findings[] | .message + .fix' <<<"$j" | grep -iE 'reoptimize|re-allocate')" ]
	# the suggested plan runs
	"$HV" plan --root "$S" --from-host --pool 2M:50% >/dev/null
}

@test "report: a host with pools gets no no-pools finding" {
	[ "$(json 6.12-hvo-boot-on '[.findings[] | select(.id == "no-pools")] | length')" = 0 ]
}

@test "report: hugetlbfs mounts from a tree's proc/mounts and statfs record; pools without a mount are said; none read, none shown" {
	copy 6.12-default-1g
	# edited: the guest's /proc/mounts had no hugetlbfs line
	printf 'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n' >"$S/proc/mounts"
	run "$HV" report --root "$S" --format json
	[ "$(jq -c .hugetlbfs_mounts <<<"$output")" = "[]" ]
	[[ $(jq -r '.findings[] | select(.id == "no-hugetlbfs-mount") | .fix' <<<"$output") == "mount -t hugetlbfs -o pagesize=1G none /dev/hugepages"* ]]
	run "$HV" report --root "$S"
	[[ $output == *"hugetlbfs mounts:      none"* ]]
	# edited: three mounts, one with a blank in its path and one without pagesize= (the
	# default, 1G here), and the statfs record a snapshot keeps
	printf 'none /dev/hugepages hugetlbfs rw,relatime,pagesize=1024M,size=2147483648 0 0\nnone /mnt/two\\040M hugetlbfs rw,mode=1777 0 0\nnone /mnt/2m hugetlbfs rw,pagesize=2M 0 0\n' >"$S/proc/mounts"
	printf '# statfs\n/dev/hugepages 1073741824 2 1 -1 -1\n' >"$S/hvoplan-hugetlbfs-statfs.txt"
	run "$HV" report --root "$S"
	[ "$status" -le 1 ]
	[[ $output == *"statfs record of /dev/hugepages: not a number: '-1'"* ]]
	printf '# statfs\n/dev/hugepages 1073741824 2 1 0 0\n' >"$S/hvoplan-hugetlbfs-statfs.txt"
	run "$HV" report --root "$S"
	[[ $output == *"hugetlbfs mounts:      /dev/hugepages: 1G pages, size 2G (1G used), mode 0755, uid 0, gid 0"$'\n'"                       /mnt/two M: 1G pages (the default size), no size limit, mode 1777, uid 0, gid 0"$'\n'"                       /mnt/2m: 2M pages, no size limit, mode 0755, uid 0, gid 0, no pool of its size"$'\n'* ]]
	[[ $output != *no-hugetlbfs-mount* ]]
	# the 2M pool of this guest is empty while 1G has pages: the 2M mount gets none
	[[ $output == *"hugetlbfs-no-pool: hugetlbfs at /mnt/2m serves 2M pages, but the 2M pool is empty"* ]]
	[ "$(grep -c hugetlbfs-no-pool <<<"$output")" -eq 1 ]
	rm "$S/proc/mounts"
	run "$HV" report --root "$S" --format json
	[ "$(jq -c .hugetlbfs_mounts <<<"$output")" = null ]
	[[ $(jq -r '.findings[].id' <<<"$output") != *hugetlbfs* ]]
}

@test "report: the Kernel headline agrees with the figures on a kernel without HVO (audit E5)" {
	copy 6.12-default-1g
	# edited: HVO not built (config unset, no sysctl, 0 KiB boot lines)
	sed -i 's/^CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP=y/# CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP is not set/' "$S"/boot/config-*
	rm "$S/proc/sys/vm/hugetlb_optimize_vmemmap"
	sed -i 's/HugeTLB: [0-9]* KiB vmemmap can be freed/HugeTLB: 0 KiB vmemmap can be freed/' "$S/dmesg.txt"
	run "$HV" report --root "$S"
	[[ $output == *"HVO rules of 6.11, no HVO built: every vmemmap page kept"* ]]
	[[ $output != *"keeps 1 vmemmap page"* ]]
	[[ $(grep '^1G' <<<"$output") == "1G "*" 2G "*" 32M "*" 0B "*" 0B "*" 0B "* ]]
}

@test "report: vm.hugetlb_shm_group is named with its group, and a gid no group has is a warning" {
	R=$BATS_TEST_TMPDIR/root
	cp -a "$TOPDIR/tests/fixtures/vm/6.12-per-node" "$R"
	echo 1234 >"$R/proc/sys/vm/hugetlb_shm_group"
	# no etc/group (a snapshot of an older hvoplan): the gid only, no guess
	run "$HV" --root "$R" report --format json
	[ "$(jq -c .hugetlb_shm_group <<<"$output")" = '{"gid":1234,"name":null,"exists":null,"members":null}' ]
	[ "$(jq '[.findings[] | select(.id == "shm-group-unknown")] | length' <<<"$output")" = 0 ]
	mkdir -p "$R/etc"
	printf 'root:x:0:\nbroken\ndba:x:1234:oracle,grid\n' >"$R/etc/group"
	run "$HV" --root "$R" report --format json
	[ "$(jq -c .hugetlb_shm_group <<<"$output")" = '{"gid":1234,"name":"dba","exists":true,"members":["oracle","grid"]}' ]
	[ "$(jq '[.findings[] | select(.id == "shm-group-unknown")] | length' <<<"$output")" = 0 ]
	printf 'root:x:0:\ndba:x:1235:oracle\n' >"$R/etc/group"
	run "$HV" --root "$R" report --format json --fail-on warning
	[ "$status" -eq 1 ]
	[ "$(jq -r .hugetlb_shm_group.exists <<<"$output")" = false ]
	[ "$(jq -r '.findings[] | select(.id == "shm-group-unknown") | .severity' <<<"$output")" = warning ]
	run "$HV" --root "$R" report
	[[ $output == *"warning shm-group-unknown: vm.hugetlb_shm_group is 1234, a gid no group of /etc/group has: only root and processes with CAP_IPC_LOCK can make SysV hugepage segments"* ]]
	# a snapshot keeps only that gid's line; here none
	"$HV" --root "$R" snapshot -o "$BATS_TEST_TMPDIR/snap" >/dev/null 2>&1
	[ ! -s "$BATS_TEST_TMPDIR/snap/etc/group" ]
	run "$HV" --root "$BATS_TEST_TMPDIR/snap" report --format json
	[ "$(jq -r .hugetlb_shm_group.exists <<<"$output")" = false ]
}

@test "report --processes: a snapshot has no processes, and says so; JSON null without the option" {
	run "$HV" --root "$FX/6.12-per-node" report --processes --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r .processes.read <<<"$output")" = false ]
	[[ $(jq -r .processes.why <<<"$output") == "processes: "*"has no process directories (a snapshot has none)" ]]
	run "$HV" --root "$FX/6.12-per-node" report --processes
	[[ $output == *"Processes:             not read (processes: "*"has no process directories (a snapshot has none))"* ]]
	run "$HV" --root "$FX/6.12-per-node" report --format json
	[ "$(jq -r .processes <<<"$output")" = null ]
}
