/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the probe files only. */
#ifndef HV_PROBE_UTIL_H
#define HV_PROBE_UTIL_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

/* A sysfs/procfs number; the error names the file and the bad value. */
int hv_read_num(const struct hv_root *r, const char *rel, int64_t *out);

/* The files the probe reads (paths.c); NULL-terminated lists. */
struct hv_probe_file {
	const char *rel;
	size_t max; /* bytes a snapshot keeps */
};
extern const struct hv_probe_file hv_probe_files[];
extern const char *const hv_bootlog_files[];
extern const char *const hv_uname_files[];
int hv_kconfig_path(int i, const char *release, char *out, size_t cap);

/* /dev/kmsg record by record (bootlog.c); -errno if it cannot be opened. */
typedef int (*hv_kmsg_fn)(const char *msg, size_t len, uint64_t usec, void *ctx);
int hv_kmsg_each(hv_kmsg_fn fn, void *ctx);

int hv_probe_identity(const struct hv_root *r, struct hv_host *h);
int hv_probe_cmdline(const struct hv_root *r, struct hv_host *h);
int hv_probe_sysctl(const struct hv_root *r, struct hv_host *h);
int hv_probe_cpuinfo(const struct hv_root *r, struct hv_host *h);
int hv_probe_cpuid(const struct hv_root *r, struct hv_host *h);
int hv_probe_kconfig(const struct hv_root *r, struct hv_host *h);
int hv_probe_bootlog(const struct hv_root *r, struct hv_host *h);
int hv_probe_btf(const struct hv_root *r, struct hv_host *h);
int hv_probe_nodes_online(const struct hv_root *r, struct hv_host *h);
int hv_probe_memblocks(const struct hv_root *r, struct hv_host *h);
/* System RAM ranges where blocks span sections, ZONE_DEVICE pages (memmap.c) */
int hv_probe_memmap_extra(const struct hv_root *r, struct hv_host *h);
/* A directory under the root; NULL with -errno in *err. */
DIR *hv_root_opendir(const struct hv_root *r, const char *rel, int *err);

#endif
