/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The model, case by case: generation rules, per-page figures (the table of
 * doc/kernel-rules.md, "Per-hugepage arithmetic"), stale-page attribution and whole reports built from
 * synthetic hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv_error.h"
#include "model.h"

#define K 1024ull
#define M (1024ull * K)
#define G (1024ull * M)
#define T (1024ull * G)

static void test_generation(void **state)
{
	(void)state;
	assert_int_equal(hv_generation(5, 13), HV_GEN_NONE);
	assert_int_equal(hv_generation(5, 14), HV_GEN_5_14);
	assert_int_equal(hv_generation(5, 17), HV_GEN_5_14);
	assert_int_equal(hv_generation(5, 18), HV_GEN_5_18);
	assert_int_equal(hv_generation(5, 19), HV_GEN_5_19);
	assert_int_equal(hv_generation(6, 1), HV_GEN_6_0);
	assert_int_equal(hv_generation(6, 11), HV_GEN_6_11);
	assert_int_equal(hv_generation(6, 18), HV_GEN_6_15);
	assert_int_equal(hv_generation(7, 1), HV_GEN_7_1);
	assert_int_equal(hv_generation(0, 0), HV_GEN_UNKNOWN);
	assert_int_equal(hv_gen_kept_pages(HV_GEN_5_14), 2);
	assert_int_equal(hv_gen_kept_pages(HV_GEN_5_18), 1);
	assert_int_equal(hv_gen_kept_pages(HV_GEN_7_1), 1);
	assert_int_equal(hv_gen_kept_pages(HV_GEN_NONE), 0);
}

static void test_arch(void **state)
{
	(void)state;
	assert_int_equal(hv_arch_supports_hvo("x86_64", 5, 14, 0), HV_YES);
	assert_int_equal(hv_arch_supports_hvo("x86_64", 5, 13, 0), HV_NO);
	/* arm64: off in 6.3, and in 6.1 from 6.1.16 (stable backport) */
	assert_int_equal(hv_arch_supports_hvo("aarch64", 6, 1, 15), HV_YES);
	assert_int_equal(hv_arch_supports_hvo("aarch64", 6, 1, 16), HV_NO);
	assert_int_equal(hv_arch_supports_hvo("aarch64", 6, 1, HV_UNKNOWN), HV_TRI_UNKNOWN);
	assert_int_equal(hv_arch_supports_hvo("aarch64", 6, 0, 5), HV_YES);
	assert_int_equal(hv_arch_supports_hvo("aarch64", 6, 3, 0), HV_NO);
	assert_int_equal(hv_arch_supports_hvo("s390x", 6, 18, 0), HV_NO);
	/* s390: the maintained stable branches got the 6.18 disable */
	assert_int_equal(hv_arch_supports_hvo("s390x", 6, 12, 40), HV_TRI_UNKNOWN);
	assert_int_equal(hv_arch_supports_hvo("s390x", 6, 4, 0), HV_YES);
	assert_int_equal(hv_arch_supports_hvo("riscv64", 6, 4, 0), HV_YES);
	assert_int_equal(hv_arch_supports_hvo("ppc64le", 6, 6, 0), HV_NO);
	assert_int_equal(hv_arch_supports_hvo("", 6, 6, 0), HV_TRI_UNKNOWN);
}

