#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile snapshots: `hvoplan report --root DIR` on a real snapshot (the
# QEMU capture tests/fixtures/vm/6.12-stale, BTF blob copied in) with one
# file damaged at a time. Never a signal: exit 0 (the damage is in an
# optional source and becomes a note) or 3 (a required file is malformed,
# and the message names the file and, where there is one, the value).
# Any user.

# Open bugs whose checks are skipped until fixed (tests/RELIABILITY.md). None
# is open: the two below were fixed in 4ae77e8 and KNOWN_BUGS is empty; the
# known() guards stay so that a new finding can be named the same way.
#  error-overlap: src/util/error.c hv_vfail() formats last_error into itself
#  when callers pass hv_last_error() as an argument, so "FILE: VALUE" errors
#  lose the value. Remove the word here when fixed.
#  realized-overflow: nr_memmap_pages within what the vmstat parser accepts
#  (<= INT64_MAX/1024) but 2^51+ above the baseline: src/model/report.c
#  realized() truncates diff * page_size to 64 bits, attribute_current()
#  overflows at report.c:143, src/render/table.c:210-211 overflow too.
KNOWN_BUGS=""
bats_require_minimum_version 1.5.0

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
	FIX=$TOPDIR/tests/fixtures/vm/6.12-stale
	[ -d "$FIX" ] || skip "no fixture $FIX"
	S=$BATS_TEST_TMPDIR/snap
	cp -a "$FIX" "$S"
	# Only the *-hvo-boot-on fixtures carry their kernel's BTF (one blob per
	# kernel); the damage tests want the BTF path exercised too.
	mkdir -p "$S/sys/kernel/btf"
	cp "$TOPDIR/tests/fixtures/vm/6.12-hvo-boot-on/sys/kernel/btf/vmlinux" "$S/sys/kernel/btf/vmlinux"
	H2=$S/sys/kernel/mm/hugepages/hugepages-2048kB
	N0=$S/sys/devices/system/node/node0/hugepages/hugepages-2048kB
	GARBAGE=$TOPDIR/fuzz/corpus/btf/synth-libbpf-page64.btf
}

known() { [[ " $KNOWN_BUGS " == *" $1 "* ]]; }

# put FILE: replace (never write through) FILE with stdin.
put() {
	rm -f "$1"
	cat >"$1"
}

# report_ok WHAT [VALUE]: runs the report; status must be 0 or 3; on 3 the
# message names WHAT (a path under the root, or its directory when the
# damage made a check across the directory's files fail) and VALUE when given.
report_ok() {
	local what=$1 value=${2:-}
	run --separate-stderr "$HV" report --root "$S"
	if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
		echo "damaged $what: exit $status (signal if > 128)"
		echo "stderr: $stderr"
		return 1
	fi
	if [ "$status" -eq 3 ]; then
		[[ $stderr == *"$what"* || $stderr == *"$(dirname "$what")"[:\ ]* ]] ||
			{ echo "exit 3 without naming $what: $stderr"; return 1; }
		if [ -n "$value" ] && ! known error-overlap; then
			[[ $stderr == *"$value"* ]] || { echo "exit 3 naming $what but not '$value': $stderr"; return 1; }
		fi
	fi
	return 0
}

# damage FILE REQUIRED: every kind of damage to one file, one at a time.
# REQUIRED=1: the report must fail (3); 0: it may go on with a note.
damage() {
	local f=$1 required=$2 rel=${1#"$S"/} orig
	orig=$(mktemp)
	cp "$f" "$orig"
	local -a names=(truncated empty non-numeric huge negative nul garbage)
	for kind in "${names[@]}"; do
		local value=""
		case $kind in
		truncated) head -c $(($(stat -c %s "$orig") / 2)) "$orig" | put "$f" ;;
		empty) : | put "$f" ;;
		non-numeric) echo "abc" | put "$f"; value=abc ;;
		huge) echo 99999999999999999999999 | put "$f"; value=99999999999999999999999 ;;
		negative) echo -5 | put "$f"; value=-5 ;;
		nul) printf '1\0002\n' | put "$f" ;;
		garbage) head -c 600 "$GARBAGE" | put "$f" ;;
		esac
		report_ok "$rel" "$value" || { echo "($kind damage)"; cp "$orig" "$f"; return 1; }
		# Required numbers and tables cannot be made up: empty, garbage and
		# non-numbers must fail (truncation can leave a valid prefix).
		if [ "$required" = 1 ] && [ "$kind" != truncated ] && [ "$status" -ne 3 ]; then
			echo "$rel with $kind damage was accepted (exit $status)"
			cp "$orig" "$f"
			return 1
		fi
		cp "$orig" "$f"
	done
	rm -f "$orig"
}

