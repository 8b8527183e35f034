/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "hugepages-2048kB" directory names. */
#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	uint64_t bytes = 0;
	hv_clear_error();
	int rc = hv_parse_hstate_dirname(s, &bytes);
	fuzz_check_error(rc, "hv_parse_hstate_dirname");
	if (rc == 0) {
		/* A power of two of at least 1 KiB, and the name it came from. */
		FUZZ_ASSERT(bytes >= 1024 && !(bytes & (bytes - 1)));
		char back[64];
		snprintf(back, sizeof(back), "hugepages-%llukB", (unsigned long long)(bytes >> 10));
		uint64_t again;
		FUZZ_ASSERT(hv_parse_hstate_dirname(back, &again) == 0 && again == bytes);
	}
	free(s);
	return 0;
}