/* doc/kernel-rules.md, "Per-hugepage arithmetic", worked numbers: base, hugepage, saved with 1 kept, with 2 kept. */
static void test_per_page_table(void **state)
{
	(void)state;
	static const struct {
		uint64_t base, hp, one, two;
	} rows[] = {
		{4 * K, 64 * K, 0, 0},
		{4 * K, 2 * M, 28 * K, 24 * K},
		{4 * K, 32 * M, 508 * K, 504 * K},
		{4 * K, 512 * M, 8188 * K, 8184 * K},
		{4 * K, 1 * G, 16380 * K, 16376 * K},
		{4 * K, 16 * G, 262140 * K, 262136 * K},
		{16 * K, 64 * K, 0, 0},
		{16 * K, 2 * M, 0, 0},
		{16 * K, 32 * M, 112 * K, 96 * K},
		{16 * K, 512 * M, 2032 * K, 2016 * K},
		{16 * K, 1 * G, 4080 * K, 4064 * K},
		{16 * K, 16 * G, 65520 * K, 65504 * K},
		{64 * K, 64 * K, 0, 0},
		{64 * K, 2 * M, 0, 0},
		{64 * K, 32 * M, 0, 0},
		{64 * K, 512 * M, 448 * K, 384 * K},
		{64 * K, 1 * G, 960 * K, 896 * K},
		{64 * K, 16 * G, 16320 * K, 16256 * K},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(hv_optimizable_bytes(rows[i].hp, rows[i].base, 64, 1), rows[i].one);
		assert_int_equal(hv_optimizable_bytes(rows[i].hp, rows[i].base, 64, 2), rows[i].two);
	}
	/* 16 GiB of vmemmap per TiB, 4K/64B */
	assert_int_equal(hv_vmemmap_bytes(1 * T, 4 * K, 64), 16 * G);
	/* per TiB kept: 2M pages 2 GiB (1 kept) / 4 GiB (2 kept); 1G pages 4 MiB / 8 MiB */
	assert_int_equal((1 * T / (2 * M)) * (hv_vmemmap_bytes(2 * M, 4 * K, 64) - hv_optimizable_bytes(2 * M, 4 * K, 64, 1)), 2 * G);
	assert_int_equal((1 * T / (2 * M)) * (hv_vmemmap_bytes(2 * M, 4 * K, 64) - hv_optimizable_bytes(2 * M, 4 * K, 64, 2)), 4 * G);
	assert_int_equal((1 * T / G) * (hv_vmemmap_bytes(G, 4 * K, 64) - hv_optimizable_bytes(G, 4 * K, 64, 1)), 4 * M);
	assert_int_equal((1 * T / G) * (hv_vmemmap_bytes(G, 4 * K, 64) - hv_optimizable_bytes(G, 4 * K, 64, 2)), 8 * M);
	/* a struct page that is not a power of two gets nothing */
	assert_int_equal(hv_optimizable_bytes(2 * M, 4 * K, 72, 1), 0);
	assert_int_equal(hv_optimizable_bytes(G, 4 * K, 80, 1), 0);
	/* no HVO generation */
	assert_int_equal(hv_optimizable_bytes(2 * M, 4 * K, 64, 0), 0);
}

static void test_stale_single(void **state)
{
	(void)state;
	int64_t nr[] = {512}, s[1];
	uint64_t opt[] = {28 * K};
	assert_int_equal(hv_solve_stale(1, nr, opt, 100 * 28 * K, s), 1);
	assert_int_equal(s[0], 100);
	assert_int_equal(hv_solve_stale(1, nr, opt, 0, s), 1);
	assert_int_equal(s[0], 0);
	/* not a multiple of the per-page saving: not explained by stale pages */
	assert_int_equal(hv_solve_stale(1, nr, opt, 100 * 28 * K + 4096, s), -1);
	/* more stale pages than the pool has */
	assert_int_equal(hv_solve_stale(1, nr, opt, 513 * 28 * K, s), -1);
}

static void test_stale_two_sizes(void **state)
{
	(void)state;
	int64_t s[2];
	uint64_t opt[] = {28 * K, 16380 * K};
	/* 585 x 2M frees exactly what 1 x 1G does: ambiguous when both fit */
	int64_t nr_both[] = {1000, 2};
	assert_int_equal(hv_solve_stale(2, nr_both, opt, 585 * 28 * K, s), 0);
	/* ...unique when the 2M pool is too small for the 585 reading */
	int64_t nr_small[] = {512, 2};
	assert_int_equal(hv_solve_stale(2, nr_small, opt, 585 * 28 * K, s), 1);
	assert_int_equal(s[0], 0);
	assert_int_equal(s[1], 1);
	/* 100 stale 2M pages and no stale 1G page (the live scenario) */
	assert_int_equal(hv_solve_stale(2, nr_small, opt, 100 * 28 * K, s), 1);
	assert_int_equal(s[0], 100);
	assert_int_equal(s[1], 0);
	/* pools that cannot save anything take no part */
	int64_t nr3[] = {10, 0, 4};
	uint64_t opt3[] = {28 * K, 16380 * K, 0};
	int64_t s3[3];
	assert_int_equal(hv_solve_stale(3, nr3, opt3, 3 * 28 * K, s3), 1);
	assert_int_equal(s3[0], 3);
	assert_int_equal(s3[2], 0);
}

