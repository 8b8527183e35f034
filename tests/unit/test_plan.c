/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plan model: the per-TiB figures, the whole table of doc/kernel-rules.md
 * "Per-hugepage arithmetic" through the plan, device-dax dedup ("Device-dax"),
 * the 7.1 shared tails ("Shared tail pages"),
 * layout over nodes, comparisons, --from-host and every rejected plan. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv_error.h"
#include "plan.h"

#define K 1024ull
#define M (1024ull * K)
#define G (1024ull * M)
#define T (1024ull * G)

static struct hv_plan_input *new_input(uint64_t memory, enum hv_gen gen)
{
	struct hv_plan_input *in = calloc(1, sizeof(*in));
	assert_non_null(in);
	in->memory = memory;
	in->nodes = 1;
	in->page_size = 4 * K;
	in->struct_page = 64;
	in->gen = gen;
	return in;
}

static void pool(struct hv_plan_input *in, const char *spec)
{
	assert_int_equal(hv_plan_parse_pool(spec, &in->specs[in->nspecs]), 0);
	in->nspecs++;
}

static void dax(struct hv_plan_input *in, const char *spec)
{
	assert_int_equal(hv_plan_parse_dax(spec, &in->dax[in->ndax]), 0);
	in->ndax++;
}

static struct hv_plan_result *compute_ok(const struct hv_plan_input *in)
{
	struct hv_plan_result *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	int rc = hv_plan_compute(in, r);
	if (rc < 0)
		fail_msg("plan rejected: %s", hv_last_error());
	return r;
}

/* Returns the error text of a rejected plan (static buffer). */
static const char *compute_err(const struct hv_plan_input *in, int want)
{
	static char msg[512];
	struct hv_plan_result *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	hv_clear_error();
	assert_int_equal(hv_plan_compute(in, r), want);
	free(r);
	snprintf(msg, sizeof(msg), "%s", hv_last_error() ? hv_last_error() : "");
	return msg;
}

/* Per 1 TiB, 4K base, 64-byte struct page: 16 GiB of vmemmap; kept 4 GiB
 * (2M) and 8 MiB (1G) on 5.14, 2 GiB and 4 MiB on 5.18+. */
static void test_per_tib(void **state)
{
	(void)state;
	static const struct {
		enum hv_gen gen;
		const char *pool;
		uint64_t pages, kept;
	} cases[] = {
		{HV_GEN_5_14, "2M:1T", 524288, 4 * G},	{HV_GEN_5_14, "1G:1T", 1024, 8 * M},
		{HV_GEN_5_18, "2M:1T", 524288, 2 * G},	{HV_GEN_5_18, "1G:1T", 1024, 4 * M},
		{HV_GEN_6_15, "2M:100%", 524288, 2 * G}, {HV_GEN_6_15, "1G:1024", 1024, 4 * M},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv_plan_input *in = new_input(1 * T, cases[i].gen);
		pool(in, cases[i].pool);
		struct hv_plan_result *r = compute_ok(in);
		assert_int_equal(r->nrows, 1);
		assert_int_equal(r->memmap, 16 * G);
		assert_int_equal(r->hugetlb.pages, cases[i].pages);
		assert_int_equal(r->hugetlb.memory, 1 * T);
		assert_int_equal(r->hugetlb.vmemmap, 16 * G);
		assert_int_equal(r->hugetlb.kept, cases[i].kept);
		assert_int_equal(r->hugetlb.savings, 16 * G - cases[i].kept);
		assert_int_equal(r->hugetlb.restore, 16 * G - cases[i].kept);
		assert_int_equal(r->hugetlb.tail, 0);
		assert_int_equal(r->memmap_with_hvo, cases[i].kept);
		free(in);
		free(r);
	}
}

/* doc/kernel-rules.md, "Per-hugepage arithmetic", worked numbers: base, hugepage, vmemmap per page,
 * saved with 1 kept (5.18+), with 2 kept (5.14-5.17), one page each. */
