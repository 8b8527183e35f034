/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/iomem text -> System RAM ranges; /proc/zoneinfo -> ZONE_DEVICE
 * pages and the low zones' free pages; /proc/buddyinfo -> populated low
 * zones; /proc/pagetypeinfo -> pageblock; the THP mode (the same bytes
 * through all). */
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
	int64_t low = 12345;
	hv_clear_error();
	rc = hv_parse_zoneinfo_lowmem(b, size, &low);
	fuzz_check_error(rc, "hv_parse_zoneinfo_lowmem");
	FUZZ_ASSERT(rc == 0 ? low >= 0 && low <= INT64_MAX / 4 + INT64_MAX / 4 : low == -1);
	int zones = 12345;
	hv_clear_error();
	rc = hv_parse_buddyinfo_low_zones(b, size, &zones);
	fuzz_check_error(rc, "hv_parse_buddyinfo_low_zones");
	FUZZ_ASSERT(rc == 0 ? zones >= 0 && zones <= 1 << 20 : zones == -1);
	int64_t block = 12345;
	hv_clear_error();
	rc = hv_parse_pagetypeinfo_block(b, size, &block);
	fuzz_check_error(rc, "hv_parse_pagetypeinfo_block");
	if (rc == 0)
		FUZZ_ASSERT(block > 0 && block <= 1 << 20 && (block & (block - 1)) == 0);
	char *c = fuzz_cstr(data, size), mode[12] = "";
	hv_clear_error();
	rc = hv_parse_thp_enabled(c, mode, sizeof(mode));
	fuzz_check_error(rc, "hv_parse_thp_enabled");
	if (rc == 0) {
		FUZZ_ASSERT(mode[0] && strlen(mode) < sizeof(mode));
		for (const char *m = mode; *m; m++)
			FUZZ_ASSERT(*m >= 'a' && *m <= 'z');
	}
	free(c);
	free(rr);
	free(b);
	return 0;
}
