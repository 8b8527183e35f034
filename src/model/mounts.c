/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hugetlbfs mounts as the report shows them: the page size each serves,
 * its limits, and what statfs() counts (fs/hugetlbfs/inode.c: only a
 * mount with size= has a page count of its own, hugetlbfs_statfs()). */
#include <string.h>

#include "model.h"
#include "strutil.h"

void hv_model_mounts(const struct hv_host *h, struct hv_report *r)
{
	const struct hv_mounts *m = &h->mounts;
	r->mounts_read = m->read;
	r->mounts_truncated = m->truncated;
	r->nmounts = m->read ? m->n : 0;
	for (int i = 0; i < r->nmounts; i++) {
		const struct hv_hugetlbfs_mount *mt = &m->m[i];
		struct hv_mount_result *o = &r->mounts[i];
		memset(o, 0, sizeof(*o));
		hv_copy(o->path, sizeof(o->path), mt->path);
		o->page_size = mt->page_size ? mt->page_size : hv_default_hugepage_size(h);
		o->page_size_default = mt->page_size == 0;
		o->size_limit_bytes = mt->size_limit;
		o->min_size_bytes = mt->min_size;
		o->nr_inodes = mt->nr_inodes;
		o->uid = mt->uid;
		o->gid = mt->gid;
		o->mode = mt->mode;
		o->ro = mt->ro;
		o->used_bytes = o->inodes_used = HV_UNKNOWN;
		/* without size= the counts are 0 or -1, like simple_statfs() */
		if (mt->statfs_read && mt->size_limit != HV_UNKNOWN && mt->f_bfree <= mt->f_blocks &&
		    mt->f_blocks <= (uint64_t)INT64_MAX / (mt->f_bsize ? mt->f_bsize : 1))
			o->used_bytes = (int64_t)((mt->f_blocks - mt->f_bfree) * mt->f_bsize);
		if (mt->statfs_read && mt->size_limit != HV_UNKNOWN && mt->nr_inodes != HV_UNKNOWN &&
		    mt->f_ffree <= mt->f_files && mt->f_files <= INT64_MAX)
			o->inodes_used = (int64_t)(mt->f_files - mt->f_ffree);
		o->no_pool = true;
		for (int j = 0; j < r->nhstates; j++)
			if (r->hstates[j].size == o->page_size && (r->hstates[j].nr > 0 || r->hstates[j].overcommit > 0))
				o->no_pool = false;
	}
}
