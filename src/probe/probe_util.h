/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the probe files only. */
#ifndef HV_PROBE_UTIL_H
#define HV_PROBE_UTIL_H

#include <stdint.h>

#include "probe.h"

/* A sysfs/procfs number; the error names the file and the bad value. */
int hv_read_num(const struct hv_root *r, const char *rel, int64_t *out);

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

#endif