/* A 6.18 x86_64 host like the CI machine: 192 blocks of 128 MiB. */
static struct hv_host *host_618(void)
{
	struct hv_host *h = calloc(1, sizeof(*h));
	strcpy(h->release, "6.18.44");
	strcpy(h->arch, "x86_64");
	h->kver_major = 6;
	h->kver_minor = 18;
	h->kver_patch = 44;
	h->page_size = 4096;
	h->page_size_source = HV_SRC_LIVE;
	h->btf_struct_page_size = 64;
	h->memblocks.block_size = 128 * M;
	h->memblocks.present = 192;
	h->nr_memmap_pages = 12288;
	h->nr_memmap_boot_pages = 86016;
	h->sysctl_hvo = 1;
	h->memmap_on_memory_now = 0;
	h->cmdline.present = true;
	h->cmdline.hvo_param_present = false;
	h->cmdline.memmap_on_memory = HV_UNKNOWN;
	h->cmdline.sysctl_hvo = HV_UNKNOWN;
	h->kconfig.present = true;
	h->kconfig.hvo = HV_YES;
	h->kconfig.hvo_default_on = HV_NO;
	h->cpu_gbpages = HV_YES;
	h->meminfo.hugepagesize_kib = 2048;
	h->nhstates = 2;
	h->hstates[0].size = 2 * M;
	h->hstates[1].size = 1 * G;
	for (int i = 0; i < 2; i++) {
		h->hstates[i].nnodes = 1;
		h->hstates[i].nodes[0].node = 0;
	}
	return h;
}

static void set_pool(struct hv_host *h, int i, int64_t nr)
{
	h->hstates[i].nr = h->hstates[i].free = nr;
	h->hstates[i].nodes[0].nr = h->hstates[i].nodes[0].free = nr;
}

/* hugetlb_free_vmemmap=V on h's command line; NULL: a bare flag */
static void set_hvo_param(struct hv_host *h, const char *v)
{
	h->cmdline.hvo_param_present = true;
	h->cmdline.hvo_param_bare = !v;
	snprintf(h->cmdline.hvo_param_text, sizeof(h->cmdline.hvo_param_text), "%s", v ? v : "");
}

static const struct hv_finding *finding(const struct hv_report *r, const char *id)
{
	for (int i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].id, id))
			return &r->findings[i];
	return NULL;
}

static void test_report_all_optimized(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	set_pool(h, 0, 512);
	set_pool(h, 1, 2);
	/* what the kernel showed on this host after allocating with HVO on */
	int64_t drop = 512 * 7 + 2 * 4095;
	h->nr_memmap_pages = 514;
	h->nr_memmap_boot_pages = 98304 - 514 - drop;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->memmap_baseline_pages, 98304);
	assert_int_equal(r->realized_savings_bytes, drop * 4096);
	assert_int_equal(r->total_savings_basis, HV_BASIS_MEASURED);
	assert_int_equal(r->hstates[0].savings_current, 512 * 28 * K);
	assert_int_equal(r->hstates[1].savings_current, 2 * 16380 * K);
	assert_int_equal(r->hstates[0].unoptimized_pages, 0);
	assert_int_equal(r->hstates[0].nodes[0].savings_current, 512 * 28 * K);
	assert_null(finding(r, "stale-pages"));
	assert_non_null(finding(r, "shrink-needs-memory"));
	free(h);
	free(r);
}

static void test_report_stale(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	set_pool(h, 0, 512);
	set_pool(h, 1, 2);
	int64_t drop = 412 * 7 + 2 * 4095; /* 100 2M pages came while HVO was off */
	h->nr_memmap_pages = 3318;
	h->nr_memmap_boot_pages = 98304 - 3318 - drop;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->hstates[0].unoptimized_pages, 100);
	assert_int_equal(r->hstates[1].unoptimized_pages, 0);
	assert_int_equal(r->hstates[0].savings_current, 412 * 28 * K);
	assert_int_equal(r->unoptimized_bytes, 100 * 28 * K);
	const struct hv_finding *f = finding(r, "stale-pages");
	assert_non_null(f);
	assert_int_equal(f->severity, HV_SEV_WARNING);
	assert_non_null(strstr(f->message, "100 x 2M"));
	free(h);
	free(r);
}

