/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/sysvipc/shm: one header line, then a segment per line
 * (ipc/shm.c sysvipc_shm_proc_show(): key shmid perms size cpid lpid
 * nattch uid gid cuid cgid atime dtime ctime rss swap; perms in octal, rss
 * and swap in bytes, since 2.6.30). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "holders.h"
#include "hv_error.h"

#define FIELDS 16

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The decimal (or octal, base 8) field at *p, which ends at a blank or
 * the end of the line; key may be negative (a key_t is an int). */
static int field(const char **p, const char *end, int base, bool sign, int64_t *out, uint64_t *uout)
{
	const char *s = *p;
	while (s < end && blank(*s))
		s++;
	bool neg = false;
	if (sign && s < end && *s == '-') {
		neg = true;
		s++;
	}
	const char *start = s;
	uint64_t v = 0;
	for (; s < end && *s >= '0' && *s < '0' + base; s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / (unsigned)base)
			return -ERANGE;
		v = v * (unsigned)base + d;
	}
	if (s == start || (s < end && !blank(*s)))
		return -EINVAL;
	if (neg && v > (uint64_t)INT64_MAX + 1)
		return -ERANGE;
	*p = s;
	if (out)
		*out = neg ? (int64_t)(0 - v) : (int64_t)(v > INT64_MAX ? INT64_MAX : v);
	if (uout)
		*uout = v;
	return neg || v <= INT64_MAX ? 0 : (out ? -ERANGE : 0);
}

static int parse_line(const char *p, const char *end, struct hv_shm_seg *s)
{
	int64_t sv[FIELDS];
	uint64_t uv[FIELDS];
	for (int i = 0; i < FIELDS; i++) {
		int base = i == 2 ? 8 : 10;
		int rc = field(&p, end, base, i == 0, i == 0 ? &sv[i] : NULL, &uv[i]);
		if (rc < 0)
			return rc;
	}
	while (p < end && blank(*p))
		p++;
	if (p != end)
		return -EINVAL; /* more fields than this format has */
	if (uv[1] > INT32_MAX || uv[4] > INT32_MAX || uv[5] > INT32_MAX || uv[7] > UINT32_MAX || sv[0] < INT32_MIN ||
	    sv[0] > UINT32_MAX || uv[2] > 07777)
		return -ERANGE;
	*s = (struct hv_shm_seg){
		.key = sv[0],
		.shmid = (int)uv[1],
		.mode = (unsigned)uv[2],
		.size = uv[3],
		.cpid = (int)uv[4],
		.lpid = (int)uv[5],
		.nattch = uv[6],
		.uid = (long)uv[7],
		.rss = uv[14],
		.swap = uv[15],
	};
	return 0;
}

int hv_parse_sysvipc_shm(const char *buf, size_t len, struct hv_shm_seg **vp, int *np)
{
	struct hv_shm_seg *v = NULL;
	int n = 0, cap = 0, line = 0;
	const char *end = buf + len;
	*vp = NULL;
	*np = 0;
	for (const char *p = buf; p < end; line++) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *q = p;
		while (q < eol && blank(*q))
			q++;
		if (line == 0) {
			if ((size_t)(eol - q) < 3 || memcmp(q, "key", 3)) {
				free(v);
				return hv_fail(EINVAL, "line 1: not the header of /proc/sysvipc/shm");
			}
		} else if (q < eol) {
			if (n == cap) {
				int nc = cap ? cap * 2 : 16;
				if (nc > (1 << 20)) {
					free(v);
					return hv_fail(E2BIG, "more than %d segments", 1 << 20);
				}
				struct hv_shm_seg *nv = realloc(v, (size_t)nc * sizeof(*nv));
				if (!nv) {
					free(v);
					return hv_fail(ENOMEM, "out of memory");
				}
				v = nv;
				cap = nc;
			}
			int rc = parse_line(p, eol, &v[n]);
			if (rc < 0) {
				free(v);
				int shown = eol - p > 80 ? 80 : (int)(eol - p);
				return hv_fail(-rc, "line %d: %s segment '%.*s'", line + 1,
					       rc == -ERANGE ? "out-of-range value in" : "malformed", shown, p);
			}
			n++;
		}
		p = eol < end ? eol + 1 : end;
	}
	*vp = v;
	*np = n;
	return 0;
}
