#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hvoplan verify on scratch --root trees made from a captured Debian 6.12
# guest: the boot configuration is what the real tools write —
# `hvoplan apply --persist` for the drop-ins, the real grub-mkconfig
# (tests/cli/grub.bash, in a private mount namespace) for grub.cfg, the real
# kernel-install for Boot Loader Specification entries — and a reboot is
# played by giving the tree the command line of the entry that boots and
# the pools and boot log that command line makes. The grub-mkconfig and
# kernel-install tests need root.

load apply-root.bash
load grub.bash

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	export LANG=C.UTF-8
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH HVOPLAN_CONFIG
	T=$BATS_TEST_TMPDIR
	R=$T/root
	apply_scratch_root 6.12-per-node "$R"
	REL=$(cat "$R/proc/sys/kernel/osrelease")
	FAKE=$T/fake
	mkdir -p "$FAKE"
	printf '#!/bin/sh\necho "update-grub $*" >>"%s/tools.log"\n' "$T" >"$FAKE/update-grub"
	chmod +x "$FAKE/update-grub"
}

verify() { run "$HV" --root "$R" verify "$@"; }
# state ID [SUBJECT]: the state of that check in the last JSON output
state() { jq -r --arg i "$1" --arg s "${2:-}" '[.checks[] | select(.id == $i and ($s == "" or .subject == $s)) | .state] | join(",")' <<<"$output"; }
persist() { HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --persist --bootloader grub --yes "$@"; [ "$status" -eq 0 ] || { echo "$output"; false; }; }
mkconfig() { need_mkconfig; mkdir -p "$R/boot/grub"; grub_mkconfig "$R" "$R/boot/grub/grub.cfg" "$REL" 6.1.0-28-amd64; }

# reboot [PAGES]: the tree boots grub.cfg's first entry; the kernel
# allocates PAGES of the 2M pages it asks for (all by default)
reboot() {
	local args asked
	args=$(awk '$1 == "linux" { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' "$R/boot/grub/grub.cfg")
	echo "BOOT_IMAGE=/boot/vmlinuz-$REL $args" >"$R/proc/cmdline"
	asked=$(tr ' ' '\n' <<<"$args" | sed -n 's/^hugepages=//p' | tail -n1)
	pool "${1:-${asked:-0}}"
	sed -i "s/registered 2.00 MiB page size, pre-allocated [0-9]* pages/registered 2.00 MiB page size, pre-allocated ${1:-${asked:-0}} pages/" "$R/dmesg.txt"
}
pool() {
	local d=$R/sys/kernel/mm/hugepages/hugepages-2048kB
	echo "$1" >"$d/nr_hugepages"
	echo "$1" >"$d/free_hugepages"
}

@test "verify: after apply --persist and the reboot it asks for, every check holds" {
	persist --hvo on --pages 2M:64
	mkconfig
	reboot
	verify --format json
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r .schema <<<"$output")" = hvoplan.verify/1 ]
	[ "$(jq .holds <<<"$output")" = true ]
	[ "$(state hvo)" = ok ]
	[ "$(jq -r '.checks[] | select(.id == "hvo") | .source' <<<"$output")" = "etc/sysctl.d/90-hvoplan.conf:4" ]
	[ "$(state pool 2M)" = ok ]
	[ "$(state boot-params)" = ok ]
	# every entry grub-mkconfig wrote: the simple one, two kernels, their recovery entries
	[ "$(state boot-entry)" = "ok,ok,ok,ok,ok" ]
	[[ $(jq -r .next_boot <<<"$output") == "GRUB's default, the first menu entry: entry 'GNU/Linux' (boot/grub/grub.cfg:"* ]]
	verify
	[ "$status" -eq 0 ]
	[ "$(tail -n1 <<<"$output")" = "9 checks: 9 ok, 0 drift, 0 failed, 0 unknown, 0 info" ]
}

