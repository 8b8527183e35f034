/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Option values of `hvoplan plan`: --pool, --dax, --page-size, --kernel,
 * --generation, --compare. Syntax only; whether a value fits the rest of
 * the plan (memory, nodes, base page) is decided by hv_plan_compute(). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv_error.h"
#include "parse.h"
#include "plan.h"
#include "strutil.h"

/* Copy of the part of arg in [a, b) into buf. */
static void part(char *buf, size_t cap, const char *a, const char *b)
{
	size_t n = (size_t)(b - a);
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, a, n);
	buf[n] = '\0';
}

static int parse_node(const char *opt, const char *arg, const char *s, int *node)
{
	uint64_t v;
	/* any id the probe accepts: a host's ids can be sparse and large;
	 * whether the plan has that node is hv_plan_compute()'s to say */
	if (hv_parse_u64(s, &v) < 0 || v >= (1u << 20))
		return hv_fail(EINVAL, "%s %s: node '%s' is not a node number from 0 to %d", opt, arg, s,
			       (1 << 20) - 1);
	*node = (int)v;
	return 0;
}

/* "80%", "12.5%": hundredths of a percent, at most 100 %. */
static int parse_percent(const char *arg, const char *s, uint64_t *out)
{
	uint64_t whole = 0, frac = 0;
	int nd = 0, nf = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++, nd++) {
		if (__builtin_mul_overflow(whole, 10, &whole) || __builtin_add_overflow(whole, (uint64_t)(*p - '0'), &whole))
			return hv_fail(EINVAL, "--pool %s: percentage '%s' is over 100%%", arg, s);
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, nf++) {
			if (nf >= 2)
				return hv_fail(EINVAL, "--pool %s: percentage '%s' has more than two decimals", arg, s);
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
		if (nf == 0)
			nd = 0;
	}
	if (nd == 0 || strcmp(p, "%") != 0)
		return hv_fail(EINVAL, "--pool %s: '%s' is not a percentage (e.g. 80%%)", arg, s);
	if (nf == 1)
		frac *= 10;
	if (whole > 100 || (whole == 100 && frac))
		return hv_fail(EINVAL, "--pool %s: percentage '%s' is over 100%%", arg, s);
	*out = whole * HV_PLAN_PCT_SCALE + frac;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int hv_plan_parse_pool(const char *arg, struct hv_plan_pool_spec *out)
{
	char sz[64], amt[64], node[64] = "";
	memset(out, 0, sizeof(*out));
	out->node = HV_UNKNOWN;
	hv_copy(out->text, sizeof(out->text), arg);
	const char *colon = strchr(arg, ':');
	if (!colon || strlen(arg) >= sizeof(sz))
		return hv_fail(EINVAL, "--pool '%s': expected SIZE:AMOUNT[@NODE], e.g. 1G:900, 1G:900G or 2M:80%%", arg);
	part(sz, sizeof(sz), arg, colon);
	const char *at = strchr(colon + 1, '@');
	part(amt, sizeof(amt), colon + 1, at ? at : colon + 1 + strlen(colon + 1));
	if (at)
		hv_copy(node, sizeof(node), at + 1);
	if (hv_parse_size(sz, &out->size) < 0)
		return hv_fail(EINVAL, "--pool %s: hugepage size '%s' is not a size (e.g. 2M, 1G)", arg, sz);
	if (!amt[0])
		return hv_fail(EINVAL, "--pool %s: the amount is missing (a count, a size or a percentage)", arg);
	if (amt[strlen(amt) - 1] == '%') {
		out->kind = HV_PLAN_PERCENT;
		if (parse_percent(arg, amt, &out->value) < 0)
			return -EINVAL;
	} else if (all_digits(amt)) {
		out->kind = HV_PLAN_COUNT;
		if (hv_parse_u64(amt, &out->value) < 0)
			return hv_fail(ERANGE, "--pool %s: page count '%s' overflows 64 bits", arg, amt);
	} else {
		out->kind = HV_PLAN_BYTES;
		int rc = hv_parse_size(amt, &out->value);
		if (rc == -ERANGE)
			return hv_fail(ERANGE, "--pool %s: size '%s' overflows 64 bits", arg, amt);
		if (rc < 0)
			return hv_fail(EINVAL, "--pool %s: '%s' is not a page count, a size or a percentage", arg, amt);
	}
	if (at && parse_node("--pool", arg, node, &out->node) < 0)
		return -EINVAL;
	return 0;
}

