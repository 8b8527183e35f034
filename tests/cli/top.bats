#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan top: options, batch frames, snapshots, and batch figures against
# `hvoplan report --format json` taken right after. Any user.

load top-check

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
	unset COLUMNS
}

frames() { grep -c '^hvoplan top - ' <<<"$1"; }

@test "top --help lists every option of the man page and the reverse" {
	run "$HV" top --help
	[ "$status" -eq 0 ]
	help_opts=$(grep -oE -- '--[a-z][a-z-]+' <<<"$output" | sort -u)
	man_opts=$(MANWIDTH=200 man -l "$TOPDIR/man/hvoplan-top.8" 2>/dev/null | sed -n '/^OPTIONS/,/^[A-Z]/p' |
		grep -oE -- '--[a-z][a-z-]+' | sort -u)
	[ -n "$man_opts" ]
	diff <(echo "$help_opts") <(echo "$man_opts")
}

@test "top rejects bad options with exit 2" {
	for args in "-d 0" "-d x" "-n 0" "--sort cpu" "--units parsecs" "extra"; do
		run "$HV" top -b $args
		[ "$status" -eq 2 ] || { echo "args: $args -> $status: $output"; false; }
	done
}

@test "top without a terminal and without -b says to use -b (exit 3)" {
	run "$HV" top </dev/null
	[ "$status" -eq 3 ]
	[[ $output == *"use -b"* ]]
}

@test "top -b -n 2 prints two frames with every pool of this machine" {
	[ -d /sys/kernel/mm/hugepages ] || skip "no hugetlb in this kernel"
	run "$HV" top -b -n 2 -d 0.1
	[ "$status" -eq 0 ]
	[ "$(frames "$output")" -eq 2 ]
	for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
		kb=${d##*-}
		kb=${kb%kB}
		case $kb in
		2048) name=2M ;; 1048576) name=1G ;; *) continue ;;
		esac
		grep -qE "^ +$name +- +$(cat "$d/nr_hugepages") +$(cat "$d/free_hugepages") " <<<"$output"
	done
	[[ $output == *FINDINGS* ]]
	[[ $output == *PROCESSES* ]]
}

