/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-process hugetlb usage for `hvoplan top`, read under the root (a live
 * host's /proc, or a tree with proc/PID/ directories under --root).
 *
 * Cost model (doc/kernel-rules.md, "Per-process hugetlb usage"): the default metric is HugetlbPages from
 * proc/PID/status, O(1) per process and readable by anyone. The
 * private/shared split comes from proc/PID/smaps only when asked for: it
 * walks page tables under mmap_lock. It is read per mapping (not from
 * smaps_rollup) because a shared hugetlbfs file, memfd or SysV segment is
 * recognized by its device and inode, so that it is counted once. */
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
	int64_t hugetlb_kib; /* status: HugetlbPages, pages mapped now */
	int64_t private_kib; /* smaps: Private_Hugetlb summed; HV_UNKNOWN unless asked */
	int64_t shared_kib;  /* smaps: Shared_Hugetlb summed */
	int64_t mapped_kib;  /* smaps: Size of the hugetlb mappings, touched or not */
	bool reserved_only;  /* hugetlb mappings, none of their pages touched */
	char user[33];
	char comm[64];
};

struct hv_procs {
	bool available;	 /* false: the root has no proc/ with processes; why says so */
	char why[160];
	bool smaps;	 /* the private/shared split was read */
	bool all_smaps;	 /* smaps of every process was read (reservations exist) */
	bool idle;	 /* not scanned: no hugetlb page is in use or reserved */
	int nscanned;	 /* processes with an address space that we looked at */
	int nunreadable; /* status unreadable for lack of privilege */
	int nsmaps_noaccess; /* smaps unreadable for lack of privilege */
	int nreserved_only;
	int64_t total_kib;    /* HugetlbPages summed: a shared page once per process */
	int64_t distinct_kib; /* smaps: private + every shared object once; HV_UNKNOWN */
	bool distinct_at_least; /* an object's sharing could not be resolved exactly */
	int nshared_objects;	/* objects with shared pages mapped by 2+ listed processes */
	int n, cap;
	struct hv_proc *v; /* consumers (HugetlbPages > 0) and reservation-only holders */
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

/* Opens proc/ under the root. A root without it (most snapshots) is not an
 * error: the panel then says so. */
int hv_procs_open(struct hv_procs_ctx **ctx, const struct hv_root *r);
/* Every process is re-read at least every this many refreshes (--rescan);
 * see scan_incremental() in src/probe/procs.c. */
#define HV_PROCS_RESCAN_DEFAULT 10
#define HV_PROCS_RESCAN_MAX 1000
void hv_procs_set_rescan(struct hv_procs_ctx *ctx, int refreshes);
/* One pass. Without smaps it is incremental: new processes, known
 * consumers and a rotating K-th of the rest (K = the rescan interval) are
 * read; consumers that exited leave at once. smaps: also read the private/shared split for the consumers.
 * pages_in_use: hugetlb pages allocated and not free over all pools;
 * pages_reserved: reserved and not yet faulted in (HugePages_Rsvd summed).
 * With neither, no process maps or reserves one and the walk, the whole
 * per-process cost, is skipped. With reservations and smaps, every process's
 * smaps is read to find the holders that touched none of their pages (their
 * HugetlbPages is 0). Pass -1 to always walk. */
int hv_procs_scan(struct hv_procs_ctx *ctx, struct hv_procs *out, bool smaps, int64_t pages_in_use,
		  int64_t pages_reserved);
void hv_procs_sort(struct hv_procs *p, enum hv_proc_sort by);
/* Every hugetlb mapping of every process with pages in use (HugetlbPages
 * > 0) into a malloc'ed *v (free(*v) also when *n is 0), for the holder
 * count (include/holders.h). *nunreadable: processes whose status or smaps
 * was refused. 0 or -ENOMEM. */
struct hv_pid_vma;
int hv_procs_hugetlb_vmas(struct hv_procs_ctx *ctx, struct hv_pid_vma **v, int *n, int *nunreadable);
void hv_procs_free(struct hv_procs *p);
/* The hugetlb pages of process pid by size and node, from its numa_maps
 * (hv_parse_numa_maps_hugetlb): 0, -EACCES, -ENOENT (gone), -EINVAL
 * (malformed, naming the file), -ENOMEM. */
int hv_procs_numa(struct hv_procs_ctx *ctx, int pid, struct hv_numa_use *v, int max, int *n, bool *truncated);
void hv_procs_close(struct hv_procs_ctx **ctx);

/* Pure: HugetlbPages (kB) from /proc/PID/status text. 0 with *out set,
 * -ENOENT when the line is absent (kernel threads), -EINVAL when malformed. */
int hv_parse_status_hugetlb(const char *buf, size_t len, int64_t *out);
/* Pure: the command name of "Name:" (the first line of status), with the
 * kernel's escapes of backslash and newline undone, into out (cap > 0,
 * cut to fit); -ENOENT when absent. */
int hv_parse_status_name(const char *buf, size_t len, char *out, size_t cap);
/* Pure: the effective uid (second field of "Uid:"); -ENOENT, -EINVAL. */
int hv_parse_status_euid(const char *buf, size_t len, long *out);

/* One hugetlb mapping (VmFlags "ht") of /proc/PID/smaps. */
struct hv_htlb_vma {
	unsigned dev_major, dev_minor;
	uint64_t ino, offset; /* offset in bytes into the file */
	int64_t size_kib, private_kib, shared_kib;
	int64_t page_kib; /* KernelPageSize; 0 when absent */
	bool sysv;	  /* named "/SYSV%08x (deleted)": a SysV segment, ino its shmid */
};
/* Pure: the hugetlb mappings of smaps text into a malloc'ed array (*v, *n;
 * free(*v) also when *n is 0). -EINVAL for a malformed mapping header or
 * value, -ENOMEM. */
int hv_parse_smaps_hugetlb(const char *buf, size_t len, struct hv_htlb_vma **v, int *n);

/* Pure: the pages of the hugetlb mappings (the "huge" word) of numa_maps
 * text by page size and node, summed, into v (at most max, sorted by size
 * then node; *truncated when more): *n entries. -EINVAL for a malformed
 * N<node>= or kernelpagesize_kB= value. */
int hv_parse_numa_maps_hugetlb(const char *buf, size_t len, struct hv_numa_use *v, int max, int *n, bool *truncated);

/* Host name for the header: proc/sys/kernel/hostname under the root, or
 * uname() on a live host. "?" when unknown. */
void hv_probe_hostname(const struct hv_root *r, char *buf, size_t cap);

#endif
