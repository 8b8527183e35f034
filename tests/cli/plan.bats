#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan plan: the per-TiB figures and the table of doc/kernel-rules.md
# "Per-hugepage arithmetic"
# through the command line, table options, JSON, --compare, device-dax,
# 7.1 shared tails, --from-host over a fixture, and rejected plans. Any user.

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	FIX=$TOPDIR/tests/fixtures/vm
	export LANG=C.UTF-8
}

K=1024
M=$((1024 * 1024))
G=$((1024 * 1024 * 1024))

@test "plan --help lists every option of the man page and the reverse" {
	run "$HV" plan --help
	[ "$status" -eq 0 ]
	help_opts=$(grep -oE -- '--[a-z][a-z-]+' <<<"$output" | sort -u)
	man_opts=$(MANWIDTH=200 man -l "$TOPDIR/man/hvoplan-plan.8" 2>/dev/null | sed -n '/^OPTIONS/,/^[A-Z]/p' |
		grep -oE -- '--[a-z][a-z-]+' | sort -u)
	[ -n "$man_opts" ]
	diff <(echo "$help_opts") <(echo "$man_opts")
	help_short=$(grep -oE -- '^ -[A-Za-z],' <<<"$output" | tr -d ' ,' | sort -u)
	man_short=$(MANWIDTH=200 man -l "$TOPDIR/man/hvoplan-plan.8" 2>/dev/null | sed -n '/^OPTIONS/,/^[A-Z]/p' |
		grep -oE -- '^ +-[A-Za-z],' | tr -d ' ,' | sort -u)
	diff <(echo "$help_short") <(echo "$man_short")
	# every column of --help is described in the man page
	for col in $(sed -n '/^Available output columns/,/^$/p' <<<"$output" | tail -n +2 | awk 'NF > 1 {print $1}'); do
		MANWIDTH=200 man -l "$TOPDIR/man/hvoplan-plan.8" 2>/dev/null | sed -n '/^COLUMNS/,/^JSON/p' | grep -qw "$col"
	done
}

@test "plan man page is lint clean and the completion fragment lists the --help options" {
	run man --warnings -l "$TOPDIR/man/hvoplan-plan.8"
	[ "$status" -eq 0 ]
	warn=$(man --warnings -l "$TOPDIR/man/hvoplan-plan.8" 2>&1 >/dev/null)
	[ -z "$warn" ]
	comp=$(bash -c ". '$TOPDIR/completions/hvoplan.bash'; _hvoplan_plan_opts" | tr ' ' '\n' | sort -u)
	help=$("$HV" plan --help | grep -oE -- '(^ |, )-[A-Za-z]|--[a-z][a-z-]+' | sed 's/^[ ,]*//' | sort -u)
	diff <(echo "$comp") <(echo "$help")
}

# $1 generation, $2 pool: prints pages vmemmap kept savings (bytes)
tib() {
	"$HV" plan --memory 1T --generation "$1" --pool "$2" --format json |
		jq -r '[.totals.hugetlb.pages, .totals.hugetlb.vmemmap_bytes, .totals.hugetlb.vmemmap_kept_bytes,
		        .totals.memmap_bytes] | @tsv'
}

@test "plan: per 1 TiB, 16G of vmemmap; 5.14 keeps 4G (2M) and 8M (1G), 5.18+ 2G and 4M" {
	[ "$(tib 5.14 2M:1T)" = "524288	$((16 * G))	$((4 * G))	$((16 * G))" ]
	[ "$(tib 5.14 1G:1T)" = "1024	$((16 * G))	$((8 * M))	$((16 * G))" ]
	[ "$(tib 5.18 2M:100%)" = "524288	$((16 * G))	$((2 * G))	$((16 * G))" ]
	[ "$(tib 5.18 1G:1024)" = "1024	$((16 * G))	$((4 * M))	$((16 * G))" ]
	[ "$(tib 6.15 1G:1024)" = "1024	$((16 * G))	$((4 * M))	$((16 * G))" ]
	# --kernel picks the same rules
	run "$HV" plan --memory 1T --kernel 5.15 --pool 2M:1T -b -o SIZE,VMEMMAP,KEPT,SAVED -n -r
	[ "$status" -eq 0 ]
	[ "$output" = "$((2 * M)) $((16 * G)) $((4 * G)) $((12 * G))" ]
	run "$HV" plan --memory 1T --kernel 6.1 --pool 1G:1T -o SIZE,PAGES,VMEMMAP,KEPT -n -r
	[ "$output" = "1G 1024 16G 4M" ]
}

