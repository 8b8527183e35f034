/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who holds the hugepages in use: the pages of files in hugetlbfs mounts,
 * of SysV SHM_HUGETLB segments and of the mappings processes have, set
 * against the pools' in-use count, so that pages nobody holds any more
 * (the "hugepages not freed" of every operator forum) are named with what
 * frees them. doc/kernel-rules.md, "Who holds the pages", has the rules.
 *
 * The probe (hv_probe_holders(), src/probe/holders.c) collects; the model
 * (hv_model_holders(), src/model/holders.c) is pure and does the sums. */
#ifndef HV_HOLDERS_H
#define HV_HOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host.h"

/* One line of /proc/sysvipc/shm (ipc/shm.c sysvipc_shm_proc_show()). */
struct hv_shm_seg {
	int64_t key;
	int shmid;
	unsigned mode;	/* permission bits and SHM_DEST/SHM_LOCKED */
	uint64_t size;	/* shm_segsz: the size asked for */
	int cpid, lpid;
	uint64_t nattch;
	long uid;
	uint64_t rss, swap; /* bytes, as the kernel prints them (see the model) */
};
/* Pure: the segments of /proc/sysvipc/shm into a malloc'ed array (free(*v)
 * also when *n is 0). -EINVAL naming the line for a malformed one. */
int hv_parse_sysvipc_shm(const char *buf, size_t len, struct hv_shm_seg **v, int *n);

/* A regular file in a hugetlbfs mount with pages (st_blocks > 0). */
struct hv_htlb_file {
	char path[512];
	unsigned dev_major, dev_minor;
	uint64_t ino;
	uint64_t page_size; /* its mount's */
	uint64_t bytes;	    /* st_blocks * 512: the pages it holds */
	long uid;
};

/* A hugetlb mapping of a process (from smaps). */
struct hv_pid_vma {
	int pid;
	unsigned dev_major, dev_minor;
	uint64_t ino;	     /* a SysV segment's is its shmid (ipc/shm.c newseg()) */
	uint64_t page_size;  /* KernelPageSize; 0 unknown */
	int64_t private_kib, shared_kib;
	bool sysv;	     /* "/SYSV%08x (deleted)" */
};

#define HV_HOLDER_FILES_MAX 4096
struct hv_holders_input {
	bool scanned;	   /* false: why says what was not looked at */
	char why[200];
	bool shm_read;
	char shm_error[200]; /* why proc/sysvipc/shm could not be used; "" */
	int nseg;
	struct hv_shm_seg *seg;
	int nfiles;
	bool files_truncated; /* more than HV_HOLDER_FILES_MAX files with pages */
	int nmounts_unread;   /* mounts whose tree could not be walked */
	struct hv_htlb_file *files;
	int nvma;
	struct hv_pid_vma *vma;
	int nprocs_unreadable; /* status or smaps refused (not root) */
};
void hv_holders_input_free(struct hv_holders_input *in);

/* Per hugepage size, in pages of that size. */
struct hv_holder_size {
	uint64_t size;
	int64_t in_use;	    /* nr - free, over all nodes */
	int64_t files;	    /* in files of hugetlbfs mounts, mapped or not */
	int64_t sysv;	    /* in SysV segments, attached or not */
	int64_t mapped;	    /* mapped by processes and in neither (anonymous, memfd, deleted files) */
	int64_t unattributed; /* in_use minus the three; never below 0 */
	int64_t orphaned;   /* of files and sysv: in what no process maps or attaches */
	bool lower_bound;   /* a holder could not be read: unattributed may be too large */
};

enum hv_orphan_kind { HV_ORPHAN_FILE, HV_ORPHAN_SHM, HV_ORPHAN_SHM_MAYBE };
/* Something that holds pages and that no process maps. */
struct hv_orphan {
	enum hv_orphan_kind kind;
	uint64_t page_size; /* 0: a segment whose page size cannot be told */
	int64_t pages;	    /* HV_UNKNOWN for HV_ORPHAN_SHM_MAYBE */
	char path[512];	    /* files */
	int shmid;	    /* segments */
	int64_t key;
	long uid;
};

#define HV_MAX_ORPHANS 32
struct hv_holders {
	bool scanned;
	char why[200];
	bool shm_read;
	enum { HV_SHM_RSS_BYTES, HV_SHM_RSS_SCALED, HV_SHM_RSS_UNKNOWN } shm_rss; /* see the model */
	char shm_rss_basis[24]; /* "attached segment", "segment size", "kernel version", "" */
	int nsizes;
	struct hv_holder_size sizes[HV_MAX_HSTATES];
	int norphans, norphans_total; /* listed, and all there are */
	struct hv_orphan orphans[HV_MAX_ORPHANS];
	int nmounts_unread, nprocs_unreadable;
	bool files_truncated;
};

/* Pure: the holders of h's pools from what the probe collected. */
void hv_model_holders(const struct hv_host *h, const struct hv_holders_input *in, struct hv_holders *out);

struct hv_root;
/* Collects: proc/sysvipc/shm, the files of h's hugetlbfs mounts (live host
 * only: a snapshot keeps no mount trees) and the hugetlb mappings of every
 * process with HugetlbPages. Skips everything (scanned false, why set) when
 * no page is in use. Returns 0 or -ENOMEM; what cannot be read is counted,
 * not fatal. */
int hv_probe_holders(const struct hv_root *r, const struct hv_host *h, struct hv_holders_input *in);

#endif
