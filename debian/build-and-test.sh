#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds the hvoplan .deb outside the repository, runs lintian on it, installs
# it for real (dpkg -i), checks that `hvoplan report`, the installed files and
# the kernel-install plug-in (under the real kernel-install, on a scratch boot
# root) work, then removes and purges it. For a throwaway machine or CI; run as root
# from anywhere: debian/build-and-test.sh [WORKDIR]
#
# The build happens in a copy of the working tree (tracked and untracked,
# non-ignored files) under WORKDIR (default: a new temporary directory), so
# dpkg-buildpackage's clean step and ../*.deb never touch the repository or
# /work. Installs dpkg-dev, debhelper, devscripts, lintian and the build
# dependencies when missing (idempotent). Set KEEP=1 to keep WORKDIR.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "$0: run as root (installs packages and the .deb)" >&2; exit 3; }

export DEBIAN_FRONTEND=noninteractive
tools=(dpkg-dev debhelper devscripts lintian fakeroot)
builddeps=($(sed -n '/^Build-Depends:/,/^[A-Z][a-zA-Z-]*:/p' "$top/debian/control" | sed '$d' |
	sed 's/^Build-Depends://; s/([^)]*)//g; s/<[^>]*>//g; s/|[^,]*//g' | tr ',' '\n' | awk 'NF {print $1}'))
missing=()
for p in "${tools[@]}" "${builddeps[@]}"; do
	[ "$p" = debhelper-compat ] && continue
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" ||
		{ apt-get update -qq && apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"; }
fi

work=${1:-$(mktemp -d /tmp/hvoplan-deb.XXXXXX)}
[ -n "${1:-}" ] && KEEP=1
mkdir -p "$work"
cleanup() { [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
src=$work/hvoplan-$version
rm -rf "$src"
mkdir -p "$src"
(cd "$top" && git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$src" 2>/dev/null ||
	git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && cp --parents -P "$f" "$src"; done)

echo "== dpkg-buildpackage -us -uc -b in $src"
(cd "$src" && dpkg-buildpackage -us -uc -b)
deb=$(ls "$work"/hvoplan_"$version"_*.deb)
changes=$(ls "$work"/hvoplan_"$version"_*.changes)

echo "== lintian"
lintian --fail-on error,warning --info --display-info --pedantic "$changes" | tee "$work/lintian.txt"

echo "== contents"
dpkg-deb -c "$deb"

echo "== dpkg -i"
dpkg -i "$deb"
trap 'dpkg -P hvoplan >/dev/null 2>&1 || true; cleanup' EXIT
command -v hvoplan | grep -qx /usr/bin/hvoplan
hvoplan --version
hvoplan report
hvoplan report --format prometheus >/dev/null
for p in /usr/share/man/man8/hvoplan.8.gz /usr/share/man/man5/hvoplan.conf.5.gz \
	/usr/share/bash-completion/completions/hvoplan /usr/share/zsh/vendor-completions/_hvoplan \
	/usr/share/fish/vendor_completions.d/hvoplan.fish /etc/hvoplan.conf \
	/usr/share/doc/hvoplan/examples/hvoplan-textfile.service /usr/share/doc/hvoplan/examples/hvoplan-textfile.timer \
	/usr/share/doc/hvoplan/examples/prometheus/hvoplan.rules.yml /usr/share/doc/hvoplan/examples/grafana/hvoplan-dashboard.json \
	/usr/lib/python3/dist-packages/sos/report/plugins/hvoplan.py; do
	[ -e "$p" ] || { echo "missing $p" >&2; exit 1; }
done
dpkg-query -W -f='${Conffiles}\n' hvoplan | grep -q '^ /etc/hvoplan.conf ' || { echo "/etc/hvoplan.conf is not a conffile" >&2; exit 1; }
man -w hvoplan-report >/dev/null

echo "== the kernel-install plug-in, under the real kernel-install"
ki=/usr/lib/kernel/install.d/95-hvoplan.install
[ -x "$ki" ] && grep -qx 'HVOPLAN=/usr/bin/hvoplan' "$ki" || { echo "$ki: missing or not for /usr/bin/hvoplan" >&2; exit 1; }
if command -v kernel-install >/dev/null && [ -x /usr/lib/kernel/install.d/90-loaderentry.install ]; then
	kit=$work/kernel-install
	mkdir -p "$kit/conf" "$kit/boot/loader/entries"
	echo layout=bls >"$kit/conf/install.conf"
	echo "root=/dev/vda1 ro hugepages=16" >"$kit/conf/cmdline"
	printf '[apply]\nhvo = on\npages = 2M:64\n' >"$kit/conf/hvoplan.conf"
	: >"$kit/vmlinuz-6.1.0-deb"
	KERNEL_INSTALL_CONF_ROOT=$kit/conf BOOT_ROOT=$kit/boot MACHINE_ID=0123456789abcdef0123456789abcdef \
		KERNEL_INSTALL_PLUGINS="/usr/lib/kernel/install.d/90-loaderentry.install $ki" \
		kernel-install add 6.1.0-deb "$kit/vmlinuz-6.1.0-deb"
	grep -qx 'options    root=/dev/vda1 ro systemd.machine_id=0123456789abcdef0123456789abcdef hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64' \
		"$kit/boot/loader/entries/0123456789abcdef0123456789abcdef-6.1.0-deb.conf" ||
		{ echo "the plug-in did not give the entry the recorded parameters" >&2; exit 1; }
	rm -f /var/lib/hvoplan/boot-entry/0123456789abcdef0123456789abcdef-6.1.0-deb.conf.*
	rmdir /var/lib/hvoplan/boot-entry 2>/dev/null || true
fi

echo "== dpkg -r, dpkg -P"
dpkg -r hvoplan
[ ! -e /usr/bin/hvoplan ] && [ ! -e "$ki" ]
[ -e /etc/hvoplan.conf ] # a conffile stays until purge
dpkg -P hvoplan
[ ! -e /etc/hvoplan.conf ]
echo "OK: $(basename "$deb") built, lintian clean, installed, ran, removed"
