/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hugetlbfs mounts: the lines of /proc/mounts (fs/proc_namespace.c
 * show_vfsmnt(), options from fs/hugetlbfs/inode.c hugetlbfs_show_options())
 * and the statfs() record a snapshot keeps of each. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv_error.h"
#include "parse.h"

int hv_mount_unescape(const char *in, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		/* seq_escape() writes space, tab, newline and backslash as \ooo */
		if (c == '\\' && i + 3 < n && in[i + 1] >= '0' && in[i + 1] <= '3' &&
		    in[i + 2] >= '0' && in[i + 2] <= '7' && in[i + 3] >= '0' && in[i + 3] <= '7') {
			c = (char)((in[i + 1] - '0') << 6 | (in[i + 2] - '0') << 3 | (in[i + 3] - '0'));
			i += 3;
		}
		if (c == '\0')
			return hv_fail(EINVAL, "a NUL in a mount path");
		if (o + 1 >= cap)
			return hv_fail(ENAMETOOLONG, "mount path longer than %zu bytes", cap - 1);
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* The next blank-separated field of [*p, end); its length, 0 at the end. */
static size_t field(const char **p, const char *end, const char **start)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	*start = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	*p = s;
	return (size_t)(s - *start);
}

static int option(struct hv_hugetlbfs_mount *mt, const char *o, size_t n, const char *line)
{
	char name[32], val[64];
	const char *eq = memchr(o, '=', n);
	size_t nl = eq ? (size_t)(eq - o) : n, vl = eq ? n - nl - 1 : 0;
	if (nl >= sizeof(name) || vl >= sizeof(val))
		return 0; /* no option of ours is that long */
	memcpy(name, o, nl);
	name[nl] = '\0';
	memcpy(val, eq ? eq + 1 : "", vl);
	val[vl] = '\0';
	uint64_t v;
	int rc = 0;
	if (!strcmp(name, "ro"))
		mt->ro = true;
	else if (!strcmp(name, "uid") || !strcmp(name, "gid")) {
		if ((rc = hv_parse_u64(val, &v)) == 0 && v > UINT32_MAX)
			rc = -ERANGE;
		if (rc == 0)
			*(name[0] == 'u' ? &mt->uid : &mt->gid) = (uint32_t)v;
	} else if (!strcmp(name, "mode")) {
		char *e;
		errno = 0;
		unsigned long m = strtoul(val, &e, 8);
		rc = !val[0] || *e || errno || m > 07777 ? -EINVAL : 0;
		mt->mode = (uint32_t)m;
	} else if (!strcmp(name, "pagesize")) {
		/* "%lu%c" with K or M: 1G pages read "1024M" */
		rc = hv_parse_size(val, &mt->page_size);
	} else if (!strcmp(name, "size") || !strcmp(name, "min_size") || !strcmp(name, "nr_inodes")) {
		if ((rc = hv_parse_u64(val, &v)) == 0 && v > INT64_MAX)
			rc = -ERANGE;
		int64_t *dst = name[0] == 's' ? &mt->size_limit : name[0] == 'm' ? &mt->min_size : &mt->nr_inodes;
		if (rc == 0)
			*dst = (int64_t)v;
	}
	hv_clear_error();
	if (rc < 0)
		return hv_fail(EINVAL, "hugetlbfs mount %s: option %s=%s is not a valid value", line, name, val);
	return 0;
}

static int mount_line(struct hv_mounts *m, const char *l, size_t ll)
{
	const char *p = l, *end = l + ll, *f[4];
	size_t n[4];
	for (int i = 0; i < 4; i++)
		if (!(n[i] = field(&p, end, &f[i])))
			return 0; /* not a whole line: not a mount we can name */
	if (n[2] != 9 || memcmp(f[2], "hugetlbfs", 9))
		return 0;
	if (m->n >= HV_MAX_MOUNTS) {
		m->truncated = true;
		return 0;
	}
	struct hv_hugetlbfs_mount *mt = &m->m[m->n];
	memset(mt, 0, sizeof(*mt));
	mt->size_limit = mt->min_size = mt->nr_inodes = HV_UNKNOWN;
	mt->mode = 0755;
	int rc = hv_mount_unescape(f[1], n[1], mt->path, sizeof(mt->path));
	if (rc < 0)
		return hv_fail(-rc, "hugetlbfs mount '%.*s': %s", (int)(n[1] > 60 ? 60 : n[1]), f[1], hv_last_error());
	for (const char *o = f[3], *oe = f[3] + n[3]; o < oe;) {
		const char *c = memchr(o, ',', (size_t)(oe - o));
		size_t on = c ? (size_t)(c - o) : (size_t)(oe - o);
		if ((rc = option(mt, o, on, mt->path)) < 0)
			return rc;
		o += on + 1;
	}
	m->n++;
	return 0;
}

