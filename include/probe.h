/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The probe layer: the only code that reads the host. Everything is read
 * relative to a root (live "/" or a snapshot / sosreport directory), with
 * symlinks resolved inside that root so a hostile snapshot cannot point us
 * at the host's own files. */
#ifndef HV_PROBE_H
#define HV_PROBE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "host.h"

/* The --root of a run, opened once (src/main.c) and handed to every layer
 * that reads or writes under it: a directory (or "/") is read where it is;
 * a snapshot archive (FILE.tar, a regular file, as 'snapshot -o FILE.tar'
 * writes) is extracted into a private directory (see hv_snapshot_untar)
 * that hv_root_close() removes. */
struct hv_root {
	int fd;		 /* O_PATH directory: the root, or the extraction */
	char path[4096]; /* display name: "" for "/", else the real path (of the archive) */
	int live;	 /* the root is "/" */
	char given[4096]; /* --root as given, "/" when none */
	int archive;	  /* given is a FILE.tar, read from dir */
	int given_arg;	  /* --root was given (even "/"): the boot cache is not used */
	char dir[4096];
};

/* root NULL or "": the live "/". On failure r is closed (fd -1). */
int hv_root_open(struct hv_root *r, const char *root);
void hv_root_close(struct hv_root *r);
/* A failure rc while reading r: for an archive the message names it. */
int hv_root_fail(const struct hv_root *r, int rc);

/* Printable name of rel under the root, for messages ("/proc/meminfo" on a
 * live host, "SNAP/proc/meminfo" for a snapshot). Returns a static buffer. */
const char *hv_root_name(const struct hv_root *r, const char *rel);

int hv_root_openat(const struct hv_root *r, const char *rel, int flags);
/* rel opened for reading if it is a regular file; anything else (FIFO,
 * device, directory) is refused without blocking: -HV_ENOTREG, message set.
 * Other failures return -errno with no message (ENOENT: missing). */
#define HV_ENOTREG ENXIO
int hv_root_open_file(const struct hv_root *r, const char *rel);
/* Whole file into a malloc'ed, NUL-terminated buffer; -EFBIG above max. */
int hv_root_read(const struct hv_root *r, const char *rel, size_t max, char **buf, size_t *len);
/* Small (sysfs) file into buf; -EFBIG if it does not fit. */
int hv_root_read_small(const struct hv_root *r, const char *rel, char *buf, size_t cap);
int hv_root_exists(const struct hv_root *r, const char *rel);


/* pid is one of this process's ancestors (read from the live /proc: for
 * a lock an ancestor holds on our behalf). */
bool hv_is_ancestor(pid_t pid);

/* One pass over r into h; for an archive, h->root and messages name it. */
int hv_probe_host(const struct hv_root *r, struct hv_host *h);

/* Pieces, also used by `top` to re-read only what changes. */
int hv_probe_pools(const struct hv_root *r, struct hv_host *h);
/* MemTotal of each node: plans only (hv_probe_host() does not read it). */
int hv_probe_node_mem(const struct hv_root *r, struct hv_host *h);
int hv_probe_counters(const struct hv_root *r, struct hv_host *h);
/* The free blocks and watermarks of every zone (proc/buddyinfo,
 * proc/zoneinfo) for the allocation forecast: plan --from-host and apply
 * only. Absent or unreadable files leave fb->read (or fb->zoneinfo) false;
 * hv_free_blocks_release() frees what it holds. */
int hv_probe_free_blocks(const struct hv_root *r, struct hv_free_blocks *fb);
/* hugetlbfs mounts (proc/mounts) and statfs() of each: report and snapshot
 * only. A missing or unreadable list leaves h->mounts.read false. */
int hv_probe_mounts(const struct hv_root *r, struct hv_host *h);
int hv_probe_mount_list(const struct hv_root *r, struct hv_mounts *m);


#endif
