#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# apply --persist and boot configuration it cannot edit safely: GRUB values
# with shell syntax, conflicts left where apply cannot reach them, later
# grub.d drop-ins, long and quoted kernel parameters. Where grub-common is
# at hand (installed, or unpacked in HVOPLAN_GRUB_COMMON), the real
# grub-mkconfig runs on the scratch tree in a private mount namespace and
# its `linux` line is checked. Any user; the grub-mkconfig tests need root.

load grub.bash

setup_file() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	export SNAP=$BATS_FILE_TMPDIR/snap
	"$HV" snapshot -o "$SNAP" >/dev/null 2>&1
}

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	export LANG=C.UTF-8
	unset HVOPLAN_HVO HVOPLAN_PAGES HVOPLAN_PERSIST HVOPLAN_REOPTIMIZE HVOPLAN_BOOTLOADER HVOPLAN_BATCH HVOPLAN_CONFIG
	R=$BATS_TEST_TMPDIR/root
	fresh_root
	FAKE=$BATS_TEST_TMPDIR/fake
	mkdir -p "$FAKE"
	for t in update-grub grubby kernel-install; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/tools.log"\n' "$t" "$BATS_TEST_TMPDIR" >"$FAKE/$t"
		chmod +x "$FAKE/$t"
	done
	OURS="hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64"
}

# a scratch tree from the snapshot: HVO off, empty pools, no boot tooling
fresh_root() {
	rm -rf "$R"
	cp -a "$SNAP" "$R"
	# the host's own boot configuration, which the snapshot keeps for verify, is
	# not this test's starting point: it writes its own
	rm -rf "$R/etc" "$R/boot"
	echo 0 >"$R/proc/sys/vm/hugetlb_optimize_vmemmap"
	for f in "$R"/sys/kernel/mm/hugepages/*/{nr,free}_hugepages "$R"/sys/devices/system/node/node*/hugepages/*/{nr,free}_hugepages; do
		[ -f "$f" ] && echo 0 >"$f"
	done
	# the default hugepage size of the test: a bare hugepages= means 2M
	sed -i 's/^Hugepagesize:.*/Hugepagesize:       2048 kB/' "$R/proc/meminfo"
	mkdir -p "$R/etc/default/grub.d"
	rm -f "$R/etc/kernel/cmdline" "$R/usr/sbin/grubby" "$R/usr/bin/grubby"
}

tree() { (cd "$R" && find . -type f ! -path ./run/hvoplan.lock -exec sha256sum {} + | sort -k2); }

grub() { printf '%s\n' "GRUB_DEFAULT=0" "GRUB_DISTRIBUTOR=Debian" "$@" >"$R/etc/default/grub"; }

apply_persist() { HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:64 --persist --bootloader grub --yes; }

# The first menu entry's kernel arguments of what the real grub-mkconfig
# writes from $R/etc/default (tests/cli/grub.bash).
mkconfig_linux() {
	local out=$BATS_TEST_TMPDIR/grub.cfg
	grub_mkconfig "$R" "$out" 6.1.0-test || return 1
	awk '$1 == "linux" { $1 = ""; $2 = ""; sub(/^ +/, ""); print; exit }' "$out"
}

# the hugepage and HVO parameters of a command line, in order
huge_params() { tr ' ' '\n' <<<"$1" | grep -E '^(hugepagesz|hugepages|default_hugepagesz|hugetlb_free_vmemmap)=' | tr '\n' ' ' | sed 's/ $//'; }

