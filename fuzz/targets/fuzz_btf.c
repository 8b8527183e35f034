/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Raw BTF blobs -> sizeof(struct page). The blob is an exact-size heap copy
 * at an odd address, as an mmap of a damaged snapshot file could be read. */
#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* One byte of offset: the reader must not assume 4-byte alignment. */
	char *raw = malloc(size + 1);
	if (!raw)
		abort();
	memcpy(raw + 1, data, size);
	char *blob = fuzz_buf(data, size);
	uint32_t sz = 0xdeadbeef, sz2 = 0xdeadbeef;
	hv_clear_error();
	int rc = hv_btf_struct_size(blob, size, "page", &sz);
	fuzz_check_error(rc, "hv_btf_struct_size");
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOTSUP || rc == -ENOENT);
	int rc2 = hv_btf_struct_size(raw + 1, size, "page", &sz2);
	FUZZ_ASSERT(rc2 == rc && (rc < 0 || sz2 == sz));
	/* Another name, and the empty one. */
	(void)hv_btf_struct_size(blob, size, "folio", &sz);
	(void)hv_btf_struct_size(blob, size, "", &sz);
	free(blob);
	free(raw);
	return 0;
}
