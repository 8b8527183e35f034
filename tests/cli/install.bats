#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# make install / make uninstall into a scratch DESTDIR with PREFIX=/usr: the
# binary, the kernel-install plug-in (kernel-install's vendor directory, or
# its /etc one for another PREFIX), every man page of man/ in its section, the bash, zsh and fish
# completions, hvoplan.conf (never over an existing one), the examples; the
# installed pages are lint clean; uninstall leaves no file behind (and keeps a
# changed hvoplan.conf). Any user.

setup() {
	HV=${HVOPLAN:-$BATS_TEST_DIRNAME/../../hvoplan}
	TOPDIR=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..}
	export LANG=C.UTF-8
	D=$BATS_TEST_TMPDIR/dest
}

inst() { make -s -C "$TOPDIR" "$@" DESTDIR="$D" PREFIX=/usr; }

# Every file make install must create, relative to DESTDIR (PREFIX=/usr, SYSCONFDIR=/etc).
expected() {
	echo usr/bin/hvoplan
	echo usr/lib/kernel/install.d/95-hvoplan.install
	for m in "$TOPDIR"/man/*.[0-9]; do echo "usr/share/man/man${m##*.}/${m##*/}"; done
	echo usr/share/bash-completion/completions/hvoplan
	echo usr/share/zsh/vendor-completions/_hvoplan
	echo usr/share/fish/vendor_completions.d/hvoplan.fish
	echo etc/hvoplan.conf
	(cd "$TOPDIR/examples" && find . -type f | sed 's|^\./|usr/share/doc/hvoplan/examples/|')
	echo usr/lib/python3/dist-packages/sos/report/plugins/hvoplan.py
}

@test "install: make install DESTDIR PREFIX=/usr installs exactly the expected files" {
	run inst install
	[ "$status" -eq 0 ]
	diff <(expected | sort) <(cd "$D" && find . -type f -o -type l | sed 's|^\./||' | sort)
	# at least the pages the commands refer to
	for p in man8/hvoplan.8 man8/hvoplan-report.8 man8/hvoplan-plan.8 man8/hvoplan-apply.8 \
		man8/hvoplan-top.8 man8/hvoplan-snapshot.8 man8/hvoplan-fleet.8 man8/hvoplan-verify.8 man5/hvoplan.conf.5; do
		[ -f "$D/usr/share/man/$p" ] || { echo "missing $p"; false; }
	done
	[ -x "$D/usr/bin/hvoplan" ]
	[ "$(stat -c %a "$D/usr/bin/hvoplan")" = 755 ]
	[ "$(stat -c %a "$D/etc/hvoplan.conf")" = 644 ]
	cmp "$TOPDIR/hvoplan.conf" "$D/etc/hvoplan.conf"
	run "$D/usr/bin/hvoplan" --version
	[ "$status" -eq 0 ]
	[[ $output == "hvoplan "* ]]
	[ -f "$D/usr/share/doc/hvoplan/examples/hvoplan-textfile.timer" ]
	# the plug-in runs the installed binary, not one found in kernel-install's PATH
	ki=$D/usr/lib/kernel/install.d/95-hvoplan.install
	[ "$(stat -c %a "$ki")" = 755 ]
	grep -qx 'HVOPLAN=/usr/bin/hvoplan' "$ki"
	! grep -q @BINDIR@ "$ki" || false
	sh -n "$ki"
}

@test "install: installed man pages are lint clean and found by man" {
	inst install
	n=0
	for p in "$D"/usr/share/man/man*/*; do
		warn=$(man --warnings -l "$p" 2>&1 >/dev/null)
		[ -z "$warn" ] || { echo "$p: $warn"; false; }
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
	run man -M "$D/usr/share/man" -w hvoplan-report
	[ "$status" -eq 0 ]
	[ "$output" = "$D/usr/share/man/man8/hvoplan-report.8" ]
	run man -M "$D/usr/share/man" -w 5 hvoplan.conf
	[ "$output" = "$D/usr/share/man/man5/hvoplan.conf.5" ]
}

@test "install: an existing hvoplan.conf is not overwritten; uninstall keeps it when changed" {
	mkdir -p "$D/etc"
	echo "[apply]" >"$D/etc/hvoplan.conf"
	run inst install
	[ "$status" -eq 0 ]
	[[ $output == *"hvoplan.conf exists: not overwritten"* ]]
	[ "$(cat "$D/etc/hvoplan.conf")" = "[apply]" ]
	run inst uninstall
	[ "$status" -eq 0 ]
	[ "$(cd "$D" && find . -type f)" = ./etc/hvoplan.conf ]
}

@test "install: make uninstall DESTDIR PREFIX=/usr leaves no file behind" {
	inst install
	run inst uninstall
	[ "$status" -eq 0 ]
	left=$(cd "$D" && find . ! -type d)
	[ -z "$left" ] || { echo "left behind: $left"; false; }
	[ ! -e "$D/usr/share/doc/hvoplan" ]
	# a second uninstall is harmless
	run inst uninstall
	[ "$status" -eq 0 ]
}

@test "install: default PREFIX is /usr/local, zsh completion in site-functions" {
	run make -s -C "$TOPDIR" install DESTDIR="$D"
	[ "$status" -eq 0 ]
	[ -x "$D/usr/local/bin/hvoplan" ]
	[ -f "$D/usr/local/share/zsh/site-functions/_hvoplan" ]
	[ -f "$D/usr/local/share/bash-completion/completions/hvoplan" ]
	[ -f "$D/etc/hvoplan.conf" ]
	# kernel-install reads /etc/kernel/install.d and /usr/lib/kernel/install.d only
	grep -qx 'HVOPLAN=/usr/local/bin/hvoplan' "$D/etc/kernel/install.d/95-hvoplan.install"
	make -s -C "$TOPDIR" uninstall DESTDIR="$D"
	[ -z "$(cd "$D" && find . ! -type d)" ]
}

@test "install: the systemd examples verify (systemd-analyze)" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
	inst install
	# systemd looks non-absolute commands up in PATH-like directories of the host;
	# point ExecStart at the scratch binary for the check.
	mkdir -p "$BATS_TEST_TMPDIR/u"
	sed "s|^ExecStart=hvoplan|ExecStart=$D/usr/bin/hvoplan|" "$TOPDIR/examples/hvoplan-textfile.service" \
		>"$BATS_TEST_TMPDIR/u/hvoplan-textfile.service"
	cp "$TOPDIR/examples/hvoplan-textfile.timer" "$BATS_TEST_TMPDIR/u/"
	run systemd-analyze verify --man=no "$BATS_TEST_TMPDIR/u/hvoplan-textfile.service" \
		"$BATS_TEST_TMPDIR/u/hvoplan-textfile.timer"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	grep -q '^StandardOutput=truncate:/var/lib/prometheus/node-exporter/hvoplan.prom.tmp$' \
		"$TOPDIR/examples/hvoplan-textfile.service"
	grep -q '^ExecStartPost=mv -f /var/lib/prometheus/node-exporter/hvoplan.prom.tmp /var/lib/prometheus/node-exporter/hvoplan.prom$' \
		"$TOPDIR/examples/hvoplan-textfile.service"
}
