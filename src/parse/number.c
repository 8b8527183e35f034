/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Numbers, sizes and names as the kernel prints them. Strict: a value that is
 * not exactly a number is an error, never a silent 0. */
#include "parse.h"

#include <ctype.h>
#include <stddef.h>
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hv_error.h"

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return s;
}

/* Shortened copy of untrusted input for error messages. */
static const char *shown(const char *s)
{
	static char buf[48];
	size_t i = 0;
	for (; s[i] && i < sizeof(buf) - 4; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
	if (s[i])
		strcpy(buf + i, "...");
	return buf;
}

static int digits_u64(const char **ps, int base, uint64_t *out)
{
	const char *s = *ps;
	uint64_t v = 0;
	int n = 0;
	for (;; s++, n++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (__builtin_mul_overflow(v, (uint64_t)base, &v) || __builtin_add_overflow(v, (uint64_t)d, &v))
			return -ERANGE;
	}
	if (n == 0)
		return -EINVAL;
	*ps = s;
	*out = v;
	return 0;
}

int hv_parse_u64(const char *s, uint64_t *out)
{
	const char *p = skip_space(s);
	uint64_t v;
	int rc = digits_u64(&p, 10, &v);
	if (rc == -ERANGE)
		return hv_fail(ERANGE, "number out of range: '%s'", shown(s));
	if (rc < 0 || *skip_space(p) != '\0')
		return hv_fail(EINVAL, "not a number: '%s'", shown(s));
	*out = v;
	return 0;
}

int hv_parse_i64_nonneg(const char *s, int64_t *out)
{
	uint64_t v;
	int rc = hv_parse_u64(s, &v);
	if (rc < 0)
		return rc;
	if (v > INT64_MAX)
		return hv_fail(ERANGE, "number out of range: '%s'", shown(s));
	*out = (int64_t)v;
	return 0;
}

int hv_parse_hex_u64(const char *s, uint64_t *out)
{
	const char *p = skip_space(s);
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	uint64_t v;
	int rc = digits_u64(&p, 16, &v);
	if (rc == -ERANGE)
		return hv_fail(ERANGE, "hex number out of range: '%s'", shown(s));
	if (rc < 0 || *skip_space(p) != '\0')
		return hv_fail(EINVAL, "not a hex number: '%s'", shown(s));
	*out = v;
	return 0;
}

uint64_t hv_kmemparse(const char *s)
{
	/* simple_strtoull(s, &end, 0): 0x with a hex digit after it is hex, a
	 * leading 0 octal; digits stop at the first that is not of the base;
	 * overflow wraps, unchecked, as the kernel's does */
	unsigned base = 10;
	if (s[0] == '0') {
		base = 8;
		if ((s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2])) {
			base = 16;
			s += 2;
		}
	}
	uint64_t v = 0;
	for (;; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (unsigned)((*s | 0x20) - 'a' + 10);
		else
			break;
		if (d >= base)
			break;
		v = v * base + d;
	}
	/* one suffix letter, and whatever follows it is ignored */
	static const char suffixes[] = "kmgtpe";
	const char *l = *s ? strchr(suffixes, *s | 0x20) : NULL;
	if (l)
		for (ptrdiff_t i = 0; i <= l - suffixes; i++)
			v <<= 10;
	return v;
}

static int unit_shift(const char *u, size_t n, int *shift)
{
	static const char letters[] = "KMGTPE";
	if (n == 0 || (n == 1 && (u[0] == 'B' || u[0] == 'b'))) {
		*shift = 0;
		return 0;
	}
	const char *l = strchr(letters, toupper((unsigned char)u[0]));
	if (!l || u[0] == '\0')
		return -EINVAL;
	const char *rest = u + 1;
	size_t rn = n - 1;
	/* K, KB, kB, KiB, k: all binary, as the kernel's memparse and sysfs names are. */
	if (!(rn == 0 || (rn == 1 && (rest[0] == 'B' || rest[0] == 'b')) ||
	      (rn == 2 && (rest[0] == 'i' || rest[0] == 'I') && (rest[1] == 'B' || rest[1] == 'b'))))
		return -EINVAL;
	*shift = 10 * (int)(l - letters + 1);
	return 0;
}

