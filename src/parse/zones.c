/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The zone files behind the free-memory reserve check (doc/kernel-rules.md,
 * "Reserve against fragmentation"): which zones are populated
 * (/proc/buddyinfo lists only those, mm/vmstat.c frag_show()), the
 * pageblock size (/proc/pagetypeinfo, root only), the low zones' managed
 * pages less their high watermark (/proc/zoneinfo), and the THP mode. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hv_error.h"
#include "parse.h"

/* The zones set_recommended_min_free_kbytes() counts: those up to
 * ZONE_NORMAL (gfp_zone(GFP_USER)), so not Movable, HighMem or Device. */
static bool low_zone(const char *name, size_t len)
{
	return (len == 3 && !memcmp(name, "DMA", 3)) || (len == 5 && !memcmp(name, "DMA32", 5)) ||
	       (len == 6 && !memcmp(name, "Normal", 6));
}

/* "Node N, zone NAME...": NAME and its length; false when the line is not a
 * zone header. */
static bool zone_header(const char *l, size_t len, const char **name, size_t *nlen)
{
	size_t i = 5;
	if (len < 5 || memcmp(l, "Node ", 5) != 0)
		return false;
	if (i >= len || l[i] < '0' || l[i] > '9')
		return false;
	while (i < len && l[i] >= '0' && l[i] <= '9')
		i++;
	if (len - i < 7 || memcmp(l + i, ", zone ", 7) != 0)
		return false;
	i += 7;
	while (i < len && l[i] == ' ')
		i++;
	size_t s = i;
	while (i < len && l[i] != ' ' && l[i] != '\t')
		i++;
	if (i == s)
		return false;
	*name = l + s;
	*nlen = i - s;
	return true;
}

static const char *next_line(const char **p, const char *end, size_t *len)
{
	if (*p >= end)
		return NULL;
	const char *l = *p, *nl = memchr(l, '\n', (size_t)(end - l));
	*len = nl ? (size_t)(nl - l) : (size_t)(end - l);
	*p = nl ? nl + 1 : end;
	return l;
}

int hv_parse_buddyinfo_low_zones(const char *buf, size_t len, int *zones)
{
	const char *p = buf, *end = buf + len, *l, *name;
	size_t ll, nlen;
	int n = 0, line = 0;
	*zones = -1;
	while ((l = next_line(&p, end, &ll))) {
		line++;
		if (ll == 0)
			continue;
		if (!zone_header(l, ll, &name, &nlen))
			return hv_fail(EINVAL, "line %d: '%.*s' is not 'Node N, zone NAME ...'", line,
				       (int)(ll > 60 ? 60 : ll), l);
		n += low_zone(name, nlen) && n < 1 << 20;
	}
	*zones = n;
	return 0;
}

/* "KEY N" with KEY at the start of l (after blanks) and N the rest; 1 when
 * it is that line, 0 when not, -EINVAL when the number is bad. */
static int key_num(const char *l, size_t len, const char *key, int64_t *v)
{
	size_t i = 0, k = strlen(key);
	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (len - i < k + 1 || memcmp(l + i, key, k) != 0 || (l[i + k] != ' ' && l[i + k] != '\t'))
		return 0;
	i += k;
	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	char num[24];
	size_t n = len - i;
	while (n && (l[i + n - 1] == ' ' || l[i + n - 1] == '\t' || l[i + n - 1] == '\r'))
		n--;
	if (n == 0 || n >= sizeof(num))
		return hv_fail(EINVAL, "'%s' without a number", key);
	memcpy(num, l + i, n);
	num[n] = '\0';
	uint64_t u;
	if (hv_parse_u64(num, &u) < 0 || u > INT64_MAX / 4)
		return hv_fail(EINVAL, "%s '%s' is not a page count", key, num);
	*v = (int64_t)u;
	return 1;
}

int hv_parse_pagetypeinfo_block(const char *buf, size_t len, int64_t *pages)
{
	const char *p = buf, *end = buf + len, *l;
	size_t ll;
	*pages = -1;
	while ((l = next_line(&p, end, &ll))) {
		int rc = key_num(l, ll, "Pages per block:", pages);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			if (*pages <= 0 || (*pages & (*pages - 1)) != 0 || *pages > 1 << 20)
				return hv_fail(EINVAL, "Pages per block: %lld is not a power of two up to 2^20",
					       (long long)*pages);
			return 0;
		}
	}
	return hv_fail(EINVAL, "no 'Pages per block:' line");
}

/* nr_free_zone_pages(ZONE_NORMAL), as nr_free_buffer_pages() counts it: the
 * managed pages above the high watermark of every zone up to Normal. */
int hv_parse_zoneinfo_lowmem(const char *buf, size_t len, int64_t *pages)
{
	const char *p = buf, *end = buf + len, *l, *name;
	size_t ll, nlen;
	int64_t sum = 0, managed = -1, high = -1, v;
	bool in_low = false;
	*pages = -1;
	for (;;) {
		l = next_line(&p, end, &ll);
		bool header = l && zone_header(l, ll, &name, &nlen);
		if (!l || header) {
			/* the zone before ends here */
			if (in_low) {
				if (managed < 0 || high < 0)
					return hv_fail(EINVAL, "a %s zone without its managed or high line",
						       "DMA/DMA32/Normal");
				if (managed > high)
					sum += managed - high;
				if (sum > INT64_MAX / 4)
					return hv_fail(EINVAL, "managed pages beyond any memory");
			}
			if (!l)
				break;
			in_low = low_zone(name, nlen);
			managed = high = -1;
			continue;
		}
		if (!in_low)
			continue;
		/* the per-cpu pagesets have "high:" lines: the colon tells them apart */
		int rc = managed < 0 ? key_num(l, ll, "managed", &v) : 0;
		if (rc < 0)
			return rc;
		if (rc == 1) {
			managed = v;
			continue;
		}
		rc = high < 0 ? key_num(l, ll, "high", &v) : 0;
		if (rc < 0)
			return rc;
		if (rc == 1)
			high = v;
	}
	*pages = sum;
	return 0;
}

int hv_parse_thp_enabled(const char *buf, char *mode, size_t cap)
{
	const char *a = strchr(buf, '['), *b = a ? strchr(a, ']') : NULL;
	int shown = (int)strcspn(buf, "\n");
	shown = shown > 40 ? 40 : shown;
	if (!a || !b || b == a + 1 || (size_t)(b - a - 1) >= cap)
		return hv_fail(EINVAL, "'%.*s' names no mode in brackets", shown, buf);
	for (const char *c = a + 1; c < b; c++)
		if (*c < 'a' || *c > 'z')
			return hv_fail(EINVAL, "'%.*s' names no mode in brackets", shown, buf);
	snprintf(mode, cap, "%.*s", (int)(b - a - 1), a + 1);
	return 0;
}