@test "a plain GRUB value is edited and grub-mkconfig's linux line holds exactly our parameters" {
	grub 'GRUB_CMDLINE_LINUX_DEFAULT="quiet hugetlb_free_vmemmap=off"' \
		'GRUB_CMDLINE_LINUX="console=ttyS0 hugepagesz=2M hugepages=16 rd.lvm=1"' \
		'export GRUB_CMDLINE_LINUX_DEFAULT=hugepages=8'
	apply_persist
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	sh -n "$R/etc/default/grub"
	[ "$(sed -n 3p "$R/etc/default/grub")" = 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"' ]
	[ "$(sed -n 4p "$R/etc/default/grub")" = 'GRUB_CMDLINE_LINUX="console=ttyS0 rd.lvm=1"' ]
	[ "$(sed -n 5p "$R/etc/default/grub")" = 'export GRUB_CMDLINE_LINUX_DEFAULT=' ]
	need_mkconfig
	line=$(mkconfig_linux)
	[ "$line" = "root=/dev/vda1 ro console=ttyS0 rd.lvm=1 $OURS" ] || { echo "linux line: $line"; false; }
}

@test "a GRUB_CMDLINE_* assignment after one literal assignment on its line is still edited" {
	grub 'X="a b"c; GRUB_CMDLINE_LINUX="quiet hugepagesz=2M hugepages=16"' "Y=plain; export GRUB_CMDLINE_LINUX_DEFAULT='hugepages=8 ro'"
	apply_persist
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	sh -n "$R/etc/default/grub"
	[ "$(sed -n 3p "$R/etc/default/grub")" = 'X="a b"c; GRUB_CMDLINE_LINUX="quiet"' ]
	[ "$(sed -n 4p "$R/etc/default/grub")" = "Y=plain; export GRUB_CMDLINE_LINUX_DEFAULT='ro'" ]
}

@test "values with shell syntax are refused (exit 3, file and line named), never rewritten into broken shell" {
	# each was turned into something sh -n rejects, or that runs a command, by the old edit
	for v in 'GRUB_CMDLINE_LINUX=hugepages=64\ cmd' \
		'GRUB_CMDLINE_LINUX=hugepages=64" quiet"' \
		"GRUB_CMDLINE_LINUX=hugetlb_free_vmemmap=off' quiet'" \
		'GRUB_CMDLINE_LINUX="${EXTRA:- hugepages=64}"'; do
		grub '# line 3' "$v"
		sh -n "$R/etc/default/grub"
		before=$(tree)
		apply_persist
		[ "$status" -eq 3 ] || { echo "$v -> $status: $output"; false; }
		[[ $output == *"/etc/default/grub:4: "*"conflicts"* ]] || { echo "$v: $output"; false; }
		sh -n "$R/etc/default/grub"
		[ "$(tree)" = "$before" ]
		[ ! -e "$BATS_TEST_TMPDIR/tools.log" ]
	done
}

@test "a conflict apply cannot edit is refused (exit 3) instead of booting with the old pool" {
	# the old code left these in place, exited 0, and the kernel saw
	# hugepagesz=2M twice ("specified twice, ignoring"): the old size won
	variants=(
		'GRUB_CMDLINE_LINUX="quiet \"x\" hugepagesz=2M hugepages=16"'
		$'GRUB_CMDLINE_LINUX="quiet\n hugepagesz=2M hugepages=16"'
		'GRUB_CMDLINE_LINUX="${EXTRA:-hugepagesz=2M hugepages=16}"'
		$'if true; then\n GRUB_CMDLINE_LINUX="hugepagesz=2M hugepages=16"\nfi'
		"GRUB_CMDLINE_LINUX=\$'hugepagesz=2M hugepages=16'"
		'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX hugepagesz=2M hugepages=16"'
		'[ -d /boot ] && GRUB_CMDLINE_LINUX="hugepagesz=2M hugepages=16"'
		# after a GRUB_CMDLINE_* value apply does not edit (quoted and plain
		# parts in one word), the rest of the line is not edited either
		'GRUB_CMDLINE_LINUX="quiet"ro; GRUB_CMDLINE_LINUX="hugepagesz=2M hugepages=16"'
		# export of a name sh rejects ("bad variable name") ends the script there
		'export GRUB-X="a"; GRUB_CMDLINE_LINUX="hugepagesz=2M hugepages=16"'
	)
	for v in "${variants[@]}"; do
		grub "$v"
		before=$(tree)
		apply_persist
		[ "$status" -eq 3 ] || { echo "$v -> $status: $output"; false; }
		[[ $output == *"/etc/default/grub:"[34]": "*"hugepagesz=2M hugepages=16"* ]] || { echo "$v: $output"; false; }
		[ "$(tree)" = "$before" ]
	done
}

@test "the real grub-mkconfig never sees a pool given twice, whatever the GRUB files hold" {
	need_mkconfig
	variants=(
		'GRUB_CMDLINE_LINUX="console=ttyS0 hugepagesz=2M hugepages=16"'
		'GRUB_CMDLINE_LINUX="quiet \"x\" hugepagesz=2M hugepages=16"'
		'GRUB_CMDLINE_LINUX="${EXTRA:-hugepagesz=2M hugepages=16}"'
		"GRUB_CMDLINE_LINUX=\$'hugepagesz=2M hugepages=16'"
	)
	for v in "${variants[@]}"; do
		fresh_root
		grub "$v"
		was=$(mkconfig_linux)
		apply_persist
		line=$(mkconfig_linux)
		huge=$(huge_params "$line")
		if [ "$status" -eq 0 ]; then
			[ "$huge" = "$OURS" ] || { echo "$v: exit 0 but linux line has: $huge"; false; }
		else
			[ "$status" -eq 3 ] && [ "$line" = "$was" ] || { echo "$v -> $status: $line"; false; }
		fi
	done
}

@test "a later grub.d drop-in that overwrites GRUB_CMDLINE_LINUX is refused (exit 3); one that appends is fine" {
	grub 'GRUB_CMDLINE_LINUX="console=ttyS0"'
	for name in 99-local.cfg local.cfg; do
		rm -f "$R"/etc/default/grub.d/*
		echo 'GRUB_CMDLINE_LINUX="console=ttyS1"' >"$R/etc/default/grub.d/$name"
		before=$(tree)
		apply_persist
		[ "$status" -eq 3 ] || { echo "$name -> $status: $output"; false; }
		[[ $output == *"/etc/default/grub.d/$name:1: sets GRUB_CMDLINE_LINUX after /etc/default/grub.d/90-hvoplan.cfg"* ]]
		[ "$(tree)" = "$before" ]
	done
	# sourced before ours, it is overridden by nothing: fine
	rm -f "$R"/etc/default/grub.d/*
	echo 'GRUB_CMDLINE_LINUX="console=ttyS1"' >"$R/etc/default/grub.d/10-local.cfg"
	echo 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX rd.lvm=1"' >"$R/etc/default/grub.d/99-local.cfg"
	apply_persist
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	need_mkconfig
	line=$(mkconfig_linux)
	[ "$line" = "root=/dev/vda1 ro console=ttyS1 $OURS rd.lvm=1" ] || { echo "linux line: $line"; false; }
}

@test "a GRUB_CMDLINE_* value apply cannot work out is refused, naming file and line" {
	grub 'GRUB_CMDLINE_LINUX="quiet"' 'GRUB_CMDLINE_LINUX_DEFAULT="$(cat /etc/cmdline.extra)"'
	before=$(tree)
	apply_persist
	[ "$status" -eq 3 ]
	[[ $output == *"cannot tell the kernel command line grub-mkconfig would write: /etc/default/grub:4: "* ]]
	[ "$(tree)" = "$before" ]
	# a double quote left open would swallow our parameters
	grub 'GRUB_CMDLINE_LINUX="quiet \"x hugepages=64"'
	apply_persist
	[ "$status" -eq 3 ]
	[[ $output == *"double quote left open"* ]]
}

@test "parameters over 1 KiB and kernel-quoted values survive the edit whole" {
	long=rd.luks.options=$(printf 'discard,%.0s' $(seq 200))tries=3
	[ "${#long}" -gt 1400 ]
	grub "GRUB_CMDLINE_LINUX=\"$long hugepagesz=2M hugepages=16 quiet\""
	apply_persist
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(sed -n 3p "$R/etc/default/grub")" = "GRUB_CMDLINE_LINUX=\"$long quiet\"" ]
	# kernel-install: /etc/kernel/cmdline holds the kernel's own "..." quoting
	rm "$R/etc/default/grub"
	mkdir -p "$R/etc/kernel"
	dm='dm-mod.create="root,,,ro,0 '$(printf '%.0s8 linear /dev/vda2 0,' $(seq 120))'0 8 linear /dev/vda2 0"'
	[ "${#dm}" -gt 2000 ]
	echo "root=/dev/dm-0 $dm foo=\"a hugepages=8 b\" hugepages=16 ro" >"$R/etc/kernel/cmdline"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:64 --persist --bootloader kernel-install --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$R/etc/kernel/cmdline")" = "root=/dev/dm-0 $dm foo=\"a hugepages=8 b\" ro $OURS" ]
}

@test "kernel-install: the real 90-loaderentry writes exactly our parameters into the BLS entry" {
	command -v kernel-install >/dev/null || skip "no kernel-install"
	[ -x /usr/lib/kernel/install.d/90-loaderentry.install ] || skip "no 90-loaderentry.install"
	rm -f "$R/etc/default/grub"
	mkdir -p "$R/etc/kernel" "$R/boot/loader/entries"
	dm='dm-mod.create="root,,,ro,0 '$(printf '%.0s8 linear /dev/vda2 0,' $(seq 120))'0 8 linear /dev/vda2 0"'
	printf '%s\n' "root=/dev/dm-0 $dm  hugepagesz=2M hugepages=16" "foo=\"a hugepages=8 b\" hugetlb_free_vmemmap=off" >"$R/etc/kernel/cmdline"
	echo layout=bls >"$R/etc/kernel/install.conf"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:64 --persist --bootloader kernel-install --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	: >"$R/boot/vmlinuz-6.1.0-test"
	KERNEL_INSTALL_CONF_ROOT=$R/etc/kernel BOOT_ROOT=$R/boot MACHINE_ID=0123456789abcdef0123456789abcdef \
		KERNEL_INSTALL_PLUGINS=/usr/lib/kernel/install.d/90-loaderentry.install \
		kernel-install add 6.1.0-test "$R/boot/vmlinuz-6.1.0-test"
	opts=$(sed -n 's/^options *//p' "$R"/boot/loader/entries/*-6.1.0-test.conf)
	[ "$opts" = "root=/dev/dm-0 $dm foo=\"a hugepages=8 b\" $OURS systemd.machine_id=0123456789abcdef0123456789abcdef" ] ||
		{ echo "options: $opts"; false; }
}

@test "kernel-install: a double quote left open in etc/kernel/cmdline is refused (exit 3), it would swallow ours" {
	rm -f "$R/etc/default/grub"
	mkdir -p "$R/etc/kernel"
	echo 'root=/dev/vda1 foo="abc hugepages=3' >"$R/etc/kernel/cmdline"
	before=$(tree)
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:64 --persist --bootloader kernel-install --yes
	[ "$status" -eq 3 ]
	[[ $output == *"/etc/kernel/cmdline: the kernel would read"* ]]
	[ "$(tree)" = "$before" ]
}

@test "grub.d dot files are not sourced by grub-mkconfig, so they do not stop apply" {
	grub 'GRUB_CMDLINE_LINUX="console=ttyS0"'
	echo 'GRUB_CMDLINE_LINUX="console=ttyS1 hugepages=16"' >"$R/etc/default/grub.d/.99-local.cfg"
	apply_persist
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$R/etc/default/grub.d/.99-local.cfg")" = 'GRUB_CMDLINE_LINUX="console=ttyS1 hugepages=16"' ]
	need_mkconfig
	[ "$(mkconfig_linux)" = "root=/dev/vda1 ro console=ttyS0 $OURS" ]
}

