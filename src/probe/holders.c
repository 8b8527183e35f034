/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the holder count reads (include/holders.h): the SysV segments, the
 * files of the hugetlbfs mounts with pages, and the hugetlb mappings of the
 * processes that have pages in use. Only when some page is in use, and
 * only on the live host: a snapshot keeps neither mount trees nor
 * processes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "holders.h"
#include "hv_error.h"
#include "model.h"
#include "parse.h"
#include "probe.h"
#include "procs.h"
#include "strutil.h"

/* A hugetlbfs tree is a few directories of a DPDK, QEMU or SPDK set-up;
 * these bound a hostile or runaway one (entries looked at, depth). */
#define WALK_ENTRIES_MAX 100000
#define WALK_DEPTH_MAX 16

void hv_holders_input_free(struct hv_holders_input *in)
{
	free(in->seg);
	free(in->files);
	free(in->vma);
	memset(in, 0, sizeof(*in));
}

struct walk {
	struct hv_holders_input *in;
	int cap;
	int entries;
	dev_t dev;
	bool dev_again; /* a mount of this file system was walked before */
	uint64_t page_size;
};

static bool seen_file(const struct hv_holders_input *in, unsigned maj, unsigned min, uint64_t ino)
{
	for (int i = 0; i < in->nfiles; i++)
		if (in->files[i].ino == ino && in->files[i].dev_major == maj && in->files[i].dev_minor == min)
			return true;
	return false;
}

static int add_file(struct walk *w, const char *path, const struct stat *st)
{
	struct hv_holders_input *in = w->in;
	unsigned maj = major(st->st_dev), min = minor(st->st_dev);
	/* the same file through a second mount of its file system, or a hard
	 * link: only then can it have been counted (no search per file else) */
	if ((w->dev_again || st->st_nlink > 1) && seen_file(in, maj, min, (uint64_t)st->st_ino))
		return 0;
	if (in->nfiles == HV_HOLDER_FILES_MAX) {
		in->files_truncated = true;
		return 0;
	}
	if (in->nfiles == w->cap) {
		int nc = w->cap ? w->cap * 2 : 16;
		struct hv_htlb_file *nv = realloc(in->files, (size_t)nc * sizeof(*nv));
		if (!nv)
			return hv_fail(ENOMEM, "out of memory");
		in->files = nv;
		w->cap = nc;
	}
	struct hv_htlb_file *f = &in->files[in->nfiles++];
	memset(f, 0, sizeof(*f));
	hv_copy(f->path, sizeof(f->path), path);
	f->dev_major = maj;
	f->dev_minor = min;
	f->ino = (uint64_t)st->st_ino;
	f->page_size = w->page_size;
	f->bytes = (uint64_t)st->st_blocks * 512; /* hugetlbfs adds a page's blocks as it is faulted in */
	f->uid = (long)st->st_uid;
	return 0;
}

/* The files under the directory fd (path its name); closes fd. Never
 * follows a symbolic link and never leaves the mount's file system.
 * 0, -ENOMEM, or 1 when the walk stopped at its bounds. */
static int walk_dir(struct walk *w, int fd, const char *path, int depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (++w->entries > WALK_ENTRIES_MAX)
			return closedir(d), 1;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != w->dev)
			continue;
		char sub[512];
		if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >= (int)sizeof(sub))
			continue; /* a name no report line could show */
		if (S_ISREG(st.st_mode) && st.st_blocks > 0) {
			rc = add_file(w, sub, &st);
		} else if (S_ISDIR(st.st_mode)) {
			if (depth >= WALK_DEPTH_MAX) {
				rc = 1;
				break;
			}
			int cfd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd >= 0)
				rc = walk_dir(w, cfd, sub, depth + 1);
		}
	}
	closedir(d);
	return rc;
}

static int walk_mounts(const struct hv_host *h, struct hv_holders_input *in)
{
	struct walk w = {.in = in};
	dev_t walked[HV_MAX_MOUNTS] = {0}; /* each mount's file system, 0 unwalked */
	for (int i = 0; i < h->mounts.n; i++) {
		const struct hv_hugetlbfs_mount *m = &h->mounts.m[i];
		int fd = open(m->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) < 0 || !m->statfs_read) {
			/* gone, not ours to read, or covered by another mount */
			if (fd >= 0)
				close(fd);
			in->nmounts_unread++;
			continue;
		}
		w.dev_again = false;
		for (int k = 0; k < i; k++)
			w.dev_again |= walked[k] == st.st_dev;
		walked[i] = w.dev = st.st_dev;
		w.page_size = m->page_size ? m->page_size : hv_default_hugepage_size(h);
		w.entries = 0;
		const char *path = strcmp(m->path, "/") ? m->path : "";
		int rc = walk_dir(&w, fd, path, 0);
		if (rc < 0)
			return rc;
		if (rc > 0)
			in->nmounts_unread++; /* too big to walk: its files are not all counted */
	}
	return 0;
}

static int64_t pages_in_use(const struct hv_host *h)
{
	int64_t n = 0;
	for (int i = 0; i < h->nhstates; i++)
		if (h->hstates[i].nr > h->hstates[i].free && h->hstates[i].free >= 0)
			n += h->hstates[i].nr - h->hstates[i].free;
	return n;
}

int hv_probe_holders(const struct hv_root *r, const struct hv_host *h, struct hv_holders_input *in)
{
	memset(in, 0, sizeof(*in));
	if (!r->live) {
		hv_copy(in->why, sizeof(in->why), "a snapshot keeps no hugetlbfs files or process mappings");
		return 0;
	}
	if (pages_in_use(h) == 0) {
		hv_copy(in->why, sizeof(in->why), "no hugepage is in use");
		return 0;
	}
	in->scanned = true;
	char *buf;
	size_t len;
	int rc = hv_root_read(r, "proc/sysvipc/shm", 64 << 20, &buf, &len);
	if (rc == 0) {
		rc = hv_parse_sysvipc_shm(buf, len, &in->seg, &in->nseg);
		free(buf);
		if (rc == -ENOMEM)
			return rc;
		if (rc < 0)
			snprintf(in->shm_error, sizeof(in->shm_error), "/proc/sysvipc/shm: %s", hv_last_error());
		in->shm_read = rc == 0;
	} else if (rc == -ENOMEM) {
		return rc;
	} else if (rc == -ENOENT) {
		in->shm_read = true; /* a kernel without CONFIG_SYSVIPC: no segment holds a page */
	} else {
		snprintf(in->shm_error, sizeof(in->shm_error), "/proc/sysvipc/shm: %s", strerror(-rc));
	}
	hv_clear_error();
	if ((rc = walk_mounts(h, in)) < 0)
		return rc;
	struct hv_procs_ctx *pc;
	if ((rc = hv_procs_open(&pc, r)) < 0)
		return rc;
	rc = hv_procs_hugetlb_vmas(pc, &in->vma, &in->nvma, &in->nprocs_unreadable);
	hv_procs_close(&pc);
	return rc;
}