@test "plan: the worked numbers of doc/kernel-rules.md per base page" {
	# base hugepage saved(5.18+) saved(5.14-5.17), KiB
	while read -r base hp one two; do
		for g in 5.18 5.14; do
			want=$one
			[ "$g" = 5.14 ] && want=$two
			got=$("$HV" plan --memory 32G --page-size "$base" --generation $g --pool "$hp:1" --format json |
				jq '.pools[0].optimizable_bytes_per_page')
			[ "$got" -eq $((want * K)) ] || { echo "$base $hp $g: $got, want $((want * K))"; false; }
		done
	done <<-EOF
		4K 64K 0 0
		4K 2M 28 24
		4K 32M 508 504
		4K 512M 8188 8184
		4K 1G 16380 16376
		4K 16G 262140 262136
		16K 64K 0 0
		16K 2M 0 0
		16K 32M 112 96
		16K 512M 2032 2016
		16K 1G 4080 4064
		16K 16G 65520 65504
		64K 2M 0 0
		64K 32M 0 0
		64K 512M 448 384
		64K 1G 960 896
		64K 16G 16320 16256
	EOF
}

@test "plan table: per node tree, total line, -o/-r/-n/-b" {
	run "$HV" plan --memory 1T --nodes 2 --pool 2M:1024 --pool 1G:4@1 --summary=never
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == SIZE*NODE*PAGES*HUGETLB*PERPAGE*VMEMMAP*KEPT*SAVED*RESTORE* ]]
	grep -qE '^2M +- +1024 +2G +28K +32M +4M +28M +28M$' <<<"$output"
	grep -qE '^├─ +0 +512 +1G ' <<<"$output"
	grep -qE '^1G +- +4 +4G +16M +64M +16K +64M +64M$' <<<"$output"
	grep -qE '^total +- +1028 +6G +- +96M ' <<<"$output"
	run "$HV" plan --memory 1T --nodes 2 --pool 2M:1024 -r -n -b -o SIZE,NODE,PAGES,SAVED
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "2097152 - 1024 $((1024 * 28 * K))" ]
	[ "${lines[1]}" = "2097152 0 512 $((512 * 28 * K))" ]
	[ "${#lines[@]}" -eq 3 ]
	run "$HV" plan --memory 1T --pool 2M:1 -o SIZE,BOGUS
	[ "$status" -eq 2 ]
	[[ $output == *"unknown column: BOGUS"* ]]
}

@test "plan summary states the free memory needed to free the pools" {
	run "$HV" plan --memory 1T --pool 1G:512 --summary=only
	[ "$status" -eq 0 ]
	[[ $output == *"Memmap:          16G of struct pages for all memory without HVO"* ]]
	[[ $output == *"To free pools:   8G of free memory"* ]]
	[[ $output == *"HVO rules of the 6.15 generation (default"* ]]
	[[ $output != *SIZE* ]]
}