static void test_report_ambiguous_stale(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	set_pool(h, 0, 1000);
	set_pool(h, 1, 2);
	int64_t drop = 1000 * 7 + 2 * 4095 - 4095; /* one 1G, or 585 2M, un-optimized */
	h->nr_memmap_pages = 0;
	h->nr_memmap_boot_pages = 98304 - drop;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->unoptimized_bytes, 4095 * 4096);
	assert_int_equal(r->hstates[0].unoptimized_pages, HV_UNKNOWN);
	assert_int_equal(r->hstates[0].savings_current, HV_UNKNOWN);
	assert_int_equal(r->total_savings_current, drop * 4096);
	assert_non_null(finding(r, "stale-pages"));
	free(h);
	free(r);
}

static void test_report_assumed_before_611(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	strcpy(h->release, "6.1.0-13-amd64");
	h->kver_minor = 1;
	h->nr_memmap_pages = h->nr_memmap_boot_pages = HV_UNKNOWN;
	set_pool(h, 0, 256);
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->realized_savings_bytes, HV_UNKNOWN);
	assert_int_equal(r->total_savings_basis, HV_BASIS_ASSUMED);
	assert_int_equal(r->hstates[0].savings_current_basis, HV_BASIS_ASSUMED);
	assert_int_equal(r->hstates[0].savings_current, 256 * 28 * K);
	assert_int_equal(r->hstates[0].unoptimized_pages, HV_UNKNOWN);
	assert_non_null(finding(r, "savings-assumed"));
	free(h);
	free(r);
}

static void test_report_hvo_off_and_not_built(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	set_pool(h, 0, 10);
	h->sysctl_hvo = 0;
	h->nr_memmap_pages = 12288;
	h->nr_memmap_boot_pages = 86016;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_false(r->hvo_active);
	const struct hv_finding *f = finding(r, "hvo-off");
	assert_non_null(f);
	assert_int_equal(f->severity, HV_SEV_WARNING);
	assert_true(f->blocker);
	/* allocated while off: all 10 are stale */
	assert_int_equal(r->hstates[0].unoptimized_pages, 10);

	h->kconfig.hvo = HV_NO;
	h->sysctl_hvo = HV_UNKNOWN;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->hvo_compiled, HV_NO);
	assert_int_equal(r->hstates[0].optimizable_bytes_per_page, 0);
	assert_int_equal(r->hstates[0].savings_possible, 0);
	f = finding(r, "hvo-not-built");
	assert_non_null(f);
	assert_int_equal(f->severity, HV_SEV_ERROR);
	free(h);
	free(r);
}

static void test_struct_page_sources(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	enum hv_page_src src;
	assert_int_equal(hv_model_struct_page(h, NULL, HV_GEN_6_15, &src), 64);
	assert_int_equal(src, HV_SRC_BTF);
	h->btf_struct_page_size = HV_UNKNOWN;
	/* the boot line: 28 KiB for 2M with 1 kept page gives 64 */
	h->bootlog.nhstates = 1;
	h->bootlog.hstates[0].size = 2 * M;
	h->bootlog.hstates[0].optimizable_kib = 28;
	h->bootlog.hstates[0].freeable_pages = HV_UNKNOWN;
	assert_int_equal(hv_model_struct_page(h, NULL, HV_GEN_6_15, &src), 64);
	assert_int_equal(src, HV_SRC_DMESG);
	/* 5.14-5.17 "can free 6 vmemmap pages" with 2 kept gives 64 too */
	h->bootlog.hstates[0].optimizable_kib = HV_UNKNOWN;
	h->bootlog.hstates[0].freeable_pages = 6;
	assert_int_equal(hv_model_struct_page(h, NULL, HV_GEN_5_14, &src), 64);
	assert_int_equal(src, HV_SRC_DMESG);
	/* counters with empty pools: 98304 pages for 24 GiB */
	h->bootlog.nhstates = 0;
	assert_int_equal(hv_model_struct_page(h, NULL, HV_GEN_6_15, &src), 64);
	assert_int_equal(src, HV_SRC_VMSTAT);
	/* with pages allocated the counters are no longer the baseline */
	set_pool(h, 0, 1);
	assert_int_equal(hv_model_struct_page(h, NULL, HV_GEN_6_15, &src), 64);
	assert_int_equal(src, HV_SRC_ASSUMED);
	const struct hv_model_opts o = {.struct_page_size = 80};
	assert_int_equal(hv_model_struct_page(h, &o, HV_GEN_6_15, &src), 80);
	assert_int_equal(src, HV_SRC_OVERRIDE);
	free(h);
}

