#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Odd and hostile trees: FIFOs, character devices, garbage and terminal
# escapes planted in a copy of a real capture (tests/fixtures/vm/6.12-stale),
# hostile tar archives, and environment variables that must not steer a
# live run. Every command must end within `timeout 10` (124 is a hang) with
# exit 0 and a note, or exit 3 and an error, naming the file. Any user; the
# device nodes need root (skipped otherwise).
bats_require_minimum_version 1.5.0

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH \
		HVOPLAN_CONFIG HVOPLAN_TOOL_DIR
	FIX=$TOPDIR/tests/fixtures/vm/6.12-stale
	[ -d "$FIX" ] || skip "no fixture $FIX"
	T=$BATS_TEST_TMPDIR
	S=$T/snap
	cp -a "$FIX" "$S"
	REL=$(cat "$S/proc/sys/kernel/osrelease")
	H2=$S/sys/kernel/mm/hugepages/hugepages-2048kB
	N0=$S/sys/devices/system/node/node0/hugepages/hugepages-2048kB
	mkdir -p "$T/tmp"
	export TMPDIR=$T/tmp
}

# hv ARGS...: the command under `timeout 10`, stdout and stderr apart.
hv() {
	run --separate-stderr timeout 10 "$HV" "$@"
}

# finished WHAT: not a hang, not a signal; exit 0 or 3 and, if WHAT is
# given, stderr names it.
finished() {
	local what=${1:-}
	[ "$status" -ne 124 ] || { echo "hung (killed by timeout 10)"; return 1; }
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || { echo "exit $status: $stderr"; return 1; }
	# errors go to stderr, notes into the report itself
	if [ -n "$what" ]; then
		[[ "$stderr$output" == *"$what"* ]] || { echo "exit $status without naming $what: $stderr"; return 1; }
	fi
}

# fifo FILE: FILE becomes a FIFO nobody writes to.
fifo() {
	rm -f "$1"
	mkfifo "$1"
}

# no_escapes: neither stdout nor stderr carries an ESC, BEL or C1 control.
no_escapes() {
	if printf '%s%s' "$output" "$stderr" | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]'; then
		echo "control characters reached the terminal:"
		printf '%s\n%s\n' "$output" "$stderr" | LC_ALL=C grep -m5 $'[\x01-\x08\x0b-\x1f\x7f]\|\xc2[\x80-\x9f]' | cat -v
		return 1
	fi
}

@test "hostile: a FIFO at any file the probe reads fails or degrades naming it, never hangs" {
	local f
	for f in proc/meminfo proc/vmstat proc/cmdline proc/cpuinfo proc/sys/kernel/osrelease \
		proc/sys/vm/hugetlb_optimize_vmemmap "boot/config-$REL" dmesg.txt uname.txt \
		sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages \
		sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages \
		sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages \
		sys/devices/system/node/node1/hugepages/hugepages-2048kB/free_hugepages \
		sys/devices/system/node/online sys/devices/system/memory/block_size_bytes; do
		rm -rf "$S"
		cp -a "$FIX" "$S"
		[ -e "$S/$f" ] || { echo "fixture has no $f"; return 1; }
		fifo "$S/$f"
		hv --root "$S" report
		finished "$S/$f" || { echo "FIFO at $f"; return 1; }
		[[ "$stderr$output" == *"$S/$f: not a regular file (a FIFO)"* ]] || { echo "FIFO at $f: $stderr"; return 1; }
	done
}

@test "hostile: a FIFO planted as snapshot metadata or sosreport file does not hang" {
	local f
	for f in hvoplan-snapshot.txt sos_commands/kernel/uname_-a sos_commands/kernel/sysctl_-a \
		sys/kernel/btf/vmlinux proc/config.gz; do
		rm -rf "$S"
		cp -a "$FIX" "$S"
		mkdir -p "$(dirname "$S/$f")"
		fifo "$S/$f"
		hv --root "$S" report
		finished || { echo "FIFO at $f"; return 1; }
	done
}

@test "hostile: FIFOs hang none of report, plan, top, snapshot, apply" {
	fifo "$S/proc/vmstat"
	fifo "$N0/free_hugepages"
	hv --root "$S" report --format json
	finished "$S/proc/vmstat"
	hv --root "$S" plan --from-host
	finished "$S/proc/vmstat"
	hv --root "$S" top -b -n 1
	finished "$S/proc/vmstat"
	hv --root "$S" apply --hvo on
	finished "$S/proc/vmstat"
	# a snapshot of the tree leaves the FIFO out instead of blocking on it
	hv --root "$S" snapshot -o "$T/out"
	finished
	[ "$status" -eq 0 ]
	[ -f "$T/out/proc/meminfo" ]
	[ ! -e "$T/out/proc/vmstat" ]
	[[ $stderr == *"$S/proc/vmstat: not a regular file"* ]]
}

