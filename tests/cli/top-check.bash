# SPDX-License-Identifier: GPL-2.0-or-later
# Checks shared by top.bats and top-tmux.bats: a frame (batch output or a
# tmux capture) against `hvoplan report --format json` of the same tree.
# Sizes must be shown in bytes (-u bytes) so that every figure is exact.

# The frame with wrapped lines joined and blanks squeezed: wrapping breaks
# only at blanks, so a figure or a message reads whole here or was cut.
frame_joined() { tr -s ' \n' '  ' <<<"$1"; }

# "KEY COLUMN VALUE" for every pool cell shown: KEY is SIZE/NODE ("2M/-" for
# the pool row, "2M/0" for node 0). The bar (USED) and CHANGE are skipped.
frame_pool_cells() {
	awk '
	!inpool && $1 == "SIZE" { for (i = 1; i <= NF; i++) col[i] = $i; ncol = NF; inpool = 1; next }
	inpool && (NF == 0 || $1 == "not") { exit }
	inpool {
		n = split($0, t, " ")
		if ($2 == "-") { size = t[1]; off = 0 } else { off = 1 } # node rows have no SIZE
		node = off ? t[1] : "-"
		for (i = 1; i <= n; i++) {
			c = col[i + off]
			if (c == "SIZE" || c == "NODE" || c == "USED" || c == "CHANGE") continue
			print size "/" node, c, t[i]
		}
		if (n + off > ncol) print size "/" node, "EXTRA", n + off
	}' <<<"$1"
}

# The same cells as the report has them.
json_pool_cells() {
	jq -r '.hstates[] | .name as $n |
		("\($n)/- PAGES \(.nr)", "\($n)/- FREE \(.free)", "\($n)/- RESV \(.resv)",
		 "\($n)/- SURP \(.surplus)", "\($n)/- SAVED \(.savings_current_bytes // "?")",
		 "\($n)/- POSSIBLE \(.savings_possible_bytes)", "\($n)/- STALE \(.unoptimized_pages // "?")"),
		(.nodes[] | "\($n)/\(.node) PAGES \(.nr)", "\($n)/\(.node) FREE \(.free)",
		 "\($n)/\(.node) RESV -", "\($n)/\(.node) SURP \(.surplus)",
		 "\($n)/\(.node) SAVED \(.savings_current_bytes // "?")",
		 "\($n)/\(.node) POSSIBLE \(.savings_possible_bytes)", "\($n)/\(.node) STALE -")' <<<"$1"
}

# check_frame FRAME JSON WIDTH [ROWS [PARTIAL]]: fits the width; every pool
# figure shown equals the report's, digit for digit; every pool column is
# shown or named whole as not shown; every finding's message reads whole;
# the totals are the report's. ROWS: how many pool cells must at least be
# shown. PARTIAL: a screen too short for the whole frame (pools only).
check_frame() {
	local frame=$1 json=$2 width=$3 rows=${4:-1} partial=${5:-} joined cells want bad
	if [ "$width" -gt 0 ]; then
		local longest
		longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' <<<"$frame")
		[ "$longest" -le "$width" ] || { echo "a line of $longest columns at $width"; return 1; }
	fi
	cells=$(frame_pool_cells "$frame" | sort)
	want=$(json_pool_cells "$json" | sort)
	[ "$(grep -c . <<<"$cells")" -ge "$rows" ] || { echo "pool cells shown: $cells"; return 1; }
	bad=$(comm -23 <(echo "$cells") <(echo "$want"))
	[ -z "$bad" ] || { echo "shown but not in the report: $bad"; echo "$frame"; return 1; }
	joined=$(frame_joined "$frame")
	local head
	head=$(awk '$1 == "SIZE" { print; exit }' <<<"$frame")
	for c in SIZE NODE PAGES FREE RESV SURP USED SAVED POSSIBLE STALE CHANGE; do
		[ -z "$partial" ] || break # the note may be below the screen
		if ! grep -qw -- "$c" <<<"$head"; then
			grep -qE "not shown at $width columns:( [A-Z]+)* $c( |\$)" <<<"$joined" ||
				{ echo "$c neither shown nor named"; echo "$frame"; return 1; }
		fi
	done
	[ -z "$partial" ] || return 0
	while IFS= read -r msg; do
		[ -z "$msg" ] && continue
		grep -qF -- "$(tr -s ' ' <<<"$msg")" <<<"$joined" || { echo "finding not whole: $msg"; echo "$frame"; return 1; }
	done < <(jq -r '.findings[].message' <<<"$json")
	grep -qF "Hugetlb: $(jq -r .totals.hugetlb_bytes <<<"$json") in" <<<"$joined" ||
		{ echo "hugetlb total"; return 1; }
	grep -qF "possible $(jq -r .totals.savings_possible_bytes <<<"$json")" <<<"$joined" ||
		{ echo "possible total"; return 1; }
}

# A tree under --root with processes: the 6.12 stale-pages snapshot and the
# overlay of tests/fixtures/top-procs (see its SOURCE).
make_proc_tree() { # make_proc_tree TOPDIR DEST
	cp -r "$1/tests/fixtures/vm/6.12-stale/." "$2"
	cp -r "$1/tests/fixtures/top-procs/root/." "$2"
}
