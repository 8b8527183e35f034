/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The oracle shared by the boot-configuration targets: a second, strict
 * implementation of the kernel's parameter splitting (lib/cmdline.c
 * next_arg()) and of which parameters conflict with a desired state,
 * written apart from src/apply/cmdline.c so the two can disagree. */
#ifndef HV_FUZZ_BOOT_COMMON_H
#define HV_FUZZ_BOOT_COMMON_H

#include <stdbool.h>

#include "apply.h"
#include "fuzz_common.h"
#include "parse.h"

#define M (1ull << 20)

/* Bytes 0-2 pick the desired state and the default hugepage size. */
static inline size_t boot_desired(const uint8_t *data, size_t size, struct hv_desired *d, uint64_t *defsz)
{
	memset(d, 0, sizeof(*d));
	d->hvo = -1;
	*defsz = 0;
	if (size < 3)
		return 0;
	d->hvo = data[0] % 3 - 1;
	static const uint64_t sizes[] = {64 << 10, 2 * M, 1024 * M};
	for (int i = 0; i < 3; i++)
		if (data[1] & (1 << i)) {
			d->pools[d->npools].size = sizes[i];
			d->pools[d->npools].node = -1;
			d->pools[d->npools].count = 1;
			d->npools++;
		}
	*defsz = data[2] % 3 == 0 ? 0 : data[2] % 3 == 1 ? 2 * M : 1024 * M;
	return 3;
}

/* the kernel's isspace(): lib/ctype.c marks 9-13, 32 and 160 */
static inline bool o_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || (unsigned char)c == 160;
}

/* memparse(): simple_strtoull(s, &e, 0), then one of KMGTPE, in either
 * case, multiplies by 1024 per step; the rest is ignored */
static inline uint64_t o_memparse(const char *s)
{
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && strchr("0123456789abcdefABCDEF", s[2]) && s[2])
		base = 16, s += 2;
	else if (s[0] == '0')
		base = 8;
	uint64_t v = 0;
	const char *digits = "0123456789abcdef";
	for (;;) {
		char c = *s >= 'A' && *s <= 'Z' ? (char)(*s + 32) : *s;
		const char *p = c ? strchr(digits, c) : NULL;
		if (!p || p - digits >= base)
			break;
		v = v * (uint64_t)base + (uint64_t)(p - digits);
		s++;
	}
	static const char order[] = "KMGTPE";
	int shifts = 0;
	for (int k = 0; k < 6; k++)
		if (*s == order[k] || *s == order[k] + 32)
			shifts = k + 1;
	while (shifts--)
		v <<= 10;
	return v;
}

/* next_arg(): a token runs to the first blank outside double quotes. */
static inline size_t o_token(const char *s, size_t *start)
{
	size_t i = *start;
	while (s[i] && o_space(s[i]))
		i++;
	*start = i;
	bool q = false;
	size_t n = 0;
	while (s[i + n] && (q || !o_space(s[i + n]))) {
		if (s[i + n] == '"')
			q = !q;
		n++;
	}
	return n;
}

struct o_state {
	bool ctx_set, params;
	uint64_t ctx;
};

static inline bool o_managed(const struct hv_desired *d, uint64_t sz)
{
	for (int i = 0; i < d->npools; i++)
		if (d->pools[i].size == sz)
			return true;
	return false;
}

/* Whether token t (n bytes) conflicts, advancing the hugepagesz context. */
static inline bool o_conflicts(const char *t, size_t n, const struct hv_desired *d, uint64_t defsz, struct o_state *st)
{
	if (n == 2 && t[0] == '-' && t[1] == '-')
		st->params = false;
	if (!st->params)
		return false;
	/* next_arg() on a copy, step by step: skip an opening quote, take the
	 * first '=' found while the recorded index is still 0, cut the NULs
	 * where it does */
	char *args = calloc(1, n + 1), name[64] = "";
	if (!args)
		abort();
	memcpy(args, t, n);
	char *a = args, *val = NULL;
	bool quoted = false;
	if (*a == '"') {
		a++;
		quoted = true;
	}
	size_t i, equals = 0;
	for (i = 0; a[i]; i++)
		if (equals == 0 && a[i] == '=')
			equals = i;
	if (equals) {
		a[equals] = '\0';
		val = a + equals + 1;
		if (*val == '"') {
			val++;
			if (a[i - 1] == '"')
				a[i - 1] = '\0';
		}
	}
	if (quoted && i > 0 && a[i - 1] == '"')
		a[i - 1] = '\0';
	for (size_t k = 0; a[k] && k < sizeof(name) - 1; k++)
		name[k] = a[k] == '-' ? '_' : a[k];
	bool has_val = val != NULL;
	bool r = false;
	if (d->hvo >= 0 && (!strcmp(name, "hugetlb_free_vmemmap") || !strcmp(name, "sysctl.vm.hugetlb_optimize_vmemmap") ||
			    !strcmp(name, "sysctl.vm/hugetlb_optimize_vmemmap")))
		r = true;
	else if (has_val && (!strcmp(name, "hugepagesz") || !strcmp(name, "default_hugepagesz"))) {
		st->ctx_set = true;
		st->ctx = o_memparse(val);
		r = name[0] == 'h' && o_managed(d, st->ctx);
	} else if (has_val && !strcmp(name, "hugepages")) {
		uint64_t s = st->ctx_set ? st->ctx : defsz;
		r = s && o_managed(d, s);
	}
	free(args);
	return r;
}

/* Appends to out (cap bytes, "" at first) the tokens of s the oracle keeps
 * (want_conflicts false) or drops (true), blank-separated. */
static inline void o_split(const char *s, const struct hv_desired *d, uint64_t defsz, bool want_conflicts,
			   struct o_state *st, char *out, size_t cap)
{
	size_t pos = 0, n;
	while ((n = o_token(s, &pos)) > 0) {
		bool c = o_conflicts(s + pos, n, d, defsz, st);
		if (c == want_conflicts) {
			size_t l = strlen(out);
			FUZZ_ASSERT(l + n + 2 <= cap);
			snprintf(out + l, cap - l, "%s%.*s", l ? " " : "", (int)n, s + pos);
		}
		pos += n;
	}
}

#endif
