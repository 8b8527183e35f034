/* Per-process hugetlb usage for `hvoplan top` (live host only).
 *
 * Cost model (libraries.md §1c): the default metric is HugetlbPages from
 * /proc/PID/status, O(1) per process and readable by anyone, read by our own
 * loop. libproc2 then supplies PID, user and command, but only for the few
 * processes that use hugetlb pages. The private/shared split comes from
 * smaps_rollup (libproc2 PIDS_SMAP_HUGE_TLBPRV/SHR) only when asked for, and
 * only for those processes: it walks page tables under mmap_lock. */
#ifndef HV_PROCS_H
#define HV_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

/* A value we were not allowed to read (EACCES/EPERM): shown as "no access",
 * never as 0. HV_UNKNOWN (-1) means not read (or the process vanished). */
#define HV_PROC_NOACCESS (-2)

struct hv_proc {
	int pid;
	int64_t hugetlb_kib; /* status: HugetlbPages */
	int64_t private_kib; /* smaps_rollup Private_Hugetlb; HV_UNKNOWN unless asked */
	int64_t shared_kib;  /* smaps_rollup Shared_Hugetlb */
	char user[33];
	char comm[64];
};

struct hv_procs {
	bool available;	 /* false: not a live root; why says so */
	char why[128];
	bool smaps;	 /* the private/shared split was read */
	bool idle;	 /* not scanned: no hugetlb page is in use, so no process maps one */
	int nscanned;	 /* processes with an address space that we looked at */
	int nunreadable; /* status unreadable for lack of privilege */
	int64_t total_kib;
	int n, cap;
	struct hv_proc *v; /* consumers only (HugetlbPages > 0) */
};

enum hv_proc_sort {
	HV_PSORT_HUGETLB = 0,
	HV_PSORT_PRIVATE,
	HV_PSORT_SHARED,
	HV_PSORT_PID,
	HV_PSORT_USER,
	HV_PSORT_COMMAND,
	HV_PSORT_N,
};
const char *hv_proc_sort_name(enum hv_proc_sort s);
int hv_parse_proc_sort(const char *s, enum hv_proc_sort *out);

struct hv_procs_ctx;

/* Opens /proc of a live root; for a snapshot root the context reports the
 * panel as unavailable instead of failing. */
int hv_procs_open(struct hv_procs_ctx **ctx, const struct hv_root *r);
/* One pass. smaps: also read the private/shared split for the consumers.
 * pages_in_use: hugetlb pages allocated and not free over all pools (from
 * the same refresh); when 0 no process can map one and the /proc walk, the
 * whole per-process cost, is skipped. Pass -1 to always walk. */
int hv_procs_scan(struct hv_procs_ctx *ctx, struct hv_procs *out, bool smaps, int64_t pages_in_use);
void hv_procs_sort(struct hv_procs *p, enum hv_proc_sort by);
void hv_procs_free(struct hv_procs *p);
void hv_procs_close(struct hv_procs_ctx **ctx);

/* Pure: HugetlbPages (kB) from /proc/PID/status text. 0 with *out set,
 * -ENOENT when the line is absent (kernel threads), -EINVAL when malformed. */
int hv_parse_status_hugetlb(const char *buf, size_t len, int64_t *out);

/* Host name for the header: proc/sys/kernel/hostname under the root, or
 * uname() on a live host. "?" when unknown. */
void hv_probe_hostname(const struct hv_root *r, char *buf, size_t cap);

#endif
