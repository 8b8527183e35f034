#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernels installed after `apply --persist`: the record it writes on Boot
# Loader Specification hosts (etc/kernel/hvoplan.conf), `hvoplan
# boot-entry`, and the kernel-install plug-in 95-hvoplan.install run by the
# real kernel-install (systemd 252) after its own 90-loaderentry.install:
# with /etc/kernel/cmdline, and without it, where kernel-install takes the
# running kernel's /proc/cmdline (a grubby host before its reboot) — in a
# private mount namespace whose /etc/kernel and /var/lib/hvoplan are
# scratch directories. The kernel-install tests need root.

load apply-root.bash

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH HVOPLAN_CONFIG HVOPLAN_LOCKED
	T=$BATS_TEST_TMPDIR
	R=$T/root
	apply_scratch_root 6.12-per-node "$R"
	FAKE=$T/fake
	mkdir -p "$FAKE"
	for t in grubby kernel-install update-grub; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/tools.log"\n' "$t" "$T" >"$FAKE/$t"
		chmod +x "$FAKE/$t"
	done
	# the plug-in as make install writes it, running the binary under test
	bindir=$(cd "$(dirname "$HV")" && pwd)
	[ "$(basename "$HV")" = hvoplan ]
	sed "s|@BINDIR@|$bindir|g" "$TOPDIR/contrib/kernel-install/95-hvoplan.install.in" >"$T/95-hvoplan.install"
	chmod +x "$T/95-hvoplan.install"
	MID=0123456789abcdef0123456789abcdef
	OURS="hugetlb_free_vmemmap=on hugepagesz=2M hugepages=0:32,1:32"
}

entry() { printf '%s\n' "title      Debian GNU/Linux 12 (bookworm)" "version    ${2:-6.12.12-amd64}" \
	"options    $1" "linux      /$MID/${2:-6.12.12-amd64}/linux" >"$R/boot/loader/entries/$MID-${2:-6.12.12-amd64}.conf"; }
record() { mkdir -p "$R/etc/kernel"; printf '[apply]\n%s\n' "$@" >"$R/etc/kernel/hvoplan.conf"; }
be() { run "$HV" --root "$R" boot-entry "$@"; }
opts() { sed -n 's/^options *//p' "$R/boot/loader/entries/$MID-${1:-6.12.12-amd64}.conf"; }

# ki [ENV=VALUE...] -- VERSION: the real kernel-install add, with the stock
# 90-loaderentry.install and our plug-in, in a namespace whose /etc/kernel
# is $R/etc/kernel and /var/lib/hvoplan $T/varlib (KERNEL_INSTALL_CONF_ROOT
# unset: kernel-install reads /etc/kernel as on a host)
ki() {
	[ "$(id -u)" -eq 0 ] || skip "kernel-install needs root"
	command -v kernel-install >/dev/null || skip "no kernel-install"
	command -v unshare >/dev/null || skip "no unshare"
	[ -x /usr/lib/kernel/install.d/90-loaderentry.install ] || skip "no 90-loaderentry.install"
	local ver=$1
	mkdir -p "$R/etc/kernel" "$T/varlib" "$R/boot/loader/entries"
	[ -e "$R/etc/kernel/install.conf" ] || echo layout=bls >"$R/etc/kernel/install.conf"
	: >"$T/vmlinuz-$ver"
	run env BOOT_ROOT="$R/boot" MACHINE_ID=$MID \
		KERNEL_INSTALL_PLUGINS="/usr/lib/kernel/install.d/90-loaderentry.install $T/95-hvoplan.install" \
		unshare -m sh -euc 'mkdir -p /var/lib/hvoplan; mount --bind "$1/etc/kernel" /etc/kernel
			mount --bind "$2/varlib" /var/lib/hvoplan; exec kernel-install add "$3" "$2/vmlinuz-$3"' \
		sh "$R" "$T" "$ver"
}

