/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/iomem text -> System RAM ranges; /proc/zoneinfo -> ZONE_DEVICE
 * pages, the low zones' free pages and how many are populated;
 * /proc/pagetypeinfo -> pageblock; the THP mode (the same bytes
 * through all); an etc/group line by gid. Then the allocation forecast: the bytes before the first
 * form feed as /proc/buddyinfo, those after it as /proc/zoneinfo. */
#include "fuzz_common.h"
#include "model.h"
#include "parse.h"

/* The forecast of every node sums to the forecast of all nodes (one node
 * at a time, or all in one pass), a count is never negative, and
 * compaction never gives fewer pages than the free blocks. */
static void forecast(const uint8_t *data, size_t size)
{
	const uint8_t *ff = memchr(data, '\f', size);
	size_t a = ff ? (size_t)(ff - data) : size;
	char *bi = fuzz_buf(data, a), *zi = fuzz_buf(ff ? ff + 1 : data, ff ? size - a - 1 : 0);
	struct hv_free_blocks fb;
	hv_clear_error();
	int rc = hv_parse_buddyinfo(bi, a, &fb);
	fuzz_check_error(rc, "hv_parse_buddyinfo");
	FUZZ_ASSERT(rc == 0 ? fb.read : !fb.read && !fb.z);
	if (rc == 0 && ff) {
		hv_clear_error();
		int zrc = hv_parse_zoneinfo_marks(zi, size - a - 1, &fb);
		fuzz_check_error(zrc, "hv_parse_zoneinfo_marks");
		if (zrc < 0)
			fb.zoneinfo = false; /* what the probe keeps of a zoneinfo it could not read */
	}
	for (int i = 0; rc == 0 && i < fb.n; i++)
		FUZZ_ASSERT(fb.z[i].norders >= 0 && fb.z[i].norders <= HV_BUDDY_ORDERS && fb.z[i].node >= 0 &&
			    fb.z[i].node < HV_MAX_NODES);
	static const uint64_t sizes[] = {64 << 10, 2 << 20, 32 << 20, 1 << 30, 16ULL << 30};
	for (size_t k = 0; rc == 0 && k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct hv_forecast all, one;
		hv_forecast_pool(&fb, 4096, sizes[k], -1, &all);
		FUZZ_ASSERT(all.basis == HV_FC_UNKNOWN ? all.pages == HV_UNKNOWN && all.compacted == HV_UNKNOWN
						       : all.pages >= 0 && all.compacted >= all.pages);
		if (all.basis == HV_FC_UNKNOWN)
			continue;
		int64_t sum = 0, csum = 0;
		bool seen[HV_MAX_NODES] = {false};
		static struct hv_forecast_node per[HV_MAX_NODES];
		struct hv_forecast all2;
		hv_forecast_pool_nodes(&fb, 4096, sizes[k], &all2, per);
		FUZZ_ASSERT(all2.pages == all.pages && all2.compacted == all.compacted);
		for (int i = 0; i < fb.n; i++) {
			if (seen[fb.z[i].node])
				continue;
			seen[fb.z[i].node] = true;
			hv_forecast_pool(&fb, 4096, sizes[k], fb.z[i].node, &one);
			FUZZ_ASSERT(one.basis == all.basis && one.pages >= 0 && one.pages <= all.pages &&
				    one.compacted >= one.pages);
			FUZZ_ASSERT(per[fb.z[i].node].pages == one.pages && per[fb.z[i].node].compacted == one.compacted);
			sum += one.pages;
			csum += one.compacted;
		}
		FUZZ_ASSERT(sum == all.pages && csum == all.compacted);
	}
	hv_free_blocks_release(&fb);
	free(bi);
	free(zi);
}

/* etc/group: for the gid of the first two bytes, a name that begins a
 * line, without ':', members without ':' or newline, both terminated. */
static void group(const uint8_t *data, size_t size)
{
	if (size < 2)
		return;
	int64_t gid = data[0] % 8 == 0 ? 0 : (int64_t)(data[0] * 256 + data[1]) % 70000;
	char name[16], members[24];
	int found = hv_parse_group((const char *)data + 2, size - 2, gid, name, sizeof(name), members, sizeof(members));
	FUZZ_ASSERT(found == 0 || found == 1);
	if (!found)
		return;
	FUZZ_ASSERT(name[0] && memchr(name, '\0', sizeof(name)) && memchr(members, '\0', sizeof(members)));
	FUZZ_ASSERT(!strchr(members, ':') && !strchr(members, '\n') && !strchr(name, '\n'));
	/* a line starts with that name and a ':' (the name as long as it fits) */
	FUZZ_ASSERT(!strchr(name, ':'));
	if (strlen(name) + 1 < sizeof(name)) {
		char start[20];
		snprintf(start, sizeof(start), "%s:", name);
		const uint8_t *at = data + 2, *end = data + size;
		bool begins = false;
		while (!begins && (at = memmem(at, (size_t)(end - at), start, strlen(start))))
			begins = at == data + 2 || at[-1] == '\n' ? true : (at++, false);
		FUZZ_ASSERT(begins);
	}
}

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
	int zones = 12345;
	hv_clear_error();
	rc = hv_parse_zoneinfo_lowmem(b, size, &low, &zones);
	fuzz_check_error(rc, "hv_parse_zoneinfo_lowmem");
	FUZZ_ASSERT(rc == 0 ? low >= 0 && low <= INT64_MAX / 4 + INT64_MAX / 4 : low == -1);
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
	forecast(data, size);
	group(data, size);
	return 0;
}