@test "hostile: a character device as the kernel config is refused, not read forever" {
	[ "$(id -u)" -eq 0 ] || skip "mknod needs root"
	rm -f "$S/boot/config-$REL"
	mknod "$S/boot/config-$REL" c 1 5 # /dev/zero: endless NULs
	hv --root "$S" report
	finished "$S/boot/config-$REL"
	[ "$status" -eq 0 ]
	[[ $output == *"$S/boot/config-$REL: not a regular file (a character device)"* ]]
	rm -f "$S/boot/config-$REL"
	mknod "$S/proc/config.gz" c 1 5
	hv --root "$S" snapshot -o "$T/out"
	finished "$S/proc/config.gz"
	hv --root "$S" top -b -n 1
	finished
}

@test "hostile: a character device at /proc/meminfo fails naming it" {
	[ "$(id -u)" -eq 0 ] || skip "mknod needs root"
	rm -f "$S/proc/meminfo"
	mknod "$S/proc/meminfo" c 1 5
	hv --root "$S" report
	finished "$S/proc/meminfo"
	[ "$status" -eq 3 ]
	[[ $stderr == *"$S/proc/meminfo: not a regular file (a character device)"* ]]
}

@test "hostile: a FIFO or device as hvoplan.conf fails naming it (--config, HVOPLAN_CONFIG, etc/hvoplan.conf)" {
	mkfifo "$T/fifo.conf"
	hv --root "$S" apply --config "$T/fifo.conf" --hvo on
	finished "$T/fifo.conf"
	[ "$status" -eq 3 ]
	[[ $stderr == *"not a regular file"* ]]
	HVOPLAN_CONFIG=$T/fifo.conf hv --root "$S" apply --hvo on
	finished "$T/fifo.conf"
	[ "$status" -eq 3 ]
	mkdir -p "$S/etc"
	mkfifo "$S/etc/hvoplan.conf"
	hv --root "$S" apply --hvo on
	finished "$S/etc/hvoplan.conf"
	[ "$status" -eq 3 ]
	# the config must be a regular file even outside any --root
	hv --root "$S" apply --config /dev/null --hvo on
	finished /dev/null
	[ "$status" -eq 3 ]
	[[ $stderr == *"/dev/null: not a regular file"* ]]
}

@test "hostile: an osrelease of 200+ bytes is named, not over-read (snapshot, report)" {
	head -c 300 /dev/zero | tr '\0' 'a' >"$S/proc/sys/kernel/osrelease"
	hv --root "$S" snapshot -o "$T/out"
	finished
	[ "$status" -eq 0 ]
	[[ $stderr == *"$S/proc/sys/kernel/osrelease: value longer than"* ]]
	hv --root "$S" report
	finished "$S/proc/sys/kernel/osrelease: value longer than"
}

@test "hostile: garbage vmstat on a 6.12 kernel is named, not read as 'no memmap counters'" {
	printf 'garbage\nmore garbage\n' >"$S/proc/vmstat"
	hv --root "$S" report
	finished "$S/proc/vmstat"
	[ "$status" -eq 3 ]
	[[ $stderr == *"not a vmstat file"* ]]
	# a real vmstat without the counters a 6.11+ kernel always has
	grep -v '^nr_memmap' "$FIX/proc/vmstat" >"$S/proc/vmstat"
	hv --root "$S" report
	finished "$S/proc/vmstat"
	[ "$status" -eq 0 ]
	[[ $output == *"$S/proc/vmstat: no nr_memmap_pages"*"6.12"* ]]
	[[ $output != *"measured from nr_memmap_pages"* ]]
}

@test "hostile: a node pool without nr_hugepages fails naming it instead of dropping the node" {
	rm "$N0/nr_hugepages"
	hv --root "$S" report
	finished "$N0/nr_hugepages"
	[ "$status" -eq 3 ]
	# a node without any pool directory is a memoryless node: still fine
	rm -rf "$S/sys/devices/system/node/node0/hugepages/hugepages-2048kB"
	hv --root "$S" report
	finished
	[ "$status" -eq 0 ]
}

@test "hostile: node01 next to node1 is refused, not counted twice" {
	cp -a "$S/sys/devices/system/node/node1" "$S/sys/devices/system/node/node01"
	hv --root "$S" report --format json
	finished "node01"
	[ "$status" -eq 3 ]
}