@test "boot-entry: the real kernel-install without /etc/kernel/cmdline (a grubby host before its reboot) gives the new kernel's entry the recorded parameters" {
	record "hvo = on" "pages = 2M:32@0" "pages = 2M:32@1"
	ki 6.12.12-amd64
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"$MID-6.12.12-amd64.conf: set $OURS (from /etc/kernel/hvoplan.conf)"* ]] || { echo "$output"; false; }
	# 90-loaderentry copied /proc/cmdline (less BOOT_IMAGE= and initrd=); ours
	# come before a "--" there, after which the words are init's
	want=$(tr ' ' '\n' </proc/cmdline | grep -v -e '^BOOT_IMAGE=' -e '^initrd=' | tr '\n' ' ')
	want="${want% } systemd.machine_id=$MID"
	if [[ " $want " == *" -- "* ]]; then
		want="${want%% -- *} $OURS -- ${want#* -- }"
	else
		want="$want $OURS"
	fi
	[ "$(opts)" = "$want" ] || { echo "options: $(opts)"; echo "want:    $want"; false; }
	# the entry as 90-loaderentry wrote it is kept, once
	[ "$(ls "$T/varlib/boot-entry" | wc -l)" -eq 1 ]
	grep -q "^options" "$T"/varlib/boot-entry/"$MID"-6.12.12-amd64.conf.*Z
}

@test "boot-entry: after apply --persist --bootloader kernel-install, the real kernel-install writes ours once and the plug-in leaves the entry as it is" {
	mkdir -p "$R/etc/kernel" "$R/boot/loader/entries"
	echo "root=/dev/vda1 ro hugepages=16 quiet" >"$R/etc/kernel/cmdline"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:32@0,2M:32@1 --persist --bootloader kernel-install --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"write /etc/kernel/hvoplan.conf (new file)"* ]]
	# the record is hvoplan.conf syntax, one pool a line
	grep -qx 'hvo = on' "$R/etc/kernel/hvoplan.conf"
	grep -qx 'pages = 2M:32@0' "$R/etc/kernel/hvoplan.conf"
	grep -qx 'pages = 2M:32@1' "$R/etc/kernel/hvoplan.conf"
	ki 6.1.0-test
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(opts 6.1.0-test)" = "root=/dev/vda1 ro quiet $OURS systemd.machine_id=$MID" ] || { echo "$output"; opts 6.1.0-test; false; }
	[[ $output == *": has $OURS"* ]] || { echo "$output"; false; }
	[ ! -e "$T/varlib/boot-entry" ]
	# revert takes the record back with /etc/kernel/cmdline
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --revert --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$R/etc/kernel/hvoplan.conf" ]
	[ "$(cat "$R/etc/kernel/cmdline")" = "root=/dev/vda1 ro hugepages=16 quiet" ]
}

@test "boot-entry: the record keeps what earlier runs persisted: HVO alone keeps the pools; a size replaces only that size" {
	mkdir -p "$R/boot/loader/entries"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --pages 2M:64 --persist --bootloader grubby --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo off --persist --bootloader grubby --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(grep -v '^#' "$R/etc/kernel/hvoplan.conf")" = "$(printf '[apply]\nhvo = off\npages = 2M:64')" ]
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --pages 2M:0 --persist --bootloader grubby --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(grep -v '^#' "$R/etc/kernel/hvoplan.conf")" = "$(printf '[apply]\nhvo = off\npages = 2M:0')" ]
	# grubby got them too (the third run takes out what no entry has: no grubby run)
	[ "$(grep -c '^grubby' "$T/tools.log")" -eq 2 ] || { cat "$T/tools.log"; false; }
	# a grub host has no entries to give them to: no record
	rm -rf "$R/etc/kernel" "$R/boot/loader"
	mkdir -p "$R/etc/default"
	echo 'GRUB_CMDLINE_LINUX=""' >"$R/etc/default/grub"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --persist --bootloader grub --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ ! -e "$R/etc/kernel/hvoplan.conf" ]
}