@test "verify: before the reboot the parameters wait for it, and a pool changed by hand drifts" {
	persist --hvo on --pages 2M:64
	mkconfig
	verify --format json
	[ "$status" -eq 1 ]
	[ "$(jq .holds <<<"$output")" = false ]
	[ "$(state boot-params)" = drift ]
	[[ $(jq -r '.checks[] | select(.id == "boot-params") | .message' <<<"$output") == *"(hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64, entry 'GNU/Linux'"*"differ from this boot's (none): they take effect at the next reboot" ]]
	[ "$(state pool 2M)" = ok ] # apply set the pool now too
	reboot
	pool 100
	echo 0 >"$R/proc/sys/vm/hugetlb_optimize_vmemmap"
	verify --format json
	[ "$status" -eq 1 ]
	[ "$(state pool 2M)" = drift ]
	[ "$(jq -r '.checks[] | select(.id == "pool" and .subject == "2M") | .now + " " + .next_boot' <<<"$output")" = "100 64" ]
	[ "$(state hvo)" = drift ]
	# the fix it names, then the grub.cfg update-grub would write: the pool holds, a reboot is pending
	fix=$(jq -r '.checks[] | select(.id == "pool" and .subject == "2M") | .fix' <<<"$output")
	[ "$fix" = "hvoplan apply --pages 2M:100 --persist --yes keeps the running pool" ]
	persist --pages 2M:100
	mkconfig
	verify --format json
	[ "$(state pool 2M)" = ok ]
	[ "$(state boot-params)" = drift ]
}

@test "verify: a grub.cfg not written again after the defaults changed drifts on every entry" {
	persist --hvo on --pages 2M:64
	mkconfig
	reboot
	sed -i 's/hugepages=64/hugepages=128/' "$R/etc/default/grub.d/90-hvoplan.cfg"
	verify --format json
	[ "$status" -eq 1 ]
	[ "$(state boot-entry)" = "drift,drift,drift,drift,drift" ]
	[[ $(jq -r '[.checks[] | select(.id == "boot-entry")][0].fix' <<<"$output") == "update-grub (or grub-mkconfig -o /boot/grub/grub.cfg)"* ]]
	[ "$(state pool 2M)" = ok ] # grub.cfg still boots 64
	mkconfig
	verify --format json
	[ "$(state boot-entry)" = "ok,ok,ok,ok,ok" ]
	[ "$(state pool 2M)" = drift ]
	[ "$(state boot-params)" = drift ]
}

@test "verify: the sysctl.d file that systemd-sysctl reads last wins, a mask hides a file" {
	persist --hvo on --pages 2M:64
	mkconfig
	reboot
	mkdir -p "$R/usr/lib/sysctl.d"
	echo 'vm.hugetlb_optimize_vmemmap = 0' >"$R/usr/lib/sysctl.d/99-vendor.conf"
	verify --format json
	[ "$status" -eq 1 ]
	[ "$(state sysctl-overridden)" = drift ]
	[[ $(jq -r '.checks[] | select(.id == "sysctl-overridden") | .message' <<<"$output") == "etc/sysctl.d/90-hvoplan.conf:4 sets 1, but usr/lib/sysctl.d/99-vendor.conf:1, read after it, sets 0"* ]]
	[ "$(state hvo)" = drift ]
	# a link to /dev/null of that name in /etc masks the vendor's file
	ln -s /dev/null "$R/etc/sysctl.d/99-vendor.conf"
	verify --format json
	[ "$status" -eq 0 ]
	[ "$(state sysctl-overridden)" = "" ]
	# the same name in /etc hides /usr/lib's: its value counts, in its place
	rm "$R/etc/sysctl.d/99-vendor.conf"
	printf '# local\nvm/hugetlb_optimize_vmemmap=1\n' >"$R/etc/sysctl.d/99-vendor.conf"
	verify --format json
	[ "$status" -eq 0 ]
	[ "$(jq -r '.checks[] | select(.id == "hvo") | .source' <<<"$output")" = "etc/sysctl.d/99-vendor.conf:2" ]
}

