#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The shipped rules (examples/prometheus/hvoplan.rules.yml) and Grafana
# dashboard (examples/grafana/hvoplan-dashboard.json) against a REAL
# Prometheus server and REAL node exporters, on loopback: five "hosts", each a
# prometheus-node-exporter on a free port with its textfile collector serving
# `hvoplan report --format prometheus` of one fixture tree and its meminfo
# collector reading that tree's proc/meminfo (--path.procfs):
#   boot-on   6.12-hvo-boot-on as captured
#   boot-off  6.12-hvo-boot-off (HVO off, pools present)
#   stale     6.12-stale (pages allocated while HVO was off)
#   full      6.12-hvo-boot-on with MemAvailable 100 MiB and every hugepage in use
#   short     6.12-hvo-boot-on with MemAvailable 100 MiB, pools free, and
#             hugepages=300 for 2M on the command line (the boot log says 256)
# Prometheus scrapes them every second and evaluates the rules every second;
# each rule's result, read over the HTTP API, must equal what the hosts' JSON
# reports and meminfo give (computed here, not by PromQL). Each dashboard
# query must return data. Everything runs under BATS_FILE_TMPDIR and is
# killed by PID at the end. About 10 s. Skipped with the reason when
# prometheus or prometheus-node-exporter is not installed (.ci/run installs
# both). Any user.

RULES_REL=examples/prometheus/hvoplan.rules.yml
HOSTS="boot-on boot-off stale full short"

# free_port: a TCP port nothing listens on now (the kernel's pick)
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL PID: until URL answers (up to 10 s) while PID lives
wait_http() {
	local i
	for i in $(seq 100); do
		curl -fsS --max-time 2 "$1" >/dev/null 2>&1 && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# host_tree NAME DIR: the fixture tree of host NAME in DIR
host_tree() {
	local fx=$TOPDIR/tests/fixtures/vm
	case $1 in
	boot-on) cp -a "$fx/6.12-hvo-boot-on" "$2" ;;
	boot-off) cp -a "$fx/6.12-hvo-boot-off" "$2" ;;
	stale) cp -a "$fx/6.12-stale" "$2" ;;
	full)
		cp -a "$fx/6.12-hvo-boot-on" "$2"
		sed -i -E 's/^(MemAvailable: +)[0-9]+/\1102400/; s/^(HugePages_Free: +)[0-9]+/\10/' "$2/proc/meminfo"
		find "$2/sys" -name free_hugepages -exec sh -c 'echo 0 >"$1"' sh {} \;
		;;
	short)
		cp -a "$fx/6.12-hvo-boot-on" "$2"
		sed -i -E 's/^(MemAvailable: +)[0-9]+/\1102400/' "$2/proc/meminfo"
		sed -i 's/hugepagesz=2M hugepages=256/hugepagesz=2M hugepages=300/' "$2/proc/cmdline"
		;;
	esac
}

# start_exporter NAME: its node exporter, in the background; the port in
# $D/NAME/port, the PID in $D/NAME/pid and $D/pids
start_exporter() {
	local h=$1 port
	port=$(free_port)
	prometheus-node-exporter --web.listen-address="127.0.0.1:$port" \
		--collector.disable-defaults --collector.textfile --collector.meminfo \
		--collector.textfile.directory="$D/$h/textfile" --path.procfs="$D/$h/root/proc" \
		>"$D/$h/exporter.log" 2>&1 3>&- &
	echo $! >"$D/$h/pid"
	echo $! >>"$D/pids"
	echo "$port" >"$D/$h/port"
}

# exporter_up NAME: it serves /metrics; else a second start (its port taken meanwhile?)
exporter_up() {
	local h=$1
	wait_http "http://127.0.0.1:$(cat "$D/$h/port")/metrics" "$(cat "$D/$h/pid")" && return 0
	kill "$(cat "$D/$h/pid")" 2>/dev/null
	start_exporter "$h"
	wait_http "http://127.0.0.1:$(cat "$D/$h/port")/metrics" "$(cat "$D/$h/pid")"
}