@test "boot-entry: dry run shows the change, --yes makes it (a copy kept, the mode too), a second run has nothing to do" {
	mkdir -p "$R/boot/loader/entries"
	record "hvo = on" "pages = 2M:32@0" "pages = 2M:32@1"
	entry "root=/dev/vda1 ro hugetlb_free_vmemmap=off hugepagesz=2M hugepages=8 quiet"
	f=$R/boot/loader/entries/$MID-6.12.12-amd64.conf
	chmod 0600 "$f"
	before=$(sha256sum <"$f")
	be "/boot/loader/entries/$MID-6.12.12-amd64.conf"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"would get $OURS in place of hugetlb_free_vmemmap=off hugepagesz=2M hugepages=8"* ]]
	[[ $output == *"+options    root=/dev/vda1 ro quiet $OURS"* ]]
	[ "$(sha256sum <"$f")" = "$before" ]
	be --yes "/boot/loader/entries/$MID-6.12.12-amd64.conf"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(opts)" = "root=/dev/vda1 ro quiet $OURS" ]
	[ "$(stat -c %a "$f")" = 600 ]
	[ "$(sed -n 1,2p "$f")" = "$(printf 'title      Debian GNU/Linux 12 (bookworm)\nversion    6.12.12-amd64')" ]
	copy=$(ls "$R"/var/lib/hvoplan/boot-entry/"$MID"-6.12.12-amd64.conf.*Z)
	[ "$(sha256sum <"$copy")" = "$before" ]
	be --yes "/boot/loader/entries/$MID-6.12.12-amd64.conf"
	[ "$status" -eq 0 ]
	[ "$output" = "$R/boot/loader/entries/$MID-6.12.12-amd64.conf: has $OURS" ]
	[ "$(ls "$R/var/lib/hvoplan/boot-entry" | wc -l)" -eq 1 ]
	# a kernel before 5.16 has no per-node hugepages=: the node totals, said so
	entry "root=/dev/vda1" 5.15.0-test
	be --yes "/boot/loader/entries/$MID-5.15.0-test.conf"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"kernel 5.15 has no per-node hugepages= (5.16+): the boot pools get the node totals"* ]]
	[ "$(opts 5.15.0-test)" = "root=/dev/vda1 hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64" ]
}

@test "boot-entry: bad input is refused with the file named and nothing changed" {
	mkdir -p "$R/boot/loader/entries"
	entry "root=/dev/vda1"
	f=/boot/loader/entries/$MID-6.12.12-amd64.conf
	be
	[ "$status" -eq 2 ]
	[[ $output == *"no ENTRY given"* ]]
	be "$f"
	[ "$status" -eq 3 ]
	[[ $output == *"$R/etc/kernel/hvoplan.conf: no such file ('hvoplan apply --persist' writes it"* ]]
	record "pages = 2M:lots"
	be "$f"
	[ "$status" -eq 3 ]
	[[ $output == *"$R/etc/kernel/hvoplan.conf:2: pages"* ]] || { echo "$output"; false; }
	record "# nothing"
	be "$f"
	[ "$status" -eq 3 ]
	[[ $output == *"names neither hvo nor pages"* ]]
	record "hvo = on"
	be boot/loader/entries/x.conf
	[ "$status" -eq 3 ]
	[[ $output == *"give the path inside --root as an absolute path"* ]]
	be /boot/loader/entries/missing.conf
	[ "$status" -eq 3 ]
	[[ $output == *"$R/boot/loader/entries/missing.conf: no such file"* ]]
	echo hello >"$R/boot/loader/entries/junk.conf"
	be --yes /boot/loader/entries/junk.conf
	[ "$status" -eq 3 ]
	[[ $output == *"junk.conf: not a Boot Loader Specification entry"* ]]
	entry 'root=/dev/vda1 foo="abc'
	before=$(sha256sum <"$R$f")
	be --yes "$f"
	[ "$status" -eq 3 ]
	[[ $output == *"the kernel would read '(none of them)' where hvoplan wants exactly 'hugetlb_free_vmemmap=on'"* ]]
	[ "$(sha256sum <"$R$f")" = "$before" ]
	ln -s "$R$f" "$R/boot/loader/entries/link.conf"
	be --yes /boot/loader/entries/link.conf
	[ "$status" -eq 3 ]
	[[ $output == *"is a symbolic link"* ]]
	be --yes /boot/../../etc/passwd
	[ "$status" -eq 3 ]
	# one bad entry does not stop the others; the worst status wins
	entry "root=/dev/vda1"
	be --yes /boot/loader/entries/missing.conf "$f"
	[ "$status" -eq 3 ]
	[ "$(opts)" = "root=/dev/vda1 hugetlb_free_vmemmap=on" ]
}

