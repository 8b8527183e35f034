/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/meminfo ("Name:   123 kB") and /proc/vmstat ("name 123") lines. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "hv_error.h"
#include "parse.h"

int hv_parse_kv_line(const char *line, size_t len, char *namebuf, size_t namecap, uint64_t *value, int *has_kb)
{
	size_t i = 0, n = 0;
	while (i < len && line[i] != ':' && line[i] != ' ' && line[i] != '\t') {
		if (n + 1 < namecap)
			namebuf[n++] = line[i];
		i++;
	}
	namebuf[n] = '\0';
	if (n == 0 || i == len)
		return hv_fail(EINVAL, "line without a value: '%.*s'", (int)(len > 60 ? 60 : len), line);
	if (line[i] == ':')
		i++;
	char num[32];
	size_t j = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (i < len && line[i] != ' ' && line[i] != '\t' && j + 1 < sizeof(num))
		num[j++] = line[i++];
	num[j] = '\0';
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	*has_kb = 0;
	if (len - i == 2 && line[i] == 'k' && line[i + 1] == 'B') {
		*has_kb = 1;
		i += 2;
	}
	if (i != len)
		return hv_fail(EINVAL, "%s: unexpected text after the value: '%.*s'", namebuf,
			       (int)(len - i > 40 ? 40 : len - i), line + i);
	int rc = hv_parse_u64(num, value);
	if (rc < 0)
		return hv_fail(-rc, "%s: %s", namebuf, hv_last_error());
	return 0;
}

/* Calls fn for each line; stops on the first error. */
typedef int (*line_fn)(const char *name, uint64_t v, int has_kb, void *ctx);

/* Only the lines named in `wanted` must parse: a kernel may add lines of a
 * new shape, and a line we never use must not make the report fail. */
static int is_wanted(const char *line, size_t len, const char *const *wanted)
{
	for (; *wanted; wanted++) {
		size_t n = strlen(*wanted);
		if (len > n && strncmp(line, *wanted, n) == 0 && (line[n] == ':' || line[n] == ' ' || line[n] == '\t'))
			return 1;
	}
	return 0;
}

static int each_kv(const char *buf, size_t len, const char *const *wanted, line_fn fn, void *ctx)
{
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		if (ll > 0 && is_wanted(buf + pos, ll, wanted)) {
			char name[64];
			uint64_t v;
			int kb;
			int rc = hv_parse_kv_line(buf + pos, ll, name, sizeof(name), &v, &kb);
			if (rc < 0)
				return rc;
			rc = fn(name, v, kb, ctx);
			if (rc < 0)
				return rc;
		}
		pos += ll + 1;
	}
	return 0;
}

static int set_kib(int64_t *field, const char *name, uint64_t v, int has_kb, int want_kb)
{
	if (has_kb != want_kb)
		return hv_fail(EINVAL, "%s: unexpected unit (%s)", name, has_kb ? "kB where a count belongs" : "no kB");
	if (v > INT64_MAX / 1024)
		return hv_fail(ERANGE, "%s: value out of range: %llu", name, (unsigned long long)v);
	*field = (int64_t)v;
	return 0;
}

static const char *const meminfo_names[] = {"MemTotal", "MemFree", "Hugetlb", "Hugepagesize",
					    "AnonHugePages", "ShmemHugePages", "FileHugePages", NULL};
static const char *const vmstat_names[] = {"nr_memmap_pages", "nr_memmap_boot_pages", NULL};

static int meminfo_line(const char *name, uint64_t v, int kb, void *ctx)
{
	struct hv_meminfo *mi = ctx;
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{"MemTotal", offsetof(struct hv_meminfo, mem_total_kib)},
		{"MemFree", offsetof(struct hv_meminfo, mem_free_kib)},
		{"Hugetlb", offsetof(struct hv_meminfo, hugetlb_kib)},
		{"Hugepagesize", offsetof(struct hv_meminfo, hugepagesize_kib)},
		{"AnonHugePages", offsetof(struct hv_meminfo, anon_huge_kib)},
		{"ShmemHugePages", offsetof(struct hv_meminfo, shmem_huge_kib)},
		{"FileHugePages", offsetof(struct hv_meminfo, file_huge_kib)},
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (strcmp(name, fields[i].name) == 0)
			return set_kib((int64_t *)((char *)mi + fields[i].off), name, v, kb, 1);
	return 0;
}

int hv_parse_meminfo(const char *buf, size_t len, struct hv_meminfo *mi)
{
	mi->mem_total_kib = mi->mem_free_kib = HV_UNKNOWN;
	mi->hugetlb_kib = mi->hugepagesize_kib = HV_UNKNOWN;
	mi->anon_huge_kib = mi->shmem_huge_kib = mi->file_huge_kib = HV_UNKNOWN;
	int rc = each_kv(buf, len, meminfo_names, meminfo_line, mi);
	if (rc < 0)
		return rc;
	if (mi->mem_total_kib == HV_UNKNOWN) {
		char start[41];
		size_t n = 0;
		for (; n < len && n < sizeof(start) - 1 && buf[n] != '\n'; n++)
			start[n] = (buf[n] >= 0x20 && buf[n] < 0x7f) ? buf[n] : '?';
		start[n] = '\0';
		return hv_fail(EINVAL, "no MemTotal line (the file begins '%s')", start);
	}
	return 0;
}

struct vmstat_ctx {
	int64_t *pages, *boot;
};

static int vmstat_line(const char *name, uint64_t v, int kb, void *ctx)
{
	struct vmstat_ctx *c = ctx;
	int64_t *f = NULL;
	if (strcmp(name, "nr_memmap_pages") == 0)
		f = c->pages;
	else if (strcmp(name, "nr_memmap_boot_pages") == 0)
		f = c->boot;
	return f ? set_kib(f, name, v, kb, 0) : 0;
}

int hv_parse_vmstat(const char *buf, size_t len, int64_t *memmap_pages, int64_t *memmap_boot_pages)
{
	struct vmstat_ctx c = {memmap_pages, memmap_boot_pages};
	*memmap_pages = *memmap_boot_pages = HV_UNKNOWN;
	int rc = each_kv(buf, len, vmstat_names, vmstat_line, &c);
	if (rc < 0)
		return rc;
	/* The two counters were added together; one without the other is a damaged file. */
	if ((*memmap_pages == HV_UNKNOWN) != (*memmap_boot_pages == HV_UNKNOWN))
		return hv_fail(EINVAL, "has only one of nr_memmap_pages and nr_memmap_boot_pages");
	return 0;
}
