/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The zone files behind the free-memory reserve check (doc/kernel-rules.md,
 * "Reserve against fragmentation"): the pageblock size (/proc/pagetypeinfo,
 * root only), the populated low zones and their managed pages less their
 * high watermark (/proc/zoneinfo), and the THP mode; and behind the
 * allocation forecast ("Allocation forecast"): the free blocks of every
 * zone (/proc/buddyinfo) and its watermarks (/proc/zoneinfo). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "hv_error.h"
#include "parse.h"

/* The zones set_recommended_min_free_kbytes() counts: those up to
 * ZONE_NORMAL (gfp_zone(GFP_USER)), so not Movable, HighMem or Device. */
static bool low_zone(const char *name, size_t len)
{
	return (len == 3 && !memcmp(name, "DMA", 3)) || (len == 5 && !memcmp(name, "DMA32", 5)) ||
	       (len == 6 && !memcmp(name, "Normal", 6));
}

/* "Node N, zone NAME...": N, NAME and its length, and where the rest of
 * the line starts; false when the line is not a zone header. */
static bool zone_header_at(const char *l, size_t len, int *node, const char **name, size_t *nlen, size_t *rest)
{
	size_t i = 5;
	long n = 0;
	if (len < 5 || memcmp(l, "Node ", 5) != 0)
		return false;
	if (i >= len || l[i] < '0' || l[i] > '9')
		return false;
	while (i < len && l[i] >= '0' && l[i] <= '9') {
		n = n < 1L << 20 ? n * 10 + (l[i] - '0') : n; /* stays an int: check_zone() refuses it */
		i++;
	}
	*node = (int)n;
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
	*rest = i;
	return true;
}