@test "verify: a boot that got fewer pages than it asked fails, and says the next boot asks as many" {
	persist --hvo on --pages 2M:64
	mkconfig
	reboot 40
	verify --format json
	[ "$status" -eq 1 ]
	[ "$(state pool 2M)" = failed ]
	[[ $(jq -r '.checks[] | select(.id == "pool" and .subject == "2M") | .message' <<<"$output") == *"this boot asked for 64 (hugepages= in entry 'GNU/Linux'"*"the kernel allocated only 40 (boot log)"* ]]
	[ "$(jq .summary.failed <<<"$output")" -eq 1 ]
}

@test "verify: overcommit limits persisted through tmpfiles.d" {
	persist --overcommit 2M:16
	verify --format json
	[ "$(state overcommit 2M)" = ok ]
	[ "$(jq -r '.checks[] | select(.id == "overcommit") | .source' <<<"$output")" = "etc/tmpfiles.d/90-hvoplan.conf:4" ]
	echo 0 >"$R/sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages"
	verify --format json
	[ "$status" -eq 1 ]
	[ "$(state overcommit 2M)" = drift ]
	[ "$(jq -r '.checks[] | select(.id == "overcommit") | .fix' <<<"$output")" = "hvoplan apply --overcommit 2M:0 --persist --yes keeps the running limit" ]
}

