/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/vmstat text -> nr_memmap_pages, nr_memmap_boot_pages. */
#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = fuzz_buf(data, size);
	int64_t pages = 12345, boot = 12345;
	hv_clear_error();
	int rc = hv_parse_vmstat(b, size, &pages, &boot);
	fuzz_check_error(rc, "hv_parse_vmstat");
	if (rc == 0) {
		/* Both or neither, never negative other than HV_UNKNOWN. */
		FUZZ_ASSERT((pages == HV_UNKNOWN) == (boot == HV_UNKNOWN));
		FUZZ_ASSERT(pages >= HV_UNKNOWN && boot >= HV_UNKNOWN);
	}
	free(b);
	return 0;
}