@test "top -b figures equal report --format json taken right after" {
	[ -d /sys/kernel/mm/hugepages ] || skip "no hugetlb in this kernel"
	frame=$("$HV" top -b -n 1 -u bytes --no-processes --nodes)
	json=$("$HV" report --format json)
	n=$(jq '.hstates | length' <<<"$json")
	[ "$n" -ge 1 ]
	for i in $(seq 0 $((n - 1))); do
		name=$(jq -r ".hstates[$i].name" <<<"$json")
		want=$(jq -r ".hstates[$i] | [.nr, .free, .resv, .surplus,
			(.savings_current_bytes // \"?\"), .savings_possible_bytes] | map(tostring) | join(\" \")" <<<"$json")
		got=$(awk -v n="$name" '$1 == n && $2 == "-" { print $3, $4, $5, $6, $8, $9; exit }' <<<"$frame")
		[ "$got" = "$want" ] || { echo "$name: frame '$got' report '$want'"; false; }
		# per node
		for j in $(seq 0 $(($(jq ".hstates[$i].nodes | length" <<<"$json") - 1))); do
			wn=$(jq -r ".hstates[$i].nodes[$j] | [.node, .nr, .free, .surplus,
				(.savings_current_bytes // \"?\"), .savings_possible_bytes] | map(tostring) | join(\" \")" <<<"$json")
			gn=$(awk -v n="$name" -v node="${wn%% *}" '
				$1 == n && $2 == "-" { inpool = 1; next }
				$2 == "-" { inpool = 0 }
				inpool && $1 == node { print $1, $2, $3, $5, $7, $8; exit }' <<<"$frame")
			[ "$gn" = "$wn" ] || { echo "$name node: frame '$gn' report '$wn'"; false; }
		done
	done
	# header totals
	tot=$(jq -r '.totals.hugetlb_bytes' <<<"$json")
	grep -q "^Hugetlb: $tot in $n pool" <<<"$frame"
	poss=$(jq -r '.totals.savings_possible_bytes' <<<"$json")
	grep -q "possible $poss\$" <<<"$frame"
	# the same findings as report
	for id in $(jq -r '.findings[].id' <<<"$json"); do
		grep -q " $id: " <<<"$frame"
	done
}

@test "top --root SNAPSHOT prints one frame, no processes, same figures as report" {
	[ -d /sys/kernel/mm/hugepages ] || skip "no hugetlb in this kernel"
	snap=$BATS_TEST_TMPDIR/snap
	"$HV" snapshot -o "$snap" >/dev/null
	run "$HV" --root "$snap" top -b -n 5 -d 0.1 -u bytes
	[ "$status" -eq 0 ]
	[ "$(frames "$output")" -eq 1 ]
	[[ $output == *"(snapshot "* ]]
	[[ $output == *"proc has no process directories"* ]]
	json=$("$HV" --root "$snap" report --format json)
	nr=$(jq -r '.hstates[0] | "\(.name) \(.nr) \(.free)"' <<<"$json")
	got=$(awk '$2 == "-" { print $1, $3, $4; exit }' <<<"$output")
	[ "$got" = "$nr" ]
}

@test "top -b colors only when asked, never with NO_COLOR or --color=never" {
	run "$HV" top -b -n 1 --color=always
	[[ $output == *$'\033['* ]]
	run env NO_COLOR=1 "$HV" top -b -n 1
	[[ $output != *$'\033['* ]]
	run "$HV" top -b -n 1 --color=never
	[[ $output != *$'\033['* ]]
}

@test "top -b stops cleanly on SIGTERM and SIGINT" {
	for sig in TERM INT; do
		"$HV" top -b -d 10 >"$BATS_TEST_TMPDIR/out" &
		pid=$!
		for _ in $(seq 50); do grep -q PROCESSES "$BATS_TEST_TMPDIR/out" && break; sleep 0.1; done
		kill -s "$sig" "$pid"
		wait "$pid"
		[ "$(frames "$(cat "$BATS_TEST_TMPDIR/out")")" -eq 1 ]
	done
}

@test "top --smaps as an unprivileged user says no access rather than 0" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch to nobody"
	command -v setpriv >/dev/null || skip "no setpriv"
	run setpriv --reuid=nobody --regid=nogroup --clear-groups "$HV" top -b -n 1 --smaps -s pid
	[ "$status" -eq 0 ]
	[[ $output == *PROCESSES* ]]
	# nobody cannot read root's status? It can; what it cannot read is counted, never shown as 0.
	if grep -qE '^ +[0-9]+ root ' <<<"$output"; then
		grep -E '^ +[0-9]+ root ' <<<"$output" | grep -q 'no access'
	fi
}

# Expected per-process figures, in bytes, from the fixture's own files: an
# awk reading of smaps independent of src/probe/procs.c.
fixture_proc() { # fixture_proc TREE PID -> "HUGETLB PRIVATE SHARED MAPPED"
	local d=$1/proc/$2
	awk '/^HugetlbPages:/ { print $2 * 1024 }' "$d/status" | tr '\n' ' '
	awk '/^[0-9a-f]+-[0-9a-f]+ / { s = p = h = 0 }
		/^Size:/ { s = $2 } /^Private_Hugetlb:/ { p = $2 } /^Shared_Hugetlb:/ { h = $2 }
		/^VmFlags:/ && / ht( |$)/ { P += p; H += h; S += s }
		END { print P * 1024, H * 1024, S * 1024 }' "$d/smaps"
}

@test "top --root TREE reads proc/PID under the root: split, shared once, reservations only" {
	tree=$BATS_TEST_TMPDIR/tree
	make_proc_tree "$TOPDIR" "$tree"
	run "$HV" --root "$tree" top -b --smaps -u bytes
	[ "$status" -eq 0 ]
	for pid in 2101 2102 2103; do
		want=$(fixture_proc "$tree" "$pid")
		got=$(awk -v p="$pid" '$1 == p { print $3, $4, $5, $6 }' <<<"$output")
		[ "$got" = "$want" ] || { echo "$pid: frame '$got' files '$want'"; false; }
	done
	grep -qE '^ +2101 hvdb-replic> .* hvdb$' <<<"$output"
	grep -qE '^ +2103 root .* hvidle$' <<<"$output"
	! grep -qE '^ +2104 ' <<<"$output" # no hugetlb mapping
	! grep -qE '^ +2 ' <<<"$output"    # a kernel thread
	json=$("$HV" --root "$tree" report --format json)
	in_use=$(jq '[.hstates[] | (.nr - .free) * .size] | add' <<<"$json")
	joined=$(frame_joined "$output")
	# HugetlbPages summed counts the shared 8M twice; counted once it is
	# what the pools have in use
	[[ $joined == *"total 20971520,"* ]]
	[[ $joined == *"Counted once: $in_use (each hugetlbfs file, memfd or SysV segment once; 2 shared by several)"* ]]
	[[ $joined == *"1 process holds only reservations (HUGETLB 0, MAPPED above 0)"* ]]
	[[ $joined == *"HUGETLB: mapped now (HugetlbPages, proc/PID/status); the total sums it: a page that N processes map counts N times."* ]]
	[[ $output == *"PROCESSES 2 using hugetlb of 4,"* ]]
}

@test "top --root TREE without --smaps: HugetlbPages only, the panel says what m adds" {
	tree=$BATS_TEST_TMPDIR/tree
	make_proc_tree "$TOPDIR" "$tree"
	run "$HV" --root "$tree" top -b -u bytes
	[ "$status" -eq 0 ]
	grep -qE '^ +2101 hvdb-replic> +10485760 +- +- +- +hvdb$' <<<"$output"
	! grep -qE '^ +2103 ' <<<"$output" # holds only reservations: needs smaps
	[[ $(frame_joined "$output") == *"m or --smaps: private/shared split, shared pages once, processes holding only reservations."* ]]
}

@test "top -b at COLUMNS=80, 60, 40 and 30: every figure whole and equal to report json" {
	tree=$BATS_TEST_TMPDIR/tree
	make_proc_tree "$TOPDIR" "$tree"
	json=$("$HV" --root "$tree" report --format json)
	for w in 80 60 40 30; do
		frame=$(COLUMNS=$w "$HV" --root "$tree" top -b --smaps --nodes -u bytes)
		check_frame "$frame" "$json" "$w" 12 || { echo "at $w columns"; false; }
		# the process figures, whole under their headings
		for pid in 2101 2103; do
			read -r hug prv shr map <<<"$(fixture_proc "$tree" "$pid")"
			row=$(awk -v p="$pid" '$1 == p' <<<"$frame")
			head=$(awk '$1 == "PID" { print; exit }' <<<"$frame")
			i=0
			for c in $head; do
				i=$((i + 1))
				v=$(awk -v i=$i '{ print $i }' <<<"$row")
				case $c in
				HUGETLB) [ "$v" = "$hug" ] ;;
				PRIVATE) [ "$v" = "$prv" ] ;;
				SHARED) [ "$v" = "$shr" ] ;;
				MAPPED) [ "$v" = "$map" ] ;;
				USER) [[ $v == root || $v == hvdb-replication || ($v == *">" && hvdb-replication == "${v%>}"*) ]] ;;
				*) true ;;
				esac || { echo "at $w: $pid $c shows '$v'"; echo "$frame"; false; }
			done
		done
	done
	# 80 columns hold every column once narrowed; 40 do not, and say which
	frame=$(COLUMNS=80 "$HV" --root "$tree" top -b --smaps --nodes -u bytes)
	[[ $frame != *"not shown at"* ]]
	grep -qE '^ *SIZE NODE PAGES FREE RESV SURP USED +SAVED +POSSIBLE +STALE +CHANGE$' <<<"$frame"
	frame=$(COLUMNS=40 "$HV" --root "$tree" top -b --smaps --nodes -u bytes)
	[[ $(frame_joined "$frame") == *"not shown at 40 columns:"*USED* ]]
	! grep -qw USED <<<"$(awk '$1 == "SIZE"' <<<"$frame")"
}

