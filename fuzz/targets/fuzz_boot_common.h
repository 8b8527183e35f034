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

static inline bool o_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
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
	char name[64] = "";
	char *val = calloc(1, n + 1);
	if (!val)
		abort();
	size_t i = t[0] == '"' ? 1 : 0, k = 0;
	while (i < n && t[i] != '=') {
		if (k < sizeof(name) - 1)
			name[k++] = t[i] == '-' ? '_' : t[i];
		i++;
	}
	name[k] = '\0';
	bool has_val = i < n;
	if (has_val) {
		size_t b = i + 1, e = n;
		if (b < e && t[b] == '"')
			b++;
		if (e > b && t[e - 1] == '"')
			e--;
		memcpy(val, t + b, e - b);
	}
	uint64_t sz;
	bool r = false;
	if (d->hvo >= 0 && (!strcmp(name, "hugetlb_free_vmemmap") || !strcmp(name, "sysctl.vm.hugetlb_optimize_vmemmap") ||
			    !strcmp(name, "sysctl.vm/hugetlb_optimize_vmemmap")))
		r = true;
	else if (has_val && (!strcmp(name, "hugepagesz") || !strcmp(name, "default_hugepagesz"))) {
		st->ctx_set = hv_parse_size(val, &sz) == 0;
		st->ctx = st->ctx_set ? sz : 0;
		r = name[0] == 'h' && st->ctx_set && o_managed(d, st->ctx);
	} else if (has_val && !strcmp(name, "hugepages")) {
		uint64_t s = st->ctx_set ? st->ctx : defsz;
		r = s && o_managed(d, s);
	}
	free(val);
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
