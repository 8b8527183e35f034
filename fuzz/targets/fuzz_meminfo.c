/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/meminfo text -> struct hv_meminfo. */
#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = fuzz_buf(data, size);
	struct hv_meminfo mi;
	hv_clear_error();
	int rc = hv_parse_meminfo(b, size, &mi);
	fuzz_check_error(rc, "hv_parse_meminfo");
	if (rc == 0) {
		/* Fields are HV_UNKNOWN or a kB figure that still fits in bytes. */
		const int64_t f[] = {mi.mem_total_kib, mi.mem_free_kib, mi.hugetlb_kib, mi.hugepagesize_kib,
				     mi.anon_huge_kib, mi.shmem_huge_kib, mi.file_huge_kib};
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
			FUZZ_ASSERT(f[i] == HV_UNKNOWN || (f[i] >= 0 && f[i] <= INT64_MAX / 1024));
		FUZZ_ASSERT(mi.mem_total_kib >= 0);
	}
	free(b);
	return 0;
}
