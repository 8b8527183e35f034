#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Which shared libraries a run loads. hvoplan links libc alone and opens
# every other library with dlopen where it is needed (include/dl.h): report
# and --version must not pay for ncursesw (top's screen), zlib (a kernel
# config not in the boot cache), inih (apply's settings), and a report only
# for the renderer of its format. The loader says what it opened
# (LD_DEBUG=libs); a library that cannot be opened fails with its name.

setup() {
	TOPDIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	HV=${HVOPLAN:-$TOPDIR/hvoplan}
	FX=$TOPDIR/tests/fixtures/vm
	T=$BATS_TEST_TMPDIR
	export LC_ALL=C.UTF-8
}

# loaded CMD...: the sonames the dynamic loader looked up, sorted, one a line
loaded() {
	LD_DEBUG=libs LD_DEBUG_OUTPUT=$T/ld "$@" >/dev/null 2>&1 || true
	cat "$T"/ld.* | sed -n 's/.*find library=\([^ ;]*\).*/\1/p' | sort -u
	rm -f "$T"/ld.*
}

# a directory whose LIB is an empty file: dlopen finds it first and fails
broken_lib() {
	mkdir -p "$T/broken"
	: >"$T/broken/$1"
	echo "$T/broken"
}

@test "ldd: hvoplan links libc alone (no ncursesw, tinfo, libproc2, libcpuid, jansson, smartcols, zlib, inih)" {
	command -v ldd >/dev/null || skip "no ldd"
	run ldd "$HV"
	[ "$status" -eq 0 ]
	libs=$(echo "$output" | awk '$2 == "=>" { print $1 }' | grep -v -e '^libc\.so' -e '^libasan' -e '^libubsan' \
		-e '^libstdc++' -e '^libm\.so' -e '^libgcc_s' || true)
	[ -z "$libs" ] || { echo "linked: $libs"; false; }
}

@test "--version and --help open no library, nor a locale file" {
	[ -z "$(loaded "$HV" --version | grep -v -e '^libc\.so' -e '^libasan' -e '^libubsan' -e '^libstdc' -e '^libm\.so' -e '^libgcc_s')" ]
	[ -z "$(loaded "$HV" --help | grep -v -e '^libc\.so' -e '^libasan' -e '^libubsan' -e '^libstdc' -e '^libm\.so' -e '^libgcc_s')" ]
	command -v strace >/dev/null || skip "no strace"
	LANG=C.UTF-8 ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=openat -o "$T/st" "$HV" --version >/dev/null
	! grep -q 'locale' "$T/st" || false
}

@test "report loads only its renderer's library: table libsmartcols, json jansson, prometheus none" {
	f=$FX/6.12-per-node
	table=$(loaded "$HV" --root "$f" report)
	json=$(loaded "$HV" --root "$f" report --format json)
	prom=$(loaded "$HV" --root "$f" report --format prometheus)
	for l in $table $json $prom; do
		case $l in libncursesw* | libtinfo* | libproc2* | libcpuid* | libinih*) echo "report loaded $l"; false ;; esac
	done
	echo "$table" | grep -qx 'libsmartcols.so.1'
	! echo "$table" | grep -q libjansson || false
	echo "$json" | grep -qx 'libjansson.so.4'
	! echo "$json" | grep -q libsmartcols || false
	! echo "$prom" | grep -q -e libjansson -e libsmartcols || false
}

@test "report of the live host with a warm boot cache loads no zlib (the config is not inflated)" {
	[ -r /proc/config.gz ] || skip "no /proc/config.gz on this kernel"
	export HVOPLAN_CACHE_DIR=$T/cache
	"$HV" report --format prometheus >/dev/null
	[ -f "$T/cache/boot.cache" ]
	! loaded "$HV" report --format prometheus | grep -q '^libz' || false
	# without the cache the config is read, through zlib
	HVOPLAN_NO_CACHE=1 loaded "$HV" report --format prometheus | grep -qx 'libz.so.1'
}

@test "top -b runs without ncursesw; the interactive screen opens it (and only it)" {
	[ -d /sys/kernel/mm/hugepages ] || skip "no hugetlb in this kernel"
	run env COLUMNS=100 "$HV" top -b -n 1 --no-processes
	[ "$status" -eq 0 ]
	[[ $output == *SIZE* ]]
	! loaded "$HV" top -b -n 1 --no-processes | grep -q -e libncurses -e libtinfo || false
	command -v script >/dev/null || skip "no script(1) for a terminal"
	LD_DEBUG=libs LD_DEBUG_OUTPUT=$T/ld TERM=xterm timeout 20 script -qec "$HV top -n 1 -d 0.1 --no-processes" /dev/null \
		</dev/null >/dev/null 2>&1 || true
	grep -h 'find library=' "$T"/ld.* | grep -q 'libncursesw.so.6'
}