static void test_worked_numbers(void **state)
{
	(void)state;
	static const struct {
		uint64_t base, hp, vm, one, two;
		const char *spec;
	} rows[] = {
		{4 * K, 64 * K, 1 * K, 0, 0, "64K:1"},
		{4 * K, 2 * M, 32 * K, 28 * K, 24 * K, "2M:1"},
		{4 * K, 32 * M, 512 * K, 508 * K, 504 * K, "32M:1"},
		{4 * K, 512 * M, 8 * M, 8188 * K, 8184 * K, "512M:1"},
		{4 * K, 1 * G, 16 * M, 16380 * K, 16376 * K, "1G:1"},
		{4 * K, 16 * G, 256 * M, 262140 * K, 262136 * K, "16G:1"},
		{16 * K, 64 * K, 256, 0, 0, "64K:1"},
		{16 * K, 2 * M, 8 * K, 0, 0, "2M:1"},
		{16 * K, 32 * M, 128 * K, 112 * K, 96 * K, "32M:1"},
		{16 * K, 512 * M, 2 * M, 2032 * K, 2016 * K, "512M:1"},
		{16 * K, 1 * G, 4 * M, 4080 * K, 4064 * K, "1G:1"},
		{16 * K, 16 * G, 64 * M, 65520 * K, 65504 * K, "16G:1"},
		{64 * K, 2 * M, 2 * K, 0, 0, "2M:1"},
		{64 * K, 32 * M, 32 * K, 0, 0, "32M:1"},
		{64 * K, 512 * M, 512 * K, 448 * K, 384 * K, "512M:1"},
		{64 * K, 1 * G, 1 * M, 960 * K, 896 * K, "1G:1"},
		{64 * K, 16 * G, 16 * M, 16320 * K, 16256 * K, "16G:1"},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (int g = 0; g < 2; g++) {
			struct hv_plan_input *in = new_input(32 * G, g ? HV_GEN_5_14 : HV_GEN_5_18);
			in->page_size = rows[i].base;
			pool(in, rows[i].spec);
			struct hv_plan_result *r = compute_ok(in);
			uint64_t want = g ? rows[i].two : rows[i].one;
			if (r->rows[0].optimizable_per_page != want || r->rows[0].vmemmap_per_page != rows[i].vm)
				fail_msg("base %llu %s gen %s: vmemmap %llu saved %llu, want %llu and %llu",
					 (unsigned long long)rows[i].base, rows[i].spec, g ? "5.14" : "5.18",
					 (unsigned long long)r->rows[0].vmemmap_per_page,
					 (unsigned long long)r->rows[0].optimizable_per_page, (unsigned long long)rows[i].vm,
					 (unsigned long long)want);
			assert_int_equal(r->hugetlb.savings, want);
			assert_int_equal(r->hugetlb.kept, rows[i].vm - want);
			free(in);
			free(r);
		}
	}
}

static void test_no_hvo_and_odd_struct_page(void **state)
{
	(void)state;
	struct hv_plan_input *in = new_input(1 * T, HV_GEN_NONE);
	pool(in, "2M:1T");
	struct hv_plan_result *r = compute_ok(in);
	assert_int_equal(r->hugetlb.savings, 0);
	assert_int_equal(r->hugetlb.kept, 16 * G);
	assert_int_equal(r->kept_pages, 0);
	free(r);
	in->gen = HV_GEN_6_15;
	in->struct_page = 72; /* KMSAN-free but WANT_PAGE_VIRTUAL: not a power of two */
	r = compute_ok(in);
	assert_int_equal(r->hugetlb.vmemmap, 18 * G);
	assert_int_equal(r->hugetlb.savings, 0);
	assert_int_equal(r->memmap, 18 * G);
	free(r);
	free(in);
}

/* 7.1: one shared tail page per node and size in use, kept for good:
 * savings drop by it, the vmemmap to restore does not. */
static void test_shared_tail(void **state)
{
	(void)state;
	struct hv_plan_input *in = new_input(1 * T, HV_GEN_7_1);
	in->nodes = 2;
	pool(in, "2M:1024");
	pool(in, "1G:3@1");
	struct hv_plan_result *r = compute_ok(in);
	assert_true(r->shared_tail);
	assert_int_equal(r->rows[0].nodes[0].pages, 512);
	assert_int_equal(r->rows[0].nodes[1].pages, 512);
	assert_int_equal(r->rows[0].total.tail, 2 * 4 * K);
	assert_int_equal(r->rows[0].total.restore, 1024 * 28 * K);
	assert_int_equal(r->rows[0].total.savings, 1024 * 28 * K - 8 * K);
	assert_int_equal(r->rows[1].nodes[0].tail, 0); /* no 1G page on node 0 */
	assert_int_equal(r->rows[1].nodes[1].tail, 4 * K);
	assert_int_equal(r->rows[1].total.savings, 3 * 16380 * K - 4 * K);
	assert_int_equal(r->total.tail, 12 * K);
	assert_true(r->nnotes >= 1);
	assert_non_null(strstr(r->notes[r->nnotes - 1], "estimate"));
	free(r);
	free(in);
}