@test "grubby: an open double quote in the running command line is refused (exit 3), it would swallow ours" {
	mkdir -p "$R/usr/sbin" && touch "$R/usr/sbin/grubby"
	echo 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 foo="abc hugetlb_free_vmemmap=off' >"$R/proc/cmdline"
	before=$(tree)
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --persist --yes
	[ "$status" -eq 3 ]
	[[ $output == *"grubby would give the kernel"* ]]
	[ "$(tree)" = "$before" ]
	[ ! -e "$BATS_TEST_TMPDIR/tools.log" ]
	# closed, the quoted word is one parameter and stays
	echo 'BOOT_IMAGE=/vmlinuz root=/dev/sda1 foo="abc hugetlb_free_vmemmap=off" hugetlb_free_vmemmap=off' >"$R/proc/cmdline"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --persist --yes
	[ "$status" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/tools.log")" = "grubby --update-kernel=ALL --remove-args=hugetlb_free_vmemmap=off --args=hugetlb_free_vmemmap=on" ]
}

@test "a GRUB_CMDLINE_* value with a newline is refused (exit 3): grub.cfg's linux line ends there" {
	grub $'GRUB_CMDLINE_LINUX="quiet\n splash"'
	before=$(tree)
	apply_persist
	[ "$status" -eq 3 ] || { echo "$output"; false; }
	[[ $output == *"GRUB_CMDLINE_LINUX holds a newline"* ]]
	[ "$(tree)" = "$before" ]
	need_mkconfig
	# what grub-mkconfig makes of it: splash (and anything appended) is not a kernel parameter
	[ "$(mkconfig_linux)" = "root=/dev/vda1 ro quiet" ]
}