@test "plan --compare lays the same memory out as each size" {
	run "$HV" plan --memory 1T --pool 1G:900G --compare 2M,1G --format json
	[ "$status" -eq 0 ]
	[ "$(jq '.compare | length' <<<"$output")" -eq 2 ]
	[ "$(jq '.compare[0].pages' <<<"$output")" -eq $((900 * 512)) ]
	[ "$(jq '.compare[0].savings_bytes' <<<"$output")" -eq $((900 * 512 * 28 * K)) ]
	[ "$(jq '.compare[1].savings_bytes' <<<"$output")" -eq $((900 * 16380 * K)) ]
	[ "$(jq '.compare[0].savings_delta_bytes' <<<"$output")" -eq $((900 * 512 * 28 * K - 900 * 16380 * K)) ]
	run "$HV" plan --memory 1T --pool 1G:900G --compare 2M,1G
	[[ $output == *"As 2M    pages:  HVO frees 12.3G"*"less than the plan"* ]]
	[[ $output == *"As 1G    pages:  HVO frees 14.1G, as much as the plan"* ]]
	run "$HV" plan --memory 1T --compare 2M,1G
	[ "$status" -eq 2 ]
	[[ $output == *"--compare needs hugetlb pools"* ]]
}

@test "plan --generation 7.1 counts one shared tail page per node and size, as an estimate" {
	run "$HV" plan --memory 1T --nodes 2 --generation 7.1 --pool 2M:1024 --format json
	[ "$status" -eq 0 ]
	[ "$(jq '.totals.all.shared_tail_bytes' <<<"$output")" -eq $((8 * K)) ]
	[ "$(jq '.totals.shared_tail_estimate' <<<"$output")" = true ]
	[ "$(jq '.pools[0].savings_bytes' <<<"$output")" -eq $((1024 * 28 * K - 8 * K)) ]
	[ "$(jq '.pools[0].restore_bytes' <<<"$output")" -eq $((1024 * 28 * K)) ]
	[[ $(jq -r '.notes[]' <<<"$output") == *estimate* ]]
	run "$HV" plan --memory 1T --nodes 2 --generation 7.1 --pool 2M:1024
	[[ ${lines[0]} == *TAIL ]]
	[[ $output == *"Shared tails:    8K (estimate of zones"* ]]
}

@test "plan --dax: 2 pages kept per PMD/PUD compound page from 5.19, none saved for 4K align" {
	run "$HV" plan --memory 256G --kernel 5.19 --dax 1T:2M --dax 1T:1G@0 --dax 64G:4K --format json
	[ "$status" -eq 0 ]
	[ "$(jq '[.pools[] | select(.type == "dax")] | length' <<<"$output")" -eq 3 ]
	[ "$(jq '.pools[] | select(.name == "2M") | .vmemmap_kept_bytes' <<<"$output")" -eq $((4 * G)) ]
	[ "$(jq '.pools[] | select(.name == "1G") | .vmemmap_kept_bytes' <<<"$output")" -eq $((8 * M)) ]
	[ "$(jq '.pools[] | select(.name == "4K") | .savings_bytes' <<<"$output")" -eq 0 ]
	[ "$(jq '.pools[] | select(.name == "2M") | .restore_bytes' <<<"$output")" -eq 0 ]
	run "$HV" plan --memory 256G --kernel 5.18 --dax 1T:2M --format json
	[ "$(jq '.totals.dax.savings_bytes' <<<"$output")" -eq 0 ]
	[[ $(jq -r '.notes[]' <<<"$output") == *"needs 5.19"* ]]
	run "$HV" plan --memory 256G --dax 1T:1M
	[ "$status" -eq 2 ]
	[[ $output == *"--dax 1T:1M: align 1M is not the base page, a PMD or a PUD size for 4K base pages (4K, 2M or 1G)"* ]]
}

