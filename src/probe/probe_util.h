/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the probe files only. */
#ifndef HV_PROBE_UTIL_H
#define HV_PROBE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

/* A sysfs/procfs number; the error names the file and the bad value. */
int hv_read_num(const struct hv_root *r, const char *rel, int64_t *out);
/* rel (at most max bytes) through parse; a parse error names the file. */
int hv_read_parsed(const struct hv_root *r, const char *rel, size_t max, int (*parse)(const char *, size_t, void *),
		   void *ctx);
/* The same for a file the figures can do without: absent or unreadable
 * (pagetypeinfo is root's) returns 0 with parse not called. */
int hv_read_parsed_optional(const struct hv_root *r, const char *rel, size_t max,
			    int (*parse)(const char *, size_t, void *), void *ctx);
/* /proc/zoneinfo is some 150 lines a zone, more with many CPUs: what its
 * readers (memmap.c, freeblocks.c) accept */
#define HV_ZONEINFO_MAX (64 << 20)

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

/* The boot cache (cache.c): facts fixed until reboot, for the live host
 * without --root. get: 1 and data filled when a valid entry of kind k was
 * recorded for the same ident (the sources' identity, hv_cache_ident);
 * else 0. put: records what was read; flush writes what was learned. */
enum hv_cache_kind { HV_CACHE_KCONFIG, HV_CACHE_BOOTLOG, HV_CACHE_BTF, HV_CACHE_N };
bool hv_cache_usable(const struct hv_root *r);
/* Looks for this boot's cache, once a run, after the release is known. */
void hv_cache_begin(const struct hv_root *r, const char *release);
int hv_cache_get(const struct hv_root *r, enum hv_cache_kind k, const char *ident, void *data, size_t len);
void hv_cache_put(const struct hv_root *r, enum hv_cache_kind k, const char *ident, const void *data, size_t len);
void hv_cache_flush(void);
void hv_cache_ident(const struct hv_root *r, const char *rel, char *out, size_t cap);

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
/* min_free_kbytes and the zones next to the pools (reserve.c); before
 * hv_probe_memmap_extra(), which adds the zones' managed pages */
int hv_probe_reserve(const struct hv_root *r, struct hv_host *h);
/* System RAM ranges where blocks span sections, ZONE_DEVICE pages (memmap.c) */
int hv_probe_memmap_extra(const struct hv_root *r, struct hv_host *h);
/* A directory under the root (NULL with -errno in *err), read with
 * getdents64 into one buffer (no fdopendir fstat and fcntl: every report
 * lists several): entry names in directory order ("." and ".." included),
 * NULL at the end; hv_dir_rewind() starts over. */
struct hv_dir;
struct hv_dir *hv_dir_open(const struct hv_root *r, const char *rel, int *err);
const char *hv_dir_next(struct hv_dir *d);
void hv_dir_rewind(struct hv_dir *d);
void hv_dir_close(struct hv_dir *d);

#endif
