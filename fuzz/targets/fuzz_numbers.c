/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysfs numbers: hv_parse_u64, hv_parse_i64_nonneg, hv_parse_hex_u64, and
 * the agreement between them. */
#include <inttypes.h>

#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	uint64_t u = 0, x = 0;
	int64_t i = 0;
	hv_clear_error();
	int ru = hv_parse_u64(s, &u);
	fuzz_check_error(ru, "hv_parse_u64");
	hv_clear_error();
	int ri = hv_parse_i64_nonneg(s, &i);
	fuzz_check_error(ri, "hv_parse_i64_nonneg");
	hv_clear_error();
	int rx = hv_parse_hex_u64(s, &x);
	fuzz_check_error(rx, "hv_parse_hex_u64");

	/* i64 is u64 restricted to INT64_MAX. */
	if (ru == 0 && u <= INT64_MAX)
		FUZZ_ASSERT(ri == 0 && (uint64_t)i == u);
	else
		FUZZ_ASSERT(ri < 0);
	if (ri == 0)
		FUZZ_ASSERT(i >= 0);
	/* A decimal number is also a (different) hex number unless it overflows. */
	if (ru == 0 && rx == 0 && u < 10)
		FUZZ_ASSERT(x == u);
	/* Round trip: what we print we read back. */
	if (ru == 0) {
		char buf[32];
		uint64_t back;
		snprintf(buf, sizeof(buf), "%" PRIu64 "\n", u);
		FUZZ_ASSERT(hv_parse_u64(buf, &back) == 0 && back == u);
	}
	free(s);
	return 0;
}
