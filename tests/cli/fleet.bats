#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan fleet over the real fixtures (tests/fixtures/vm/*, each a real
# kernel's capture): as the trees they are, as snapshot directories and as
# snapshot archives made by `hvoplan snapshot`, and over a real sosreport
# when sos is installed (root only, as tests/cli/sos.bats). Each row must be
# what `hvoplan report --root PATH --format json` says of that host, field
# by field (tests/cli/fleet-check.py); hostile inputs are each named and
# skipped while the good hosts still print.

bats_require_minimum_version 1.5.0

setup_file() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	FXD=$(cd "$BATS_TEST_DIRNAME/../fixtures/vm" && pwd)
	export TMPDIR=$BATS_FILE_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	# every fixture three ways: snapshot directory, archive, and the tree
	# under a name of its own (with a host name, for HOST)
	M=$BATS_FILE_TMPDIR/mixed
	mkdir -p "$M"
	for d in "$FXD"/*/; do
		d=${d%/} n=${d##*/}
		"$HV" --root "$d" snapshot -o "$M/snap-$n" 2>/dev/null
		"$HV" --root "$d" snapshot -o "$M/$n.tar" 2>/dev/null
	done
	cp -r "$FXD/6.12-stale" "$M/tree-a"
	echo db07.example.com >"$M/tree-a/proc/sys/kernel/hostname"
	cp -r "$FXD/6.1-hvo-boot-off" "$M/tree-b"
	echo app3 >"$M/tree-b/proc/sys/kernel/hostname"
	true
}

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	FXD=$TOPDIR/tests/fixtures/vm
	CHECK="python3 $BATS_TEST_DIRNAME/fleet-check.py"
	M=$BATS_FILE_TMPDIR/mixed
	T=$BATS_TEST_TMPDIR
	export TMPDIR=$BATS_FILE_TMPDIR/tmp
	export LANG=C.UTF-8 LC_ALL=C.UTF-8 COLUMNS=200
}

teardown() {
	[ -z "$(ls -A "$TMPDIR")" ] || { ls -la "$TMPDIR"; false; } # no extraction left behind
}

@test "fleet: every fixture tree is a row equal to its own report (field by field)" {
	"$HV" fleet --format json "$FXD" >"$T/f.json"
	[ "$(jq '.hosts | length' "$T/f.json")" -eq "$(ls -d "$FXD"/*/ | wc -l)" ]
	[ "$(jq -r '[.hosts[].kind] | unique | join(",")' "$T/f.json")" = tree ]
	$CHECK rows "$HV" "$T/f.json"
	$CHECK totals "$T/f.json"
}