@test "boot-entry: --yes needs root on the live host, and the lock unless an ancestor holds it" {
	mkdir -p "$R/boot/loader/entries" "$R/run"
	record "hvo = on"
	entry "root=/dev/vda1"
	f=/boot/loader/entries/$MID-6.12.12-amd64.conf
	if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
		run setpriv --reuid=65534 --regid=65534 --clear-groups "$HV" boot-entry --yes "$R$f"
		[ "$status" -eq 3 ]
		[[ $output == *"changing boot entries needs root"* ]]
	fi
	command -v flock >/dev/null || skip "no flock"
	# an unrelated run holds the lock (naming itself does not make it ours):
	# waited for 10 s, then refused
	flock "$R/run/hvoplan.lock" sleep 14 &
	holder=$!
	for _ in $(seq 50); do flock -n "$R/run/hvoplan.lock" true || break; sleep 0.1; done
	HVOPLAN_LOCKED=$holder run "$HV" --root "$R" boot-entry --yes "$f"
	[ "$status" -eq 3 ]
	[[ $output == *"waiting up to 10 s for another hvoplan run to finish"* ]]
	[[ $output == *"another 'hvoplan apply' is running"* ]]
	[ "$(opts)" = "root=/dev/vda1" ]
	kill "$holder"
	wait "$holder" || true
	# one that finishes within the wait: then ours
	flock "$R/run/hvoplan.lock" sleep 1 &
	holder=$!
	for _ in $(seq 50); do flock -n "$R/run/hvoplan.lock" true || break; sleep 0.1; done
	run "$HV" --root "$R" boot-entry --yes "$f"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"waiting up to 10 s"* ]]
	[ "$(opts)" = "root=/dev/vda1 hugetlb_free_vmemmap=on" ]
	wait "$holder" || true
	entry "root=/dev/vda1"
	# held by an ancestor that says so (apply running kernel-install): ours
	run flock "$R/run/hvoplan.lock" sh -c 'HVOPLAN_LOCKED=$PPID "$1" --root "$2" boot-entry --yes "$3"' sh "$HV" "$R" "$f"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(opts)" = "root=/dev/vda1 hugetlb_free_vmemmap=on" ]
}

@test "boot-entry: the plug-in does nothing for remove, without a record, or without a BLS entry" {
	mkdir -p "$R/boot/loader/entries"
	entry "root=/dev/vda1"
	before=$(sha256sum <"$R/boot/loader/entries/$MID-6.12.12-amd64.conf")
	env -i KERNEL_INSTALL_CONF_ROOT="$R/etc/kernel" KERNEL_INSTALL_BOOT_ROOT="$R/boot" KERNEL_INSTALL_ENTRY_TOKEN=$MID \
		"$T/95-hvoplan.install" add 6.12.12-amd64 "$R/boot/$MID/6.12.12-amd64" /vmlinuz
	record "hvo = on"
	env -i KERNEL_INSTALL_CONF_ROOT="$R/etc/kernel" KERNEL_INSTALL_BOOT_ROOT="$R/boot" KERNEL_INSTALL_ENTRY_TOKEN=$MID \
		"$T/95-hvoplan.install" remove 6.12.12-amd64 "$R/boot/$MID/6.12.12-amd64"
	env -i KERNEL_INSTALL_CONF_ROOT="$R/etc/kernel" KERNEL_INSTALL_BOOT_ROOT="$R/boot" KERNEL_INSTALL_ENTRY_TOKEN=$MID \
		"$T/95-hvoplan.install" add 6.1.0-other "$R/boot/$MID/6.1.0-other" /vmlinuz
	[ "$(sha256sum <"$R/boot/loader/entries/$MID-6.12.12-amd64.conf")" = "$before" ]
	# boot counting names the entry VERSION+TRIES.conf; systemd before 251
	# gives only the machine ID and the entry directory
	mv "$R/boot/loader/entries/$MID-6.12.12-amd64.conf" "$R/boot/loader/entries/$MID-6.12.12-amd64+3.conf"
	[ "$(id -u)" -eq 0 ] || skip "writes the entry: root, in a mount namespace"
	command -v unshare >/dev/null || skip "no unshare"
	mkdir -p "$T/varlib"
	run env -i KERNEL_INSTALL_CONF_ROOT="$R/etc/kernel" KERNEL_INSTALL_MACHINE_ID=$MID \
		unshare -m sh -euc 'mkdir -p /var/lib/hvoplan; mount --bind "$1" /var/lib/hvoplan; shift; exec "$@"' \
		sh "$T/varlib" "$T/95-hvoplan.install" add 6.12.12-amd64 "$R/boot/$MID/6.12.12-amd64" /vmlinuz
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	grep -qx "options    root=/dev/vda1 hugetlb_free_vmemmap=on" "$R/boot/loader/entries/$MID-6.12.12-amd64+3.conf"
	[ "$(ls "$T/varlib/boot-entry")" != "" ]
}

