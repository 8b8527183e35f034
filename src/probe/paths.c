/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The files the probe reads, in one place: the probe takes the alternatives
 * from here (kernel log, uname, kernel config), and hvoplan snapshot
 * (snapshot_collect.c) captures every path listed here, so a file the probe
 * learns to read is captured too.  tests/cli/snapshot.bats runs report under
 * strace and fails on a file the probe opens that a snapshot does not hold. */
#include <stdio.h>

#include "probe_util.h"

/* in the order the probe tries them (bootlog.c) */
const char *const hv_bootlog_files[] = {"dmesg.txt", "sos_commands/kernel/dmesg", "var/log/dmesg", NULL};

/* our own uname.txt, a sosreport's (proc.c) */
const char *const hv_uname_files[] = {"uname.txt", "sos_commands/kernel/uname_-a", "uname", NULL};

/* Single files, with the most the snapshot keeps of each (the trees under
 * proc/sys/vm, sys/kernel/mm/hugepages, sys/devices/system/node and
 * sys/devices/system/memory and sys/firmware/memmap are walked by
 * snapshot_collect.c). */
const struct hv_probe_file hv_probe_files[] = {
	{"proc/meminfo", 16 << 20},
	{"proc/vmstat", 16 << 20},
	{"proc/cmdline", 16 << 20},
	{"proc/cpuinfo", 16 << 20},
	{"proc/sys/kernel/osrelease", 16 << 20},
	{"proc/sys/kernel/hostname", 16 << 20}, /* fleet's HOST column, top's title */
	{"sys/devices/system/node/online", 16 << 20},
	{"sys/devices/system/node/possible", 16 << 20},
	{"sys/devices/system/node/has_memory", 16 << 20},
	{"sys/devices/system/memory/block_size_bytes", 16 << 20},
	/* memmap.c: System RAM ranges (root) and ZONE_DEVICE pages */
	{"proc/iomem", 16 << 20},
	{"proc/zoneinfo", 64 << 20},
	{"sys/module/memory_hotplug/parameters/memmap_on_memory", 16 << 20},
	/* reserve.c: the zones and the THP mode next to the pools */
	{"proc/buddyinfo", 16 << 20},
	{"proc/pagetypeinfo", 16 << 20},
	{"sys/kernel/mm/transparent_hugepage/enabled", 16 << 20},
	/* mounts.c: hugetlbfs mounts (their statfs() is recorded apart) */
	{"proc/mounts", 16 << 20},
	/* from a snapshot of a snapshot, or a sosreport */
	{"sos_commands/kernel/sysctl_-a", 16 << 20},
	{"SOURCE", 16 << 20},
	{"sys/kernel/btf/vmlinux", 256 << 20},
	{NULL, 0},
};

/* The i-th place a kernel config may be (kconfig.c: /proc/config.gz, else
 * /boot/config-RELEASE, else /lib/modules/RELEASE/config); RELEASE "" when
 * unknown.  1 with the path in out, 0 past the last. */
int hv_kconfig_path(int i, const char *release, char *out, size_t cap)
{
	if (i == 0) {
		snprintf(out, cap, "proc/config.gz");
		return 1;
	}
	if (!release[0])
		return 0;
	if (i == 1) {
		snprintf(out, cap, "boot/config-%s", release);
		return 1;
	}
	if (i == 2) {
		snprintf(out, cap, "lib/modules/%s/config", release);
		return 1;
	}
	return 0;
}
