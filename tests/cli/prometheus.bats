#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan report --format prometheus, live and on the 6.12-stale fixture:
# Debian's promtool accepts it (`promtool check metrics`), and a real
# prometheus-node-exporter (loopback, random free port, textfile collector
# only) serves it on /metrics with the values of `hvoplan report --format
# json`. Installs prometheus and prometheus-node-exporter when root and
# missing; skips with the reason when they cannot be installed. Any user.

# Open bugs whose checks are skipped until fixed (none now; the two gauges
# once named *_total are hvoplan_host_savings_{current,possible}_bytes).
KNOWN_BUGS=""

known() { [[ " $KNOWN_BUGS " == *" $1 "* ]]; }

setup_file() {
	local missing=() p
	for p in prometheus prometheus-node-exporter curl; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" -eq 0 ]; then
		# --no-install-recommends; the packages' services are not started without systemd.
		{ DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
			--no-install-recommends "${missing[@]}" ||
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 \
				install -y -qq --no-install-recommends "${missing[@]}"; }; } >/dev/null 2>&1 || true
	fi
}

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	FIX=$TOPDIR/tests/fixtures/vm/6.12-stale
	export LANG=C.UTF-8
	EXPORTER_PID=
}

teardown() {
	if [ -n "$EXPORTER_PID" ]; then
		kill "$EXPORTER_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$EXPORTER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$EXPORTER_PID" 2>/dev/null || true
	fi
}

need_promtool() {
	command -v promtool >/dev/null || skip "promtool not installed and not installable (Debian package prometheus)"
}

# promtool_check FILE: promtool's findings other than known bugs; fails on any other.
promtool_check() {
	run promtool check metrics <"$1"
	echo "$output"
	if [ "$status" -eq 0 ]; then return 0; fi
	other=$(grep -v '^$' <<<"$output" || true)
	if known prom-total-suffix; then
		other=$(grep -vE '^hvoplan_savings_(current|possible)_bytes_total non-counter metrics should not have "_total" suffix$' <<<"$other" || true)
	fi
	# exit 3: lint problems only (1 would be a parse error)
	[ "$status" -eq 3 ] && [ -z "$other" ]
}

@test "prometheus: promtool accepts the live report (lint findings: only known bugs)" {
	need_promtool
	"$HV" report --format prometheus >"$BATS_TEST_TMPDIR/live.prom"
	promtool_check "$BATS_TEST_TMPDIR/live.prom"
}

@test "prometheus: promtool accepts the 6.12-stale fixture report (lint findings: only known bugs)" {
	need_promtool
	"$HV" report --root "$FIX" --format prometheus >"$BATS_TEST_TMPDIR/fix.prom"
	promtool_check "$BATS_TEST_TMPDIR/fix.prom"
}

@test "prometheus: promtool check metrics is clean (no lint findings at all)" {
	need_promtool
	known prom-total-suffix && skip "known bug prom-total-suffix: gauges named *_total (see KNOWN_BUGS)"
	for root in / "$FIX"; do
		"$HV" report --root "$root" --format prometheus | promtool check metrics
	done
}

