/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/iomem text -> System RAM ranges; /proc/zoneinfo -> ZONE_DEVICE
 * pages (the same bytes through both). */
#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = fuzz_buf(data, size);
	struct hv_ram_ranges *rr = calloc(1, sizeof(*rr));
	if (!rr)
		abort();
	hv_clear_error();
	int rc = hv_parse_iomem(b, size, rr);
	fuzz_check_error(rc, "hv_parse_iomem");
	FUZZ_ASSERT(rr->n >= 0 && rr->n <= HV_MAX_RAM_RANGES);
	if (rc == 0)
		for (int i = 0; i < rr->n; i++) {
			/* sorted, each a real range */
			FUZZ_ASSERT(rr->r[i].start <= rr->r[i].end);
			FUZZ_ASSERT(i == 0 || rr->r[i - 1].start <= rr->r[i].start);
		}
	int64_t dev = 12345;
	hv_clear_error();
	rc = hv_parse_zoneinfo_device(b, size, &dev);
	fuzz_check_error(rc, "hv_parse_zoneinfo_device");
	if (rc == 0)
		FUZZ_ASSERT(dev >= 0);
	free(rr);
	free(b);
	return 0;
}