/* Options reach the model through struct hv_model_opts, never the host:
 * the host keeps what was probed, the report says what was overridden. */
static void test_overrides_are_options(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	set_pool(h, 0, 4);
	const struct hv_model_opts o = {.page_size = 16384, .struct_page_size = 80};
	assert_int_equal(hv_model_report(h, &o, r), 0);
	assert_int_equal(r->page_size, 16384);
	assert_int_equal(r->page_size_source, HV_SRC_OVERRIDE);
	assert_int_equal(r->struct_page_size, 80);
	assert_int_equal(r->struct_page_source, HV_SRC_OVERRIDE);
	assert_int_equal(h->page_size, 4096);
	assert_int_equal(h->page_size_source, HV_SRC_LIVE);
	assert_int_equal(h->btf_struct_page_size, 64);
	/* nothing tells the base page: the model assumes the default, once */
	h->page_size = 0;
	h->page_size_source = HV_SRC_UNKNOWN;
	hv_notes_clear();
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->page_size, HV_PAGE_SIZE_DEFAULT);
	assert_int_equal(r->page_size_source, HV_SRC_ASSUMED);
	assert_int_equal(r->nnotes, 1);
	assert_non_null(strstr(r->notes[0], "4 KiB assumed"));
	hv_notes_clear();
	free(h);
	free(r);
}

/* The report holds its figures and host facts itself: re-reading the host
 * (top's refresh) does not change a report already built. */
static void test_report_owns_its_figures(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	set_pool(h, 0, 512);
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->totals.hugetlb_bytes, 512 * 2 * M);
	assert_int_equal(r->totals.vmemmap_bytes, 512 * 32768);
	assert_int_equal(r->hstates[0].optimizable_per_page_bytes, 28672);
	assert_int_equal(r->totals.memmap_bytes, (12288 + 86016) * 4096LL);
	memset(h, 0xa5, sizeof(*h));
	strcpy(h->release, "overwritten");
	assert_string_equal(r->src.release, "6.18.44");
	assert_string_equal(r->src.arch, "x86_64");
	assert_int_equal(r->hstates[0].nr, 512);
	free(h);
	free(r);
}

static void test_report_non_pow2(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	h->btf_struct_page_size = 72;
	set_pool(h, 0, 8);
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->hstates[0].optimizable_bytes_per_page, 0);
	assert_non_null(finding(r, "struct-page-not-pow2"));
	free(h);
	free(r);
}

static void test_report_overflow(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	h->hstates[1].nr = INT64_MAX / 2; /* x 1 GiB overflows 64 bits */
	assert_int_equal(hv_model_report(h, NULL, r), -ERANGE);
	assert_non_null(strstr(hv_last_error(), "overflows"));
	/* a node claiming more pages than its pool */
	h->hstates[1].nr = 2;
	h->hstates[1].nodes[0].nr = 3;
	assert_int_equal(hv_model_report(h, NULL, r), -EINVAL);
	free(h);
	free(r);
}

