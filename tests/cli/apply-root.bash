# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Helpers for apply.bats, apply-json.bats and ansible.bats: a scratch --root tree to
# apply to, and a JSON reader.

# apply_scratch_root FIXTURE DIR: a copy of tests/fixtures/vm/FIXTURE with
# HVO off, every pool empty (nr and free 0: a plain file does not follow
# nr_hugepages as the kernel's free count does) and an etc/default/grub
# whose command line has a conflicting parameter
apply_scratch_root() {
	local top=${HVOPLAN_TOP:-$BATS_TEST_DIRNAME/../..} r=$2 f
	rm -rf "$r"
	cp -a "$top/tests/fixtures/vm/$1" "$r"
	echo 0 >"$r/proc/sys/vm/hugetlb_optimize_vmemmap"
	for f in "$r"/sys/kernel/mm/hugepages/*/{nr,free}_hugepages "$r"/sys/devices/system/node/node*/hugepages/*/{nr,free}_hugepages; do
		[ -f "$f" ] && echo 0 >"$f"
	done
	mkdir -p "$r/etc/default"
	cat >"$r/etc/default/grub" <<'GRUB'
GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_CMDLINE_LINUX_DEFAULT="quiet hugetlb_free_vmemmap=off"
GRUB_CMDLINE_LINUX="console=ttyS0"
GRUB
}

# jv FILE EXPR: the Python expression EXPR over the JSON document d in FILE
# (json.load fails on anything but exactly one document)
jv() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
v = eval(sys.argv[2])
print(json.dumps(v) if isinstance(v, (bool, type(None), list, tuple, dict)) else v)' "$1" "$2"
}