@test "fleet: snapshot directories and archives (hvoplan snapshot) equal their reports; kinds and host names" {
	run "$HV" fleet --format json "$M"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	echo "$output" >"$T/m.json"
	n=$(ls -d "$FXD"/*/ | wc -l)
	[ "$(jq '[.hosts[] | select(.kind == "snapshot")] | length' "$T/m.json")" -eq "$n" ]
	[ "$(jq '[.hosts[] | select(.kind == "archive")] | length' "$T/m.json")" -eq "$n" ]
	[ "$(jq '.errors | length' "$T/m.json")" -eq 0 ]
	$CHECK rows "$HV" "$T/m.json"
	$CHECK totals "$T/m.json"
	[ "$(jq -r --arg p "$M/tree-a" '.hosts[] | select(.path == $p) | .hostname' "$T/m.json")" = db07.example.com ]
	# "(none)", the node name of the fixtures' uname, is unknown
	[ "$(jq -r --arg p "$M/snap-6.1-stale" '.hosts[] | select(.path == $p) | .hostname' "$T/m.json")" = null ]
	# the archive and its directory give the same row
	diff <(jq -S --arg p "$M/6.12-stale.tar" '.hosts[] | select(.path == $p) | del(.path, .kind)' "$T/m.json") \
		<(jq -S --arg p "$M/snap-6.12-stale" '.hosts[] | select(.path == $p) | del(.path, .kind)' "$T/m.json")
}

@test "fleet: the table's totals line; JSON has the documented keys only" {
	run "$HV" fleet "$FXD"
	[ "$status" -eq 0 ]
	n=$(ls -d "$FXD"/*/ | wc -l)
	[[ $output == *"$n hosts, "*" of vmemmap, "*" saved now, "*" more freeable, "*" with HVO off"* ]]
	off=$("$HV" fleet -J "$FXD" | jq '[.hosts[] | select(.hvo_active | not)] | length')
	[[ $output == *", $off hosts with HVO off"* ]]
	# one line per host, each naming its path
	for d in "$FXD"/*/; do
		grep -q " ${d%/}\$" <<<"$output" || { echo "no row for $d"; false; }
	done
	"$HV" fleet -J "$M" "$FXD" >"$T/f.json"
	$CHECK keys "$T/f.json" "$TOPDIR/man/hvoplan-fleet.8"
}

@test "fleet: --sort orders by each column, unknown last, --reverse" {
	"$HV" fleet -J "$M" >/dev/null
	for col in possible SAVED vmemmap FREEABLE stalemem STALE kernel PATH HOST FINDINGS; do
		"$HV" fleet -J --sort "$col" "$M" >"$T/s.json"
		$CHECK sorted "$T/s.json" "${col^^}"
		"$HV" fleet -J --sort "$col" --reverse "$M" >"$T/s.json"
		$CHECK sorted "$T/s.json" "${col^^}" reverse
	done
	# the table in the same order as the JSON
	"$HV" fleet -J --sort freeable "$FXD" | jq -r '.hosts[].path' >"$T/json-order"
	"$HV" fleet --sort freeable -o PATH -n --summary=never "$FXD" | sed 's/ *$//' >"$T/table-order"
	diff "$T/json-order" "$T/table-order"
	run "$HV" fleet --sort nosuch "$FXD"
	[ "$status" -eq 2 ]
	[[ $output == *"unknown column 'nosuch'"* ]]
}

@test "fleet: CSV parses with python's csv module and equals the JSON" {
	"$HV" fleet --format csv "$M" >"$T/f.csv"
	"$HV" fleet --format json "$M" >"$T/f.json"
	$CHECK csv "$T/f.csv" "$T/f.json"
	# a path with a comma and a quote is quoted as RFC 4180 says
	mkdir -p "$T/odd"
	cp -r "$FXD/6.1-stale" "$T/odd/a,b\"c"
	"$HV" fleet --format csv -o PATH,KERNEL "$T/odd" >"$T/odd.csv"
	grep -qF "\"$T/odd/a,b\"\"c\",6.1.0-56-amd64" "$T/odd.csv"
	python3 -c 'import csv,sys; r=list(csv.reader(open(sys.argv[1], newline=""))); assert r[1][0] == sys.argv[2], r' \
		"$T/odd.csv" "$T/odd/a,b\"c"
	# -n: no heading
	[ "$("$HV" fleet --format csv -n "$FXD" | wc -l)" -eq "$(ls -d "$FXD"/*/ | wc -l)" ]
}

@test "fleet: --jobs 1 and the default give identical output (table, JSON, CSV)" {
	for fmt in table json csv; do
		"$HV" fleet --jobs 1 --format "$fmt" --sort path "$M" "$FXD" >"$T/serial.$fmt"
		"$HV" fleet --format "$fmt" --sort path "$M" "$FXD" >"$T/parallel.$fmt"
		"$HV" fleet --jobs 7 --format "$fmt" --sort path "$M" "$FXD" >"$T/seven.$fmt"
		cmp "$T/serial.$fmt" "$T/parallel.$fmt"
		cmp "$T/serial.$fmt" "$T/seven.$fmt"
	done
	[ "$(jq '.hosts | length' "$T/serial.json")" -gt 30 ]
}