start_prometheus() {
	local port try pid targets=""
	{
		echo "global: {scrape_interval: 1s, evaluation_interval: 1s, scrape_timeout: 900ms}"
		echo "rule_files: ['$TOPDIR/$RULES_REL']"
		echo "scrape_configs:"
		echo "  - job_name: node"
		echo "    static_configs:"
		for h in $HOSTS; do
			echo "      - targets: ['127.0.0.1:$(cat "$D/$h/port")']"
			echo "        labels: {host: '$h'}"
		done
		# the host's name as instance, the label the rules keep
		echo "    relabel_configs: [{source_labels: [host], target_label: instance}]"

	} >"$D/prometheus.yml"
	for try in 1 2 3; do
		port=$(free_port)
		prometheus --config.file="$D/prometheus.yml" --storage.tsdb.path="$D/data" \
			--web.listen-address="127.0.0.1:$port" --log.level=warn >"$D/prometheus.log" 2>&1 3>&- &
		pid=$!
		echo "$pid" >>"$D/pids"
		if wait_http "http://127.0.0.1:$port/-/ready" "$pid"; then
			echo "$port" >"$D/prom_port"
			return 0
		fi
		kill "$pid" 2>/dev/null
	done
	return 1
}

setup_file() {
	D=$BATS_FILE_TMPDIR/e2e
	mkdir -p "$D"
	: >"$D/pids"
	local why=""
	for c in prometheus promtool prometheus-node-exporter curl jq python3 yq; do
		command -v "$c" >/dev/null || why="$why $c"
	done
	if [ -n "$why" ]; then
		echo "not installed:$why (Debian packages prometheus prometheus-node-exporter curl jq yq)" >"$D/skip"
		return 0
	fi
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=$(cd "${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}" && pwd)
	for h in $HOSTS; do
		mkdir -p "$D/$h/textfile"
		host_tree "$h" "$D/$h/root"
		"$HV" report --root "$D/$h/root" --format json >"$D/$h/report.json" || [ $? -eq 1 ]
		"$HV" report --root "$D/$h/root" --format prometheus >"$D/$h/textfile/hvoplan.prom" || [ $? -eq 1 ]
		start_exporter "$h"
	done
	for h in $HOSTS; do
		exporter_up "$h" || { echo "node exporter for $h did not start: $(cat "$D/$h/exporter.log")" >"$D/error"; return 0; }
	done
	start_prometheus || { echo "prometheus did not start: $(cat "$D/prometheus.log")" >"$D/error"; return 0; }
	# until every rule has seen every host (two evaluations after a full scrape)
	local i
	for i in $(seq 150); do
		n=$(curl -fsS "http://127.0.0.1:$(cat "$D/prom_port")/api/v1/query" \
			--data-urlencode 'query=count(instance:node_memory_available_with_hugetlb:ratio) + count(instance:hvoplan_unoptimized_vmemmap_bytes:sum) + count(:hvoplan_host_savings_possible_bytes:sum)' |
			jq -r '.data.result[0].value[1] // 0')
		[ "$n" = 11 ] && { sleep 1.5; return 0; }
		sleep 0.1
	done
	echo "the rules did not cover every host in 15 s (last count $n)" >"$D/error"
}

teardown_file() {
	local pid
	D=$BATS_FILE_TMPDIR/e2e
	[ -f "$D/pids" ] || return 0
	while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$D/pids"
	while read -r pid; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done <"$D/pids"
}

setup() {
	D=$BATS_FILE_TMPDIR/e2e
	[ ! -f "$D/skip" ] || skip "$(cat "$D/skip")"
	[ ! -f "$D/error" ] || { cat "$D/error"; return 1; }
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=$(cd "${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}" && pwd)
	API=http://127.0.0.1:$(cat "$D/prom_port")/api/v1
}

# q PROMQL: "instance value" lines of the instant query, sorted ("- value"
# when the result has no instance label); fails on an API error
q() {
	local out
	out=$(curl -fsS --max-time 5 "$API/query" --data-urlencode "query=$1") || return 1
	jq -e '.status == "success"' <<<"$out" >/dev/null || { echo "$out"; return 1; }
	jq -r '.data.result[] | "\(.metric.instance // "-") \(.value[1])"' <<<"$out" | sort
}

# rule_expr NAME: the expression of the recording or alerting rule NAME
rule_expr() {
	yq -r --arg n "$1" '.groups[].rules[] | select(.record == $n or .alert == $n) | .expr' "$TOPDIR/$RULES_REL"
}

# meminfo_bytes HOST FIELD
meminfo_bytes() {
	awk -v f="$2:" '$1 == f { printf "%.0f\n", $2 * 1024 }' "$D/$1/root/proc/meminfo"
}

