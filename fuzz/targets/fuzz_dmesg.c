/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel log text -> HugeTLB boot lines. */
#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = fuzz_buf(data, size);
	struct hv_bootlog *bl = malloc(sizeof(*bl));
	if (!bl)
		abort();
	hv_bootlog_init(bl);
	hv_clear_error();
	int rc = hv_parse_dmesg(b, size, bl);
	fuzz_check_error(rc, "hv_parse_dmesg");
	FUZZ_ASSERT(bl->present);
	FUZZ_ASSERT(bl->nhstates >= 0 && bl->nhstates <= HV_MAX_HSTATES);
	for (int i = 0; i < bl->nhstates; i++) {
		const struct hv_bootlog_hstate *h = &bl->hstates[i];
		FUZZ_ASSERT(h->optimizable_kib >= HV_UNKNOWN && h->optimizable_kib <= INT64_MAX / 1024);
		FUZZ_ASSERT(h->freeable_pages >= HV_UNKNOWN && h->preallocated >= HV_UNKNOWN &&
			    h->discarded >= HV_UNKNOWN);
		for (int j = 0; j < i; j++)
			FUZZ_ASSERT(bl->hstates[j].size != h->size);
	}
	free(bl);
	free(b);
	return 0;
}
