#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# The boot cache (src/probe/cache.c): the kernel config, the boot log's
# HugeTLB figures and BTF's struct page size, kept per boot. It may only
# save work: with a cache that is fresh, damaged, truncated, of another
# boot, owned by someone else, writable by others or not a file at all the
# report is the one without a cache, and the cache is rebuilt when it can
# be. Never for --root; HVOPLAN_NO_CACHE=1 bypasses it. HVOPLAN_CACHE_DIR
# points each test at its own directory (the default is /run/hvoplan).

setup() {
	TOPDIR=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	HV=${HVOPLAN:-$TOPDIR/hvoplan}
	FX=$TOPDIR/tests/fixtures/vm
	T=$BATS_TEST_TMPDIR
	export LC_ALL=C.UTF-8
	[ -d /sys/kernel/mm/hugepages ] || skip "no hugetlb in this kernel"
	[ -r /proc/sys/kernel/random/boot_id ] || skip "no boot_id"
	export HVOPLAN_CACHE_DIR=$T/c
	C=$T/c/boot.cache
}

# The facts the cache holds and what follows from them (the pools, which
# another process may resize meanwhile, left out), and the notes.
facts() {
	"$HV" report --format json | jq -c '{kernel, cpu, hvo, notes,
		perpage: [.hstates[] | {size, vmemmap_bytes_per_page, optimizable_bytes_per_page, optimizable_source}]}'
}

# The same without any cache, to compare with.
nocache_facts() { HVOPLAN_NO_CACHE=1 facts; }

# read_sources CMD...: which of the cached facts' sources CMD opened
read_sources() {
	# LeakSanitizer cannot work under ptrace (check-asan)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=openat,openat2 -o "$T/st" "$@" >/dev/null 2>&1
	grep -v '= -1' "$T/st" | grep -o -e 'config\.gz' -e 'config-[^"]*' -e '/dev/kmsg' -e 'btf/vmlinux' | sort -u
}

need_strace() { command -v strace >/dev/null || skip "no strace"; }

# rewrite KIND: edit the cache as a program could, with a checksum that
# matches (header: magic 8, format 4, sizes 12, version 32, boot_id 40,
# release 128, count 4; entries: kind, ident length, data length, ident,
# data; FNV-1a 64 of all that at the end)
rewrite() {
	python3 - "$C" "$1" <<'EOF'
import struct, sys
path, kind = sys.argv[1], sys.argv[2]
b = bytearray(open(path, 'rb').read()[:-8])
if kind == 'boot_id':
    b[56:96] = b'00000000-0000-4000-8000-000000000000'.ljust(40, b'\0')
elif kind == 'kconfig':
    pos = 228
    while pos < len(b):
        k, il, dl = struct.unpack_from('<III', b, pos)
        data = pos + 12 + il
        if k == 0:
            b[data + 264:data + 268] = struct.pack('<i', 7)  # hvo: neither yes, no nor unknown
        pos = data + dl
h = 0xcbf29ce484222325
for c in b:
    h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
open(path, 'wb').write(bytes(b) + struct.pack('<Q', h))
EOF
}

@test "the first report writes the cache (0700 directory, 0600 file); the next reads none of the sources" {
	want=$(nocache_facts)
	[ "$(facts)" = "$want" ]
	[ -f "$C" ]
	[ "$(stat -c %a "$T/c")" = 700 ]
	[ "$(stat -c %a "$C")" = 600 ]
	[ "$(stat -c %u "$C")" = "$(id -u)" ]
	grep -qa "$(cat /proc/sys/kernel/random/boot_id)" "$C"
	[ "$(facts)" = "$want" ]
	need_strace
	[ -z "$(read_sources "$HV" report)" ]
	# without the cache every source is read again
	[ -n "$(HVOPLAN_NO_CACHE=1 read_sources "$HV" report)" ]
}