int hv_plan_parse_dax(const char *arg, struct hv_plan_dax_spec *out)
{
	char sz[64], al[64], node[64] = "";
	memset(out, 0, sizeof(*out));
	out->node = HV_UNKNOWN;
	hv_copy(out->text, sizeof(out->text), arg);
	const char *colon = strchr(arg, ':');
	if (!colon || strlen(arg) >= sizeof(sz))
		return hv_fail(EINVAL, "--dax '%s': expected SIZE:ALIGN[@NODE], e.g. 256G:2M", arg);
	part(sz, sizeof(sz), arg, colon);
	const char *at = strchr(colon + 1, '@');
	part(al, sizeof(al), colon + 1, at ? at : colon + 1 + strlen(colon + 1));
	if (at)
		hv_copy(node, sizeof(node), at + 1);
	int rc = hv_parse_size(sz, &out->size);
	if (rc == -ERANGE)
		return hv_fail(ERANGE, "--dax %s: size '%s' overflows 64 bits", arg, sz);
	if (rc < 0)
		return hv_fail(EINVAL, "--dax %s: namespace size '%s' is not a size (e.g. 256G)", arg, sz);
	if (hv_parse_size(al, &out->align) < 0 || out->align == 0)
		return hv_fail(EINVAL, "--dax %s: align '%s' is not a size (4K, 2M or 1G on x86-64)", arg, al);
	if (at && parse_node("--dax", arg, node, &out->node) < 0)
		return -EINVAL;
	return 0;
}

int hv_plan_parse_page_size(const char *arg, uint64_t *out)
{
	uint64_t v;
	if (hv_parse_size(arg, &v) < 0 || (v != 4096 && v != 16384 && v != 65536))
		return hv_fail(EINVAL, "--page-size takes 4K, 16K or 64K, not '%s'", arg);
	*out = v;
	return 0;
}

static const struct {
	const char *name;
	enum hv_gen gen;
} gens[] = {
	{"none", HV_GEN_NONE}, {"5.14", HV_GEN_5_14}, {"5.18", HV_GEN_5_18}, {"5.19", HV_GEN_5_19},
	{"6.0", HV_GEN_6_0},   {"6.11", HV_GEN_6_11}, {"6.15", HV_GEN_6_15}, {"7.1", HV_GEN_7_1},
};

int hv_plan_parse_generation(const char *arg, enum hv_gen *out)
{
	for (size_t i = 0; i < sizeof(gens) / sizeof(gens[0]); i++)
		if (!strcmp(arg, gens[i].name)) {
			*out = gens[i].gen;
			return 0;
		}
	return hv_fail(EINVAL, "--generation takes none, 5.14, 5.18, 5.19, 6.0, 6.11, 6.15 or 7.1, not '%s'", arg);
}

int hv_plan_parse_kernel(const char *arg, enum hv_gen *out)
{
	int ma, mi, pa;
	if (!strchr(arg, '.') || hv_parse_release(arg, &ma, &mi, &pa) < 0 || ma < 2 || ma > 99)
		return hv_fail(EINVAL, "--kernel takes a release such as 5.15 or 6.1.0-18-amd64, not '%s'", arg);
	*out = hv_generation(ma, mi);
	return 0;
}

int hv_plan_parse_compare(const char *arg, struct hv_plan_input *in)
{
	char buf[256];
	if (strlen(arg) >= sizeof(buf))
		return hv_fail(EINVAL, "--compare: list too long");
	hv_copy(buf, sizeof(buf), arg);
	char *save = NULL;
	in->ncompare = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		if (hv_parse_size(t, &v) < 0)
			return hv_fail(EINVAL, "--compare %s: '%s' is not a hugepage size (e.g. 2M,1G)", arg, t);
		if (in->ncompare >= HV_PLAN_MAX_COMPARE)
			return hv_fail(EINVAL, "--compare %s: at most %d sizes", arg, HV_PLAN_MAX_COMPARE);
		in->compare[in->ncompare++] = v;
	}
	if (in->ncompare == 0)
		return hv_fail(EINVAL, "--compare '%s': expected a list of hugepage sizes, e.g. 2M,1G", arg);
	return 0;
}

const char *hv_plan_src_name(enum hv_plan_src s)
{
	return s == HV_PLAN_SRC_OPTION ? "option" : s == HV_PLAN_SRC_HOST ? "host" : "default";
}

const char *hv_plan_mem_src_name(enum hv_plan_mem_src s)
{
	return s == HV_PLAN_MEM_BLOCKS	   ? "memory_blocks"
	       : s == HV_PLAN_MEM_SECTIONS ? "memory_sections"
	       : s == HV_PLAN_MEM_MEMINFO  ? "meminfo"
					   : "option";
}
