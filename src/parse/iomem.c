/* SPDX-License-Identifier: GPL-2.0-or-later */
/* System RAM ranges from /proc/iomem and /sys/firmware/memmap, and the
 * ZONE_DEVICE span from /proc/zoneinfo: what tells the present memory
 * sections when a memory block spans several (doc/kernel-rules.md,
 * "Baseline: memory blocks and sections", "Memmap counters"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv_error.h"
#include "parse.h"

static int cmp_range(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

int hv_ram_add(struct hv_ram_ranges *rr, uint64_t start, uint64_t end)
{
	if (end < start)
		return hv_fail(EINVAL, "range %#llx-%#llx ends before it starts", (unsigned long long)start,
			       (unsigned long long)end);
	if (rr->n >= HV_MAX_RAM_RANGES)
		return hv_fail(E2BIG, "more than %d System RAM ranges", HV_MAX_RAM_RANGES);
	rr->r[rr->n].start = start;
	rr->r[rr->n].end = end;
	rr->n++;
	return 0;
}

void hv_ram_sort(struct hv_ram_ranges *rr)
{
	qsort(rr->r, (size_t)rr->n, sizeof(rr->r[0]), cmp_range);
}

/* "100000000-63fffffff : System RAM": top-level lines only (a child is
 * indented: "Kernel code" and the like lie inside System RAM). */
int hv_parse_iomem(const char *buf, size_t len, struct hv_ram_ranges *rr)
{
	size_t pos = 0;
	bool nonzero = false;
	rr->n = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		const char *l = buf + pos;
		pos += ll + 1;
		if (!ll || l[0] == ' ')
			continue;
		char line[256], *dash, *colon;
		if (ll >= sizeof(line))
			return hv_fail(EINVAL, "line too long: '%.60s'", l);
		memcpy(line, l, ll);
		line[ll] = '\0';
		if (!(dash = strchr(line, '-')) || !(colon = strstr(line, " : ")) || colon < dash)
			return hv_fail(EINVAL, "not 'START-END : NAME': '%.60s'", line);
		*dash = *colon = '\0';
		const char *name = colon + 3;
		uint64_t start, end;
		char hs[24] = "0x", he[24] = "0x";
		size_t ls = strlen(line), le = strlen(dash + 1);
		if (ls > 16 || le > 16)
			return hv_fail(EINVAL, "address too long: '%.60s'", line);
		memcpy(hs + 2, line, ls + 1);
		memcpy(he + 2, dash + 1, le + 1);
		if (hv_parse_hex_u64(hs, &start) < 0 || hv_parse_hex_u64(he, &end) < 0)
			return hv_fail(EINVAL, "not a hex address range: '%.40s-%.40s'", line, dash + 1);
		if (start || end)
			nonzero = true;
		/* "System RAM", and hot-plugged "System RAM (kmem)" */
		if (strncmp(name, "System RAM", 10) != 0)
			continue;
		int rc = hv_ram_add(rr, start, end);
		if (rc < 0)
			return rc;
	}
	/* without CAP_SYS_ADMIN every address reads 0 */
	if (!nonzero)
		return hv_fail(EACCES, "every address is 0 (read without root)");
	hv_ram_sort(rr);
	return 0;
}

int hv_parse_zoneinfo_device(const char *buf, size_t len, int64_t *pages)
{
	static const char zone[] = "zone   Device";
	*pages = 0;
	const char *p = buf, *end = buf + len;
	while ((p = memmem(p, (size_t)(end - p), zone, sizeof(zone) - 1))) {
		p += sizeof(zone) - 1;
		const char *next = memmem(p, (size_t)(end - p), "\nNode ", 6);
		const char *lim = next ? next : end;
		const char *sp = memmem(p, (size_t)(lim - p), "\n        spanned ", 17);
		if (!sp)
			return hv_fail(EINVAL, "zone Device without a spanned line");
		sp += 17;
		char num[32];
		size_t i = 0;
		while (sp < lim && *sp == ' ')
			sp++;
		while (sp < lim && *sp >= '0' && *sp <= '9' && i + 1 < sizeof(num))
			num[i++] = *sp++;
		num[i] = '\0';
		uint64_t v;
		if (hv_parse_u64(num, &v) < 0 || v > INT64_MAX / 4 || *pages > INT64_MAX / 4)
			return hv_fail(EINVAL, "zone Device: spanned '%s' is not a page count", num);
		*pages += (int64_t)v;
	}
	return 0;
}