@test "hostile: resv_hugepages above nr_hugepages is refused naming both values" {
	local nr
	nr=$(cat "$H2/nr_hugepages")
	echo $((nr + 5)) >"$H2/resv_hugepages"
	hv --root "$S" report
	finished "$H2"
	[ "$status" -eq 3 ]
	[[ $stderr == *"resv_hugepages ($((nr + 5)))"*"nr_hugepages ($nr)"* ]]
}

@test "hostile: an unreadable kernel config gets a note naming it, never '(null)'" {
	rm "$S/boot/config-$REL"
	ln -s "config-$REL" "$S/boot/config-$REL" # a loop: ELOOP
	hv --root "$S" report
	finished "$S/boot/config-$REL"
	[ "$status" -eq 0 ]
	[[ $stderr != *"(null)"* ]]
	mkdir -p "$S/proc/config.gz"
	hv --root "$S" report
	finished "$S/proc/config.gz"
	[[ $stderr != *"(null)"* ]]
}

@test "hostile: escape sequences in model name, osrelease, cmdline never reach the terminal" {
	sed -i 's/^model name\t: .*/model name\t: EVIL\x1b]0;pwned\x07\x1b[2J\xc2\x9b31m/' "$S/proc/cpuinfo"
	mv "$S/boot/config-$REL" "$S/boot/config-$REL"$'\e[31m'
	printf '%s\e[31m\n' "$REL" >"$S/proc/sys/kernel/osrelease"
	printf 'BOOT_IMAGE=/vmlinuz hugetlb_free_vmemmap=\e]0;x\a\n' >"$S/proc/cmdline"
	hv --root "$S" report
	finished
	no_escapes
	[[ $output == *EVIL* ]]
	hv --root "$S" report --format json
	finished
	no_escapes
	jq -e '.' <<<"$output" >/dev/null
	hv --root "$S" report --format prometheus
	finished
	no_escapes
	hv --root "$S" top -b -n 1
	finished
	no_escapes
	hv --root "$S" plan --from-host
	finished
	no_escapes
	hv --root "$S" snapshot -o "$T/out"
	finished
	no_escapes
	# escapes in the path of --root itself
	mv "$S" "$T/snap"$'\e[2J'
	hv --root "$T/snap"$'\e[2J' report
	finished
	no_escapes
	hv --root "$T/snap"$'\e[2J'/nonexistent report
	[ "$status" -eq 3 ]
	no_escapes
}

@test "hostile: escape sequences in tar member names never reach the terminal" {
	command -v python3 >/dev/null || skip "python3 needed to craft the archive"
	python3 - "$T/esc.tar" <<'PY'
import sys, tarfile, io
with tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT) as tf:
    ti = tarfile.TarInfo("proc/meminfo"); d = b"MemTotal: 1 kB\n"; ti.size = len(d); tf.addfile(ti, io.BytesIO(d))
    ti = tarfile.TarInfo("proc/\x1b]0;pwned\x07\x1b[2J"); ti.type = tarfile.SYMTYPE; ti.linkname = "/etc"; tf.addfile(ti)
PY
	hv --root "$T/esc.tar" report
	finished "proc/"
	[ "$status" -eq 3 ]
	no_escapes
	[ -z "$(ls -A "$T/tmp")" ]
}

@test "hostile: HVOPLAN_CONFIG and HVOPLAN_TOOL_DIR still work under --root" {
	# (that the live host ignores them is tests/unit/test_hostile.c: no test
	# here runs apply on the live host)
	printf '[apply]\nhvo = off\n' >"$T/env.conf"
	HVOPLAN_CONFIG=$T/env.conf hv --root "$S" apply
	finished
	[ "$status" -eq 0 ]
	[[ $output == *"set vm.hugetlb_optimize_vmemmap 1 -> 0"* ]]
	mkdir -p "$T/tools" "$S/etc/default"
	printf 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n' >"$S/etc/default/grub"
	HVOPLAN_TOOL_DIR=$T/tools hv --root "$S" apply --hvo off --persist
	finished
	[[ $output == *"[fake from HVOPLAN_TOOL_DIR]"* ]]
	hv --root "$S" apply --hvo off --persist
	[[ $output == *"[not run under --root]"* ]]
}

