#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The report's CPU line: the kernel's "model name" and pdpe1gb flag from the
# first processor block of /proc/cpuinfo (the rest is never read), each fact
# with where it came from.

setup() {
	TOPDIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	HV=${HVOPLAN:-$TOPDIR/hvoplan}
	FX=$TOPDIR/tests/fixtures/vm
	T=$BATS_TEST_TMPDIR
	export LC_ALL=C.UTF-8
}

# tree CPUINFO-TEXT: a copy of a fixture with that /proc/cpuinfo
tree() {
	rm -rf "$T/r"
	cp -r "$FX/6.12-per-node" "$T/r"
	printf '%b' "$1" >"$T/r/proc/cpuinfo"
}

cpu_line() { "$HV" --root "$T/r" report | grep '^CPU:'; }

@test "live: the CPU line is the kernel's first model name, marked (cpuinfo), never a guessed codename" {
	grep -q '^model name' /proc/cpuinfo || skip "no model name in this kernel's cpuinfo"
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
	run "$HV" report
	line=$(echo "$output" | grep '^CPU:')
	[ "$line" = "CPU:                   $model (cpuinfo); 1G pages $(grep -qw pdpe1gb /proc/cpuinfo && echo supported || echo 'not supported') (cpuinfo)" ]
	[ "$("$HV" report --format json | jq -r '.cpu | "\(.model)|\(.model_source)|\(.gigantic_pages_source)"')" = "$model|cpuinfo|cpuinfo" ]
	[ "$("$HV" report --format json | jq -r '.cpu | has("codename")')" = false ]
}

@test "only the first block counts: a later CPU's flags or model change nothing" {
	tree 'processor\t: 0\nmodel name\t: First CPU\nflags\t\t: fpu pse pdpe1gb\n\nprocessor\t: 1\nmodel name\t: Second CPU\nflags\t\t: fpu\n\n'
	[ "$(cpu_line)" = "CPU:                   First CPU (cpuinfo); 1G pages supported (cpuinfo)" ]
	tree 'processor\t: 0\nmodel name\t: First CPU\nflags\t\t: fpu pse\n\nprocessor\t: 1\nmodel name\t: Second CPU\nflags\t\t: fpu pdpe1gb\n\n'
	[ "$(cpu_line)" = "CPU:                   First CPU (cpuinfo); 1G pages not supported (cpuinfo)" ]
}

@test "a flag is a whole word: pdpe1gbx or xpdpe1gb is not pdpe1gb" {
	tree 'processor\t: 0\nmodel name\t: X\nflags\t\t: fpu xpdpe1gb pdpe1gbx\n\n'
	[ "$(cpu_line)" = "CPU:                   X (cpuinfo); 1G pages not supported (cpuinfo)" ]
	tree 'processor\t: 0\nmodel name\t: X\nflags\t\t: pdpe1gb\n'
	[ "$(cpu_line)" = "CPU:                   X (cpuinfo); 1G pages supported (cpuinfo)" ]
}

@test "no model name, no flags: said so, not made up (a snapshot's CPU is not asked by CPUID)" {
	tree 'processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\n\n'
	run "$HV" --root "$T/r" report --format json
	[ "$(echo "$output" | jq -c '.cpu')" = '{"model":null,"model_source":null,"gigantic_pages":null,"gigantic_pages_source":null}' ]
	[ -z "$(cpu_line)" ]
	tree 'processor\t: 0\nflags\t\t: fpu\n\n'
	[ "$(cpu_line)" = "CPU:                   model unknown (no model name); 1G pages not supported (cpuinfo)" ]
}

@test "the rest of cpuinfo is not read: a first block followed by 20 MB of anything reports" {
	tree 'processor\t: 0\nmodel name\t: Big Host CPU\nflags\t\t: fpu pdpe1gb\n\n'
	head -c $((20 << 20)) /dev/zero | tr '\0' 'x' >>"$T/r/proc/cpuinfo"
	run "$HV" --root "$T/r" report
	[ "$status" -eq 0 ]
	[[ $output == *"CPU:                   Big Host CPU (cpuinfo); 1G pages supported (cpuinfo)"* ]]
	[[ $output != *cpuinfo:* ]] # no note about the file
	command -v strace >/dev/null || skip "no strace"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -qq -s 80 -e trace=read -o "$T/st" "$HV" --root "$T/r" report >/dev/null
	# one read of at most 64 KiB, not 20 MB
	[ "$(grep -c 'Big Host CPU' "$T/st")" -eq 1 ]
	! grep -q '= 1048576' "$T/st"
}

@test "the snapshot still captures the whole cpuinfo" {
	tree 'processor\t: 0\nmodel name\t: A\n\nprocessor\t: 1\nmodel name\t: B\n\n'
	"$HV" --root "$T/r" snapshot -o "$T/s" >/dev/null
	cmp "$T/r/proc/cpuinfo" "$T/s/proc/cpuinfo"
}