@test "robust: the undamaged snapshot reports (exit 0)" {
	run "$HV" report --root "$S"
	[ "$status" -eq 0 ]
	[[ $output == *"struct page 64 bytes (btf)"* ]]
}

@test "robust: damaged meminfo fails with exit 3 naming the file" {
	damage "$S/proc/meminfo" 0
	echo "MemTotal: 99999999999999999999999 kB" | put "$S/proc/meminfo"
	report_ok proc/meminfo 99999999999999999999999
	[ "$status" -eq 3 ]
	echo "MemTotal: abc kB" | put "$S/proc/meminfo"
	report_ok proc/meminfo abc
	[ "$status" -eq 3 ]
}

@test "robust: damaged vmstat" {
	damage "$S/proc/vmstat" 0
	printf 'nr_memmap_pages 99999999999999999999999\nnr_memmap_boot_pages 1\n' | put "$S/proc/vmstat"
	report_ok proc/vmstat 99999999999999999999999
	[ "$status" -eq 3 ]
	printf 'nr_memmap_pages -5\nnr_memmap_boot_pages 1\n' | put "$S/proc/vmstat"
	report_ok proc/vmstat -5
	[ "$status" -eq 3 ]
}

@test "robust: damaged nr_hugepages / free_hugepages fail with exit 3" {
	damage "$H2/nr_hugepages" 1
	damage "$H2/free_hugepages" 1
	damage "$H2/surplus_hugepages" 1
	damage "$N0/nr_hugepages" 1
	damage "$N0/free_hugepages" 1
}

@test "robust: free_hugepages above nr_hugepages is refused" {
	echo 2 | put "$H2/nr_hugepages"
	echo 3 | put "$H2/free_hugepages"
	report_ok sys/kernel/mm/hugepages/hugepages-2048kB
	[ "$status" -eq 3 ]
	[[ $stderr == *"exceed"* ]]
}

@test "robust: a node with more pages than its pool is refused" {
	echo 999999 | put "$N0/nr_hugepages"
	echo 0 | put "$N0/free_hugepages"
	# The model refuses it, naming the node and both values (not the file:
	# the check is in src/model/report.c, which sees no paths).
	run --separate-stderr "$HV" report --root "$S"
	[ "$status" -eq 3 ]
	[[ $stderr == *"node 0"*999999* ]]
}

@test "robust: damaged block_size_bytes" {
	damage "$S/sys/devices/system/memory/block_size_bytes" 1
	echo 3000 | put "$S/sys/devices/system/memory/block_size_bytes" # not a power of two
	report_ok sys/devices/system/memory/block_size_bytes 3000
	[ "$status" -eq 3 ]
	echo ffffffffffffffffffff | put "$S/sys/devices/system/memory/block_size_bytes"
	report_ok sys/devices/system/memory/block_size_bytes
	[ "$status" -eq 3 ]
}

@test "robust: damaged node online list" {
	damage "$S/sys/devices/system/node/online" 0
}

@test "robust: damaged cmdline, config, dmesg, BTF degrade to notes (exit 0)" {
	for f in proc/cmdline boot/config-6.12.117+deb12-amd64 dmesg.txt sys/kernel/btf/vmlinux; do
		cp "$S/$f" "$BATS_TEST_TMPDIR/orig"
		damage "$S/$f" 0
		# Optional sources never fail the report.
		for junk in "" "abc" "99999999999999999999999"; do
			echo "$junk" | put "$S/$f"
			run "$HV" report --root "$S"
			[ "$status" -eq 0 ] || { echo "$f='$junk' -> $status: $output"; false; }
		done
		cp "$BATS_TEST_TMPDIR/orig" "$S/$f"
	done
}

