#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The four outputs of one report agree figure for figure: on every fixture
# tree of the golden cases, each figure of `report -r`, the report summary,
# `report --format prometheus` and `top -b -n 1` equals the same figure of
# `report --format json` ("?" where JSON has null; Prometheus omits those),
# and none leaves out a figure it carries elsewhere. Sizes in bytes (-b,
# -u bytes), so nothing is rounded.

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	# shellcheck source=../expected/cases.sh
	. "$TOPDIR/tests/expected/cases.sh"
	export LANG=C.UTF-8
	unset COLUMNS NO_COLOR
}

# JSON: "SIZE NODE FIELD VALUE" lines (NODE "-" for the pool, "total" for
# the totals); the products a renderer shows that JSON has only as factors
# (pool memory, vmemmap, memmap bytes) are multiplied here.
json_kv() {
	jq -r '
	def v: if . == null then "?" else tostring end;
	def mul(a; b): if a == null or b == null then null else a * b end;
	.kernel.page_size as $ps |
	(.hstates[] | . as $h |
		((["nr", .nr], ["free", .free], ["resv", .resv], ["surplus", .surplus],
		  ["hugetlb", mul(.nr; .size)], ["vmemmap", mul(.nr; .vmemmap_bytes_per_page)],
		  ["perpage", .optimizable_bytes_per_page], ["saved", .savings_current_bytes],
		  ["possible", .savings_possible_bytes], ["stale", .unoptimized_pages])
		 | "\($h.name) - \(.[0]) \(.[1] | v)"),
		(.nodes[] | . as $n |
		 (["nr", .nr], ["free", .free], ["surplus", .surplus], ["hugetlb", mul(.nr; $h.size)],
		  ["vmemmap", mul(.nr; $h.vmemmap_bytes_per_page)], ["saved", .savings_current_bytes],
		  ["possible", .savings_possible_bytes])
		 | "\($h.name) \($n.node) \(.[0]) \(.[1] | v)")),
	(.totals | (["hugetlb", .hugetlb_bytes], ["vmemmap", .vmemmap_bytes], ["saved", .savings_current_bytes],
		    ["possible", .savings_possible_bytes], ["unoptimized", .unoptimized_bytes], ["thp", .thp_bytes])
	 | "total - \(.[0]) \(.[1] | v)"),
	(.memmap | (["memmap", (if .pages == null or .boot_pages == null then null else (.pages + .boot_pages) * $ps end)],
		    ["baseline", mul(.baseline_pages; $ps)], ["baseline_pages", .baseline_pages],
		    ["realized", .realized_savings_bytes])
	 | "total - \(.[0]) \(.[1] | v)")' "$1"
}

# report -r -b: the pool rows (and node rows on multi-node hosts)
table_kv() {
	awk 'FNR == NR { name[$1] = $2; next }
	FNR == 1 { next }
	{
		n = split("nr free resv surplus hugetlb vmemmap perpage saved possible stale", f, " ")
		for (i = 1; i <= n; i++) {
			v = $(i + 2)
			if (v == "-" || ($2 != "-" && f[i] == "perpage"))
				continue
			print name[$1], $2, f[i], v
		}
	}' <(jq -r '.hstates[] | "\(.size) \(.name)"' "$1") "$2"
}

# report -b --summary=only: the totals
summary_kv() {
	sed -nE 's/^Hugetlb memory: +([^,]+), described by ([^ ]+) of .*/total - hugetlb \1\ntotal - vmemmap \2/p
		s/^Saved now: +([^ ]+) .*/total - saved \1/p
		s/^Possible: +([^ ]+)$/total - possible \1/p
		s/^Memmap: +([^ ]+) now, ([^ ]+) baseline; not optimized: ([^ ]+)$/total - memmap \1\ntotal - baseline \2\ntotal - unoptimized \3/p' "$1"
}