static void test_boot_pool_findings(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	set_pool(h, 1, 1);
	h->cmdline.npools = 1;
	h->cmdline.pools[0].size = G;
	h->cmdline.pools[0].count = 4;
	h->bootlog.nhstates = 1;
	h->bootlog.hstates[0].size = G;
	h->bootlog.hstates[0].preallocated = 1;
	h->bootlog.hstates[0].optimizable_kib = 16380;
	h->bootlog.hstates[0].freeable_pages = HV_UNKNOWN;
	h->nr_memmap_boot_pages -= 4095;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_non_null(finding(r, "boot-pool-short"));
	/* what the Prometheus rule HvoplanBootPoolShort compares */
	assert_int_equal(r->hstates[1].boot_requested_pages, 4);
	assert_int_equal(r->hstates[1].boot_allocated_pages, 1);
	assert_int_equal(r->hstates[0].boot_requested_pages, 0);
	assert_int_equal(r->hstates[0].boot_allocated_pages, HV_UNKNOWN);
	assert_int_equal(r->hstates[1].free_bytes, G);
	assert_int_equal(r->hstates[1].resv_bytes, 0);
	/* two hugepages= for one size add up; a bare one is the default size (2M) */
	h->cmdline.npools = 3;
	h->cmdline.pools[1] = h->cmdline.pools[0];
	h->cmdline.pools[2].size = 0;
	h->cmdline.pools[2].count = 7;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->hstates[1].boot_requested_pages, 8);
	assert_int_equal(r->hstates[0].boot_requested_pages, 7);
	/* no command line: unknown, not 0 */
	h->cmdline.present = false;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->hstates[1].boot_requested_pages, HV_UNKNOWN);
	h->cmdline.present = true;
	h->cmdline.npools = 1;
	/* HVO off at boot: boot pools never optimized */
	assert_non_null(finding(r, "boot-pools-unoptimized"));
	set_hvo_param(h, "on");
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_null(finding(r, "boot-pools-unoptimized"));
	assert_true(r->hvo_at_boot);
	free(h);
	free(r);
}

/* Issue 11: a snapshot without memoryN directories gave baseline 0 and
 * "16E (measured)"; counters beyond the baseline are not savings. */
static void test_report_baseline_missing(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	set_pool(h, 0, 100);
	h->nr_memmap_pages = 12288;
	h->nr_memmap_boot_pages = 86016 - 100 * 7;
	h->memblocks.present = 0;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->realized_savings_bytes, HV_UNKNOWN);
	assert_int_equal(r->total_savings_current, HV_UNKNOWN);
	assert_int_equal(r->total_savings_basis, HV_BASIS_NONE);
	assert_int_equal(r->hstates[0].savings_current, HV_UNKNOWN);
	assert_int_equal(r->hstates[0].unoptimized_pages, HV_UNKNOWN);
	assert_int_equal(r->hstates[1].savings_current, 0); /* an empty pool saves nothing, known */
	assert_non_null(strstr(r->savings_note, "no memoryN directories"));
	const struct hv_finding *f = finding(r, "savings-unknown");
	assert_non_null(f);
	assert_non_null(strstr(f->message, "memoryN"));
	assert_null(finding(r, "savings-assumed"));
	assert_null(finding(r, "stale-pages"));

	/* half the blocks: fewer bytes than MemTotal */
	h->memblocks.present = 96;
	h->meminfo.mem_total_kib = 23 * 1024 * 1024;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->realized_savings_bytes, HV_UNKNOWN);
	assert_non_null(strstr(r->savings_note, "less than MemTotal"));

	/* no MemTotal to compare: the counters themselves exceed the baseline */
	h->meminfo.mem_total_kib = 0;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->realized_savings_bytes, HV_UNKNOWN);
	assert_int_equal(r->total_savings_current, HV_UNKNOWN);
	assert_non_null(strstr(r->savings_note, "exceed the baseline"));

	/* a 6.18 report without block_size_bytes: not "no counters" */
	h->memblocks.present = 192;
	h->memblocks.block_size = HV_UNKNOWN;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_non_null(strstr(r->savings_note, "block_size_bytes is missing"));
	f = finding(r, "savings-unknown");
	assert_non_null(f);
	assert_null(strstr(f->message, "6.11"));

	/* 6.1 has no counters at all: assumed, and that is the reason */
	strcpy(h->release, "6.1.0-13-amd64");
	h->kver_minor = 1;
	h->nr_memmap_pages = h->nr_memmap_boot_pages = HV_UNKNOWN;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->total_savings_basis, HV_BASIS_ASSUMED);
	assert_non_null(strstr(r->savings_note, "no nr_memmap_pages counters (added in 6.11)"));
	free(h);
	free(r);
}