# hostile HOSTS: builds one hostile input per case under HOSTS; prints
# "NAME<TAB>REASON-PATTERN" for each
hostile() {
	local H=$1 good=$FXD/6.12-stale
	mkdir -p "$H"
	mkdir "$H/empty-dir"
	mkdir "$H/garbage-dir"
	head -c 4096 /dev/urandom >"$H/garbage-dir/junk"
	printf 'empty-dir\tneither a snapshot, a sosreport nor a root tree\n'
	printf 'garbage-dir\tneither a snapshot, a sosreport nor a root tree\n'
	cp -r "$good" "$H/garbage-meminfo"
	head -c 3000 /dev/urandom | tr '\0' x >"$H/garbage-meminfo/proc/meminfo"
	printf 'garbage-meminfo\tproc/meminfo\n'
	head -c 2000 /dev/urandom >"$H/garbage.tar"
	printf 'garbage.tar\tnot a tar archive\n'
	"$HV" --root "$good" snapshot -o "$T/whole.tar" 2>/dev/null
	head -c 100000 "$T/whole.tar" >"$H/truncated.tar"
	printf 'truncated.tar\ttruncated archive\n'
	python3 - "$H" <<-'EOF'
		import io, sys, tarfile
		def one(name, member, kind=tarfile.REGTYPE, link=""):
		    with tarfile.open(f"{sys.argv[1]}/{name}", "w", format=tarfile.USTAR_FORMAT) as t:
		        ti = tarfile.TarInfo(member)
		        ti.type, ti.linkname = kind, link
		        data = b"" if kind != tarfile.REGTYPE else b"MemTotal: 1 kB\n"
		        ti.size = len(data)
		        t.addfile(ti, io.BytesIO(data))
		one("absolute.tar", "/etc/passwd")
		one("dotdot.tar", "proc/../../evil")
		one("symlink.tar", "proc/meminfo", tarfile.SYMTYPE, "/proc/meminfo")
	EOF
	printf 'absolute.tar\thas an absolute name\n'
	printf 'dotdot.tar\tleaves the archive\n'
	printf 'symlink.tar\tis a link\n'
	# a member larger than any snapshot file: refused from its header
	python3 - "$H/huge.tar" <<-'EOF'
		import sys, tarfile
		ti = tarfile.TarInfo("proc/meminfo"); ti.size = 1 << 30
		h = ti.tobuf(format=tarfile.USTAR_FORMAT)
		open(sys.argv[1], "wb").write(h + b"\0" * 1024)
	EOF
	printf 'huge.tar\tlarger than a snapshot can be\n'
	cp -r "$good" "$H/symlink-out"
	ln -sf /etc/passwd "$H/symlink-out/proc/meminfo"
	printf 'symlink-out\tproc/meminfo\n'
	cp -r "$good" "$H/sparse-meminfo"
	rm "$H/sparse-meminfo/proc/meminfo"
	truncate -s 1G "$H/sparse-meminfo/proc/meminfo"
	printf 'sparse-meminfo\tlarger than\n'
	cp -r "$good" "$H/fifo-meminfo"
	rm "$H/fifo-meminfo/proc/meminfo"
	mkfifo "$H/fifo-meminfo/proc/meminfo"
	printf 'fifo-meminfo\tnot a regular file (a FIFO)\n'
	mkfifo "$H/a-fifo"
	printf 'a-fifo\ta FIFO, not a directory or a snapshot archive\n'
	ln -s /etc "$H/link-to-etc"
	printf 'link-to-etc\ta symbolic link in a scanned directory: not followed\n'
	echo x >"$H/sosreport-x.tar.xz"
	printf 'sosreport-x.tar.xz\ta compressed archive: extract it\n'
	# passed over: a README, a dot file
	echo notes >"$H/README"
	mkdir "$H/.hidden"
	# and the good ones, in between
	cp -r "$good" "$H/good-tree"
	"$HV" --root "$FXD/6.1-stale" snapshot -o "$H/good.tar" 2>/dev/null
}