@test "hostile: a FIFO among the files apply --persist reads fails naming it" {
	mkdir -p "$S/etc/default" "$S/etc/sysctl.d"
	mkfifo "$S/etc/default/grub"
	hv --root "$S" apply --hvo off --persist
	finished "$S/etc/default/grub: not a regular file"
	[ "$status" -ne 0 ]
	rm "$S/etc/default/grub"
	mkfifo "$S/etc/sysctl.d/90-hvoplan.conf"
	hv --root "$S" apply --hvo off --persist
	finished "$S/etc/sysctl.d/90-hvoplan.conf: not a regular file"
	[ "$status" -ne 0 ]
}

# make_tar NAME: an archive of the fixture, written by `hvoplan snapshot`.
make_tar() {
	"$HV" --root "$FIX" snapshot -o "$T/$1" 2>/dev/null
}

@test "hostile: tar extraction leaves no private directory behind when descriptors run out" {
	make_tar a.tar
	local n left=""
	for n in $(seq 6 24); do
		run --separate-stderr bash -c "ulimit -n $n; exec timeout 10 '$HV' --root '$T/a.tar' report"
		[ "$status" -ne 124 ] || { echo "hung at ulimit -n $n"; return 1; }
		if [ -n "$(ls -A "$T/tmp")" ]; then
			left="$left $n"
			rm -rf "${T:?}/tmp/"*
		fi
		run --separate-stderr bash -c "ulimit -n $n; exec timeout 10 '$HV' --root '$T/a.tar' snapshot -o '$T/o$n'"
		if [ -n "$(ls -A "$T/tmp")" ]; then
			left="$left snapshot:$n"
			rm -rf "${T:?}/tmp/"*
		fi
	done
	[ -z "$left" ] || { echo "private directory left behind at ulimit -n:$left"; return 1; }
}

@test "hostile: tar extraction removes its private directory on SIGTERM, SIGINT, SIGHUP" {
	command -v python3 >/dev/null || skip "python3 needed to craft the archive"
	# many small members: extraction takes long enough to be interrupted
	python3 - "$T/many.tar" <<'PY'
import sys, tarfile, io
with tarfile.open(sys.argv[1], "w", format=tarfile.USTAR_FORMAT) as tf:
    for i in range(60000):
        ti = tarfile.TarInfo(f"d{i % 100}/f{i}"); ti.size = 0; tf.addfile(ti)
PY
	local sig i
	for sig in TERM INT HUP; do
		"$HV" --root "$T/many.tar" report >/dev/null 2>&1 &
		local pid=$!
		for i in $(seq 1 500); do
			compgen -G "$T/tmp/hvoplan-root-*/d1" >/dev/null && break
			sleep 0.01
		done
		kill -$sig $pid 2>/dev/null || true # (a fast machine may be done already)
		wait $pid || true
		[ -z "$(ls -A "$T/tmp")" ] || { echo "SIG$sig left: $(ls "$T/tmp")"; return 1; }
	done
}

@test "hostile: tar member count and sizes are capped before anything is extracted" {
	command -v python3 >/dev/null || skip "python3 needed to craft the archives"
	python3 - "$T" <<'PY'
import sys, tarfile
t = sys.argv[1]
# 200001 members of a directory: a header costs 512 bytes, nothing else
ti = tarfile.TarInfo("d"); ti.type = tarfile.DIRTYPE
h = ti.tobuf(format=tarfile.USTAR_FORMAT)
with open(f"{t}/count.tar", "wb") as f:
    f.write(h * 200001); f.write(b"\0" * 1024)
# one member claiming 300 MiB, no data behind it
ti = tarfile.TarInfo("proc/meminfo"); ti.size = 300 << 20
with open(f"{t}/big.tar", "wb") as f:
    f.write(ti.tobuf(format=tarfile.USTAR_FORMAT))
# five members of 250 MiB each (sparse: only the headers are written)
with open(f"{t}/total.tar", "wb") as f:
    for i in range(5):
        ti = tarfile.TarInfo(f"f{i}"); ti.size = 250 << 20
        f.write(ti.tobuf(format=tarfile.USTAR_FORMAT)); f.seek(ti.size, 1)
    f.write(b"\0" * 1024)
PY
	hv --root "$T/count.tar" report
	finished "$T/count.tar"
	[ "$status" -eq 3 ]
	[[ $stderr == *"more than"*"members"* ]]
	hv --root "$T/big.tar" report
	finished "$T/big.tar"
	[ "$status" -eq 3 ]
	hv --root "$T/total.tar" report
	finished "$T/total.tar"
	[ "$status" -eq 3 ]
	[[ $stderr == *"larger than a snapshot can be"* ]]
	[ -z "$(ls -A "$T/tmp")" ]
}
