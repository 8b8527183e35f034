/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/mounts text -> hugetlbfs mounts; the snapshot's statfs record of
 * them, written and read back, gives every mount its own figures again
 * (paths with blanks and backslashes included). */
#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = fuzz_buf(data, size);
	struct hv_mounts *m = calloc(1, sizeof(*m)), *back = calloc(1, sizeof(*back));
	if (!m || !back)
		abort();
	hv_clear_error();
	int rc = hv_parse_mounts(b, size, m);
	fuzz_check_error(rc, "hv_parse_mounts");
	FUZZ_ASSERT(m->n >= 0 && m->n <= HV_MAX_MOUNTS);
	if (rc == 0) {
		for (int i = 0; i < m->n; i++) {
			const struct hv_hugetlbfs_mount *mt = &m->m[i];
			FUZZ_ASSERT(memchr(mt->path, '\0', sizeof(mt->path)));
			FUZZ_ASSERT(mt->mode <= 07777);
			FUZZ_ASSERT(mt->size_limit >= HV_UNKNOWN && mt->min_size >= HV_UNKNOWN && mt->nr_inodes >= HV_UNKNOWN);
		}
		/* distinct figures per mount, through the record and back */
		*back = *m;
		for (int i = 0; i < m->n; i++) {
			m->m[i].statfs_read = true;
			m->m[i].f_bsize = 4096u + (uint64_t)i;
			m->m[i].f_blocks = 1000u + (uint64_t)i;
			m->m[i].f_bfree = (uint64_t)i;
			m->m[i].f_files = UINT64_MAX - (uint64_t)i;
			m->m[i].f_ffree = 7;
		}
		char *rec;
		size_t len;
		FUZZ_ASSERT(hv_format_mount_statfs(m, &rec, &len) == 0);
		hv_clear_error();
		rc = hv_parse_mount_statfs(rec, len, back);
		fuzz_check_error(rc, "hv_parse_mount_statfs");
		FUZZ_ASSERT(rc == 0);
		for (int i = 0; i < m->n; i++) {
			/* mounts over the same path share its lines: the last one's figures win */
			FUZZ_ASSERT(back->m[i].statfs_read);
			bool same_path_later = false;
			for (int j = i + 1; j < m->n; j++)
				same_path_later |= !strcmp(m->m[j].path, m->m[i].path);
			if (!same_path_later)
				FUZZ_ASSERT(back->m[i].f_bsize == m->m[i].f_bsize && back->m[i].f_blocks == m->m[i].f_blocks &&
					    back->m[i].f_files == m->m[i].f_files);
		}
		free(rec);
	}
	/* the same bytes as a record, over what was parsed */
	hv_clear_error();
	rc = hv_parse_mount_statfs(b, size, m);
	fuzz_check_error(rc, "hv_parse_mount_statfs");
	free(m);
	free(back);
	free(b);
	return 0;
}