int hv_parse_size(const char *s, uint64_t *out)
{
	const char *p = skip_space(s);
	uint64_t whole;
	int rc = digits_u64(&p, 10, &whole);
	if (rc == -ERANGE)
		return hv_fail(ERANGE, "size out of range: '%s'", shown(s));
	if (rc < 0)
		return hv_fail(EINVAL, "not a size: '%s' (expected e.g. 2M, 1G, 2048kB)", shown(s));
	uint64_t frac = 0, frac_div = 1;
	if (*p == '.') {
		p++;
		int n = 0;
		while (*p >= '0' && *p <= '9') {
			if (n++ < 6) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				frac_div *= 10;
			} else if (*p != '0') {
				return hv_fail(EINVAL, "size has too many decimals: '%s'", shown(s));
			}
			p++;
		}
		if (n == 0)
			return hv_fail(EINVAL, "not a size: '%s'", shown(s));
	}
	p = skip_space(p);
	const char *u = p;
	while (isalpha((unsigned char)*p))
		p++;
	int shift;
	if (unit_shift(u, (size_t)(p - u), &shift) < 0 || *skip_space(p) != '\0')
		return hv_fail(EINVAL, "unknown size unit in '%s' (use K, M, G, T, P or E)", shown(s));
	uint64_t unit = (uint64_t)1 << shift, v;
	if (__builtin_mul_overflow(whole, unit, &v))
		return hv_fail(ERANGE, "size out of range: '%s'", shown(s));
	if (frac) {
		uint64_t f;
		if (__builtin_mul_overflow(frac, unit, &f) || f % frac_div)
			return hv_fail(EINVAL, "size is not a whole number of bytes: '%s'", shown(s));
		if (__builtin_add_overflow(v, f / frac_div, &v))
			return hv_fail(ERANGE, "size out of range: '%s'", shown(s));
	}
	*out = v;
	return 0;
}

int hv_parse_hstate_dirname(const char *name, uint64_t *out)
{
	static const char pre[] = "hugepages-";
	size_t n = strlen(name);
	if (n <= sizeof(pre) - 1 + 2 || strncmp(name, pre, sizeof(pre) - 1) != 0 || strcmp(name + n - 2, "kB") != 0)
		return hv_fail(EINVAL, "not a hugepage size directory: '%s'", shown(name));
	const char *p = name + sizeof(pre) - 1;
	uint64_t kib;
	int rc = digits_u64(&p, 10, &kib);
	if (rc < 0 || p != name + n - 2 || kib == 0)
		return hv_fail(EINVAL, "not a hugepage size directory: '%s'", shown(name));
	if (kib > (UINT64_MAX >> 10) || (kib & (kib - 1)))
		return hv_fail(EINVAL, "impossible hugepage size in directory name '%s'", shown(name));
	*out = kib << 10;
	return 0;
}

int hv_parse_nodelist(const char *s, int *count)
{
	const char *p = skip_space(s);
	int total = 0;
	if (*p == '\0') {
		*count = 0;
		return 0;
	}
	for (;;) {
		uint64_t a, b;
		if (digits_u64(&p, 10, &a) < 0)
			goto bad;
		b = a;
		if (*p == '-') {
			p++;
			if (digits_u64(&p, 10, &b) < 0 || b < a)
				goto bad;
		}
		if (b >= 1u << 20 || total + (int)(b - a + 1) > (1 << 20))
			goto bad;
		total += (int)(b - a + 1);
		if (*p != ',')
			break;
		p++;
	}
	if (*skip_space(p) != '\0')
		goto bad;
	*count = total;
	return 0;
bad:
	return hv_fail(EINVAL, "not a node list: '%s'", shown(s));
}

int hv_parse_release(const char *s, int *major, int *minor, int *patch)
{
	const char *p = skip_space(s);
	uint64_t v[3] = {0, 0, 0};
	for (int i = 0; i < 3; i++) {
		if (digits_u64(&p, 10, &v[i]) < 0 || v[i] > 100000) {
			if (i < 2)
				return hv_fail(EINVAL, "not a kernel release: '%s'", shown(s));
			v[i] = 0;
			break;
		}
		if (*p != '.')
			break;
		p++;
	}
	*major = (int)v[0];
	*minor = (int)v[1];
	*patch = (int)v[2];
	return 0;
}

void hv_fmt_size(uint64_t bytes, char *buf, size_t cap)
{
	static const char letters[] = "BKMGTPE";
	int i = 0;
	uint64_t div = 1;
	while (i < 6 && bytes >= div * 1024) {
		div *= 1024;
		i++;
	}
	if (i == 0) {
		snprintf(buf, cap, "%" PRIu64 "B", bytes);
		return;
	}
	uint64_t whole = bytes / div, rem = bytes % div;
	/* One decimal, rounded, as util-linux's size_to_human_string does. */
	uint64_t tenth = (rem * 10 + div / 2) / div;
	if (tenth == 10) {
		whole++;
		tenth = 0;
	}
	if (tenth)
		snprintf(buf, cap, "%" PRIu64 ".%" PRIu64 "%c", whole, tenth, letters[i]);
	else
		snprintf(buf, cap, "%" PRIu64 "%c", whole, letters[i]);
}