@test "prometheus: promtool check metrics is clean on every fixture's report" {
	need_promtool
	n=0
	for fx in "$TOPDIR"/tests/fixtures/vm/*/; do
		"$HV" report --root "$fx" --format prometheus >"$BATS_TEST_TMPDIR/fx.prom" || [ $? -eq 1 ]
		run promtool check metrics <"$BATS_TEST_TMPDIR/fx.prom"
		[ "$status" -eq 0 ] && [ -z "$output" ] || { echo "$fx: $output"; false; }
		n=$((n + 1))
	done
	[ "$n" -ge 12 ]
}

# start_exporter DIR: prometheus-node-exporter on 127.0.0.1, a free port,
# textfile collector of DIR only; sets PORT and EXPORTER_PID.
start_exporter() {
	command -v prometheus-node-exporter >/dev/null ||
		skip "prometheus-node-exporter not installed and not installable (Debian package)"
	local try i
	for try in 1 2 3 4 5; do
		PORT=$((20000 + RANDOM % 40000))
		ss -ltnH 2>/dev/null | awk '{print $4}' | grep -q ":$PORT\$" && continue
		prometheus-node-exporter --web.listen-address="127.0.0.1:$PORT" \
			--collector.disable-defaults --collector.textfile \
			--collector.textfile.directory="$1" >"$BATS_TEST_TMPDIR/exporter.log" 2>&1 3>&- &
		EXPORTER_PID=$!
		for i in $(seq 50); do # up to 5 s
			curl -fsS "http://127.0.0.1:$PORT/metrics" >/dev/null 2>&1 && return 0
			kill -0 "$EXPORTER_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill "$EXPORTER_PID" 2>/dev/null
		wait "$EXPORTER_PID" 2>/dev/null
		EXPORTER_PID=
	done
	cat "$BATS_TEST_TMPDIR/exporter.log"
	false
}

# expected JSON: "metric labels value" lines the prometheus report must carry,
# from the JSON report (labels as a regex fragment, "-" for none).
expected() {
	jq -r '
		def b: if . == true then 1 elif . == false then 0 else . end;
		(.hstates[] as $h |
			(["hugetlb_pages", $h.nr], ["hugetlb_free_pages", $h.free],
			 ["hugetlb_reserved_pages", $h.resv], ["hugetlb_surplus_pages", $h.surplus],
			 ["hugetlb_free_bytes", ($h.free * $h.size)], ["hugetlb_reserved_bytes", ($h.resv * $h.size)],
			 ["vmemmap_optimizable_bytes_per_page", $h.optimizable_bytes_per_page],
			 ["vmemmap_bytes", ($h.nr * $h.vmemmap_bytes_per_page)],
			 ["savings_current_bytes", $h.savings_current_bytes],
			 ["savings_possible_bytes", $h.savings_possible_bytes],
			 ["unoptimized_pages", $h.unoptimized_pages])
			| select(.[1] != null) | "hvoplan_\(.[0]) size=\"\($h.name)\" \(.[1])"),
		(.hstates[] as $h | $h.nodes[] as $n |
			(["node_savings_possible_bytes", $n.savings_possible_bytes], ["node_hugetlb_pages", $n.nr])
			| select(.[1] != null) | "hvoplan_\(.[0]) node=\"\($n.node)\",size=\"\($h.name)\" \(.[1])"),
		"hvoplan_host_savings_possible_bytes - \(.totals.savings_possible_bytes)",
		(select(.totals.savings_current_bytes != null) | "hvoplan_host_savings_current_bytes - \(.totals.savings_current_bytes)"),
		"hvoplan_struct_page_bytes - \(.kernel.struct_page_size)",
		"hvoplan_page_bytes - \(.kernel.page_size)",
		"hvoplan_hvo_active - \(.hvo.active | b)",
		"hvoplan_hvo_compiled - \(.hvo.compiled | b)",
		(select(.hvo.sysctl != null) | "hvoplan_hvo_sysctl - \(.hvo.sysctl)"),
		(select(.memmap.baseline_pages != null) | "hvoplan_memmap_baseline_pages - \(.memmap.baseline_pages)"),
		(select(.memmap.realized_savings_bytes != null) | "hvoplan_realized_savings_bytes - \(.memmap.realized_savings_bytes)"),
		(select(.reserve != null) | "hvoplan_min_free_bytes - \(.reserve.min_free_kbytes * 1024)"),
		(select(.reserve.recommended_min_free_kbytes != null) | "hvoplan_min_free_recommended_bytes - \(.reserve.recommended_min_free_kbytes * 1024)"),
		"hvoplan_info release=\"\(.kernel.release)\" 1",
		(.findings[] | "hvoplan_finding id=\"\(.id)\",severity=\"\(.severity)\" 1")
	' "$1"
}

# check_scrape JSON SCRAPE: every expected value is served, exactly once.
check_scrape() {
	local n=0 name labels want got
	while read -r name labels want; do
		if [ "$labels" = - ]; then
			got=$(grep -E "^$name " "$2" | awk '{printf "%.0f\n", $2}')
		else
			got=$(grep -E "^$name\{" "$2" | grep -F "$labels" | awk '{printf "%.0f\n", $NF}')
		fi
		[ "$(wc -l <<<"$got")" -eq 1 ] && [ "$got" = "$want" ] ||
			{ echo "$name{$labels}: served '${got//$'\n'/,}', JSON says $want"; return 1; }
		n=$((n + 1))
	done < <(expected "$1")
	[ "$n" -ge 12 ] || { echo "only $n values compared"; return 1; }
	# the textfile collector read the file without error
	grep -qE '^node_textfile_scrape_error 0$' "$2"
}

@test "prometheus: node exporter serves the 6.12-stale report with the values of the JSON report" {
	command -v jq >/dev/null || skip "jq not installed"
	TF=$BATS_TEST_TMPDIR/textfile
	mkdir -p "$TF"
	"$HV" report --root "$FIX" --format json >"$BATS_TEST_TMPDIR/r.json"
	"$HV" report --root "$FIX" --format prometheus >"$TF/hvoplan.prom"
	start_exporter "$TF"
	curl -fsS --max-time 10 "http://127.0.0.1:$PORT/metrics" >"$BATS_TEST_TMPDIR/scrape"
	check_scrape "$BATS_TEST_TMPDIR/r.json" "$BATS_TEST_TMPDIR/scrape"
	# the example in the issue, spelled out
	want=$(jq '.hstates[0].savings_possible_bytes' "$BATS_TEST_TMPDIR/r.json")
	name=$(jq -r '.hstates[0].name' "$BATS_TEST_TMPDIR/r.json")
	got=$(grep -E "^hvoplan_savings_possible_bytes\{.*size=\"$name\"" "$BATS_TEST_TMPDIR/scrape" | awk '{printf "%.0f", $NF}')
	[ "$want" -gt 0 ]
	[ "$got" = "$want" ]
}

@test "prometheus: node exporter serves the live report with the values of the JSON report" {
	command -v jq >/dev/null || skip "jq not installed"
	TF=$BATS_TEST_TMPDIR/textfile
	mkdir -p "$TF"
	# Live pools can change between two runs: take the JSON before and after
	# the prometheus report and retry (at most 3 times) until they agree.
	for try in 1 2 3; do
		"$HV" report --format json >"$BATS_TEST_TMPDIR/r1.json"
		"$HV" report --format prometheus >"$TF/hvoplan.prom.tmp"
		"$HV" report --format json >"$BATS_TEST_TMPDIR/r2.json"
		cmp -s "$BATS_TEST_TMPDIR/r1.json" "$BATS_TEST_TMPDIR/r2.json" && break
	done
	mv "$TF/hvoplan.prom.tmp" "$TF/hvoplan.prom"
	start_exporter "$TF"
	curl -fsS --max-time 10 "http://127.0.0.1:$PORT/metrics" >"$BATS_TEST_TMPDIR/scrape"
	check_scrape "$BATS_TEST_TMPDIR/r1.json" "$BATS_TEST_TMPDIR/scrape"
	# the exporter did not pick up the temporary file of an atomic write
	! grep -q 'hvoplan.prom.tmp' "$BATS_TEST_TMPDIR/scrape"
}