prom_kv() {
	awk '/^#/ { next }
	{
		split($1, a, "{"); m = a[1]; sub(/^hvoplan_/, "", m)
		size = ""; node = "-"
		if (match($1, /size="[^"]*"/)) size = substr($1, RSTART + 6, RLENGTH - 7)
		if (match($1, /node="[^"]*"/)) node = substr($1, RSTART + 6, RLENGTH - 7)
		f = ""
		if (m == "hugetlb_pages") f = "nr"
		else if (m == "hugetlb_free_pages") f = "free"
		else if (m == "hugetlb_reserved_pages") f = "resv"
		else if (m == "hugetlb_surplus_pages") f = "surplus"
		else if (m == "vmemmap_bytes") f = "vmemmap"
		else if (m == "vmemmap_optimizable_bytes_per_page") f = "perpage"
		else if (m == "savings_current_bytes") f = "saved"
		else if (m == "savings_possible_bytes") f = "possible"
		else if (m == "unoptimized_pages") f = "stale"
		else if (m == "node_savings_possible_bytes") f = "possible"
		else if (m == "node_hugetlb_pages") f = "nr"
		else if (m == "host_savings_current_bytes") { size = "total"; f = "saved" }
		else if (m == "host_savings_possible_bytes") { size = "total"; f = "possible" }
		else if (m == "thp_bytes") { size = "total"; f = "thp" }
		else if (m == "memmap_baseline_pages") { size = "total"; f = "baseline_pages" }
		else if (m == "realized_savings_bytes") { size = "total"; f = "realized" }
		if (f != "")
			print size, node, f, $2
	}' "$1"
}

# top -b -n 1 -u bytes --nodes: the header's totals and the pool table
top_kv() {
	sed -nE 's/^Hugetlb: ([^ ]+) in [0-9]+ pools?, vmemmap ([^ ]+) without HVO, saved now ([^ ]+) \([a-z]+\), possible ([^ ]+)$/total - hugetlb \1\ntotal - vmemmap \2\ntotal - saved \3\ntotal - possible \4/p
		s/^Memmap: now ([^ ]+), baseline ([^ ]+), realized savings ([^ ]+), not optimized ([^ ]+)$/total - memmap \1\ntotal - baseline \2\ntotal - realized \3\ntotal - unoptimized \4/p' "$1"
	awk '/^ *SIZE NODE/ { t = 1; next }
	t && NF == 0 { exit }
	t && $2 == "-" {
		pool = $1
		print pool, "-", "nr", $3; print pool, "-", "free", $4; print pool, "-", "resv", $5
		print pool, "-", "surplus", $6; print pool, "-", "saved", $8; print pool, "-", "possible", $9
		print pool, "-", "stale", $10
		next
	}
	t && $1 ~ /^[0-9]+$/ {
		print pool, $1, "nr", $2; print pool, $1, "free", $3; print pool, $1, "surplus", $5
		print pool, $1, "saved", $7; print pool, $1, "possible", $8
	}' "$1"
}

# agree NAME JSON.kv OUTPUT.kv REQUIRED: every figure of OUTPUT equals the
# JSON one; every JSON key matching the regex REQUIRED is in OUTPUT.
agree() {
	awk -v name="$1" -v req="$4" '
	FNR == NR { j[$1 " " $2 " " $3] = $4; next }
	{
		k = $1 " " $2 " " $3
		seen[k] = 1
		if (!(k in j)) { printf "%s: %s is %s, and not in the JSON report\n", name, k, $4; bad = 1 }
		else if (j[k] != $4) { printf "%s: %s is %s, the JSON report says %s\n", name, k, $4, j[k]; bad = 1 }
		n++
	}
	END {
		for (k in j)
			if (k ~ req && !(k in seen) && !(name ~ /^prometheus/ && j[k] == "?")) {
				printf "%s: %s (%s in the JSON report) is missing\n", name, k, j[k]; bad = 1
			}
		if (!n) { printf "%s: no figures\n", name; bad = 1 }
		exit bad
	}' "$2" "$3"
}

check_fixture() {
	local fx=$1 d=$BATS_TEST_TMPDIR/$1 root
	mkdir -p "$d/root"
	root=$(hv_case_root "$TOPDIR" "$fx" - "$d/root") || return
	"$HV" report --root "$root" --format json >"$d/json" || return
	"$HV" report --root "$root" -r -b -o SIZE,NODE,PAGES,FREE,RESV,SURP,HUGETLB,VMEMMAP,PERPAGE,SAVED,POSSIBLE,STALE \
		>"$d/raw" || return
	"$HV" report --root "$root" -b --summary=only --color=never >"$d/summary" || return
	"$HV" report --root "$root" --format prometheus >"$d/prom" || return
	"$HV" top --root "$root" -b -n 1 -u bytes --nodes --no-processes --color=never >"$d/top" || return
	json_kv "$d/json" >"$d/json.kv"
	table_kv "$d/json" "$d/raw" >"$d/raw.kv"
	summary_kv "$d/summary" >"$d/summary.kv"
	prom_kv "$d/prom" >"$d/prom.kv"
	top_kv "$d/top" >"$d/top.kv"
	local pool='^[0-9][^ ]* - ' node='^[0-9][^ ]* [0-9]+ ' tot='^total - (hugetlb|vmemmap|saved|possible)$'
	local multi
	multi=$(jq '[.hstates[].nodes | length] | max // 0 | . > 1' "$d/json")
	local raw_req="${pool}(nr|free|resv|surplus|hugetlb|vmemmap|perpage|saved|possible|stale)\$"
	[ "$multi" = true ] && raw_req="$raw_req|${node}(nr|free|surplus|hugetlb|vmemmap|saved|possible)\$"
	local rc=0
	agree "report -r ($fx)" "$d/json.kv" "$d/raw.kv" "$raw_req" || rc=1
	agree "report summary ($fx)" "$d/json.kv" "$d/summary.kv" "$tot" || rc=1
	agree "prometheus ($fx)" "$d/json.kv" "$d/prom.kv" \
		"${pool}(nr|free|resv|surplus|vmemmap|perpage|saved|possible|stale)\$|${node}(nr|possible)\$|^total - (saved|possible|thp|baseline_pages|realized)\$" ||
		rc=1
	agree "top ($fx)" "$d/json.kv" "$d/top.kv" \
		"${pool}(nr|free|resv|surplus|saved|possible|stale)\$|${node}(nr|free|surplus|saved|possible)\$|$tot" || rc=1
	return $rc
}

@test "report -r, its summary, prometheus and top agree with the JSON report on every fixture" {
	local fx failed=0 n=0
	while read -r fx; do
		n=$((n + 1))
		check_fixture "$fx" || { echo "^ $fx"; failed=1; }
	done < <(hv_case_fixtures "$TOPDIR" vm,procs)
	[ "$n" -gt 1 ]
	[ "$failed" -eq 0 ]
}

@test "the agreement check fails when one output's figure differs" {
	local d=$BATS_TEST_TMPDIR/x
	mkdir -p "$d"
	printf '2M - nr 256\n2M - saved 7340032\ntotal - saved 7340032\n' >"$d/json.kv"
	printf '2M - nr 256\n2M - saved 7340032\n' >"$d/ok.kv"
	agree ok "$d/json.kv" "$d/ok.kv" '^2M - '
	printf '2M - nr 256\n2M - saved 7340031\n' >"$d/bad.kv"
	run agree bad "$d/json.kv" "$d/bad.kv" '^2M - '
	[ "$status" -ne 0 ]
	[[ $output == *"2M - saved is 7340031, the JSON report says 7340032"* ]]
	printf '2M - nr 256\n' >"$d/short.kv"
	run agree short "$d/json.kv" "$d/short.kv" '^2M - '
	[ "$status" -ne 0 ]
	[[ $output == *"2M - saved (7340032 in the JSON report) is missing"* ]]
}