/* 2 x 4 EiB is 2^63 bytes: more than a signed 64-bit figure holds. */
static void test_report_wide_figures(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	h->hstates[1].size = 4ull << 60;
	h->nr_memmap_pages = h->nr_memmap_boot_pages = HV_UNKNOWN;
	set_pool(h, 1, 1);
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->hstates[1].hugetlb_bytes, (int64_t)(4ull << 60));
	assert_int_equal(r->hstates[1].nodes[0].hugetlb_bytes, (int64_t)(4ull << 60));
	set_pool(h, 1, 2);
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->hstates[1].hugetlb_bytes, HV_UNKNOWN);
	assert_int_equal(r->hstates[1].nodes[0].hugetlb_bytes, HV_UNKNOWN);
	assert_int_equal(r->hstates[1].vmemmap_bytes, (int64_t)(2 * ((4ull << 60) / 4096 * 64)));
	assert_int_equal(hv_figure(r->total_hugetlb_bytes), HV_UNKNOWN);
	assert_int_equal(r->total_hugetlb_bytes, 8ull << 60); /* exact inside the model */
	free(h);
	free(r);
}

static void test_findings_advice(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	/* HVO off, no pools: nothing to re-allocate, and nothing saved "now" */
	h->sysctl_hvo = 0;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	const struct hv_finding *f = finding(r, "hvo-off");
	assert_non_null(f);
	assert_non_null(strstr(f->fix, "--persist"));
	assert_null(strstr(f->fix, "reallocate"));
	assert_null(strstr(f->fix, "--reoptimize"));
	assert_null(strstr(f->message, "now)"));
	/* with pools: the re-allocation comes after, and no promise of "now" */
	set_pool(h, 0, 10);
	h->nr_memmap_boot_pages = 86016;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	f = finding(r, "hvo-off");
	assert_non_null(strstr(f->fix, "--persist"));
	assert_non_null(strstr(f->fix, "--reoptimize"));
	assert_null(strstr(f->message, "saved now"));
	/* the sysctl differs from the boot state (config default off) */
	assert_null(finding(r, "hvo-not-persistent"));
	h->sysctl_hvo = 1;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	f = finding(r, "hvo-not-persistent");
	assert_non_null(f);
	assert_non_null(strstr(f->message, "sysctl.d"));
	assert_non_null(strstr(f->fix, "--hvo on --persist"));
	set_hvo_param(h, "on");
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_null(finding(r, "hvo-not-persistent"));
	/* sysctl.vm.hugetlb_optimize_vmemmap= on the command line sets it at boot, over the parameter */
	set_hvo_param(h, "off");
	h->cmdline.sysctl_hvo = 1;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_null(finding(r, "hvo-not-persistent"));
	h->cmdline.sysctl_hvo = 0;
	set_hvo_param(h, "on");
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	f = finding(r, "hvo-not-persistent");
	assert_non_null(f);
	assert_non_null(strstr(f->message, "sysctl.vm.hugetlb_optimize_vmemmap= on the command line sets 0"));
	h->cmdline.sysctl_hvo = HV_UNKNOWN;
	/* 10 x 2M now, none from the command line */
	f = finding(r, "pools-not-persistent");
	assert_non_null(f);
	assert_non_null(strstr(f->message, "2M has 10 pages now, 0 at boot"));
	assert_non_null(strstr(f->fix, "--pages 2M:10 --persist"));
	h->cmdline.npools = 1;
	h->cmdline.pools[0].size = 0; /* hugepages= alone: the default size */
	h->cmdline.pools[0].count = 10;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_null(finding(r, "pools-not-persistent"));

	/* one stale page, in a pool with pages in use: singular, and when it
	 * can be re-optimized */
	h->hstates[0].free = 4;
	h->hstates[0].resv = 2;
	h->nr_memmap_boot_pages = 86016 - 9 * 7;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->hstates[0].unoptimized_pages, 1);
	f = finding(r, "stale-pages");
	assert_non_null(f);
	assert_non_null(strstr(f->message, "1 hugepage (1 x 2M) was allocated"));
	assert_non_null(strstr(f->message, "8 of the 10 2M pages"));
	assert_non_null(strstr(f->message, "once freed"));
	free(h);
	free(r);
}

/* the reserve check against set_recommended_min_free_kbytes(): this host
 * (3 low zones, 2M pageblocks) has 67584 kB, as the kernel set it */