@test "boot-entry: --help and the man page list the same options and exit codes" {
	command -v man >/dev/null || skip "man-db not installed"
	opts_of() { grep -oE -- '--[a-z][a-z-]+' | sort -u; }
	diff <("$HV" boot-entry --help | opts_of) \
		<(MANWIDTH=200 man -l "$TOPDIR/man/hvoplan-boot-entry.8" 2>/dev/null | sed -n '/^OPTIONS/,/^[A-Z]/p' | opts_of)
	for code in 0 2 3 4; do
		"$HV" boot-entry --help | grep -q "\b$code " || { echo "--help: no exit status $code"; false; }
		MANWIDTH=200 man -l "$TOPDIR/man/hvoplan-boot-entry.8" 2>/dev/null | sed -n '/^EXIT STATUS/,/^[A-Z]/p' |
			grep -q "\b$code " || { echo "man: no exit status $code"; false; }
	done
}

@test "boot-entry: verify compares the record the plug-in gives kernels installed later with the next boot" {
	mkdir -p "$R/etc/kernel" "$R/boot/loader/entries" "$R/usr/lib/kernel/install.d"
	echo "root=/dev/vda1 ro quiet" >"$R/etc/kernel/cmdline"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:32@0,2M:32@1 --persist --bootloader kernel-install --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	rel=$(cat "$R/proc/sys/kernel/osrelease")
	# the files of a tree do not add up as the kernel's do: the pool is the nodes'
	echo 64 >"$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
	echo 64 >"$R/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
	# the running kernel's entry, as kernel-install with the plug-in writes it
	entry "root=/dev/vda1 ro quiet $OURS systemd.machine_id=$MID" "$rel"
	echo "BOOT_IMAGE=/vmlinuz root=/dev/vda1 ro quiet $OURS" >"$R/proc/cmdline"
	# rstate: the boot-record check's state (verify's JSON left in $T/v.json)
	rstate() { "$HV" --root "$R" verify --format json >"$T/v.json" || true; jq -r '[.checks[] | select(.id == "boot-record") | .state] | join(",")' "$T/v.json"; }
	rmsg() { jq -r '.checks[] | select(.id == "boot-record") | .message' "$T/v.json"; }
	# no plug-in: the record is not used, and verify says so
	[ "$(rstate)" = info ]
	[[ $(rmsg) == *"the kernel-install plug-in 95-hvoplan.install is not installed"* ]]
	cp "$T/95-hvoplan.install" "$R/usr/lib/kernel/install.d/"
	[ "$(rstate)" = ok ]
	[[ $(rmsg) == "kernels installed later get $OURS (/etc/kernel/hvoplan.conf, through the kernel-install plug-in), as the next boot does" ]] ||
		{ rmsg; false; }
	# the next boot's entry edited by hand: what new kernels get differs
	sed -i 's/hugepages=0:32,1:32/hugepages=0:16,1:16/' "$R/boot/loader/entries/$MID-$rel.conf"
	[ "$(rstate)" = drift ]
	[[ $(rmsg) == *"but the next boot has hugetlb_free_vmemmap=on hugepagesz=2M hugepages=0:16,1:16"* ]] || { rmsg; false; }
	[[ $(jq -r '.checks[] | select(.id == "boot-record") | .fix' "$T/v.json") == *"hvoplan boot-entry --yes ENTRY"* ]]
	# boot-entry puts it back
	run "$HV" --root "$R" boot-entry --yes "/boot/loader/entries/$MID-$rel.conf"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(rstate)" = ok ]
	# a parameter the record does not set is not compared
	sed -i 's/^options .*/& default_hugepagesz=2M hugepagesz=1G hugepages=2/' "$R/boot/loader/entries/$MID-$rel.conf"
	[ "$(rstate)" = ok ]
	# masked in /etc, which kernel-install reads first
	mkdir -p "$R/etc/kernel/install.d"
	ln -s /dev/null "$R/etc/kernel/install.d/95-hvoplan.install"
	[ "$(rstate)" = info ]
	[[ $(rmsg) == *"95-hvoplan.install is masked"* ]]
	rm "$R/etc/kernel/install.d/95-hvoplan.install"
	# a damaged record makes every kernel installation fail
	echo "pages = lots" >>"$R/etc/kernel/hvoplan.conf"
	[ "$(rstate)" = drift ]
	[[ $(rmsg) == *"etc/kernel/hvoplan.conf:"*"the kernel-install plug-in refuses it, so installing a kernel fails"* ]] || { rmsg; false; }
}

