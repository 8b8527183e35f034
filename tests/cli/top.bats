#!/usr/bin/env bats
# hvoplan top: options, batch frames, snapshots, and batch figures against
# `hvoplan report --format json` taken right after. Any user.

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
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