@test "top -b STALE column is report's unoptimized_pages" {
	run "$HV" --root "$TOPDIR/tests/fixtures/vm/6.12-stale" top -b -u bytes
	[ "$status" -eq 0 ]
	json=$("$HV" --root "$TOPDIR/tests/fixtures/vm/6.12-stale" report --format json)
	for n in $(jq -r '.hstates[].name' <<<"$json"); do
		want=$(jq -r --arg n "$n" '.hstates[] | select(.name == $n) | .unoptimized_pages // "?"' <<<"$json")
		got=$(frame_pool_cells "$output" | awk -v k="$n/-" '$1 == k && $2 == "STALE" { print $3 }')
		[ "$got" = "$want" ] || { echo "$n: '$got' vs '$want'"; false; }
	done
	[ "$(frame_pool_cells "$output" | awk '$1 == "2M/-" && $2 == "STALE" { print $3 }')" = 128 ]
}

@test "top -b at COLUMNS=80 wraps findings and the header instead of cutting them" {
	run env COLUMNS=80 "$HV" --root "$TOPDIR/tests/fixtures/vm/6.12-stale" top -b -u bytes
	[ "$status" -eq 0 ]
	json=$("$HV" --root "$TOPDIR/tests/fixtures/vm/6.12-stale" report --format json)
	check_frame "$output" "$json" 80 2
	# the stale-pages finding is longer than 80 columns: it continues,
	# indented, on the next line
	msg=$(jq -r '.findings[] | select(.id == "stale-pages") | .message' <<<"$json")
	[ "${#msg}" -gt 70 ]
	next=$(awk 'p { print; exit } /^  warning stale-pages: / { p = 1 }' <<<"$output")
	[[ $next == "          "[!\ ]* && $next != *"fix:"* ]]
}

@test "top -b names why memmap is not measured, as report does (not 'no counters' on a 6.11+ kernel)" {
	# edited copy of the 6.12-stale capture: sys/devices/system/memory removed
	d=$BATS_TEST_TMPDIR/noblocks
	cp -a "$TOPDIR/tests/fixtures/vm/6.12-stale" "$d"
	rm -rf "$d/sys/devices/system/memory"
	run "$HV" --root "$d" top -b -n 1
	[ "$status" -eq 0 ]
	[[ $output != *"no nr_memmap_pages counters"* ]]
	[[ $output == *"Memmap: not measured: sys/devices/system/memory/block_size_bytes is missing"* ]]
	note=$("$HV" --root "$d" report --format json | jq -r .totals.savings_current_note)
	[[ $output == *"$note"* ]]
	run "$HV" --root "$TOPDIR/tests/fixtures/vm/6.1-stale" top -b -n 1
	[[ $output == *"no nr_memmap_pages counters (added in 6.11)"* ]]
}