@test "verify: Boot Loader Specification entries from the real kernel-install against /etc/kernel/cmdline" {
	[ "$(id -u)" -eq 0 ] || skip "kernel-install needs root"
	command -v kernel-install >/dev/null || skip "no kernel-install"
	mkdir -p "$R/etc/kernel" "$R/boot/loader/entries"
	rm -f "$R/etc/default/grub"
	echo layout=bls >"$R/etc/kernel/install.conf"
	echo "root=/dev/vda1 ro quiet hugetlb_free_vmemmap=on hugepagesz=2M hugepages=0:32,1:32" >"$R/etc/kernel/cmdline"
	for k in "$REL" 6.1.0-28-amd64; do
		: >"$T/vmlinuz-$k"
		BOOT_ROOT=$R/boot KERNEL_INSTALL_CONF_ROOT=$R/etc/kernel \
			KERNEL_INSTALL_PLUGINS=/usr/lib/kernel/install.d/90-loaderentry.install \
			kernel-install add "$k" "$T/vmlinuz-$k" >/dev/null
	done
	[ "$(ls "$R/boot/loader/entries" | wc -l)" -eq 2 ]
	# the running kernel's entry boots; each node gets its 32 pages
	echo "BOOT_IMAGE=/vmlinuz $(cat "$R/etc/kernel/cmdline")" >"$R/proc/cmdline"
	pool 64
	for n in 0 1; do
		echo 32 >"$R/sys/devices/system/node/node$n/hugepages/hugepages-2048kB/nr_hugepages"
		echo 32 >"$R/sys/devices/system/node/node$n/hugepages/hugepages-2048kB/free_hugepages"
	done
	echo 1 >"$R/proc/sys/vm/hugetlb_optimize_vmemmap"
	verify --format json
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(jq -r .next_boot <<<"$output" | cut -d: -f1)" = "the running kernel's boot loader entry" ]
	[ "$(state pool "2M node 0")" = ok ]
	[ "$(state pool "2M node 1")" = ok ]
	[ "$(state boot-entry)" = "ok,ok" ]
	# the parameters changed after the entries were written
	sed -i 's/0:32,1:32/0:64,1:0/' "$R/etc/kernel/cmdline"
	verify --format json
	[ "$status" -eq 1 ]
	[ "$(state boot-entry)" = "drift,drift" ]
	[[ $(jq -r '[.checks[] | select(.id == "boot-entry")][0].fix' <<<"$output") == "kernel-install add RELEASE /boot/vmlinuz-RELEASE"* ]]
	# grubby's older entries name grubenv's $kernelopts: not known, not guessed
	f=$(ls "$R"/boot/loader/entries/*"$REL".conf)
	sed -i 's/^options.*/options $kernelopts/' "$f"
	verify --format json
	[[ $(jq -r '.notes | join(" ")' <<<"$output") == *"its options name a variable (grubenv's \$kernelopts)"* ]]
}

@test "verify: a snapshot of the tree keeps what verify reads, and verifies alike" {
	persist --hvo on --pages 2M:64
	mkconfig
	echo 'password_pbkdf2 root grub.pbkdf2.sha512.10000.SECRET' >>"$R/boot/grub/grub.cfg"
	echo 'kernel.pid_max = 65536' >"$R/etc/sysctl.d/10-unrelated.conf"
	reboot
	"$HV" --root "$R" snapshot -o "$T/snap" 2>/dev/null
	[ -f "$T/snap/boot/grub/grub.cfg" ]
	[ -f "$T/snap/etc/default/grub.d/90-hvoplan.cfg" ]
	[ -f "$T/snap/etc/sysctl.d/90-hvoplan.conf" ]
	[ ! -e "$T/snap/etc/sysctl.d/10-unrelated.conf" ]
	! grep -q password "$T/snap/boot/grub/grub.cfg" || false
	a=$("$HV" --root "$R" verify --format json | jq -S 'del(.source)')
	b=$("$HV" --root "$T/snap" verify --format json | jq -S 'del(.source)')
	[ "$a" = "$b" ]
	"$HV" --root "$R" snapshot -o "$T/snap.tar" 2>/dev/null
	c=$("$HV" --root "$T/snap.tar" verify --format json | jq -S 'del(.source)')
	[ "$a" = "$c" ]
}

@test "verify: usage errors, damaged and hostile files" {
	verify --format yaml
	[ "$status" -eq 2 ]
	[[ $output == *"unknown format 'yaml' (text or json)"* ]]
	verify --bogus
	[ "$status" -eq 2 ]
	# a damaged grub.cfg, a binary sysctl.d file, a directory named like a file: read what can be read
	mkdir -p "$R/boot/grub" "$R/etc/sysctl.d/dir.conf"
	printf 'menuentry {\n}}}\nlinux\nmenuentry x {\nlinux /vmlinuz-%s hugepages=9999999999999999999999\n' "$REL" >"$R/boot/grub/grub.cfg"
	printf 'vm.hugetlb_optimize_vmemmap\0= 1\n' >"$R/etc/sysctl.d/50-bin.conf"
	verify --format json
	[ "$status" -le 1 ]
	jq -e . <<<"$output" >/dev/null
	[[ $(jq -r '.notes | join(" ")' <<<"$output") == *"50-bin.conf: contains a NUL byte"* ]]
}

@test "apply --persist says before writing what another boot-time writer would undo" {
	mkdir -p "$R/etc/sysctl.d" "$R/usr/lib/sysctl.d" "$R/etc/tmpfiles.d"
	# Debian's link: systemd-sysctl reads /etc/sysctl.conf through it
	echo 'vm.nr_hugepages = 512' >"$R/etc/sysctl.conf"
	ln -s ../sysctl.conf "$R/etc/sysctl.d/99-sysctl.conf"
	echo 'vm.hugetlb_optimize_vmemmap = 0' >"$R/usr/lib/sysctl.d/95-vendor.conf"
	echo 'vm.hugetlb_optimize_vmemmap = 0' >"$R/usr/lib/sysctl.d/10-early.conf"
	echo 'w /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages - - - - 2' >"$R/etc/tmpfiles.d/50-gig.conf"
	before=$(cd "$R" && find . -type f -exec sha256sum {} + | sort)
	run "$HV" --root "$R" apply --hvo on --pages 2M:1024,1G:1 --persist --bootloader manual --format json
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	notes=$(jq -r '.notes[]' <<<"$output")
	grep -qxF "usr/lib/sysctl.d/95-vendor.conf:1 sets vm.hugetlb_optimize_vmemmap = 0 and systemd-sysctl reads it after 90-hvoplan.conf: the next boot gets 0, not 1; remove that line" <<<"$notes"
	grep -qxF "etc/sysctl.d/99-sysctl.conf:1 sets vm.nr_hugepages = 512: systemd-sysctl sets the 2M pool to it at every boot, after the kernel allocated the 1024 of hugepages=; remove that line to keep 1024" <<<"$notes"
	grep -qxF "etc/tmpfiles.d/50-gig.conf:1 writes 2 to the 1G pool at every boot (systemd-tmpfiles), after the kernel allocated the 1 of hugepages=: the pool ends at 2; remove that line to keep 1" <<<"$notes"
	# a file read before hvoplan's is overridden by it: no note
	! grep -q 10-early <<<"$notes" || false
	# the dry run wrote nothing
	[ "$(cd "$R" && find . -type f -exec sha256sum {} + | sort)" = "$before" ]
	# the values asked for are the ones those files already set: nothing to say
	# (a second line for the same path is one systemd-tmpfiles ignores)
	echo 'w /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages - - - - 5' >>"$R/etc/tmpfiles.d/50-gig.conf"
	run "$HV" --root "$R" apply --pages 2M:512,1G:2 --persist --bootloader manual --format json
	[ "$(jq '[.notes[] | select(test("remove that line"))] | length' <<<"$output")" -eq 0 ]
}

@test "verify: GRUB's default as GRUB finds it in what grub-mkconfig and grub-editenv write: a submenu entry by number or id, the saved entry" {
	need_mkconfig
	[ -x "$GC/usr/bin/grub-editenv" ] || skip "no grub-editenv"
	persist --hvo on --pages 2M:64
	next() { verify --format json; jq -r .next_boot <<<"$output"; }
	# the submenu's third item: the older kernel (grub-mkconfig lists the
	# newest first, each with its recovery entry)
	sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT="1>2"/' "$R/etc/default/grub"
	mkconfig
	grep -q '^   set default="1>2"$' "$R/boot/grub/grub.cfg"
	[[ $(next) == "GRUB's default '1>2': entry 'GNU/Linux, with Linux 6.1.0-28-amd64' (boot/grub/grub.cfg:"* ]] || { next; false; }
	# the same by the ids grub-mkconfig writes
	u=0a1b2c3d-0000-4000-8000-000000000001
	sed -i "s/^GRUB_DEFAULT=.*/GRUB_DEFAULT=\"gnulinux-advanced-$u>gnulinux-6.1.0-28-amd64-advanced-$u\"/" "$R/etc/default/grub"
	mkconfig
	[[ $(next) == "GRUB's default 'gnulinux-advanced-$u>gnulinux-6.1.0-28-amd64-advanced-$u': entry 'GNU/Linux, with Linux 6.1.0-28-amd64' ("* ]] || { next; false; }
	# a number that is the submenu itself names no kernel: not guessed
	sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=1/' "$R/etc/default/grub"
	mkconfig
	[[ $(next) == "the running kernel's entry (GRUB's default '1' names no menu entry): "* ]] || { next; false; }
	# GRUB_DEFAULT=saved: grubenv's saved_entry, as grub-set-default writes it
	sed -i 's/^GRUB_DEFAULT=.*/GRUB_DEFAULT=saved/' "$R/etc/default/grub"
	mkconfig
	[[ $(next) == "the running kernel's entry (GRUB_DEFAULT=saved, and no grubenv was read): "* ]] || { next; false; }
	"$GC/usr/bin/grub-editenv" "$R/boot/grub/grubenv" create
	[[ $(next) == "GRUB's saved default (grubenv saved_entry unset), the first menu entry: entry 'GNU/Linux' ("* ]] || { next; false; }
	"$GC/usr/bin/grub-editenv" "$R/boot/grub/grubenv" set "saved_entry=1>2"
	[[ $(next) == "GRUB's saved default (grubenv saved_entry) '1>2': entry 'GNU/Linux, with Linux 6.1.0-28-amd64' ("* ]] || { next; false; }
	# grub-reboot's one-time entry is named, the default checked
	"$GC/usr/bin/grub-editenv" "$R/boot/grub/grubenv" set "next_entry=1>0"
	verify --format json
	[[ $(jq -r '.notes | join(" ")' <<<"$output") == *"grubenv's next_entry '1>0' (grub-reboot) boots once, before GRUB's default"* ]]
	# a snapshot keeps grubenv
	"$HV" --root "$R" snapshot -o "$T/snap" >/dev/null 2>&1
	cmp "$R/boot/grub/grubenv" "$T/snap/boot/grub/grubenv"
}