@test "top's screen names ncursesw when it cannot be opened, and says -b works" {
	command -v script >/dev/null || skip "no script(1) for a terminal"
	dir=$(broken_lib libncursesw.so.6)
	run env LD_LIBRARY_PATH="$dir" TERM=xterm timeout 20 script -qec "$HV top -n 1 --no-processes; echo EXIT=\$?" /dev/null </dev/null
	[[ $output == *"cannot load libncursesw.so.6 (package libncursesw6)"* ]]
	[[ $output == *"use -b for batch output"* ]]
	[[ $output == *EXIT=3* ]]
	# batch output needs no ncursesw
	LD_LIBRARY_PATH="$dir" COLUMNS=100 "$HV" --root "$FX/6.12-per-node" top -b -n 1 --no-processes >/dev/null
}

@test "a renderer's library that cannot be opened is named (exit 3); the other formats still work" {
	f=$FX/6.12-per-node
	run env LD_LIBRARY_PATH="$(broken_lib libjansson.so.4)" "$HV" --root "$f" report --format json
	[ "$status" -eq 3 ]
	[[ $output == *"cannot load libjansson.so.4 (package libjansson4)"* ]]
	run env LD_LIBRARY_PATH="$(broken_lib libsmartcols.so.1)" "$HV" --root "$f" report
	[ "$status" -eq 3 ]
	[[ $output == *"cannot load libsmartcols.so.1 (package libsmartcols1)"* ]]
	LD_LIBRARY_PATH="$T/broken" "$HV" --root "$f" report --format prometheus | grep -q '^hvoplan_info'
}

@test "without zlib the kernel config is a note and the report goes on" {
	f=$FX/6.12-per-node # boot/config-RELEASE, read through zlib like config.gz
	run env LD_LIBRARY_PATH="$(broken_lib libz.so.1)" "$HV" --root "$f" report
	[ "$status" -eq 0 ]
	[[ $output == *"config-6.12.117+deb12-amd64: cannot load libz.so.1 (package zlib1g)"* ]]
	[[ $output == *"no kernel config found"* ]]
}

# syscalls CMD...: the system calls of one run (strace -f), one a line
syscalls() {
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -o "$T/sc" "$@" >/dev/null 2>&1 || true
	cat "$T/sc"
}

@test "a report table opens the locale only to draw the node tree; JSON reads no /dev/urandom" {
	command -v strace >/dev/null || skip "no strace"
	f=$FX/7.3-big64 # two nodes: the tree
	[[ $(syscalls "$HV" --root "$f" report) == *locale* ]]
	LC_ALL=C.UTF-8 run "$HV" --root "$f" report
	[[ $output == *"├─      0   256"* ]]
	[[ $(syscalls "$HV" --root "$f" report --summary=only) != *locale* ]]
	[[ $(syscalls "$HV" --root "$f" report --raw) != *locale* ]]
	# the same report without the tree's lines: the cells are ASCII in every locale
	[ "$(LC_ALL=C "$HV" --root "$f" report --raw)" = "$(LC_ALL=C.UTF-8 "$HV" --root "$f" report --raw)" ]
	# jansson's hash seed is fixed: hvoplan parses no JSON
	[[ $(syscalls "$HV" --root "$f" report --format json) != *urandom* ]]
}

@test "the live report reads no free, reserved or surplus count of an empty pool, and no empty sysfs directory twice" {
	command -v strace >/dev/null || skip "no strace"
	P1G=/sys/kernel/mm/hugepages/hugepages-1048576kB
	[ -d "$P1G" ] && [ "$(cat "$P1G/nr_hugepages")" = 0 ] || skip "no empty 1G pool here"
	out=$(syscalls "$HV" report --format json)
	[[ $out == *"hugepages-1048576kB/nr_hugepages"* ]]
	[[ $out == *"hugepages-1048576kB/nr_overcommit_hugepages"* ]]
	[[ $out != *"hugepages-1048576kB/free_hugepages"* ]]
	[[ $out != *"hugepages-1048576kB/resv_hugepages"* ]]
	# kernfs fills the buffer until the directory ends: no getdents64 returning 0
	grep -q 'getdents64(' <<<"$out"
	! grep -q 'getdents64(.*= 0$' <<<"$out" || false
	# a snapshot is read in full and checked
	[[ $(syscalls "$HV" --root "$FX/6.12-per-node" report --format json) == *"hugepages-1048576kB/free_hugepages"* ]]
}