@test "a GRUB file over 1 MiB is refused (exit 3), naming it, and nothing is written" {
	grub 'GRUB_CMDLINE_LINUX="quiet"'
	head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' '#' >>"$R/etc/default/grub"
	before=$(tree)
	apply_persist
	[ "$status" -eq 3 ] || { echo "$output"; false; }
	[[ $output == *"$R/etc/default/grub: larger than 1048576 bytes"* ]] || { echo "$output"; false; }
	[ "$(tree)" = "$before" ]
}

@test "per-node boot pools on a kernel whose release is unknown: said so, not 'kernel 0.0'" {
	echo not-a-version >"$R/proc/sys/kernel/osrelease"
	run "$HV" --root "$R" apply --pages 2M:64@0 --persist --bootloader manual
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ $output == *"the kernel release is unknown, so per-node hugepages= (5.16+) is not used"* ]] || { echo "$output"; false; }
	[[ $output != *"kernel 0.0"* && $output != *"kernel -1"* ]]
}

@test "kernel-install: without /etc/kernel/cmdline the vendor's /usr/lib/kernel/cmdline is what entries get, so apply starts from it" {
	rm -f "$R/etc/default/grub"
	mkdir -p "$R/usr/lib/kernel" "$R/boot/loader/entries"
	printf '%s\n' "root=/dev/vda2 rw vendor=1 hugepages=8" "second line ignored" >"$R/usr/lib/kernel/cmdline"
	HVOPLAN_TOOL_DIR=$FAKE run "$HV" --root "$R" apply --hvo on --pages 2M:64 --persist --bootloader kernel-install --yes
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$(cat "$R/etc/kernel/cmdline")" = "root=/dev/vda2 rw vendor=1 $OURS" ]
	# and verify compares the entries with it while /etc/kernel/cmdline is absent
	rm "$R/etc/kernel/cmdline"
	printf '%s\n' "title t" "version 6.1.0-test" "options root=/dev/vda2 rw vendor=1 hugepages=8" "linux /l" \
		>"$R/boot/loader/entries/x-6.1.0-test.conf"
	run "$HV" --root "$R" verify --format json
	[ "$(jq -r '.checks[] | select(.id == "boot-entry") | .state' <<<"$output")" = ok ]
	[[ $(jq -r '.checks[] | select(.id == "boot-entry") | .message' <<<"$output") == *"as usr/lib/kernel/cmdline sets"* ]] ||
		{ jq -r '.checks[] | select(.id == "boot-entry") | .message' <<<"$output"; false; }
}
