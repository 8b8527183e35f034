/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hugetlbfs mounts and what statfs() counts in each: live, or from the
 * record a snapshot keeps (statfs cannot be asked of a copy). */
#include <errno.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "hv_error.h"
#include "parse.h"
#include "probe.h"

#define STATFS_RECORD "hvoplan-hugetlbfs-statfs.txt"

int hv_probe_mounts(const struct hv_root *r, struct hv_host *h)
{
	return hv_probe_mount_list(r, &h->mounts);
}

int hv_probe_mount_list(const struct hv_root *r, struct hv_mounts *m)
{
	memset(m, 0, offsetof(struct hv_mounts, m));
	char *buf;
	size_t len;
	int rc = hv_root_read(r, "proc/mounts", 16 << 20, &buf, &len);
	if (rc == -ENOENT)
		return 0; /* a snapshot or sosreport without it: mounts unknown */
	if (rc == 0) {
		rc = hv_parse_mounts(buf, len, m);
		free(buf);
	}
	if (rc < 0) {
		hv_note("%s: %s: hugetlbfs mounts unknown", hv_root_name(r, "proc/mounts"),
			hv_last_error() ? hv_last_error() : strerror(-rc));
		memset(m, 0, offsetof(struct hv_mounts, m));
		return 0;
	}
	if (m->truncated)
		hv_note("%s: more than %d hugetlbfs mounts: the first %d are shown", hv_root_name(r, "proc/mounts"),
			HV_MAX_MOUNTS, HV_MAX_MOUNTS);
	if (r->live) {
		for (int i = 0; i < m->n; i++) {
			struct statfs st;
			/* unmounted since, not ours to see, or another file system
			 * mounted over it: usage unknown */
			if (statfs(m->m[i].path, &st) < 0 || (unsigned long)st.f_type != HUGETLBFS_MAGIC)
				continue;
			m->m[i].statfs_read = true;
			m->m[i].f_bsize = (uint64_t)st.f_bsize;
			m->m[i].f_blocks = (uint64_t)st.f_blocks;
			m->m[i].f_bfree = (uint64_t)st.f_bfree;
			m->m[i].f_files = (uint64_t)st.f_files;
			m->m[i].f_ffree = (uint64_t)st.f_ffree;
		}
		return 0;
	}
	/* a snapshot's, or the one hvoplan's sos plugin leaves */
	const char *rec = STATFS_RECORD;
	rc = hv_root_read(r, rec, 1 << 20, &buf, &len);
	if (rc == -ENOENT) { /* where sos puts a plugin's add_string_as_file() */
		rec = "sos_strings/hvoplan/" STATFS_RECORD;
		rc = hv_root_read(r, rec, 1 << 20, &buf, &len);
	}
	if (rc == 0) {
		rc = hv_parse_mount_statfs(buf, len, m);
		free(buf);
	}
	if (rc < 0 && rc != -ENOENT)
		hv_note("%s: %s: hugetlbfs usage unknown", hv_root_name(r, rec),
			hv_last_error() ? hv_last_error() : strerror(-rc));
	hv_clear_error();
	return 0;
}
