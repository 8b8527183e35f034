/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proc/PID/status (HugetlbPages, Uid, Name) and proc/PID/smaps, as `top`
 * reads them: a process's own name is in status, so the bytes are the
 * other user's to choose. */
#include "fuzz_common.h"
#include "procs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = fuzz_buf(data, size);
	int64_t kib = -42;
	long uid = -42;
	int rc = hv_parse_status_hugetlb(b, size, &kib);
	FUZZ_ASSERT(rc == 0 || rc == -ENOENT || rc == -EINVAL);
	if (rc == 0)
		FUZZ_ASSERT(kib >= 0);
	rc = hv_parse_status_euid(b, size, &uid);
	FUZZ_ASSERT(rc == 0 || rc == -ENOENT || rc == -EINVAL);
	if (rc == 0)
		FUZZ_ASSERT(uid >= 0 && uid <= 0xffffffffl);
	char name[8];
	memset(name, 'x', sizeof(name));
	rc = hv_parse_status_name(b, size, name, sizeof(name));
	FUZZ_ASSERT(rc == 0 || rc == -ENOENT);
	if (rc == 0)
		FUZZ_ASSERT(memchr(name, '\0', sizeof(name)) != NULL);

	struct hv_htlb_vma *v = NULL;
	int n = -1;
	rc = hv_parse_smaps_hugetlb(b, size, &v, &n);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc == 0) {
		FUZZ_ASSERT(n >= 0 && (n == 0 || v));
		for (int i = 0; i < n; i++)
			FUZZ_ASSERT(v[i].size_kib >= 0 && v[i].private_kib >= 0 && v[i].shared_kib >= 0);
	}
	free(v);
	free(b);
	return 0;
}