@test "boot-entry: apply running the real kernel-install holds the lock the plug-in's boot-entry needs: it runs under it" {
	[ "$(id -u)" -eq 0 ] || skip "kernel-install needs root"
	command -v kernel-install >/dev/null || skip "no kernel-install"
	command -v unshare >/dev/null || skip "no unshare"
	[ -x /usr/lib/kernel/install.d/90-loaderentry.install ] || skip "no 90-loaderentry.install"
	mkdir -p "$R/etc/kernel" "$R/boot/loader/entries" "$R/run" "$T/varlib" "$T/ki"
	echo "root=/dev/vda1 ro" >"$R/etc/kernel/cmdline"
	echo layout=bls >"$R/etc/kernel/install.conf"
	rel=$(cat "$R/proc/sys/kernel/osrelease")
	: >"$R/boot/vmlinuz-$rel"
	# a distribution plug-in between 90-loaderentry and ours that rewrites the
	# entry without hugepage parameters, so ours has to write (and lock)
	printf '#!/bin/sh\n[ "$1" = add ] || exit 0\nsed -i "s/ hugetlb_free_vmemmap=[^ ]*//; s/ hugepagesz=[^ ]* hugepages=[^ ]*//g" "$KERNEL_INSTALL_BOOT_ROOT"/loader/entries/*.conf\n' \
		>"$T/ki/92-rewrite.install"
	chmod +x "$T/ki/92-rewrite.install"
	# apply --root runs $FAKE/kernel-install: the real one, in a namespace
	# where /run (and so /run/hvoplan.lock), /etc/kernel and /var/lib/hvoplan
	# are the tree's, so the plug-in's boot-entry meets apply's own lock
	cat >"$FAKE/kernel-install" <<SH
#!/bin/sh
export BOOT_ROOT="$R/boot" MACHINE_ID=$MID KERNEL_INSTALL_PLUGINS="/usr/lib/kernel/install.d/90-loaderentry.install $T/ki/92-rewrite.install $T/95-hvoplan.install"
exec unshare -m sh -euc 'mount --bind "$R/run" /run; mount --bind "$R/etc/kernel" /etc/kernel
	mkdir -p /var/lib/hvoplan; mount --bind "$T/varlib" /var/lib/hvoplan; exec kernel-install "\$@"' sh "\$1" "\$2" "$R\$3"
SH
	chmod +x "$FAKE/kernel-install"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:32@0,2M:32@1 --persist --bootloader kernel-install --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"$MID-$rel.conf: set $OURS (from /etc/kernel/hvoplan.conf)"* ]] || { echo "$output"; false; }
	[[ $output != *"waiting up to"* ]]
	[ "$(opts "$rel")" = "root=/dev/vda1 ro systemd.machine_id=$MID $OURS" ] || { opts "$rel"; false; }
}