/* doc/kernel-rules.md, "Device-dax": compound devmap dedup keeps 2 vmemmap pages per compound page. */
static void test_dax(void **state)
{
	(void)state;
	assert_int_equal(hv_plan_pmd_size(4 * K), 2 * M);
	assert_int_equal(hv_plan_pud_size(4 * K), 1 * G);
	assert_int_equal(hv_plan_pmd_size(16 * K), 32 * M);
	assert_int_equal(hv_plan_pmd_size(64 * K), 512 * M);
	assert_int_equal(hv_plan_dax_optimizable(2 * M, 4 * K, 64, HV_GEN_5_19, NULL), 24 * K);
	assert_int_equal(hv_plan_dax_optimizable(1 * G, 4 * K, 64, HV_GEN_6_0, NULL), 16 * M - 8 * K);
	assert_int_equal(hv_plan_dax_optimizable(4 * K, 4 * K, 64, HV_GEN_6_0, NULL), 0);
	assert_int_equal(hv_plan_dax_optimizable(2 * M, 4 * K, 64, HV_GEN_5_18, NULL), 0);
	/* 64K: arm64's 512M PMD does not share tails, powerpc radix's 1G PUD
	 * keeps 2 of 16 pages and its 2M PMD has no more than 2 to keep */
	assert_int_equal(hv_plan_dax_optimizable(512 * M, 64 * K, 64, HV_GEN_6_0, NULL), 0);
	assert_int_equal(hv_plan_dax_optimizable(1 * G, 64 * K, 64, HV_GEN_6_0, NULL), 14 * 64 * K);
	assert_int_equal(hv_plan_dax_optimizable(2 * M, 64 * K, 64, HV_GEN_6_0, NULL), 0);
	assert_int_equal(hv_plan_dax_optimizable(32 * M, 16 * K, 64, HV_GEN_6_0, NULL), 0);
	uint64_t al[HV_PLAN_MAX_DAX_ALIGNS];
	assert_int_equal(hv_plan_dax_aligns(64 * K, NULL, al), 5);
	assert_int_equal(al[0], 64 * K);
	assert_int_equal(al[1], 2 * M);
	assert_int_equal(al[2], 512 * M);
	assert_int_equal(al[3], 1 * G);
	assert_int_equal(al[4], 4096 * G);
	assert_int_equal(hv_plan_dax_aligns(4 * K, NULL, al), 3);
	assert_int_equal(al[2], 1 * G);
	/* an architecture narrows the aligns and the sharing */
	assert_int_equal(hv_plan_dax_aligns(64 * K, hv_arch_find("ppc64el"), al), 3);
	assert_int_equal(al[2], 1 * G);
	assert_int_equal(hv_plan_dax_aligns(64 * K, hv_arch_find("arm64"), al), 3);
	assert_int_equal(al[2], 4096 * G);
	assert_int_equal(hv_plan_dax_optimizable(1 * G, 4 * K, 64, HV_GEN_6_0, hv_arch_find("aarch64")), 0);
	assert_int_equal(hv_plan_dax_optimizable(1 * G, 4 * K, 64, HV_GEN_6_0, hv_arch_find("riscv64")), 16 * M - 8 * K);
	uint64_t hs[HV_ARCH_MAX_SIZES];
	assert_int_equal(hv_arch_hugepage_sizes(hv_arch_find("aarch64"), 16 * K, hs), 3);
	assert_int_equal(hs[2], 1 * G);
	assert_int_equal(hv_arch_hugepage_sizes(hv_arch_find("x86_64"), 64 * K, hs), 0);
	assert_null(hv_arch_find("mips"));
	assert_string_equal(hv_arch_name(hv_arch_find("loong64")), "loongarch64");

	struct hv_plan_input *in = new_input(64 * G, HV_GEN_5_19);
	dax(in, "1T:2M");
	struct hv_plan_result *r = compute_ok(in);
	assert_int_equal(r->dax.pages, 524288);
	assert_int_equal(r->dax.vmemmap, 16 * G);
	assert_int_equal(r->dax.kept, 4 * G);
	assert_int_equal(r->dax.restore, 0);
	assert_int_equal(r->hugetlb.memory, 0);
	assert_int_equal(r->memmap_with_hvo, 1 * G + 4 * G); /* RAM memmap + dax vmemmap in RAM */
	free(r);
	in->ndax = 0;
	dax(in, "1T:1G");
	r = compute_ok(in);
	assert_int_equal(r->dax.kept, 8 * M);
	free(r);
	in->ndax = 0;
	dax(in, "1T:4K");
	r = compute_ok(in);
	assert_int_equal(r->dax.savings, 0);
	assert_int_equal(r->dax.vmemmap, 16 * G);
	free(r);
	in->gen = HV_GEN_5_18;
	in->ndax = 0;
	dax(in, "1T:2M");
	r = compute_ok(in);
	assert_int_equal(r->dax.savings, 0);
	free(r);
	in->ndax = 0;
	dax(in, "1T:1M");
	assert_non_null(strstr(compute_err(in, -EINVAL), "align 1M is not"));
	in->ndax = 0;
	dax(in, "3M:2M");
	assert_non_null(strstr(compute_err(in, -EINVAL), "not a whole number of 2M"));
	in->ndax = 0;
	dax(in, "2G:2M@1");
	assert_non_null(strstr(compute_err(in, -EINVAL), "node 1 does not exist"));
	free(in);
}