@test "plan --dax with 64K base pages: powerpc radix's 2M and 1G dedup (1G frees 14 of 16 pages), arm64's 512M and 4T do not" {
	run "$HV" plan --memory 64G --page-size 64K --dax 256G:1G --dax 1G:2M --dax 2G:512M --format json
	[ "$status" -eq 0 ]
	[ "$(jq '.pools[] | select(.name == "1G") | .savings_bytes' <<<"$output")" -eq $((256 * 14 * 64 * 1024)) ]
	[ "$(jq '.pools[] | select(.name == "1G") | .vmemmap_kept_bytes' <<<"$output")" -eq $((256 * 2 * 64 * 1024)) ]
	# 2M is 32 struct pages, 2K of vmemmap: not more than 2 pages, nothing to share
	[ "$(jq '.pools[] | select(.name == "2M") | .savings_bytes' <<<"$output")" -eq 0 ]
	[ "$(jq '.pools[] | select(.name == "512M") | .savings_bytes' <<<"$output")" -eq 0 ]
	run "$HV" plan --memory 64G --page-size 64K --dax 1G:32M
	[ "$status" -eq 2 ]
	[[ $output == *"align 32M is not the base page, a PMD or a PUD size for 64K base pages (64K, 2M, 512M, 1G or 4T)"* ]]
	# no architecture with 16K pages dedups device-dax vmemmap
	run "$HV" plan --memory 64G --page-size 16K --dax 64G:32M --format json
	[ "$status" -eq 0 ]
	[ "$(jq '.totals.dax.savings_bytes' <<<"$output")" -eq 0 ]
}

@test "plan --dax: the memmap without HVO counts the namespaces' struct pages, as the figure with HVO does" {
	run "$HV" plan --memory 256G --dax 1T:1G --format json
	[ "$status" -eq 0 ]
	# 256G and 1T of 4K pages at 64 bytes: 4G + 16G; with HVO 2 of 4096 pages per 1G stay
	[ "$(jq '.totals.memmap_bytes' <<<"$output")" -eq $((20 * G)) ]
	[ "$(jq '.totals.memmap_with_hvo_bytes' <<<"$output")" -eq $((4 * G + 8 * M)) ]
	run "$HV" plan --memory 256G --dax 1T:1G
	[[ $output == *"Memmap:          20G of struct pages for all memory and the namespaces without HVO, 4G with it"* ]]
}

@test "plan json: schema hvoplan.plan/1 with sizes in bytes" {
	run "$HV" plan --memory 1T --nodes 2 --pool 2M:512@1 --struct-page-size 64 -J
	[ "$status" -eq 0 ]
	[ "$(jq -r .schema <<<"$output")" = hvoplan.plan/1 ]
	[ "$(jq .host.memory_bytes <<<"$output")" -eq $((1024 * G)) ]
	[ "$(jq -r .host.nodes_source <<<"$output")" = option ]
	[ "$(jq .source.root <<<"$output")" = null ]
	[ "$(jq .kernel.release <<<"$output")" = null ]
	[ "$(jq -r .kernel.generation_source <<<"$output")" = default ]
	[ "$(jq '.pools[0].nodes[0].pages' <<<"$output")" -eq 0 ]
	[ "$(jq '.pools[0].nodes[1].pages' <<<"$output")" -eq 512 ]
	[ "$(jq '.totals.remaining_bytes' <<<"$output")" -eq $((1024 * G - 1 * G - 16 * G + 512 * 28 * K)) ]
}