@test "robust: hostile kernel command line values" {
	for cl in "hugepagesz=99999999999999999999999 hugepages=1" "hugepages=-5" "hugepages=0:99999999999999999999999" \
		"hugepagesz=garbage hugepages=1" "hugetlb_free_vmemmap=maybe" "default_hugepagesz=16E" \
		"\"unterminated hugepages=2" "$(printf 'hugepages=%d:1,' $(seq 0 300))"; do
		echo "$cl" | put "$S/proc/cmdline"
		run "$HV" report --root "$S"
		[ "$status" -eq 0 ] || { echo "cmdline '$cl' -> $status: $output"; false; }
	done
}

@test "robust: a config that is a gzip bomb of garbage, or truncated gzip" {
	head -c 4000 /dev/zero | gzip -9 | head -c 30 | put "$S/boot/config-6.12.117+deb12-amd64"
	run "$HV" report --root "$S"
	[ "$status" -eq 0 ]
	mkdir -p "$S/proc"
	head -c 600 "$GARBAGE" | gzip | put "$S/proc/config.gz"
	run "$HV" report --root "$S"
	[ "$status" -eq 0 ]
}

@test "robust: symlinks pointing outside the root are not followed" {
	# A secret outside the root that would parse as a valid meminfo.
	secret=$BATS_TEST_TMPDIR/secret-meminfo
	printf 'MemTotal: 4242424242 kB\nHugepagesize: 2048 kB\n' >"$secret"
	rm -f "$S/proc/meminfo"
	ln -s "$secret" "$S/proc/meminfo"
	run --separate-stderr "$HV" report --root "$S" --format json
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ]
	[[ $output != *4242424242* ]]
	# Relative escape: ../../../../ clamps at the root.
	rm -f "$S/proc/meminfo"
	ln -s ../../../../../../../../etc/shadow "$S/proc/meminfo"
	report_ok proc/meminfo
	[ "$status" -eq 3 ]
	[[ $stderr != *root:* ]]
	rm -f "$S/proc/cmdline"
	ln -s /etc/shadow "$S/proc/cmdline"
	run "$HV" report --root "$S"
	[[ $output != *root:* ]]
	# A symlinked hugepage directory leading out of the root.
	mkdir -p "$BATS_TEST_TMPDIR/outside/hugepages-4096kB"
	for f in nr_hugepages free_hugepages resv_hugepages surplus_hugepages nr_overcommit_hugepages; do
		echo 77 >"$BATS_TEST_TMPDIR/outside/hugepages-4096kB/$f"
	done
	ln -s "$BATS_TEST_TMPDIR/outside/hugepages-4096kB" "$S/sys/kernel/mm/hugepages/hugepages-4096kB"
	cp -a "$FIX/proc/meminfo" "$S/proc/meminfo"
	run --separate-stderr "$HV" report --root "$S" --format json
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ]
	[[ $output != *'"nr": 77'* ]] && [[ $output != *'"nr":77'* ]]
}

@test "robust: a hugepage directory named hugepages-garbagekB fails naming it" {
	mkdir "$S/sys/kernel/mm/hugepages/hugepages-garbagekB"
	report_ok sys/kernel/mm/hugepages hugepages-garbagekB
	[ "$status" -eq 3 ]
	rmdir "$S/sys/kernel/mm/hugepages/hugepages-garbagekB"
	mkdir "$S/sys/kernel/mm/hugepages/hugepages-3000kB"
	report_ok sys/kernel/mm/hugepages hugepages-3000kB
	[ "$status" -eq 3 ]
}