static void test_layout(void **state)
{
	(void)state;
	struct hv_plan_input *in = new_input(8 * G, HV_GEN_6_15);
	in->nodes = 3;
	pool(in, "2M:7");
	pool(in, "1G:1@2");
	pool(in, "2M:5@1"); /* later options win for their node */
	struct hv_plan_result *r = compute_ok(in);
	assert_int_equal(r->nrows, 2);
	assert_int_equal(r->rows[0].size, 2 * M);
	assert_int_equal(r->rows[0].nodes[0].pages, 3);
	assert_int_equal(r->rows[0].nodes[1].pages, 5);
	assert_int_equal(r->rows[0].nodes[2].pages, 2);
	assert_int_equal(r->rows[0].total.pages, 10);
	assert_int_equal(r->rows[1].nodes[2].pages, 1);
	assert_int_equal(r->hugetlb.memory, 20 * M + 1 * G);
	free(r);
	free(in);

	/* percentages: of all memory, or of the node's share with @NODE */
	in = new_input(1 * T, HV_GEN_6_15);
	in->nodes = 2;
	pool(in, "2M:50%");
	pool(in, "1G:12.5%@1");
	r = compute_ok(in);
	assert_int_equal(r->rows[0].total.memory, 512 * G);
	assert_int_equal(r->rows[1].nodes[1].memory, 64 * G);
	free(r);
	free(in);
}

static void test_compare(void **state)
{
	(void)state;
	struct hv_plan_input *in = new_input(1 * T, HV_GEN_6_15);
	in->nodes = 2;
	pool(in, "2M:1025");
	assert_int_equal(hv_plan_parse_compare("2M,1G", in), 0);
	struct hv_plan_result *r = compute_ok(in);
	assert_int_equal(r->ncompare, 2);
	assert_int_equal(r->compare[0].cell.pages, 1025);
	assert_int_equal(r->compare[0].cell.savings, r->hugetlb.savings);
	/* 513 pages on node 0, 512 on node 1: one 1G page each, 2M left over */
	assert_int_equal(r->compare[1].cell.pages, 2);
	assert_int_equal(r->compare[1].unplaced, 2 * M);
	assert_int_equal(r->compare[1].cell.savings, 2 * 16380 * K);
	assert_int_equal(r->compare[1].optimizable_per_page, 16380 * K);
	free(r);
	in->nspecs = 0;
	assert_non_null(strstr(compute_err(in, -EINVAL), "--compare needs hugetlb pools"));
	pool(in, "2M:1");
	assert_int_equal(hv_plan_parse_compare("3M", in), 0);
	assert_non_null(strstr(compute_err(in, -EINVAL), "not a power of two"));
	free(in);
}