@test "fleet: each hostile input is named with its reason and skipped; the good hosts still print (exit 3)" {
	H=$T/hostile
	hostile "$H" >"$T/cases"
	[ "$(wc -l <"$T/cases")" -ge 15 ]
	run --separate-stderr timeout 60 "$HV" fleet --format json "$H"
	[ "$status" -eq 3 ] || { echo "status $status: $stderr"; false; }
	echo "$output" >"$T/h.json"
	# the good hosts, and only they, are rows
	[ "$(jq -r '[.hosts[].path] | join(" ")' "$T/h.json")" = "$H/good-tree $H/good.tar" ]
	$CHECK rows "$HV" "$T/h.json"
	[ "$(jq '.errors | length' "$T/h.json")" -eq "$(wc -l <"$T/cases")" ]
	while IFS=$'\t' read -r name why; do
		reason=$(jq -r --arg p "$H/$name" '.errors[] | select(.path == $p) | .reason' "$T/h.json")
		[[ $reason == *"$why"* ]] || { echo "$name: JSON reason '$reason', want '$why'"; false; }
		grep -qF "hvoplan: $H/$name: not read: " <<<"$stderr" || { echo "$name not on stderr: $stderr"; false; }
		grep -F "hvoplan: $H/$name: not read: " <<<"$stderr" | grep -qF "$why" || { echo "$name: stderr without '$why'"; false; }
	done <"$T/cases"
	# the table lists them after the totals, as many as there are
	run --separate-stderr "$HV" fleet "$H"
	[ "$status" -eq 3 ]
	[[ $output == *"2 hosts, "* ]]
	[[ $output == *"$(wc -l <"$T/cases") hosts could not be read:"* ]]
	[[ $output == *"  $H/truncated.tar: "*"truncated archive"* ]]
	# each alone: exit 3, no row
	run --separate-stderr "$HV" fleet "$H/sparse-meminfo"
	[ "$status" -eq 3 ]
	[[ $output == *"0 hosts, "* ]]
}

@test "fleet: exit status 0, 1 with --fail-on, 3 when a host is unreadable (over 1); usage errors 2" {
	run "$HV" fleet "$FXD"
	[ "$status" -eq 0 ]
	run "$HV" fleet --fail-on warning "$FXD"
	[ "$status" -eq 1 ]
	run "$HV" fleet --fail-on error "$FXD"
	[ "$status" -eq 0 ]
	run "$HV" fleet --fail-on info "$FXD/6.12-hvo-boot-on"
	[ "$status" -eq 1 ]
	run --separate-stderr "$HV" fleet --fail-on warning "$FXD" "$T/nonexistent"
	[ "$status" -eq 3 ]
	[[ $stderr == *"hvoplan: $T/nonexistent: not read: No such file or directory"* ]]
	run "$HV" fleet
	[ "$status" -eq 2 ]
	[[ $output == *"no PATH"* ]]
	run "$HV" fleet --root "$FXD" "$FXD"
	[ "$status" -eq 2 ]
	run "$HV" fleet -o HOST,NOSUCH "$FXD"
	[ "$status" -eq 2 ]
	[[ $output == *"unknown column: NOSUCH"* ]]
	run "$HV" fleet --jobs 0 "$FXD"
	[ "$status" -eq 2 ]
	run "$HV" fleet --format xml "$FXD"
	[ "$status" -eq 2 ]
}

@test "fleet: --summary=only and -b print the totals in bytes, equal to the JSON totals" {
	run "$HV" fleet --summary=only -b "$FXD"
	[ "$status" -eq 0 ]
	[[ $output != *PATH* ]]
	v=$("$HV" fleet -J "$FXD" | jq -r '.totals | "\(.hosts) hosts, \(.vmemmap_bytes) of vmemmap, \(.savings_current_bytes) saved now, \(.freeable_bytes) more freeable"')
	[[ $output == "$v"* ]] || { echo "$output / $v"; false; }
}

