/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hv_parse_size ("2M", "1.00 GiB", "2048kB") and hv_fmt_size. */
#include <inttypes.h>

#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	uint64_t v = 0;
	hv_clear_error();
	int rc = hv_parse_size(s, &v);
	fuzz_check_error(rc, "hv_parse_size");
	if (rc == 0) {
		/* findings.c formats sizes into 16-byte buffers: every value must fit. */
		char out[64];
		hv_fmt_size(v, out, sizeof(out));
		FUZZ_ASSERT(strlen(out) < 16);
		/* Exact byte counts read back exactly. */
		char bytes[32];
		uint64_t back;
		snprintf(bytes, sizeof(bytes), "%" PRIu64, v);
		FUZZ_ASSERT(hv_parse_size(bytes, &back) == 0 && back == v);
		/* What we print (one decimal, rounded) reads back as a size or as a
		 * clear error (e.g. "4.2M" is not a whole number of bytes). */
		hv_clear_error();
		int rb = hv_parse_size(out, &back);
		fuzz_check_error(rb, "hv_parse_size(hv_fmt_size())");
	}
	/* The raw bytes as a number to format: never longer than 15 characters. */
	if (size >= 8) {
		uint64_t raw;
		memcpy(&raw, data, sizeof(raw));
		char out[64];
		hv_fmt_size(raw, out, sizeof(out));
		FUZZ_ASSERT(strlen(out) < 16);
		char small[4];
		hv_fmt_size(raw, small, sizeof(small)); /* truncates, never overflows */
		FUZZ_ASSERT(strlen(small) < sizeof(small));
	}
	free(s);
	return 0;
}