@test "plan --from-host over a 6.12 snapshot starts from its pools; options change only what they name" {
	snap=$FIX/6.12-per-node
	[ -d "$snap" ] || skip "fixture missing"
	blocks=$(ls "$snap/sys/devices/system/memory" | grep -c '^memory[0-9]')
	bs=$((16#$(cat "$snap/sys/devices/system/memory/block_size_bytes")))
	run "$HV" --root "$snap" plan --format json
	[ "$status" -eq 0 ]
	json=$output
	[ "$(jq .host.memory_bytes <<<"$json")" -eq $((blocks * bs)) ]
	[ "$(jq -r .host.memory_source <<<"$json")" = memory_blocks ]
	[ "$(jq .host.nodes <<<"$json")" -eq 2 ]
	[ "$(jq -r .kernel.generation <<<"$json")" = 6.11 ]
	[ "$(jq '.pools[] | select(.name == "2M") | [.nodes[].pages] | join(",")' -r <<<"$json")" = "64,192" ]
	# the same savings as report's possible savings, size by size
	report=$("$HV" report --root "$snap" --format json)
	for name in 2M 1G; do
		a=$(jq ".pools[] | select(.name == \"$name\") | .savings_bytes" <<<"$json")
		b=$(jq ".hstates[] | select(.name == \"$name\") | .savings_possible_bytes" <<<"$report")
		[ "$a" -eq "$b" ] || { echo "$name: plan $a report $b"; false; }
	done
	# --pool replaces one size (here one node of it); the other pools stay
	run "$HV" plan --root "$snap" --pool 2M:0@1 --generation 5.14 --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.pools[] | select(.name == "2M") | [.nodes[].pages] | join(",")' <<<"$output")" = "64,0" ]
	[ "$(jq '.pools[] | select(.name == "1G") | .pages' <<<"$output")" -eq 1 ]
	[ "$(jq -r .kernel.generation_source <<<"$output")" = option ]
	# a new node count spreads the host's pools evenly
	run "$HV" plan --from-host --root "$snap" --nodes 4 --format json
	[ "$(jq -r '.pools[] | select(.name == "2M") | [.nodes[].pages] | join(",")' <<<"$output")" = "64,64,64,64" ]
}

@test "plan rejects impossible plans with exit 2, naming the value" {
	check() {
		local want=$1
		shift
		run "$HV" plan "$@"
		[ "$status" -eq 2 ] || { echo "$* -> $status: $output"; return 1; }
		[[ $output == *"$want"* ]] || { echo "$* -> '$output' lacks '$want'"; return 1; }
	}
	check "--pool 1G:2T: the pool (2T) is larger than memory (1T)" --memory 1T --pool 1G:2T
	check "--pool 2M:101%: percentage '101%' is over 100%" --memory 1T --pool 2M:101%
	check "percentages add up to 110.00% of memory" --memory 1T --pool 2M:60% --pool 1G:50%
	check "hugepage size 3M is not a power of two" --memory 1T --pool 3M:1
	check "hugepage size 64K is not larger than the 64K base page" --memory 1T --page-size 64K --pool 64K:1
	check "18446744073709551615 pages of 1G overflow 64 bits" --memory 1T --pool 1G:18446744073709551615
	check "page count '99999999999999999999' overflows 64 bits" --memory 1T --pool 1G:99999999999999999999
	check "--memory 99999999E: overflows 64 bits" --memory 99999999E
	check "node 2 does not exist in a plan of 2 nodes" --memory 1T --nodes 2 --pool 2M:1@2
	check "--page-size takes 4K, 16K or 64K, not '8K'" --memory 1T --page-size 8K
	check "--generation takes none, 5.14" --memory 1T --generation 5.16
	check "--kernel and --generation both" --memory 1T --kernel 6.1 --generation 5.18
	check "no memory size" --pool 2M:1
	check "more than 8E of memory (15E)" --memory 15E --pool 8E:1
	check "the pool memory overflows 64 bits" --memory 1T --dax 8E:1G --dax 8E:1G
	check "invalid option" --memory 1T --bogus
	check "unexpected argument 'extra'" --memory 1T extra
	check "unknown format 'yaml'" --memory 1T --format yaml
	check "--struct-page-size takes a byte count from 16 to 1024" --memory 1T --struct-page-size 8
}

@test "plan with an odd struct page or a pre-5.14 kernel saves nothing and says why" {
	run "$HV" plan --memory 1T --pool 2M:1T --struct-page-size 72 --format json
	[ "$status" -eq 0 ]
	[ "$(jq .totals.hugetlb.savings_bytes <<<"$output")" -eq 0 ]
	[ "$(jq .totals.memmap_bytes <<<"$output")" -eq $((18 * G)) ]
	[[ $(jq -r '.notes[]' <<<"$output") == *"not a power of two"* ]]
	run "$HV" plan --memory 1T --pool 2M:1T --kernel 5.10
	[ "$status" -eq 0 ]
	[[ $output == *"no HVO"* ]]
	[[ $output == *"before 5.14 have no HVO"* ]]
}

# Issue 11: sparse NUMA ids. Each test edits a copy of 6.12-per-node (nodes 0
# and 1) in its temp dir and says how.
renode() { # renode NEWID...: node1 of the copy becomes node NEWID; $S is the copy
	S=$BATS_TEST_TMPDIR/snap
	cp -a "$FIX/6.12-per-node" "$S"
	mv "$S/sys/devices/system/node/node1" "$S/sys/devices/system/node/node$1"
	echo "0,$1" >"$S/sys/devices/system/node/online"
}

@test "plan --from-host with nodes 0 and 8: two nodes, their ids, their pools" {
	renode 8 # edited: node1 -> node8, online 0,8
	run "$HV" plan --from-host --root "$S" --format json
	[ "$status" -eq 0 ]
	[ "$(jq .host.nodes <<<"$output")" -eq 2 ]
	[ "$(jq -r '.pools[] | select(.name == "2M") | [.nodes[] | "\(.node):\(.pages)"] | join(",")' <<<"$output")" = "0:64,8:192" ]
	[ "$(jq -r '.pools[] | select(.name == "1G") | [.nodes[] | "\(.node):\(.pages)"] | join(",")' <<<"$output")" = "0:0,8:1" ]
	run "$HV" plan --from-host --root "$S"
	[ "$status" -eq 0 ]
	[[ $output == *"2 NUMA nodes"* ]]
	grep -qE '^└─ +8 +192 ' <<<"$output"
	# @NODE names the host's node id
	run "$HV" plan --root "$S" --pool 2M:10@8 --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.pools[] | select(.name == "2M") | [.nodes[] | "\(.node):\(.pages)"] | join(",")' <<<"$output")" = "0:64,8:10" ]
	run "$HV" plan --root "$S" --pool 2M:10@1
	[ "$status" -eq 2 ]
	[[ $output == *"node 1 is not one of the host's nodes with memory (0, 8)"* ]]
}

@test "plan --from-host keeps the pools of a node id above 255" {
	renode 300 # edited: node1 -> node300, online 0,300
	run "$HV" plan --from-host --root "$S" --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.pools[] | select(.name == "2M") | [.nodes[] | "\(.node):\(.pages)"] | join(",")' <<<"$output")" = "0:64,300:192" ]
	[ "$(jq '.totals.hugetlb.pages' <<<"$output")" -eq 257 ]
	run "$HV" plan --root "$S" --pool 1G:2@300 --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.pools[] | select(.name == "1G") | [.nodes[] | "\(.node):\(.pages)"] | join(",")' <<<"$output")" = "0:0,300:2" ]
}

@test "plan --from-host with POWER's nodes 0, 8 and 252-255: each node's memory from its MemTotal" {
	renode 8 # edited: node1 -> node8, plus GPU-like nodes 252-255 with 256M each and no pages
	base=$S/sys/devices/system/node
	for i in 252 253 254 255; do
		d=$base/node$i/hugepages/hugepages-2048kB
		mkdir -p "$d" "$base/node$i/hugepages/hugepages-1048576kB"
		for f in nr_hugepages free_hugepages surplus_hugepages; do
			echo 0 >"$d/$f"
			echo 0 >"$base/node$i/hugepages/hugepages-1048576kB/$f"
		done
		printf 'Node %d MemTotal:  262144 kB\nNode %d MemFree:  262144 kB\n' "$i" "$i" >"$base/node$i/meminfo"
	done
	echo "0,8,252-255" >"$base/online"
	run "$HV" plan --from-host --root "$S" --format json
	[ "$status" -eq 0 ]
	[ "$(jq .host.nodes <<<"$output")" -eq 6 ]
	[ "$(jq -r '.pools[] | select(.name == "2M") | [.nodes[] | "\(.node):\(.pages)"] | join(",")' <<<"$output")" = "0:64,8:192,252:0,253:0,254:0,255:0" ]
	[[ "$(jq -r '.notes[]' <<<"$output")" == *"in proportion to each node's MemTotal"* ]]
	# a GPU node's share is small: 512M there does not fit
	run "$HV" plan --root "$S" --pool 2M:512M@252
	[ "$status" -eq 2 ]
	[[ $output == *"larger than the memory of node 252"* ]]
}

@test "plan without --from-host or --root does not open the root (works where nothing is readable)" {
	command -v strace >/dev/null || skip "no strace"
	# LeakSanitizer cannot run under ptrace (check-asan): no leak check here
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	strace -f -qq -e trace=open,openat,openat2 -o "$BATS_TEST_TMPDIR/trace" "$HV" plan --memory 64G --pool 2M:50% >/dev/null
	# no "/" (main opens the root only when the command asks for it), no
	# host file (sanitizer runtimes read /proc/self: not matched)
	run grep -E '"/", |"/proc/(meminfo|cmdline|sys/)|"/sys/(kernel|devices/system/node)/' "$BATS_TEST_TMPDIR/trace"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	# the same trace sees it when the host is asked for
	strace -f -qq -e trace=open,openat,openat2 -o "$BATS_TEST_TMPDIR/trace" "$HV" plan --from-host >/dev/null 2>&1 || true
	grep -qE '"/", [^)]*O_PATH' "$BATS_TEST_TMPDIR/trace"
}

@test "plan --from-host on a kernel without HVO frees nothing and says why (audit E6); a what-if --kernel plans with HVO" {
	S=$BATS_TEST_TMPDIR/snap
	cp -a "$FIX/6.12-default-1g" "$S"
	# edited: HVO not built (config unset, no sysctl, 0 KiB boot lines)
	sed -i 's/^CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP=y/# CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP is not set/' "$S"/boot/config-*
	rm "$S/proc/sys/vm/hugetlb_optimize_vmemmap"
	sed -i 's/HugeTLB: [0-9]* KiB vmemmap can be freed/HugeTLB: 0 KiB vmemmap can be freed/' "$S/dmesg.txt"
	run "$HV" plan --root "$S" --format json
	[ "$status" -eq 0 ]
	[ "$(jq '.totals.hugetlb.savings_bytes' <<<"$output")" -eq 0 ]
	[ "$(jq '.totals.hugetlb.vmemmap_kept_bytes' <<<"$output")" -eq $((32 * M)) ]
	[ "$(jq '.kernel.reserved_vmemmap_pages' <<<"$output")" -eq 0 ]
	[[ $(jq -r '.notes[]' <<<"$output") == *"the host's kernel 6.12.117+deb12-amd64 is built without HVO (CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP is not set): every struct page is kept"* ]]
	# relabelled aarch64 (edited uname): the architecture lost HVO in 6.1.16/6.3
	sed -i 's/x86_64 GNU/aarch64 GNU/' "$S/uname.txt"
	run "$HV" plan --root "$S"
	[ "$status" -eq 0 ]
	[[ $output == *"HVO is not available on aarch64 with kernel 6.12.117+deb12-amd64: every struct page is kept"* ]]
	[[ $(grep '^total' <<<"$output") == "total    -     2      2G       -     32M  32M    0B      0B" ]]
	# a what-if kernel is not the host's: its rules apply, on the host's
	# architecture (arm64 had HVO in 6.1 before 6.1.16) or the one given
	run "$HV" plan --root "$S" --kernel 6.12 --format json
	[ "$(jq '.totals.hugetlb.savings_bytes' <<<"$output")" -eq 0 ]
	[ "$(jq -r '.host.arch + " " + .host.arch_source' <<<"$output")" = "aarch64 host" ]
	run "$HV" plan --root "$S" --kernel 6.1.10 --format json
	[ "$(jq '.totals.hugetlb.savings_bytes' <<<"$output")" -eq $((32 * M - 8 * K)) ]
	run "$HV" plan --root "$S" --kernel 6.12 --arch x86_64 --format json
	[ "$(jq '.totals.hugetlb.savings_bytes' <<<"$output")" -eq $((32 * M - 8 * K)) ]
}

@test "plan --arch: base pages and hugepage sizes of the architecture, HVO by release or generation (audit E6)" {
	run "$HV" plan --memory 1T --arch x86_64 --pool 32M:4
	[ "$status" -eq 2 ]
	[[ $output == *"--pool 32M:4: x86_64 with 4K base pages has no 32M hugepages (2M or 1G)"* ]]
	run "$HV" plan --memory 1T --arch amd64 --page-size 64K
	[ "$status" -eq 2 ]
	[[ $output == *"x86_64 has no 64K base pages (4K)"* ]]
	run "$HV" plan --memory 1T --arch x86_64 --pool 2M:1024 --compare 32M
	[ "$status" -eq 2 ]
	[[ $output == *"--compare 32M: x86_64 with 4K base pages has no 32M hugepages"* ]]
	run "$HV" plan --memory 1T --arch mips
	[ "$status" -eq 2 ]
	[[ $output == *"--arch mips: not an architecture with HugeTLB (x86_64, aarch64, riscv64, ppc64le, s390x, loongarch64)"* ]]
	# arm64 64K pages: 2M, 512M and 16G; HVO gone since 6.3
	run "$HV" plan --memory 1T --arch arm64 --page-size 64K --pool 16G:4 --kernel 6.12 --format json
	[ "$status" -eq 0 ]
	[ "$(jq '.totals.hugetlb.savings_bytes' <<<"$output")" -eq 0 ]
	[[ $(jq -r '.notes[]' <<<"$output") == *"HVO is not available on aarch64 with kernel 6.12"* ]]
	run "$HV" plan --memory 1T --arch aarch64 --pool 32M:4 --kernel 5.19 --format json
	[ "$(jq '.totals.hugetlb.savings_bytes' <<<"$output")" -gt 0 ]
	# a generation that spans the change: said, and HVO assumed
	run "$HV" plan --memory 1T --arch aarch64 --pool 2M:4 --generation 6.0 --format json
	[ "$(jq '.totals.hugetlb.savings_bytes' <<<"$output")" -gt 0 ]
	[[ $(jq -r '.notes[]' <<<"$output") == *"whether aarch64 has HVO in the 6.0 generation depends on the release"* ]]
	# ppc64le: 64K base pages by default, no HugeTLB HVO, device-dax tails shared on radix
	run "$HV" plan --memory 1T --arch ppc64el --pool 16M:64 --dax 256G:1G --format json
	[ "$status" -eq 0 ]
	[ "$(jq '.host.page_size' <<<"$output")" -eq 65536 ]
	[ "$(jq '.totals.hugetlb.savings_bytes' <<<"$output")" -eq 0 ]
	[ "$(jq '.totals.dax.savings_bytes' <<<"$output")" -eq $((256 * 14 * 64 * K)) ]
	run "$HV" plan --memory 1T --arch ppc64le --dax 2G:512M
	[ "$status" -eq 2 ]
	[[ $output == *"align 512M is not the base page, a PMD or a PUD size for ppc64le with 64K base pages (64K, 2M or 1G)"* ]]
	# aarch64 keeps its aligns but shares no tails; s390x and loongarch64 sizes
	run "$HV" plan --memory 1T --arch aarch64 --dax 1T:1G --format json
	[ "$(jq '.totals.dax.savings_bytes' <<<"$output")" -eq 0 ]
	run "$HV" plan --memory 1T --arch s390x --pool 1M:1024 --pool 2G:4 --kernel 6.12
	[ "$status" -eq 0 ]
	[[ $output == *"Host:            1T of memory (--memory), 1 NUMA node, s390x with 4K base pages"* ]]
	run "$HV" plan --memory 1T --arch loongarch64 --pool 32M:64 --format json
	[ "$status" -eq 0 ]
	[ "$(jq '.host.page_size' <<<"$output")" -eq 16384 ]
	[ "$(jq '.totals.hugetlb.savings_bytes' <<<"$output")" -gt 0 ]
}