static bool zone_header(const char *l, size_t len, const char **name, size_t *nlen)
{
	int node;
	size_t rest;
	return zone_header_at(l, len, &node, name, nlen, &rest);
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
int hv_parse_zoneinfo_lowmem(const char *buf, size_t len, int64_t *pages, int *zones)
{
	const char *p = buf, *end = buf + len, *l, *name;
	size_t ll, nlen;
	int64_t sum = 0, managed = -1, high = -1, present = -1, v;
	int populated = 0;
	bool in_low = false;
	*pages = -1;
	*zones = -1;
	for (;;) {
		l = next_line(&p, end, &ll);
		bool header = l && zone_header(l, ll, &name, &nlen);
		if (!l || header) {
			/* the zone before ends here */
			if (in_low) {
				if (managed < 0 || high < 0 || present < 0)
					return hv_fail(EINVAL, "a %s zone without its present, managed or high line",
						       "DMA/DMA32/Normal");
				if (managed > high)
					sum += managed - high;
				if (sum > INT64_MAX / 4)
					return hv_fail(EINVAL, "managed pages beyond any memory");
				/* populated_zone(): present pages; what buddyinfo lists */
				populated += present > 0 && populated < 1 << 20;
			}
			if (!l)
				break;
			in_low = low_zone(name, nlen);
			managed = high = present = -1;
			continue;
		}
		if (!in_low)
			continue;
		int prc = present < 0 ? key_num(l, ll, "present", &v) : 0;
		if (prc < 0)
			return prc;
		if (prc == 1) {
			present = v;
			continue;
		}
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
	*zones = populated;
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

void hv_free_blocks_release(struct hv_free_blocks *fb)
{
	free(fb->z);
	*fb = (struct hv_free_blocks){0};
}

static bool same_zone(const struct hv_zone_free *z, int node, const char *name, size_t nlen)
{
	return z->node == node && strlen(z->name) == nlen && !memcmp(z->name, name, nlen);
}

/* A new zone (node, name) at the end of fb; NULL when no memory is left. */
static struct hv_zone_free *append_zone(struct hv_free_blocks *fb, int node, const char *name, size_t nlen)
{
	if (fb->n == fb->cap) {
		int cap = fb->cap ? fb->cap * 2 : 16;
		struct hv_zone_free *z = realloc(fb->z, (size_t)cap * sizeof(*z));
		if (!z)
			return NULL;
		fb->z = z;
		fb->cap = cap;
	}
	struct hv_zone_free *z = &fb->z[fb->n++];
	*z = (struct hv_zone_free){.node = node, .idx = -1, .free_pages = HV_UNKNOWN, .min_pages = HV_UNKNOWN};
	snprintf(z->name, sizeof(z->name), "%.*s", (int)nlen, name);
	return z;
}

/* Both files list the nodes in ascending order (for_each_online_pgdat()),
 * so a zone is looked for among its node's few zones only: the parse stays
 * linear at 1,024 nodes. The zones of fb from index from on that belong to
 * node, searched backwards from the end: those of the node being read. */
static struct hv_zone_free *last_node_zone(struct hv_free_blocks *fb, int from, int node, const char *name,
					   size_t nlen)
{
	for (int j = fb->n - 1; j >= from && fb->z[j].node == node; j--)
		if (same_zone(&fb->z[j], node, name, nlen))
			return &fb->z[j];
	return NULL;
}

static int node_order(int line, int node, int *prev)
{
	if (node < *prev)
		return hv_fail(EINVAL, "line %d: node %d after node %d: not the kernel's ascending order", line, node,
			       *prev);
	*prev = node;
	return 0;
}

/* A node id the kernel can have (MAX_NUMNODES is at most 1024) and a zone
 * name that fits: the zone names are short (mm/page_alloc.c zone_names). */
static int check_zone(int line, int node, size_t nlen, const char *name)
{
	if (node < 0 || node >= HV_MAX_NODES)
		return hv_fail(EINVAL, "line %d: node %d: node ids end at %d", line, node, HV_MAX_NODES - 1);
	if (nlen >= sizeof(((struct hv_zone_free *)0)->name))
		return hv_fail(EINVAL, "line %d: zone '%.*s' is not a zone name", line, (int)(nlen > 40 ? 40 : nlen),
			       name);
	return 0;
}

/* More than 2^36 free blocks of one order in one zone would be 256 TiB of
 * 4K pages at order 0: a damaged file; the bound keeps the forecast's
 * shifts (at most 23 orders up) inside 64 bits. */
#define MAX_BLOCKS (1ULL << 36)

int hv_parse_buddyinfo(const char *buf, size_t len, struct hv_free_blocks *fb)
{
	const char *p = buf, *end = buf + len, *l, *name;
	size_t ll, nlen, i;
	int line = 0, node, prev = 0, rc;
	*fb = (struct hv_free_blocks){0};
	while ((l = next_line(&p, end, &ll))) {
		line++;
		if (ll == 0)
			continue;
		if (!zone_header_at(l, ll, &node, &name, &nlen, &i)) {
			rc = hv_fail(EINVAL, "line %d: '%.*s' is not 'Node N, zone NAME COUNTS...'", line,
				     (int)(ll > 60 ? 60 : ll), l);
			goto fail;
		}
		if ((rc = check_zone(line, node, nlen, name)) < 0 || (rc = node_order(line, node, &prev)) < 0)
			goto fail;
		if (last_node_zone(fb, 0, node, name, nlen)) {
			rc = hv_fail(EINVAL, "line %d: node %d zone %.*s appears twice", line, node, (int)nlen, name);
			goto fail;
		}
		struct hv_zone_free *z = append_zone(fb, node, name, nlen);
		if (!z) {
			rc = -ENOMEM;
			goto fail;
		}
		for (;;) {
			while (i < ll && (l[i] == ' ' || l[i] == '\t' || l[i] == '\r'))
				i++;
			if (i == ll)
				break;
			size_t s = i;
			while (i < ll && l[i] != ' ' && l[i] != '\t' && l[i] != '\r')
				i++;
			char num[24];
			uint64_t v;
			if (i - s >= sizeof(num) || (memcpy(num, l + s, i - s), num[i - s] = '\0', hv_parse_u64(num, &v)) < 0 ||
			    v > MAX_BLOCKS) {
				rc = hv_fail(EINVAL, "line %d: free block count '%.*s' is not a count", line,
					     (int)(i - s > 24 ? 24 : i - s), l + s);
				goto fail;
			}
			if (z->norders == HV_BUDDY_ORDERS) {
				rc = hv_fail(EINVAL, "line %d: more than %d orders", line, HV_BUDDY_ORDERS);
				goto fail;
			}
			z->blocks[z->norders++] = v;
		}
		if (z->norders == 0) {
			rc = hv_fail(EINVAL, "line %d: node %d zone %s without free block counts", line, node, z->name);
			goto fail;
		}
	}
	fb->read = true;
	return 0;
fail:
	hv_free_blocks_release(fb);
	return rc;
}

/* "protection: (a, b, ...)" into z; -EINVAL when malformed. */
static int protection(const char *l, size_t len, struct hv_zone_free *z)
{
	size_t i = 0;
	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (len - i < 13 || memcmp(l + i, "protection: (", 13) != 0)
		return 0;
	i += 13;
	z->nprot = 0;
	for (;;) {
		while (i < len && l[i] == ' ')
			i++;
		size_t s = i;
		while (i < len && l[i] >= '0' && l[i] <= '9')
			i++;
		char num[24];
		uint64_t v;
		if (i == s || i - s >= sizeof(num) || z->nprot == HV_ZONE_PROT)
			return hv_fail(EINVAL, "'%.*s' is not a protection list", (int)(len > 60 ? 60 : len), l);
		memcpy(num, l + s, i - s);
		num[i - s] = '\0';
		if (hv_parse_u64(num, &v) < 0 || v > MAX_BLOCKS)
			return hv_fail(EINVAL, "protection '%s' is not a page count", num);
		z->protection[z->nprot++] = (int64_t)v;
		if (i < len && l[i] == ',') {
			i++;
			continue;
		}
		if (i < len && l[i] == ')')
			return 1;
		return hv_fail(EINVAL, "'%.*s' is not a protection list", (int)(len > 60 ? 60 : len), l);
	}
}

int hv_parse_zoneinfo_marks(const char *buf, size_t len, struct hv_free_blocks *fb)
{
	const char *p = buf, *end = buf + len, *l, *name;
	size_t ll, nlen, rest;
	int line = 0, node, prev_node = -1, order = 0, idx = 0, rc;
	int64_t v;
	/* buddyinfo's zones, in node order: a cursor walks them with the file */
	int listed = fb->n, cur = 0;
	struct hv_zone_free *z = NULL;
	while ((l = next_line(&p, end, &ll))) {
		line++;
		if (zone_header_at(l, ll, &node, &name, &nlen, &rest)) {
			if ((rc = check_zone(line, node, nlen, name)) < 0 || (rc = node_order(line, node, &order)) < 0)
				return rc;
			idx = node == prev_node ? idx + 1 : 0;
			prev_node = node;
			while (cur < listed && fb->z[cur].node < node)
				cur++;
			z = NULL;
			for (int j = cur; j < listed && fb->z[j].node == node && !z; j++)
				if (same_zone(&fb->z[j], node, name, nlen))
					z = &fb->z[j];
			if (!z && !(z = last_node_zone(fb, listed, node, name, nlen)) &&
			    !(z = append_zone(fb, node, name, nlen)))
				return -ENOMEM;
			if (z->idx >= 0)
				return hv_fail(EINVAL, "line %d: node %d zone %s appears twice", line, node, z->name);
			z->idx = idx;
			continue;
		}
		/* the per-cpu pagesets, after a zone's own lines, have no
		 * "pages free", "min" or "protection:" lines */
		if (!z)
			continue;
		if (z->free_pages < 0 && (rc = key_num(l, ll, "pages free", &v)) != 0) {
			if (rc < 0)
				return hv_fail(EINVAL, "line %d: %s", line, hv_last_error());
			z->free_pages = v;
		} else if (z->min_pages < 0 && (rc = key_num(l, ll, "min", &v)) != 0) {
			if (rc < 0)
				return hv_fail(EINVAL, "line %d: %s", line, hv_last_error());
			z->min_pages = v;
		} else if (z->nprot == 0 && (rc = protection(l, ll, z)) != 0) {
			if (rc < 0)
				return hv_fail(EINVAL, "line %d: %s", line, hv_last_error());
		}
	}
	for (int i = 0; i < fb->n; i++)
		if (fb->z[i].idx < 0 || fb->z[i].free_pages < 0 || fb->z[i].min_pages < 0)
			return hv_fail(EINVAL, "node %d zone %s: %s", fb->z[i].node, fb->z[i].name,
				       fb->z[i].idx < 0 ? "in buddyinfo but not in zoneinfo"
						       : "no 'pages free' or 'min' line");
	fb->zoneinfo = true;
	return 0;
}

int hv_parse_group(const char *buf, size_t len, int64_t gid, char *name, size_t ncap, char *members, size_t mcap)
{
	for (size_t i = 0; i < len;) {
		const char *line = buf + i, *nl = memchr(line, '\n', len - i);
		size_t l = nl ? (size_t)(nl - line) : len - i;
		i += l + (nl != NULL);
		if (memchr(line, '\0', l)) /* not text: no line of the file */
			continue;
		/* four fields: the name, the password, the gid, the members */
		const char *f[4];
		size_t fl[4];
		int n = 0;
		size_t start = 0;
		for (size_t k = 0; k < l && n < 3; k++)
			if (line[k] == ':') {
				f[n] = line + start;
				fl[n++] = k - start;
				start = k + 1;
			}
		if (n != 3)
			continue;
		f[3] = line + start; /* the rest: the members, no ':' in them */
		fl[3] = l - start;
		if (fl[0] == 0 || fl[2] == 0 || fl[2] > 10 || memchr(f[3], ':', fl[3]))
			continue;
		int64_t g = 0;
		bool digits = true;
		for (size_t k = 0; k < fl[2]; k++) {
			if (f[2][k] < '0' || f[2][k] > '9')
				digits = false;
			else
				g = g * 10 + (f[2][k] - '0');
		}
		if (!digits || g != gid)
			continue;
		snprintf(name, ncap, "%.*s", (int)fl[0], f[0]);
		snprintf(members, mcap, "%.*s", (int)fl[3], f[3]);
		return 1;
	}
	return 0;
}