# hugetlb_available HOST: free minus reserved hugetlb bytes of every size, from the JSON report
hugetlb_available() {
	jq '[.hstates[] | (.free - .resv) * .size] | add // 0' "$D/$1/report.json"
}

# stale_bytes HOST: vmemmap kept by pages allocated while HVO was off
stale_bytes() {
	jq '[.hstates[] | (.unoptimized_pages // 0) * .optimizable_bytes_per_page] | add // 0' "$D/$1/report.json"
}

# same EXPECTED ACTUAL: compare "fixture value" lines, values as numbers
same() {
	diff <(awk '{ printf "%s %.6g\n", $1, $2 }' <<<"$1") <(awk '{ printf "%s %.6g\n", $1, $2 }' <<<"$2")
}

@test "prometheus-e2e: promtool checks the rules and passes their unit tests" {
	run promtool check rules "$TOPDIR/$RULES_REL"
	echo "$output"
	[ "$status" -eq 0 ]
	(cd "$TOPDIR/examples/prometheus" && promtool test rules hvoplan.rules.test.yml)
}

@test "prometheus-e2e: prometheus scrapes all five hosts and loaded every rule without error" {
	[ "$(q 'count(up == 1)')" = "- 5" ]
	[ "$(q 'count(hvoplan_info)')" = "- 5" ]
	rules=$(curl -fsS "$API/rules")
	jq -e '[.data.groups[].rules[] | .health == "ok"] | all' <<<"$rules"
	# no evaluation failed since the start (a rule's health is its last one)
	! grep 'Evaluating rule failed' "$D/prometheus.log"
	# every rule of the file is loaded
	diff <(yq -r '.groups[].rules[] | .record // .alert' "$TOPDIR/$RULES_REL" | sort) \
		<(jq -r '.data.groups[].rules[].name' <<<"$rules" | sort)
}