@test "HVOPLAN_NO_CACHE=1: no cache read or written" {
	HVOPLAN_NO_CACHE=1 "$HV" report >/dev/null
	[ ! -e "$T/c" ]
	facts >/dev/null
	[ -f "$C" ]
	need_strace
	HVOPLAN_NO_CACHE=1 ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=openat,openat2,mkdir -o "$T/st" "$HV" report >/dev/null
	! grep -q "$T/c" "$T/st"
}

@test "--root never uses or writes the cache, not even --root /" {
	"$HV" --root "$FX/6.12-per-node" report >/dev/null
	"$HV" --root / report >/dev/null
	[ ! -e "$T/c" ]
}

# damage CMD: after CMD spoils the cache, the report equals the one without
# a cache, and the cache is rebuilt (a file of ours again, with this boot)
damaged() {
	want=$(nocache_facts)
	facts >/dev/null
	[ -f "$C" ]
	"$@"
	[ "$(facts)" = "$want" ]
	[ -f "$C" ] && [ ! -L "$C" ]
	[ "$(stat -c %u:%a "$C")" = "$(id -u):600" ]
	grep -qa "$(cat /proc/sys/kernel/random/boot_id)" "$C"
	[ "$(facts)" = "$want" ]
}

corrupt() { printf '\xff\xfe' | dd of="$C" bs=1 seek=300 conv=notrunc status=none; }

@test "a corrupted cache (two bytes changed) is not used, and is rebuilt" {
	damaged corrupt
	need_strace
	corrupt
	[ -n "$(read_sources "$HV" report)" ]
}

@test "a truncated or empty cache is not used, and is rebuilt" {
	damaged truncate -s 200 "$C"
	damaged truncate -s 0 "$C"
	damaged truncate -s -1 "$C"
}

@test "a cache of another boot (checksum valid) is not used, and is rebuilt" {
	damaged rewrite boot_id
	need_strace
	rewrite boot_id
	[ -n "$(read_sources "$HV" report)" ]
}

@test "a cached config no kernel config can be (checksum valid) is read again" {
	[ -r /proc/config.gz ] || ls /boot/config-"$(uname -r)" >/dev/null 2>&1 || skip "no kernel config here"
	damaged rewrite kconfig
}

@test "a cache of another owner, or writable by others, is not used" {
	[ "$(id -u)" -eq 0 ] || skip "chown needs root"
	damaged chown nobody "$C"
	damaged chmod 0666 "$C"
	damaged chmod 0620 "$C"
	# a directory of another owner or writable by others: nothing read or written there
	want=$(nocache_facts)
	facts >/dev/null
	for spoil in "chown nobody $T/c" "chmod 0777 $T/c"; do
		$spoil
		corrupt
		before=$(md5sum <"$C")
		[ "$(facts)" = "$want" ]
		[ "$(md5sum <"$C")" = "$before" ]
		need_strace
		[ -n "$(read_sources "$HV" report)" ]
		chown "$(id -u)" "$T/c"
		chmod 0700 "$T/c"
	done
}

@test "hostile caches: a symlink, a FIFO, a directory, a huge file are not followed, waited on or read" {
	want=$(nocache_facts)
	facts >/dev/null
	cp "$C" "$T/valid"
	damaged ln -sf "$T/valid" "$C"
	damaged sh -c "rm -f '$C'; mkfifo '$C'"
	damaged sh -c "head -c 3000000 /dev/urandom >'$C'"
	rm -f "$C"
	mkdir "$C"
	[ "$(timeout 20 "$HV" report --format json | jq -c '{kernel, cpu, hvo, notes,
		perpage: [.hstates[] | {size, vmemmap_bytes_per_page, optimizable_bytes_per_page, optimizable_source}]}')" = "$want" ]
	[ -d "$C" ]
	# a cache directory that is a symlink is not used
	rm -rf "$T/c"
	mkdir "$T/elsewhere"
	ln -s "$T/elsewhere" "$T/c"
	[ "$(facts)" = "$want" ]
	[ -z "$(ls -A "$T/elsewhere")" ]
}