int hv_parse_mounts(const char *buf, size_t len, struct hv_mounts *m)
{
	m->n = 0;
	m->truncated = false;
	m->read = true;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		int rc = mount_line(m, buf + pos, ll);
		if (rc < 0)
			return rc;
		pos += ll + 1;
	}
	return 0;
}

int hv_parse_mount_statfs(const char *buf, size_t len, struct hv_mounts *m)
{
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		const char *line = buf + pos, *p = line, *end = line + ll, *f[6];
		size_t n[6];
		pos += ll + 1;
		if (ll == 0 || line[0] == '#')
			continue;
		int k = 0;
		while (k < 6 && (n[k] = field(&p, end, &f[k])))
			k++;
		const char *rest;
		if (k < 6 || field(&p, end, &rest))
			return hv_fail(EINVAL, "not 'PATH BSIZE BLOCKS BFREE FILES FFREE': '%.*s'", (int)(ll > 60 ? 60 : ll),
				       line);
		char path[256], num[24];
		uint64_t v[5];
		int rc = hv_mount_unescape(f[0], n[0], path, sizeof(path));
		if (rc < 0) /* named as written */
			snprintf(path, sizeof(path), "%.*s", (int)(n[0] > 60 ? 60 : n[0]), f[0]);
		for (int i = 0; rc == 0 && i < 5; i++) {
			if (n[i + 1] >= sizeof(num)) {
				rc = hv_fail(ERANGE, "statfs figure of more than 23 digits");
				break;
			}
			memcpy(num, f[i + 1], n[i + 1]);
			num[n[i + 1]] = '\0';
			rc = hv_parse_u64(num, &v[i]);
		}
		if (rc < 0)
			return hv_fail(EINVAL, "statfs record of %.60s: %s", path, hv_last_error());
		for (int i = 0; i < m->n; i++) {
			if (strcmp(m->m[i].path, path))
				continue;
			struct hv_hugetlbfs_mount *mt = &m->m[i];
			mt->statfs_read = true;
			mt->f_bsize = v[0];
			mt->f_blocks = v[1];
			mt->f_bfree = v[2];
			mt->f_files = v[3];
			mt->f_ffree = v[4];
		}
	}
	return 0;
}

/* The record hv_probe_mounts() reads back, one line per mount, path
 * escaped as /proc/mounts escapes it; NULL with *len 0 when there is none. */
int hv_format_mount_statfs(const struct hv_mounts *m, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	size_t cap = 128 + (size_t)m->n * (4 * 256 + 128), n = 0;
	char *b = malloc(cap);
	if (!b)
		return hv_fail(ENOMEM, "out of memory");
	n += (size_t)snprintf(b, cap, "# statfs() of each hugetlbfs mount: PATH BSIZE BLOCKS BFREE FILES FFREE\n");
	for (int i = 0; i < m->n; i++) {
		const struct hv_hugetlbfs_mount *mt = &m->m[i];
		if (!mt->statfs_read)
			continue;
		for (const char *c = mt->path; *c; c++)
			/* and '#', which would start a comment line */
			if (*c == ' ' || *c == '\t' || *c == '\n' || *c == '\\' || *c == '#')
				n += (size_t)snprintf(b + n, cap - n, "\\%03o", (unsigned char)*c);
			else
				b[n++] = *c;
		n += (size_t)snprintf(b + n, cap - n, " %llu %llu %llu %llu %llu\n", (unsigned long long)mt->f_bsize,
				      (unsigned long long)mt->f_blocks, (unsigned long long)mt->f_bfree,
				      (unsigned long long)mt->f_files, (unsigned long long)mt->f_ffree);
	}
	*out = b;
	*len = n;
	return 0;
}