@test "prometheus-e2e: available memory is MemAvailable plus free unreserved hugetlb memory of every size" {
	want="" ratio_want=""
	for h in $HOSTS; do
		a=$(($(meminfo_bytes "$h" MemAvailable) + $(hugetlb_available "$h")))
		want+="$h $a"$'\n'
		ratio_want+="$h $(awk -v a="$a" -v t="$(meminfo_bytes "$h" MemTotal)" 'BEGIN { printf "%.6g", a / t }')"$'\n'
	done
	same "$(sort <<<"${want%$'\n'}")" "$(q instance:node_memory_available_with_hugetlb_bytes)"
	same "$(sort <<<"${ratio_want%$'\n'}")" "$(q instance:node_memory_available_with_hugetlb:ratio)"
	same "$(for h in $HOSTS; do echo "$h $(hugetlb_available "$h")"; done | sort)" \
		"$(q instance:hvoplan_hugetlb_available_bytes:sum)"
	# node_exporter alone sees the default size only: the 1G pools are missed
	hv=$(q 'instance:hvoplan_hugetlb_available_bytes:sum{instance="boot-on"}')
	ne=$(q 'node_memory_HugePages_Free{instance="boot-on"} * node_memory_Hugepagesize_bytes{instance="boot-on"}')
	want_ne=$(awk '$1 == "HugePages_Free:" { f = $2 } $1 == "Hugepagesize:" { s = $2 * 1024 }
		END { printf "%.0f", f * s }' "$D/boot-on/root/proc/meminfo")
	[ "${hv#* }" = "$(hugetlb_available boot-on)" ] && [ "$(printf '%.0f' "${ne#* }")" = "$want_ne" ]
	[ "${hv#* }" -gt "$want_ne" ]
}

@test "prometheus-e2e: HostMemoryAvailableLow fires on the full host, not on the one whose memory is free hugepages" {
	want=$(for h in $HOSTS; do
		awk -v a=$(($(meminfo_bytes "$h" MemAvailable) + $(hugetlb_available "$h"))) \
			-v t="$(meminfo_bytes "$h" MemTotal)" 'BEGIN { exit !(a / t < 0.10) }' && echo "$h"
	done | sort)
	[ "$want" = full ]
	[ "$(q "$(rule_expr HostMemoryAvailableLow)" | cut -d' ' -f1)" = "$want" ]
	# the MemAvailable-only alert it replaces would fire on both
	[ "$(q 'node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes < 0.10' | cut -d' ' -f1 | xargs)" = "full short" ]
}

@test "prometheus-e2e: HvoplanHvoOffWithPools fires exactly where the JSON report has HVO built, off, and pools" {
	want=$(for h in $HOSTS; do
		jq -e '.hvo.compiled == true and .hvo.active == false and ([.hstates[].nr] | add) > 0' \
			"$D/$h/report.json" >/dev/null && echo "$h"
	done | sort)
	[ -n "$want" ]
	got=$(q "$(rule_expr HvoplanHvoOffWithPools)" | cut -d' ' -f1)
	[ "$got" = "$want" ]
}

@test "prometheus-e2e: HvoplanStalePages: stale vmemmap per host, firing above 10% of the possible savings" {
	same "$(for h in $HOSTS; do echo "$h $(stale_bytes "$h")"; done | sort)" \
		"$(q instance:hvoplan_unoptimized_vmemmap_bytes:sum)"
	want=$(for h in $HOSTS; do
		s=$(stale_bytes "$h") p=$(jq .totals.savings_possible_bytes "$D/$h/report.json")
		awk -v s="$s" -v p="$p" 'BEGIN { exit !(s > 0.10 * p) }' && echo "$h $s"
	done | sort)
	[[ $want == *stale* ]]
	same "$want" "$(q "$(rule_expr HvoplanStalePages)")"
}

@test "prometheus-e2e: HvoplanBootPoolShort fires where the report finds boot-pool-short, with the pages allocated" {
	want=$(for h in $HOSTS; do
		jq -e '[.findings[].id] | index("boot-pool-short")' "$D/$h/report.json" >/dev/null && echo "$h"
	done | sort)
	[ "$want" = short ]
	got=$(q "$(rule_expr HvoplanBootPoolShort)")
	[ "$got" = "short 256" ]
	out=$(curl -fsS "$API/query" --data-urlencode "query=$(rule_expr HvoplanBootPoolShort)")
	[ "$(jq -r '.data.result[0].metric.size' <<<"$out")" = 2M ]
}

@test "prometheus-e2e: fleet sums of vmemmap freeable, freed and kept by stale pages" {
	[ "$(q :hvoplan_host_savings_possible_bytes:sum)" = \
		"- $(jq -s '[.[].totals.savings_possible_bytes] | add' "$D"/*/report.json)" ]
	[ "$(q :hvoplan_host_savings_current_bytes:sum)" = \
		"- $(jq -s '[.[].totals.savings_current_bytes // 0] | add' "$D"/*/report.json)" ]
	s=0
	for h in $HOSTS; do s=$((s + $(stale_bytes "$h"))); done
	[ "$s" -gt 0 ]
	[ "$(q :hvoplan_unoptimized_vmemmap_bytes:sum)" = "- $s" ]
}

@test "prometheus-e2e: Prometheus holds each alert (pending, 'for' not yet over) for exactly the hosts above" {
	want=$(for r in HostMemoryAvailableLow HvoplanHvoOffWithPools HvoplanStalePages HvoplanBootPoolShort; do
		q "$(rule_expr "$r")" | awk -v r="$r" '{ print r, $1 }'
	done | sort -u)
	got=$(curl -fsS "$API/alerts" | jq -r '.data.alerts[] | "\(.labels.alertname) \(.labels.instance)"' | sort -u)
	[ "$got" = "$want" ]
	curl -fsS "$API/alerts" | jq -e '[.data.alerts[].state == "pending"] | all'
}

@test "prometheus-e2e: every query of the Grafana dashboard returns data" {
	dash=$TOPDIR/examples/grafana/hvoplan-dashboard.json
	n=0
	while IFS= read -r expr; do
		expr=${expr//\$instance/.+}
		out=$(curl -fsS --max-time 5 "$API/query" --data-urlencode "query=$expr")
		jq -e '.status == "success" and (.data.result | length) > 0' <<<"$out" >/dev/null ||
			{ echo "no data: $expr: $out"; false; }
		n=$((n + 1))
	done < <(jq -r '.. | objects | select(has("expr")) | .expr' "$dash")
	[ "$n" -ge 10 ]
	# the host variable's label_values(hvoplan_info, instance)
	[ "$(curl -fsS "$API/label/instance/values" --data-urlencode 'match[]=hvoplan_info' -G | jq '.data | length')" -eq 5 ]
	# every panel has a query
	jq -e '[.panels[] | (.targets | length) > 0] | all' "$dash"
}