@test "robust: more hugepage sizes than the model holds" {
	for i in $(seq 0 20); do
		d=$S/sys/kernel/mm/hugepages/hugepages-$((1 << (i + 12)))kB
		[ -d "$d" ] && continue
		mkdir "$d"
		for f in nr_hugepages free_hugepages resv_hugepages surplus_hugepages nr_overcommit_hugepages; do
			echo 0 >"$d/$f"
		done
	done
	report_ok sys/kernel/mm/hugepages
	[ "$status" -eq 3 ]
}

@test "robust: thousands of NUMA nodes" {
	base=$S/sys/devices/system/node
	for i in $(seq 2 3000); do
		mkdir -p "$base/node$i/hugepages/hugepages-2048kB"
	done
	echo 0-3000 | put "$base/online"
	report_ok sys/devices/system/node
	[ "$status" -eq 3 ]
	[[ $stderr == *"sys/devices/system/node: node"*": NUMA node ids end at 1023"* ]]
}

@test "robust: 255 populated NUMA nodes report" {
	base=$S/sys/devices/system/node
	for i in $(seq 2 255); do
		d=$base/node$i/hugepages/hugepages-2048kB
		mkdir -p "$d"
		echo 0 >"$d/nr_hugepages"; echo 0 >"$d/free_hugepages"; echo 0 >"$d/surplus_hugepages"
	done
	echo 0-255 | put "$base/online"
	run "$HV" report --root "$S" --format json
	[ "$status" -eq 0 ]
}

@test "robust: pool counts at the edge of 64 bits fail as overflow, not wrap" {
	echo 9223372036854775807 | put "$H2/nr_hugepages"
	report_ok "" ""
	[ "$status" -eq 3 ]
	[[ $stderr == *overflow* ]]
}

@test "robust: vmstat counters far above the baseline fail as overflow" {
	known realized-overflow && skip "known bug realized-overflow (tests/RELIABILITY.md)"
	base=$("$HV" report --root "$S" --format json | sed -n 's/.*"baseline_pages": *\([0-9]*\).*/\1/p')
	[ -n "$base" ]
	for extra in $((1 << 51)) $((1 << 52)); do
		printf 'nr_memmap_pages %d\nnr_memmap_boot_pages 0\n' $((base + extra)) | put "$S/proc/vmstat"
		report_ok proc/vmstat
		[ "$status" -eq 3 ] || { echo "+$extra pages: exit $status, realized savings wrapped: $output"; false; }
	done
}

# valgrind: the plain build only (an ASan build cannot run under valgrind).
need_valgrind() {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	if grep -qa -e __asan_init -e __ubsan_handle "$HV" 2>/dev/null; then skip "sanitizer build"; fi
}

valgrind_report() {
	need_valgrind
	run valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible "$HV" report "$@"
	echo "$output" | tail -30
	[ "$status" -eq 0 ] || [ "$status" -eq 1 ]
}

# Snapshots are opened with openat2(RESOLVE_IN_ROOT) only (no unsafe
# fallback); valgrind before 3.20 does not implement openat2 (Debian 12 has
# 3.19), so there the snapshot runs are skipped: make check-asan covers them.
valgrind_openat2() {
	need_valgrind
	run valgrind -q "$HV" report --root "$S"
	if [[ $output == *"unhandled"*"syscall: 437"* || $output == *"Function not implemented"* ]]; then
		skip "valgrind $(valgrind --version) lacks openat2 (syscall 437)"
	fi
}

@test "robust: valgrind, report on a snapshot: no errors, no leaks" {
	valgrind_openat2
	valgrind_report --root "$S"
	valgrind_report --root "$S" --format json
	valgrind_report --root "$S" --format prometheus
}

@test "robust: valgrind, report on a damaged snapshot (error path): no leaks" {
	valgrind_openat2
	echo abc | put "$H2/nr_hugepages"
	if grep -q AddressSanitizer "$HV" 2>/dev/null; then skip "sanitizer build"; fi
	run valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
		"$HV" report --root "$S"
	[ "$status" -eq 3 ]
}

@test "robust: valgrind, live report: no errors, no leaks" {
	[ -r /proc/meminfo ] && [ -d /sys/kernel/mm ] || skip "no live /proc and /sys"
	valgrind_report
	valgrind_report --format json
}