static void test_parse(void **state)
{
	(void)state;
	struct hv_plan_pool_spec s;
	assert_int_equal(hv_plan_parse_pool("1G:900", &s), 0);
	assert_int_equal(s.kind, HV_PLAN_COUNT);
	assert_int_equal(s.value, 900);
	assert_int_equal(s.node, HV_UNKNOWN);
	assert_int_equal(hv_plan_parse_pool("1G:900G", &s), 0);
	assert_int_equal(s.kind, HV_PLAN_BYTES);
	assert_int_equal(s.value, 900 * G);
	assert_int_equal(hv_plan_parse_pool("2M:80%", &s), 0);
	assert_int_equal(s.kind, HV_PLAN_PERCENT);
	assert_int_equal(s.value, 8000);
	assert_int_equal(hv_plan_parse_pool("2M:512@1", &s), 0);
	assert_int_equal(s.node, 1);
	/* a host's node ids can be sparse and above 255: whether the plan has
	 * the node is the layout's question, not the syntax's */
	assert_int_equal(hv_plan_parse_pool("2M:5@999", &s), 0);
	assert_int_equal(s.node, 999);
	assert_int_equal(s.size, 2 * M);
	assert_int_equal(hv_plan_parse_pool("2M:100%", &s), 0);
	assert_int_equal(s.value, 10000);

	static const char *const bad[] = {"2M", "2M:", "x:1", "2M:abc", "2M:101%", "2M:100.5%", "2M:1.234%",
					  "2M:5@x", "2M:5@1048576", "2M:%", "1G:99999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (hv_plan_parse_pool(bad[i], &s) == 0)
			fail_msg("--pool %s accepted", bad[i]);
	assert_int_equal(hv_plan_parse_pool("2M:101%", &s), -EINVAL);
	assert_non_null(strstr(hv_last_error(), "over 100%"));
	assert_int_equal(hv_plan_parse_pool("1G:99999999999999999999", &s), -ERANGE);
	assert_non_null(strstr(hv_last_error(), "overflows 64 bits"));

	uint64_t ps;
	assert_int_equal(hv_plan_parse_page_size("16K", &ps), 0);
	assert_int_equal(ps, 16 * K);
	assert_int_equal(hv_plan_parse_page_size("8K", &ps), -EINVAL);
	enum hv_gen g;
	assert_int_equal(hv_plan_parse_kernel("5.15", &g), 0);
	assert_int_equal(g, HV_GEN_5_14);
	assert_int_equal(hv_plan_parse_kernel("6.1.0-18-amd64", &g), 0);
	assert_int_equal(g, HV_GEN_6_0);
	assert_int_equal(hv_plan_parse_kernel("7.1", &g), 0);
	assert_int_equal(g, HV_GEN_7_1);
	assert_int_equal(hv_plan_parse_kernel("seven", &g), -EINVAL);
	assert_int_equal(hv_plan_parse_generation("5.18", &g), 0);
	assert_int_equal(g, HV_GEN_5_18);
	assert_int_equal(hv_plan_parse_generation("5.16", &g), -EINVAL);
	struct hv_plan_dax_spec d;
	assert_int_equal(hv_plan_parse_dax("256G:2M@1", &d), 0);
	assert_int_equal(d.size, 256 * G);
	assert_int_equal(d.align, 2 * M);
	assert_int_equal(d.node, 1);
	assert_int_equal(hv_plan_parse_dax("256G", &d), -EINVAL);
}

static void test_rejected(void **state)
{
	(void)state;
	static const struct {
		const char *pool[3];
		uint64_t page;
		int nodes, rc;
		const char *msg;
	} cases[] = {
		{{"1G:2T"}, 4 * K, 1, -EINVAL, "larger than memory (1T)"},
		{{"1G:1025"}, 4 * K, 1, -EINVAL, "the pool (1025G) is larger than memory (1T)"},
		{{"2M:60%", "1G:50%"}, 4 * K, 1, -EINVAL, "add up to 110.00% of memory"},
		{{"2M:60%", "1G:50%@1"}, 4 * K, 2, -EINVAL, "of the memory of node 1"},
		{{"1G:800", "2M:300G"}, 4 * K, 1, -EINVAL, "the pools add up to 1100G, more than memory (1T)"},
		{{"3M:1"}, 4 * K, 1, -EINVAL, "hugepage size 3M is not a power of two"},
		{{"64K:1"}, 64 * K, 1, -EINVAL, "not larger than the 64K base page"},
		{{"4K:1"}, 4 * K, 1, -EINVAL, "not larger than the 4K base page"},
		{{"1G:18446744073709551615"}, 4 * K, 1, -ERANGE, "overflow 64 bits"},
		{{"1G:1000M"}, 4 * K, 1, -EINVAL, "not a whole number of 1G pages"},
		{{"2M:1@2"}, 4 * K, 2, -EINVAL, "node 2 does not exist"},
		{{"1G:513@0"}, 4 * K, 2, -EINVAL, "larger than the memory of node 0 (512G of 1T)"},
		{{"1G:1024"}, 4 * K, 3, -EINVAL, "the pools on node 0 add up to 342G, more than its memory (about 341.3G"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct hv_plan_input *in = new_input(1 * T, HV_GEN_6_15);
		in->page_size = cases[i].page;
		in->nodes = cases[i].nodes;
		for (int j = 0; j < 3 && cases[i].pool[j]; j++)
			pool(in, cases[i].pool[j]);
		const char *msg = compute_err(in, cases[i].rc);
		if (!strstr(msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, msg, cases[i].msg);
		free(in);
	}
	struct hv_plan_input *in = new_input(0, HV_GEN_6_15);
	assert_non_null(strstr(compute_err(in, -EINVAL), "--memory"));
	free(in);
	/* figures must fit JSON's signed 64-bit integers */
	in = new_input(15 * 1024 * 1024 * T, HV_GEN_6_15);
	pool(in, "8E:1");
	assert_non_null(strstr(compute_err(in, -ERANGE), "more than 8E of memory (15E)"));
	free(in);
	in = new_input(1 * T, HV_GEN_6_15);
	dax(in, "8E:1G");
	dax(in, "8E:1G");
	assert_non_null(strstr(compute_err(in, -ERANGE), "overflows 64 bits"));
	free(in);
}

static void test_from_host(void **state)
{
	(void)state;
	struct hv_host *h = calloc(1, sizeof(*h));
	struct hv_plan_input *in = calloc(1, sizeof(*in));
	assert_non_null(h);
	assert_non_null(in);
	strcpy(h->root, "/snap");
	strcpy(h->release, "6.12.117+deb12-amd64");
	h->kver_major = 6;
	h->kver_minor = 12;
	h->page_size = 4096;
	h->btf_struct_page_size = 64;
	h->memblocks.block_size = 128 * M;
	h->memblocks.present = 48;
	h->meminfo.mem_total_kib = 6104480;
	h->nnodes_online = 2;
	h->nhstates = 2;
	h->hstates[0] = (struct hv_hstate){.size = 2 * M, .nr = 256, .nnodes = 2};
	h->hstates[0].nodes[0] = (struct hv_hstate_node){.node = 0, .nr = 64};
	h->hstates[0].nodes[1] = (struct hv_hstate_node){.node = 1, .nr = 192};
	h->hstates[1] = (struct hv_hstate){.size = 1 * G, .nr = 1, .nnodes = 2};
	h->hstates[1].nodes[1] = (struct hv_hstate_node){.node = 1, .nr = 1};
	assert_int_equal(hv_plan_from_host(h, NULL, in), 0);
	assert_int_equal(in->memory, 6 * G);
	assert_int_equal(in->memory_source, HV_PLAN_MEM_BLOCKS);
	assert_int_equal(in->nodes, 2);
	assert_int_equal(in->gen, HV_GEN_6_11);
	assert_int_equal(in->struct_page, 64);
	struct hv_plan_result *r = compute_ok(in);
	assert_int_equal(r->rows[0].nodes[0].pages, 64);
	assert_int_equal(r->rows[0].nodes[1].pages, 192);
	assert_int_equal(r->hugetlb.savings, 256 * 28 * K + 16380 * K);
	free(r);

	/* an option changes only what it names: 2M pool replaced, 1G kept */
	pool(in, "2M:0");
	r = compute_ok(in);
	assert_int_equal(r->rows[0].total.pages, 0);
	assert_int_equal(r->rows[1].total.pages, 1);
	free(r);

	/* a new node count spreads the host pools evenly */
	in->nspecs = 0;
	in->nodes = 1;
	hv_plan_respread_base(in);
	r = compute_ok(in);
	assert_int_equal(r->rows[0].nodes[0].pages, 256);
	free(r);

	/* without memory blocks: MemTotal */
	h->memblocks.present = HV_UNKNOWN;
	memset(in, 0, sizeof(*in));
	assert_int_equal(hv_plan_from_host(h, NULL, in), 0);
	assert_int_equal(in->memory, 6104480ull * 1024);
	assert_int_equal(in->memory_source, HV_PLAN_MEM_MEMINFO);
	free(h);
	free(in);
}

/* POWER: nodes 0, 8 and 252-255 (GPU memory), pools on 0 and 8. The plan
 * has those six nodes under their ids, each with its share of memory. */
static void test_from_host_sparse_nodes(void **state)
{
	(void)state;
	struct hv_host *h = calloc(1, sizeof(*h));
	struct hv_plan_input *in = calloc(1, sizeof(*in));
	static const int ids[] = {0, 8, 252, 253, 254, 255};
	strcpy(h->release, "6.12.0");
	h->kver_major = 6;
	h->kver_minor = 12;
	h->page_size = 64 * K;
	h->btf_struct_page_size = 64;
	h->memblocks.block_size = 256 * M;
	h->memblocks.present = 4 * 1024 + 4 * 64; /* 1T + 16G */
	h->nnodes_online = 6;
	h->nhstates = 1;
	h->hstates[0] = (struct hv_hstate){.size = 16 * M, .nr = 2 * 24576, .nnodes = 6};
	for (int i = 0; i < 6; i++) {
		h->hstates[0].nodes[i] = (struct hv_hstate_node){.node = ids[i], .nr = i < 2 ? 24576 : 0};
		h->node_mem[h->nnode_mem].node = ids[i];
		h->node_mem[h->nnode_mem++].mem_total_kib = (int64_t)((i < 2 ? 512 * G : 4 * G) / K);
	}
	assert_int_equal(hv_plan_from_host(h, NULL, in), 0);
	assert_int_equal(in->nodes, 6);
	assert_int_equal(hv_plan_node_id(in, 1), 8);
	assert_int_equal(hv_plan_node_index(in, 255), 5);
	assert_int_equal(hv_plan_node_index(in, 1), -1);
	/* 384G on each big node: over a sixth of memory, within its own */
	struct hv_plan_result *r = compute_ok(in);
	assert_int_equal(r->rows[0].nodes[1].pages, 24576);
	assert_int_equal(r->rows[0].nodes[5].pages, 0);
	free(r);
	/* a GPU node holds 4G: 5G there does not fit */
	pool(in, "16M:5G@253");
	assert_non_null(strstr(compute_err(in, -EINVAL), "node 253"));
	in->nspecs = 0;
	/* without every node's MemTotal the split is even: the same pools no
	 * longer fit, and the message says so */
	h->nnode_mem = 5;
	memset(in, 0, sizeof(*in));
	assert_int_equal(hv_plan_from_host(h, NULL, in), 0);
	assert_false(in->node_weights_set);
	assert_non_null(strstr(compute_err(in, -EINVAL), "the pools on node 0 add up to 384G"));
	/* node ids above 255 keep their pools */
	h->hstates[0].nodes[1].node = 300;
	memset(in, 0, sizeof(*in));
	assert_int_equal(hv_plan_from_host(h, NULL, in), 0);
	assert_int_equal(hv_plan_node_id(in, 5), 300);
	assert_int_equal(in->base[0].nr[5], 24576);
	free(h);
	free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_tib),	    cmocka_unit_test(test_worked_numbers),
		cmocka_unit_test(test_no_hvo_and_odd_struct_page), cmocka_unit_test(test_shared_tail),
		cmocka_unit_test(test_dax),	    cmocka_unit_test(test_layout),
		cmocka_unit_test(test_compare),	    cmocka_unit_test(test_parse),
		cmocka_unit_test(test_rejected),    cmocka_unit_test(test_from_host), cmocka_unit_test(test_from_host_sparse_nodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
