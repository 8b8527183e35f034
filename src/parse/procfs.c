/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure parsers of the per-process files `top` reads: proc/PID/status
 * (HugetlbPages, Uid, Name) and the hugetlb mappings of proc/PID/smaps.
 * No I/O: src/probe/procs.c feeds them, and so does fuzz_procfs. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "procs.h"

/* Decimal at p (after blanks), bounded by end; -EINVAL when absent or too big. */
static int dec(const char **pp, const char *end, int64_t *out)
{
	const char *p = *pp;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	int64_t v = 0;
	const char *start = p;
	while (p < end && *p >= '0' && *p <= '9') {
		if (v > (INT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (*p++ - '0');
	}
	if (p == start)
		return -EINVAL;
	*pp = p;
	*out = v;
	return 0;
}

int hv_parse_status_hugetlb(const char *buf, size_t len, int64_t *out)
{
	static const char key[] = "\nHugetlbPages:";
	const char *p = memmem(buf, len, key, sizeof(key) - 1);
	if (!p)
		return -ENOENT;
	p += sizeof(key) - 1;
	return dec(&p, buf + len, out);
}

int hv_parse_status_euid(const char *buf, size_t len, long *out)
{
	static const char key[] = "\nUid:";
	const char *p = memmem(buf, len, key, sizeof(key) - 1);
	if (!p)
		return -ENOENT;
	p += sizeof(key) - 1;
	int64_t real, eff;
	if (dec(&p, buf + len, &real) < 0 || dec(&p, buf + len, &eff) < 0 || eff > 0xffffffffll)
		return -EINVAL;
	*out = (long)eff;
	return 0;
}

static int hex(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	const char *start = p;
	for (; p < end; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
		if (d < 0)
			break;
		if (v >> 60)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	if (p == start)
		return -EINVAL;
	*pp = p;
	*out = v;
	return 0;
}

/* "start-end perms offset MM:mm inode ..." */
static int vma_header(const char *p, const char *end, struct hv_htlb_vma *v)
{
	uint64_t start, stop, off, maj, min;
	int64_t ino;
	if (hex(&p, end, &start) < 0 || p >= end || *p++ != '-' || hex(&p, end, &stop) < 0 || stop < start)
		return -EINVAL;
	if (p >= end || *p++ != ' ')
		return -EINVAL;
	while (p < end && *p != ' ')
		p++; /* perms */
	if (p >= end || *p++ != ' ' || hex(&p, end, &off) < 0 || p >= end || *p++ != ' ')
		return -EINVAL;
	if (hex(&p, end, &maj) < 0 || p >= end || *p++ != ':' || hex(&p, end, &min) < 0 || maj > 0xfff ||
	    min > 0xfffff || dec(&p, end, &ino) < 0)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	while (p < end && *p == ' ')
		p++;
	/* ipc/shm.c names a segment's file "SYSV%08x" and the segment's
	 * removal (or shm_file's lack of a dentry in the mount) adds
	 * " (deleted)" */
	v->sysv = end - p >= 13 && !memcmp(p, "/SYSV", 5);
	for (int i = 5; v->sysv && i < 13; i++)
		v->sysv = (p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f');
	v->dev_major = (unsigned)maj;
	v->dev_minor = (unsigned)min;
	v->ino = (uint64_t)ino;
	v->offset = off;
	return 0;
}

static bool is_vma_header(const char *p, const char *end)
{
	/* Field lines start with a capitalized key; headers with a hex address. */
	const char *q = p;
	while (q < end && ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f')))
		q++;
	return q > p && q < end && *q == '-';
}

/* "Key:   123 kB" -> 123 */
static int kb_field(const char *p, const char *end, const char *key, int64_t *out, bool *hit)
{
	size_t k = strlen(key);
	if ((size_t)(end - p) <= k || memcmp(p, key, k) || p[k] != ':')
		return 0;
	p += k + 1;
	*hit = true;
	return dec(&p, end, out);
}

static bool has_flag(const char *p, const char *end, const char *flag)
{
	for (;;) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			return false;
		const char *w = p;
		while (p < end && *p != ' ')
			p++;
		if ((size_t)(p - w) == strlen(flag) && !memcmp(w, flag, (size_t)(p - w)))
			return true;
	}
}

int hv_parse_smaps_hugetlb(const char *buf, size_t len, struct hv_htlb_vma **vp, int *np)
{
	struct hv_htlb_vma *v = NULL, cur;
	int n = 0, cap = 0;
	bool in_vma = false;
	const char *end = buf + len;
	*vp = NULL;
	*np = 0;
	for (const char *p = buf; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		bool hit = false;
		int rc = 0;
		if (is_vma_header(p, eol)) {
			if ((rc = vma_header(p, eol, &cur)) < 0)
				goto bad;
			in_vma = true;
		} else if (in_vma) {
			if ((rc = kb_field(p, eol, "Size", &cur.size_kib, &hit)) < 0 ||
			    (!hit && (rc = kb_field(p, eol, "Private_Hugetlb", &cur.private_kib, &hit)) < 0) ||
			    (!hit && (rc = kb_field(p, eol, "Shared_Hugetlb", &cur.shared_kib, &hit)) < 0) ||
			    (!hit && (rc = kb_field(p, eol, "KernelPageSize", &cur.page_kib, &hit)) < 0))
				goto bad;
			/* VmFlags closes a mapping; "ht" marks hugetlb (kernel 3.8+). */
			if (!hit && eol - p > 8 && !memcmp(p, "VmFlags:", 8)) {
				in_vma = false;
				if (has_flag(p + 8, eol, "ht")) {
					if (n == cap) {
						int nc = cap ? cap * 2 : 8;
						struct hv_htlb_vma *nv = realloc(v, (size_t)nc * sizeof(*nv));
						if (!nv) {
							free(v);
							return -ENOMEM;
						}
						v = nv;
						cap = nc;
					}
					v[n++] = cur;
				}
			}
		}
		p = eol < end ? eol + 1 : end;
		continue;
	bad:
		free(v);
		return rc;
	}
	*vp = v;
	*np = n;
	return 0;
}

int hv_parse_status_name(const char *buf, size_t len, char *out, size_t cap)
{
	static const char key[] = "Name:";
	const char *p = NULL;
	if (len >= sizeof(key) - 1 && !memcmp(buf, key, sizeof(key) - 1))
		p = buf;
	else if ((p = memmem(buf, len, "\nName:", 6)))
		p++;
	if (!p || cap == 0)
		return -ENOENT;
	const char *end = buf + len;
	p += sizeof(key) - 1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* the kernel escapes only backslash and newline (proc_task_name) */
	size_t n = 0;
	for (; p < end && *p != '\n' && n < cap - 1; p++) {
		char ch = *p;
		if (ch == '\\' && p + 1 < end && (p[1] == '\\' || p[1] == 'n'))
			ch = *++p == 'n' ? '\n' : '\\';
		out[n++] = ch;
	}
	out[n] = '\0';
	return 0;
}

/* A decimal count of at most 15 digits in [p, e): -1 when it is not one. */
static int64_t count_of(const char *p, const char *e)
{
	if (p >= e || e - p > 15)
		return -1;
	int64_t v = 0;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

static int add_use(struct hv_numa_use *v, int max, int *n, bool *truncated, int64_t page_kib, int node, int64_t pages)
{
	int i = 0;
	while (i < *n && (v[i].page_kib < page_kib || (v[i].page_kib == page_kib && v[i].node < node)))
		i++;
	if (i < *n && v[i].page_kib == page_kib && v[i].node == node) {
		if (v[i].pages > INT64_MAX / 2 - pages)
			return -EINVAL;
		v[i].pages += pages;
		return 0;
	}
	if (*n == max) {
		*truncated = true;
		return 0;
	}
	memmove(v + i + 1, v + i, (size_t)(*n - i) * sizeof(*v));
	v[i] = (struct hv_numa_use){page_kib, node, pages};
	(*n)++;
	return 0;
}

int hv_parse_numa_maps_hugetlb(const char *buf, size_t len, struct hv_numa_use *v, int max, int *n, bool *truncated)
{
	*n = 0;
	*truncated = false;
	const char *end = buf + len;
	for (const char *p = buf; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		/* words: ADDRESS POLICY [file=...] huge ... N0=2 kernelpagesize_kB=2048 */
		bool huge = false;
		int64_t page_kib = 0;
		int nodes[64], nn = 0;
		int64_t pages[64];
		for (const char *w = p; w < eol;) {
			while (w < eol && *w == ' ')
				w++;
			const char *we = memchr(w, ' ', (size_t)(eol - w));
			if (!we)
				we = eol;
			size_t wl = (size_t)(we - w);
			if (wl == 4 && !memcmp(w, "huge", 4))
				huge = true;
			else if (wl > 18 && !memcmp(w, "kernelpagesize_kB=", 18)) {
				if ((page_kib = count_of(w + 18, we)) <= 0)
					return -EINVAL;
			} else if (wl > 2 && w[0] == 'N' && w[1] >= '0' && w[1] <= '9') {
				const char *eq = memchr(w, '=', wl);
				int64_t node = eq ? count_of(w + 1, eq) : -1, cnt = eq ? count_of(eq + 1, we) : -1;
				if (node < 0 || node >= 1 << 16 || cnt < 0)
					return -EINVAL;
				if (nn < 64) {
					nodes[nn] = (int)node;
					pages[nn++] = cnt;
				}
			}
			w = we;
		}
		if (huge && page_kib > 0)
			for (int i = 0; i < nn; i++)
				if (pages[i] > 0 && add_use(v, max, n, truncated, page_kib, nodes[i], pages[i]) < 0)
					return -EINVAL;
		p = eol < end ? eol + 1 : end;
	}
	return 0;
}
