# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# The real grub-mkconfig over a scratch tree's etc/default, for
# apply-boot.bats and verify.bats.

# The grub-common tree to run: HVOPLAN_GRUB_COMMON (an unpacked .deb) or /.
grub_common() {
	local g
	for g in "${HVOPLAN_GRUB_COMMON:-}" /; do
		[ -n "$g" ] && [ -x "$g/usr/sbin/grub-mkconfig" ] && [ -x "$g/etc/grub.d/10_linux" ] && { echo "$g"; return; }
	done
	return 1
}

need_mkconfig() {
	[ "$(id -u)" -eq 0 ] || skip "grub-mkconfig in a mount namespace needs root"
	command -v unshare >/dev/null || skip "no unshare"
	GC=$(grub_common) || skip "grub-common not installed (or set HVOPLAN_GRUB_COMMON to an unpacked grub-common .deb)"
}

# grub_mkconfig ROOT OUT RELEASE...: runs the real grub-mkconfig over
# ROOT/etc/default in a throw-away root (tmpfs, /usr as a read-only overlay
# of grub-common and the host) with an empty /boot/vmlinuz-RELEASE for each
# RELEASE, and writes the grub.cfg it makes to OUT. grub-probe is the only
# stand-in: a scratch tree has no block device for it to probe.
grub_mkconfig() {
	local root=$1 out=$2 P=$BATS_TEST_TMPDIR/probe C=$BATS_TEST_TMPDIR/chroot lower
	shift 2
	mkdir -p "$P/usr/sbin" "$C"
	cat >"$P/usr/sbin/grub-probe" <<'PROBE'
#!/bin/sh
for a; do case $a in --target=*) t=${a#--target=};; esac; done
case $t in
device) echo /dev/vda1;;
fs) echo ext2;;
fs_uuid) echo 0a1b2c3d-0000-4000-8000-000000000001;;
partmap) echo msdos;;
hints_string) echo --hint=hd0,msdos1;;
drive) echo "(hd0,msdos1)";;
abstraction|fs_label|compatibility_hint) ;;
*) exit 1;;
esac
PROBE
	chmod +x "$P/usr/sbin/grub-probe"
	lower=$P/usr:/usr
	[ "$GC" != / ] && lower=$P/usr:$GC/usr:/usr
	rm -f "$out"
	unshare -m sh -euc '
		C=$1 lower=$2 R=$3 GC=$4 out=$5
		shift 5
		mount -t tmpfs none "$C"
		mkdir -p "$C/usr" "$C/etc" "$C/boot/grub" "$C/dev" "$C/proc" "$C/tmp"
		mount -t overlay overlay -o "lowerdir=$lower" "$C/usr"
		for d in bin sbin lib lib64; do ln -s "usr/$d" "$C/$d"; done
		cp -a "$R/etc/default" "$C/etc/default"
		cp -a "$GC/etc/grub.d" "$C/etc/grub.d"
		for rel; do : >"$C/boot/vmlinuz-$rel"; done
		mount --rbind /dev "$C/dev"
		mount -t proc proc "$C/proc"
		chroot "$C" /usr/sbin/grub-mkconfig -o /boot/grub/grub.cfg >/dev/null 2>&1
		cp "$C/boot/grub/grub.cfg" "$out"
	' sh "$C" "$lower" "$root" "$GC" "$out" "$@"
}