@test "fleet: over a real sosreport (sos report of this machine), the row equals its report" {
	[ "$(id -u)" -eq 0 ] || skip "sos report needs root"
	# as sos.bats, which runs after this file
	command -v sos >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sosreport >/dev/null 2>&1 || true
	command -v sos >/dev/null || skip "sosreport not installable"
	S=$BATS_TEST_TMPDIR/sos
	mkdir -p "$S/x"
	timeout 120 sos report --batch --quiet --tmp-dir "$S" \
		--only-plugins kernel,memory,numa,processor >"$S/sos.log" 2>&1 || true
	archive=$(ls "$S"/sosreport-*.tar.* 2>/dev/null | grep -v '\.md5$' | head -n1)
	[ -n "$archive" ] || { cat "$S/sos.log"; false; }
	tar -xf "$archive" -C "$S/x"
	# the compressed archive beside it is named, the extraction read
	cp "$archive" "$S/x/"
	run --separate-stderr "$HV" fleet -J "$S/x"
	[ "$status" -eq 3 ]
	[[ $stderr == *"a compressed archive: extract it"* ]]
	echo "$output" >"$T/sos.json"
	[ "$(jq -r '.hosts[0].kind' "$T/sos.json")" = sosreport ]
	[ "$(jq -r '.hosts[0].hostname' "$T/sos.json")" = "$(uname -n)" ]
	$CHECK rows "$HV" "$T/sos.json"
}

# SIGSEGV: 11, or 6 under AddressSanitizer (its handler aborts, abort_on_error=1)
@test "fleet: a worker that crashes takes only its host; its extraction is removed all the same" {
	# archives only: each worker lives long enough (an extraction) to be hit
	mkdir -p "$T/tars"
	for f in "$M"/*.tar; do ln "$f" "$T/tars/"; done
	"$HV" fleet --jobs 1 -J "$T/tars" >"$T/out" 2>"$T/err" &
	pid=$!
	hit=
	for _ in $(seq 400); do
		for c in $(pgrep -P "$pid"); do
			kill -SEGV "$c" 2>/dev/null && hit=$c && break 2
		done
		sleep 0.02
	done
	status=0
	wait "$pid" || status=$?
	[ -n "$hit" ] || skip "no worker seen to kill"
	[ "$status" -eq 3 ] || { cat "$T/err"; false; }
	[ "$(jq '.errors | length' "$T/out")" -eq 1 ]
	jq -r '.errors[0].reason' "$T/out" | grep -qE "the worker reading it was killed by signal (11|6) "
	[ "$(jq '.hosts | length' "$T/out")" -eq "$(($(ls "$T/tars" | wc -l) - 1))" ]
	grep -qE "not read: the worker reading it was killed by signal (11|6) " "$T/err"
}

@test "fleet: stopped by SIGTERM, SIGINT or SIGHUP, it leaves nothing in TMPDIR" {
	mkdir -p "$T/tars"
	for f in "$M"/*.tar; do ln "$f" "$T/tars/"; done
	for sig in TERM INT HUP; do
		"$HV" fleet --jobs 2 "$T/tars" >/dev/null 2>&1 &
		pid=$!
		for _ in $(seq 400); do
			[ -n "$(pgrep -P "$pid")" ] && compgen -G "$TMPDIR/hvoplan-fleet-*/hvoplan-root-*" >/dev/null && break
			sleep 0.02
		done
		kill -$sig "$pid" 2>/dev/null || true # (a fast machine may be done already)
		wait "$pid" || true
		[ -z "$(ls -A "$TMPDIR")" ] || { echo "SIG$sig left: $(ls -R "$TMPDIR")"; false; }
	done
}
