/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HugeTLB lines of the kernel log, in every form they took:
 *   6.0+     "HugeTLB: 28 KiB vmemmap can be freed for a 2.00 MiB page"
 *   5.19     "HugeTLB: can optimize 7 vmemmap pages for hugepages-2048kB"
 *   5.14-5.18 "HugeTLB: can free 6 vmemmap pages for hugepages-2048kB"
 *   all      "HugeTLB[:] registered 2.00 MiB page size, pre-allocated 0 pages"
 *   6.15+    "HugeTLB: 1.00 GiB page size: 1 invalid page(s) discarded"
 * whatever prefix (timestamp, <pri>, /dev/kmsg record, journal) precedes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv_error.h"
#include "parse.h"

void hv_bootlog_init(struct hv_bootlog *bl)
{
	memset(bl, 0, sizeof(*bl));
	bl->page_ext_bytes = HV_UNKNOWN;
}

static struct hv_bootlog_hstate *bl_hstate(struct hv_bootlog *bl, uint64_t size)
{
	for (int i = 0; i < bl->nhstates; i++)
		if (bl->hstates[i].size == size)
			return &bl->hstates[i];
	if (bl->nhstates >= HV_MAX_HSTATES)
		return NULL;
	struct hv_bootlog_hstate *h = &bl->hstates[bl->nhstates++];
	h->size = size;
	h->optimizable_kib = h->freeable_pages = h->preallocated = h->discarded = HV_UNKNOWN;
	return h;
}

/* Copies s up to `stop` (exclusive) into buf; 0 if stop is not found. */
static int take_until(const char *s, const char *stop, char *buf, size_t cap)
{
	const char *e = strstr(s, stop);
	if (!e || (size_t)(e - s) >= cap)
		return 0;
	memcpy(buf, s, (size_t)(e - s));
	buf[e - s] = '\0';
	return 1;
}

static int bad(const char *line)
{
	return hv_fail(EINVAL, "unexpected HugeTLB log line: '%.100s'", line);
}

int hv_parse_dmesg_line(const char *line, size_t len, struct hv_bootlog *bl)
{
	char buf[512], a[64], b[64];
	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, line, len);
	buf[len] = '\0';
	char *p = strstr(buf, "allocated ");
	if (p && (p == buf || p[-1] == ' ' || p[-1] == ';' || p[-1] == ']')) {
		/* mm/page_ext.c: "allocated 33554432 bytes of page_ext" */
		char *e = strstr(p, " bytes of page_ext");
		uint64_t n;
		if (e && e[18] == '\0' && (size_t)(e - p - 10) < sizeof(a)) {
			memcpy(a, p + 10, (size_t)(e - p - 10));
			a[e - p - 10] = '\0';
			if (hv_parse_u64(a, &n) < 0 || n > INT64_MAX / 2)
				return bad(p);
			bl->page_ext_bytes = (int64_t)n;
			return 0;
		}
	}
	p = strstr(buf, "HugeTLB");
	if (!p)
		return 0;
	p += 7;
	if (*p == ':')
		p++;
	while (*p == ' ')
		p++;

	uint64_t size, n;
	struct hv_bootlog_hstate *h;
	if (strncmp(p, "registered ", 11) == 0) {
		/* "registered 2.00 MiB page size, pre-allocated 0 pages" */
		if (!take_until(p + 11, " page size, pre-allocated ", a, sizeof(a)) ||
		    !take_until(strstr(p, "pre-allocated ") + 14, " pages", b, sizeof(b)))
			return bad(p);
		if (hv_parse_size(a, &size) < 0 || hv_parse_u64(b, &n) < 0 || n > INT64_MAX)
			return bad(p);
		if (!(h = bl_hstate(bl, size)))
			return bad(p);
		h->preallocated = (int64_t)n;
	} else if (strncmp(p, "can free ", 9) == 0 || strncmp(p, "can optimize ", 13) == 0) {
		/* "can free 6 vmemmap pages for hugepages-2048kB" */
		const char *q = p + (p[4] == 'f' ? 9 : 13);
		if (!take_until(q, " vmemmap pages for ", a, sizeof(a)))
			return bad(p);
		const char *dir = strstr(q, " vmemmap pages for ") + 19;
		snprintf(b, sizeof(b), "%s", dir);
		if (hv_parse_u64(a, &n) < 0 || n > INT64_MAX || hv_parse_hstate_dirname(b, &size) < 0)
			return bad(p);
		if (!(h = bl_hstate(bl, size)))
			return bad(p);
		h->freeable_pages = (int64_t)n;
		bl->formats |= p[4] == 'f' ? HV_BLF_FREE : HV_BLF_OPTIMIZE;
	} else if (strstr(p, " KiB vmemmap can be freed for a ")) {
		/* "28 KiB vmemmap can be freed for a 2.00 MiB page" */
		if (!take_until(p, " KiB vmemmap can be freed for a ", a, sizeof(a)))
			return bad(p);
		const char *sz = strstr(p, " for a ") + 7;
		if (!take_until(sz, " page", b, sizeof(b)))
			return bad(p);
		if (hv_parse_u64(a, &n) < 0 || n > INT64_MAX / 1024 || hv_parse_size(b, &size) < 0)
			return bad(p);
		if (!(h = bl_hstate(bl, size)))
			return bad(p);
		h->optimizable_kib = (int64_t)n;
		bl->formats |= HV_BLF_KIB;
	} else if (strstr(p, " invalid page(s) discarded")) {
		/* "1.00 GiB page size: 1 invalid page(s) discarded" */
		if (!take_until(p, " page size: ", a, sizeof(a)) ||
		    !take_until(strstr(p, " page size: ") + 12, " invalid page(s)", b, sizeof(b)))
			return bad(p);
		if (hv_parse_size(a, &size) < 0 || hv_parse_u64(b, &n) < 0 || n > INT64_MAX)
			return bad(p);
		if (!(h = bl_hstate(bl, size)))
			return bad(p);
		h->discarded = (int64_t)n;
		bl->formats |= HV_BLF_DISCARD;
	} else if (strstr(p, "crosses page boundaries")) {
		bl->struct_page_crosses = true;
	}
	return 0;
}

int hv_parse_dmesg(const char *buf, size_t len, struct hv_bootlog *bl)
{
	size_t pos = 0;
	int err = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		/* A garbled line must not hide the good ones after it. */
		int rc = hv_parse_dmesg_line(buf + pos, ll, bl);
		if (rc < 0 && !err)
			err = rc;
		pos += ll + 1;
	}
	bl->present = true;
	return err;
}