static void test_reserve(void **state)
{
	(void)state;
	struct hv_host *h = host_618();
	struct hv_report *r = calloc(1, sizeof(*r));
	set_pool(h, 0, 64);
	h->nr_memmap_pages = HV_UNKNOWN; /* no measured figures needed here */
	h->nr_memmap_boot_pages = HV_UNKNOWN;
	struct hv_reserve *v = &h->reserve;
	*v = (struct hv_reserve){.read = true, .min_free_kbytes = 67584, .low_zones = 3,
				 .pageblock_pages = HV_UNKNOWN, .lowmem_pages = 5000000, .thp = "madvise"};
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->reserve.recommended_kbytes, 67584);
	assert_int_equal(r->reserve.pageblock_bytes, 2 * M);
	assert_string_equal(r->reserve.pageblock_source, "arch");
	assert_false(r->reserve.capped);
	assert_null(finding(r, "min-free-kbytes-low"));

	/* lowered by hand, and with THP never: the kernel's default */
	v->min_free_kbytes = 16384;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	const struct hv_finding *f = finding(r, "min-free-kbytes-low");
	assert_non_null(f);
	assert_non_null(strstr(f->message, "vm.min_free_kbytes is 16384 kB (16M), below the 67584 kB (66M)"));
	assert_non_null(strstr(f->message, "11 free 2M pageblocks in each of the 3 populated low zones"));
	assert_non_null(strstr(f->message, "it was lowered since"));
	assert_string_equal(f->fix, "sysctl -w vm.min_free_kbytes=67584, and the same line in /etc/sysctl.d/ to keep it");
	strcpy(v->thp, "never");
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_non_null(strstr(finding(r, "min-free-kbytes-low")->message, "THP is never here"));

	/* a small host: 5% of the low zones' free pages */
	v->lowmem_pages = 200000;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_true(r->reserve.capped);
	assert_int_equal(r->reserve.recommended_kbytes, 10000 * 4);
	assert_non_null(strstr(finding(r, "min-free-kbytes-low")->message, "5% of the low zones' free memory"));

	/* what the inputs cannot tell is no figure and no finding */
	v->lowmem_pages = HV_UNKNOWN;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->reserve.recommended_kbytes, HV_UNKNOWN);
	assert_null(finding(r, "min-free-kbytes-low"));
	/* elsewhere only pagetypeinfo tells the pageblock */
	v->lowmem_pages = 5000000;
	strcpy(h->arch, "ppc64le");
	h->page_size = 65536;
	v->pageblock_pages = 256; /* 16M, the hash MMU's huge page */
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_string_equal(r->reserve.pageblock_source, "pagetypeinfo");
	assert_int_equal(r->reserve.recommended_kbytes, 256 * 3 * 11 * 64);
	v->pageblock_pages = HV_UNKNOWN;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->reserve.recommended_kbytes, HV_UNKNOWN);
	assert_int_equal(r->reserve.pageblock_bytes, HV_UNKNOWN);
	assert_null(finding(r, "min-free-kbytes-low"));
	v->read = false;
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	assert_int_equal(r->reserve.min_free_kbytes, HV_UNKNOWN);
	free(h);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generation),
		cmocka_unit_test(test_arch),
		cmocka_unit_test(test_per_page_table),
		cmocka_unit_test(test_stale_single),
		cmocka_unit_test(test_stale_two_sizes),
		cmocka_unit_test(test_report_all_optimized),
		cmocka_unit_test(test_report_stale),
		cmocka_unit_test(test_report_ambiguous_stale),
		cmocka_unit_test(test_report_assumed_before_611),
		cmocka_unit_test(test_report_hvo_off_and_not_built),
		cmocka_unit_test(test_struct_page_sources),
		cmocka_unit_test(test_overrides_are_options),
		cmocka_unit_test(test_report_owns_its_figures),
		cmocka_unit_test(test_report_non_pow2),
		cmocka_unit_test(test_report_overflow),
		cmocka_unit_test(test_boot_pool_findings),
		cmocka_unit_test(test_report_baseline_missing),
		cmocka_unit_test(test_report_wide_figures),
		cmocka_unit_test(test_findings_advice),
		cmocka_unit_test(test_reserve),
	};
	return cmocka_run_group_tests_name("model", tests, NULL, NULL);
}
