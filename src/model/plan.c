/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The plan model: lays --pool / --dax specs out over nodes and computes the
 * vmemmap each pool costs with and without HVO, with the report's per-page
 * rules (doc/kernel-rules.md, "Per-hugepage arithmetic", "Device-dax",
 * "Shared tail pages"). Pure; every figure is checked for
 * 64-bit overflow because every input comes from the command line. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "hv_error.h"
#include "parse.h"
#include "plan.h"
#include "strutil.h"

uint64_t hv_plan_pmd_size(uint64_t page_size)
{
	/* one page-table page of 8-byte entries maps PAGE_SIZE/8 pages */
	return page_size * (page_size / 8);
}

uint64_t hv_plan_pud_size(uint64_t page_size)
{
	return hv_plan_pmd_size(page_size) * (page_size / 8);
}

/* powerpc radix with 64K pages has a 32-entry PTE level and 512-entry PMD
 * and PUD levels (RADIX_PTE_INDEX_SIZE 5, RADIX_PMD_INDEX_SIZE 9): PMD 2M,
 * PUD 1G, unlike the page-of-entries rule arm64's 64K pages follow. */
#define PPC_RADIX_64K_PMD (2ull << 20)
#define PPC_RADIX_64K_PUD (1ull << 30)

int hv_plan_dax_aligns(uint64_t page_size, const struct hv_arch *arch, uint64_t out[HV_PLAN_MAX_DAX_ALIGNS])
{
	bool ppc = arch && !strcmp(hv_arch_name(arch), "ppc64le");
	int n = 0;
	out[n++] = page_size;
	if (page_size == 64 << 10 && (!arch || ppc)) {
		out[n++] = PPC_RADIX_64K_PMD;
		out[n++] = PPC_RADIX_64K_PUD;
	}
	if (page_size != 64 << 10 || !ppc) {
		out[n++] = hv_plan_pmd_size(page_size);
		out[n++] = hv_plan_pud_size(page_size);
	}
	for (int i = 1; i < n; i++) /* ascending, for messages */
		for (int j = i; j > 0 && out[j] < out[j - 1]; j--) {
			uint64_t t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return n;
}

/* ARCH_WANT_OPTIMIZE_DAX_VMEMMAP is selected by x86-64, riscv and powerpc
 * radix only: 4K base pages (PMD 2M, PUD 1G on all three) and powerpc's 64K. */
static bool dax_dedup_align(uint64_t align, uint64_t page_size, const struct hv_arch *arch)
{
	if (arch && !hv_arch_dax_dedup(arch, page_size))
		return false;
	if (page_size == 4 << 10)
		return align == hv_plan_pmd_size(page_size) || align == hv_plan_pud_size(page_size);
	if (page_size == 64 << 10)
		return align == PPC_RADIX_64K_PMD || align == PPC_RADIX_64K_PUD;
	return false;
}

uint64_t hv_plan_dax_optimizable(uint64_t align, uint64_t page_size, uint64_t struct_page, enum hv_gen gen,
				 const struct hv_arch *arch)
{
	/* Compound devmap dedup (5.19): head page and one page of tails are
	 * populated, the other tail vmemmap pages map the second one. Only
	 * for PMD and PUD aligned namespaces on the architectures that have
	 * it, and only where a compound page has more than 2 vmemmap pages
	 * (vmemmap_can_optimize()); like HVO it needs struct pages that tile
	 * a page exactly (assumed: power of two). */
	if (gen < HV_GEN_5_19 || !hv_is_pow2(struct_page) || !dax_dedup_align(align, page_size, arch))
		return 0;
	uint64_t vm = hv_vmemmap_bytes(align, page_size, struct_page);
	return vm > 2 * page_size ? vm - 2 * page_size : 0;
}

static void note(struct hv_plan_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct hv_plan_result *r, const char *fmt, ...)
{
	if (r->nnotes >= (int)(sizeof(r->notes) / sizeof(r->notes[0])))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->notes[r->nnotes++], sizeof(r->notes[0]), fmt, ap);
	va_end(ap);
}

/* Sizes in messages: exact in the largest unit that divides them (1025G,
 * not 1T), else the rounded human form marked as such. */
static const char *sz(uint64_t v, char *buf)
{
	static const char units[] = "KMGTPE";
	int u = -1;
	while (u < 5 && v && v % (1ull << (10 * (u + 2))) == 0)
		u++;
	if (u < 0 && v >= 1024) {
		char h[24];
		hv_fmt_size(v, h, sizeof(h));
		snprintf(buf, 32, "about %s", h);
	} else if (u < 0) {
		snprintf(buf, 32, "%lluB", (unsigned long long)v);
	} else {
		snprintf(buf, 32, "%llu%c", (unsigned long long)(v >> (10 * (u + 1))), units[u]);
	}
	return buf;
}

static int add(uint64_t *acc, uint64_t v, const char *what)
{
	if (__builtin_add_overflow(*acc, v, acc))
		return hv_fail(ERANGE, "%s overflows 64 bits", what);
	return 0;
}

static int add_cell(struct hv_plan_cell *a, const struct hv_plan_cell *b)
{
	int rc = 0;
	rc |= add(&a->pages, b->pages, "the page count");
	rc |= add(&a->memory, b->memory, "the pool memory");
	rc |= add(&a->vmemmap, b->vmemmap, "the vmemmap");
	rc |= add(&a->kept, b->kept, "the vmemmap kept");
	rc |= add(&a->savings, b->savings, "the savings");
	rc |= add(&a->restore, b->restore, "the vmemmap to restore");
	rc |= add(&a->tail, b->tail, "the shared tail pages");
	return rc ? -ERANGE : 0;
}

/* One HugeTLB pool of `pages` pages of `size` on one node. */
static int hugetlb_cell(const struct hv_plan_input *in, int kept_pages, uint64_t size, uint64_t pages,
			struct hv_plan_cell *c)
{
	char a[32];
	uint64_t vpp = hv_vmemmap_bytes(size, in->page_size, in->struct_page);
	uint64_t opt = hv_optimizable_bytes(size, in->page_size, in->struct_page, kept_pages);
	memset(c, 0, sizeof(*c));
	c->pages = pages;
	if (__builtin_mul_overflow(pages, size, &c->memory) || __builtin_mul_overflow(pages, vpp, &c->vmemmap))
		return hv_fail(ERANGE, "%llu pages of %s overflow 64 bits", (unsigned long long)pages, sz(size, a));
	c->savings = pages * opt; /* opt < vpp: cannot overflow */
	c->restore = c->savings;
	/* 7.1: the tails of every optimized folio map one shared page per
	 * zone and order; counted once per node in use (one zone per node). */
	if (in->gen == HV_GEN_7_1 && opt && pages) {
		c->tail = in->page_size;
		c->savings -= c->tail; /* savings >= one page here: opt >= one page */
	}
	c->kept = c->vmemmap - c->savings;
	return 0;
}

struct layout {
	int nsizes;
	uint64_t size[HV_PLAN_MAX_SIZES];
	uint64_t pages[HV_PLAN_MAX_SIZES][HV_MAX_NODES];
	uint64_t pct[HV_PLAN_MAX_SIZES][HV_MAX_NODES]; /* hundredths of the node's memory */
};

static int size_index(struct layout *L, uint64_t size, const char *what)
{
	for (int i = 0; i < L->nsizes; i++)
		if (L->size[i] == size)
			return i;
	if (L->nsizes >= HV_PLAN_MAX_SIZES)
		return hv_fail(EINVAL, "%s: at most %d hugepage sizes in one plan", what, HV_PLAN_MAX_SIZES);
	int i = L->nsizes++;
	/* keep sizes ascending, as the kernel lists hstates */
	while (i > 0 && L->size[i - 1] > size) {
		L->size[i] = L->size[i - 1];
		memcpy(L->pages[i], L->pages[i - 1], sizeof(L->pages[i]));
		memcpy(L->pct[i], L->pct[i - 1], sizeof(L->pct[i]));
		i--;
	}
	L->size[i] = size;
	memset(L->pages[i], 0, sizeof(L->pages[i]));
	memset(L->pct[i], 0, sizeof(L->pct[i]));
	return i;
}

static int check_hugepage_size(const struct hv_plan_input *in, uint64_t size, const char *opt, const char *text)
{
	char a[32], b[32];
	if (!hv_is_pow2(size))
		return hv_fail(EINVAL, "%s %s: hugepage size %s is not a power of two", opt, text, sz(size, a));
	if (size <= in->page_size)
		return hv_fail(EINVAL, "%s %s: hugepage size %s is not larger than the %s base page", opt, text, sz(size, a),
			       sz(in->page_size, b));
	return 0;
}

static uint64_t node_memory(const struct hv_plan_input *in, int n)
{
	if (in->node_weights_set) {
		/* in proportion, the last node taking what rounding leaves */
		unsigned __int128 sum = 0;
		for (int k = 0; k < in->nodes; k++)
			sum += in->node_weight[k];
		uint64_t given = 0;
		for (int k = 0; k < in->nodes; k++) {
			uint64_t share = (uint64_t)((unsigned __int128)in->memory * in->node_weight[k] / sum);
			if (k == n)
				return k == in->nodes - 1 ? in->memory - given : share;
			given += share;
		}
	}
	uint64_t share = in->memory / (uint64_t)in->nodes;
	return share + ((uint64_t)n < in->memory % (uint64_t)in->nodes);
}

/* "0, 8, 252" for messages */
static const char *node_list(const struct hv_plan_input *in, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 0; i < in->nodes && n + 16 < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%d", i ? ", " : "", hv_plan_node_id(in, i));
	if (n + 16 >= cap && cap > 4)
		snprintf(buf + cap - 5, 5, "...");
	return buf;
}

/* The plan node of --pool/--dax ...@NODE, or -EINVAL naming the nodes. */
static int spec_node(const struct hv_plan_input *in, const char *opt, const char *text, int node)
{
	int n = hv_plan_node_index(in, node);
	if (n >= 0)
		return n;
	if (in->node_ids_set) {
		char ids[200];
		return hv_fail(EINVAL, "%s %s: node %d is not one of the host's node%s with memory (%s)", opt, text, node,
			       in->nodes == 1 ? "" : "s", node_list(in, ids, sizeof(ids)));
	}
	return hv_fail(EINVAL, "%s %s: node %d does not exist in a plan of %d node%s (--nodes)", opt, text, node,
		       in->nodes, in->nodes == 1 ? "" : "s");
}

static int apply_spec(const struct hv_plan_input *in, struct layout *L, const struct hv_plan_pool_spec *s)
{
	char a[32], b[32];
	int rc = check_hugepage_size(in, s->size, "--pool", s->text);
	if (rc < 0)
		return rc;
	int idx = HV_UNKNOWN;
	if (s->node != HV_UNKNOWN && (idx = spec_node(in, "--pool", s->text, s->node)) < 0)
		return idx;
	uint64_t target = s->node == HV_UNKNOWN ? in->memory : node_memory(in, idx);
	uint64_t pages, bytes;
	switch (s->kind) {
	case HV_PLAN_COUNT:
		pages = s->value;
		break;
	case HV_PLAN_BYTES:
		if (s->value % s->size)
			return hv_fail(EINVAL, "--pool %s: %s is not a whole number of %s pages", s->text, sz(s->value, a),
				       sz(s->size, b));
		pages = s->value / s->size;
		break;
	default: /* a share of memory, rounded down to whole pages */
		pages = (uint64_t)((unsigned __int128)target * s->value / (100 * HV_PLAN_PCT_SCALE) / s->size);
		break;
	}
	if (__builtin_mul_overflow(pages, s->size, &bytes))
		return hv_fail(ERANGE, "--pool %s: %llu pages of %s overflow 64 bits", s->text, (unsigned long long)pages,
			       sz(s->size, a));
	if (bytes > target) {
		char c[32];
		if (s->node == HV_UNKNOWN)
			return hv_fail(EINVAL, "--pool %s: the pool (%s) is larger than memory (%s)", s->text, sz(bytes, a),
				       sz(target, b));
		return hv_fail(EINVAL, "--pool %s: the pool (%s) is larger than the memory of node %d (%s of %s)", s->text,
			       sz(bytes, a), s->node, sz(target, b), sz(in->memory, c));
	}
	int i = size_index(L, s->size, "--pool");
	if (i < 0)
		return i;
	uint64_t pct = s->kind == HV_PLAN_PERCENT ? s->value : 0;
	if (s->node != HV_UNKNOWN) {
		L->pages[i][idx] = pages;
		L->pct[i][idx] = pct;
		return 0;
	}
	/* Spread as the kernel's round-robin interleave does: the first
	 * nodes take the remainder. */
	for (int n = 0; n < in->nodes; n++) {
		L->pages[i][n] = pages / (uint64_t)in->nodes + ((uint64_t)n < pages % (uint64_t)in->nodes);
		L->pct[i][n] = pct;
	}
	return 0;
}

static int check_fit(const struct hv_plan_input *in, const struct layout *L)
{
	char a[32], b[32], c[32];
	uint64_t total = 0;
	for (int n = 0; n < in->nodes; n++) {
		uint64_t pct = 0, bytes = 0;
		for (int i = 0; i < L->nsizes; i++) {
			uint64_t nb;
			pct += L->pct[i][n];
			if (__builtin_mul_overflow(L->pages[i][n], L->size[i], &nb) || add(&bytes, nb, "the pools") < 0)
				return hv_fail(ERANGE, "the %s pool on node %d overflows 64 bits", sz(L->size[i], a),
					       hv_plan_node_id(in, n));
		}
		if (pct > 100 * HV_PLAN_PCT_SCALE) {
			if (in->nodes == 1)
				return hv_fail(EINVAL, "--pool percentages add up to %llu.%02llu%% of memory, over 100%%",
					       (unsigned long long)(pct / 100), (unsigned long long)(pct % 100));
			return hv_fail(EINVAL, "--pool percentages add up to %llu.%02llu%% of the memory of node %d, over 100%%",
				       (unsigned long long)(pct / 100), (unsigned long long)(pct % 100),
				       hv_plan_node_id(in, n));
		}
		if (bytes > node_memory(in, n)) {
			if (in->nodes == 1)
				return hv_fail(EINVAL, "the pools add up to %s, more than memory (%s)", sz(bytes, a),
					       sz(in->memory, b));
			return hv_fail(EINVAL,
				       "the pools on node %d add up to %s, more than its memory (%s: %s over %d nodes%s); "
				       "use the per-node form SIZE:AMOUNT@NODE",
				       hv_plan_node_id(in, n), sz(bytes, a), sz(node_memory(in, n), b), sz(in->memory, c),
				       in->nodes, in->node_weights_set ? " by their MemTotal" : "");
		}
		if (add(&total, bytes, "the pools") < 0)
			return -ERANGE;
	}
	return 0;
}

/* A row with nodes cells in use: the rest of its HV_MAX_NODES cells stay
 * as they are (never read), so a plan's cost follows its node count. */
static void clear_row(struct hv_plan_row *row, int nodes)
{
	memset(row, 0, offsetof(struct hv_plan_row, nodes) + (size_t)nodes * sizeof(row->nodes[0]));
}

static int build_hugetlb(const struct hv_plan_input *in, struct hv_plan_result *r, const struct layout *L)
{
	for (int i = 0; i < L->nsizes; i++) {
		struct hv_plan_row *row = &r->rows[r->nrows++];
		clear_row(row, in->nodes);
		row->size = L->size[i];
		hv_fmt_size(row->size, row->name, sizeof(row->name));
		row->vmemmap_per_page = hv_vmemmap_bytes(row->size, in->page_size, in->struct_page);
		row->optimizable_per_page = hv_optimizable_bytes(row->size, in->page_size, in->struct_page, r->kept_pages);
		row->nnodes = in->nodes;
		for (int n = 0; n < in->nodes; n++) {
			int rc = hugetlb_cell(in, r->kept_pages, row->size, L->pages[i][n], &row->nodes[n]);
			if (rc < 0 || (rc = add_cell(&row->total, &row->nodes[n])) < 0)
				return rc;
		}
		if (r->kept_pages > 0 && hv_is_pow2(in->struct_page) && row->optimizable_per_page == 0) {
			char a[32], b[32];
			note(r, "%s pages: their vmemmap (%s) fits in %d base page%s: HVO frees nothing", row->name,
			     sz(row->vmemmap_per_page, a), r->kept_pages, r->kept_pages == 1 ? "" : "s");
			(void)b;
		}
		if (add_cell(&r->hugetlb, &row->total) < 0)
			return -ERANGE;
	}
	return 0;
}

static int build_dax(const struct hv_plan_input *in, struct hv_plan_result *r)
{
	char a[32], b[32];
	uint64_t aligns[HV_PLAN_MAX_DAX_ALIGNS];
	int naligns = hv_plan_dax_aligns(in->page_size, in->arch, aligns);
	for (int k = 0; k < in->ndax; k++) {
		const struct hv_plan_dax_spec *s = &in->dax[k];
		bool ok = false;
		for (int i = 0; i < naligns; i++)
			ok = ok || s->align == aligns[i];
		if (!ok) {
			char list[160] = "";
			for (int i = 0; i < naligns; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
					 i == 0 ? "" : i == naligns - 1 ? " or " : ", ", sz(aligns[i], a));
			return hv_fail(EINVAL,
				       "--dax %s: align %s is not the base page, a PMD or a PUD size for %s%s%s base pages (%s)",
				       s->text, sz(s->align, a), in->arch ? hv_arch_name(in->arch) : "", in->arch ? " with " : "",
				       sz(in->page_size, b), list);
		}
		if (s->size == 0 || s->size % s->align)
			return hv_fail(EINVAL, "--dax %s: namespace size %s is not a whole number of %s", s->text,
				       sz(s->size, a), sz(s->align, b));
		int node = s->node == HV_UNKNOWN ? 0 : spec_node(in, "--dax", s->text, s->node);
		if (node < 0)
			return node;
		struct hv_plan_row *row = NULL;
		for (int i = 0; i < r->nrows; i++)
			if (r->rows[i].dax && r->rows[i].size == s->align)
				row = &r->rows[i];
		if (!row) {
			if (r->nrows >= HV_PLAN_MAX_ROWS)
				return hv_fail(EINVAL, "--dax %s: too many pools in one plan", s->text);
			row = &r->rows[r->nrows++];
			clear_row(row, in->nodes);
			row->dax = true;
			row->size = s->align;
			hv_fmt_size(row->size, row->name, sizeof(row->name));
			row->vmemmap_per_page = hv_vmemmap_bytes(s->align, in->page_size, in->struct_page);
			row->optimizable_per_page =
				hv_plan_dax_optimizable(s->align, in->page_size, in->struct_page, in->gen, in->arch);
			row->nnodes = in->nodes;
		}
		struct hv_plan_cell cell = {.pages = s->size / s->align, .memory = s->size};
		cell.vmemmap = cell.pages * row->vmemmap_per_page; /* <= size / page * 1024: no overflow */
		cell.savings = cell.pages * row->optimizable_per_page;
		cell.kept = cell.vmemmap - cell.savings;
		/* destroying a namespace frees its vmemmap: nothing to allocate */
		if (add_cell(&row->nodes[node], &cell) < 0 || add_cell(&row->total, &cell) < 0 ||
		    add_cell(&r->dax, &cell) < 0)
			return -ERANGE;
	}
	if (in->ndax && in->gen < HV_GEN_5_19)
		note(r, "device-dax vmemmap dedup needs 5.19 or later: %s keeps every dax struct page",
		     hv_gen_name(in->gen));
	return 0;
}

static int build_compare(const struct hv_plan_input *in, struct hv_plan_result *r, const struct layout *L)
{
	char a[32];
	if (in->ncompare && r->hugetlb.memory == 0)
		return hv_fail(EINVAL, "--compare needs hugetlb pools to lay out again: give --pool, or --from-host "
				       "on a host with pools");
	for (int k = 0; k < in->ncompare; k++) {
		uint64_t size = in->compare[k];
		char text[32];
		hv_fmt_size(size, text, sizeof(text));
		int rc = check_hugepage_size(in, size, "--compare", text);
		if (rc < 0)
			return rc;
		struct hv_plan_alt *alt = &r->compare[r->ncompare++];
		memset(alt, 0, sizeof(*alt));
		alt->size = size;
		hv_copy(alt->name, sizeof(alt->name), text);
		alt->vmemmap_per_page = hv_vmemmap_bytes(size, in->page_size, in->struct_page);
		alt->optimizable_per_page = hv_optimizable_bytes(size, in->page_size, in->struct_page, r->kept_pages);
		for (int n = 0; n < in->nodes; n++) {
			uint64_t bytes = 0;
			for (int i = 0; i < L->nsizes; i++)
				bytes += L->pages[i][n] * L->size[i]; /* checked by check_fit */
			struct hv_plan_cell c;
			if ((rc = hugetlb_cell(in, r->kept_pages, size, bytes / size, &c)) < 0 ||
			    (rc = add_cell(&alt->cell, &c)) < 0)
				return rc;
			alt->unplaced += bytes % size;
		}
		if (alt->unplaced)
			note(r, "--compare %s: %s of the pools is not a whole number of %s pages and is left out", text,
			     sz(alt->unplaced, a), text);
	}
	return 0;
}

/* Releases that bound each generation, for the architecture table. */
static const struct {
	enum hv_gen gen;
	int lo_major, lo_minor, hi_major, hi_minor;
} gen_span[] = {
	{HV_GEN_5_14, 5, 14, 5, 17}, {HV_GEN_5_18, 5, 18, 5, 18}, {HV_GEN_5_19, 5, 19, 5, 19},
	{HV_GEN_6_0, 6, 0, 6, 10},   {HV_GEN_6_11, 6, 11, 6, 14}, {HV_GEN_6_15, 6, 15, 7, 0},
	{HV_GEN_7_1, 7, 1, 99, 0},
};

/* --arch: the base page and every hugepage size must be the
 * architecture's; whether it has HVO at the plan's kernel goes to why
 * (empty: it has, or it cannot be told, which a note says). */
static int check_arch(const struct hv_plan_input *in, struct hv_plan_result *r, char *why, size_t cap)
{
	char a[32], b[32], list[160];
	const char *name = hv_arch_name(in->arch);
	why[0] = '\0';
	if (!hv_arch_page_ok(in->arch, in->page_size)) {
		hv_arch_pages_text(in->arch, list, sizeof(list));
		return hv_fail(EINVAL, "%s has no %s base pages (%s)", name, sz(in->page_size, a), list);
	}
	uint64_t sizes[HV_ARCH_MAX_SIZES];
	int n = hv_arch_hugepage_sizes(in->arch, in->page_size, sizes);
	list[0] = '\0';
	for (int i = 0; i < n; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 i == 0 ? "" : i == n - 1 ? " or " : ", ", sz(sizes[i], a));
	for (int k = 0; k < in->nspecs + in->ncompare; k++) {
		uint64_t size = k < in->nspecs ? in->specs[k].size : in->compare[k - in->nspecs];
		bool ok = false;
		for (int i = 0; i < n; i++)
			ok = ok || sizes[i] == size;
		if (!ok)
			return hv_fail(EINVAL, "%s %s: %s with %s base pages has no %s hugepages (%s)",
				       k < in->nspecs ? "--pool" : "--compare",
				       k < in->nspecs ? in->specs[k].text : sz(size, b), name, sz(in->page_size, a),
				       sz(size, b), list);
	}
	int maj, min, patch;
	if (in->release[0] && hv_parse_release(in->release, &maj, &min, &patch) == 0) {
		if (hv_arch_supports_hvo(name, maj, min, patch) == HV_NO)
			snprintf(why, cap, "HVO is not available on %s with kernel %s", name, in->release);
		else if (hv_arch_supports_hvo(name, maj, min, patch) == HV_TRI_UNKNOWN)
			note(r, "whether %s has HVO at kernel %s depends on the stable sublevel: the plan assumes it has",
			     name, in->release);
		return 0;
	}
	for (size_t i = 0; i < sizeof(gen_span) / sizeof(gen_span[0]); i++) {
		if (gen_span[i].gen != in->gen)
			continue;
		enum hv_tristate lo = hv_arch_supports_hvo(name, gen_span[i].lo_major, gen_span[i].lo_minor, 0);
		enum hv_tristate hi = hv_arch_supports_hvo(name, gen_span[i].hi_major, gen_span[i].hi_minor, 999);
		if (lo == HV_NO && hi == HV_NO)
			snprintf(why, cap, "HVO is not available on %s in the %s generation", name, hv_gen_name(in->gen));
		else if (lo != HV_YES || hi != HV_YES)
			note(r, "whether %s has HVO in the %s generation depends on the release (give --kernel): the plan "
				"assumes it has", name, hv_gen_name(in->gen));
	}
	return 0;
}

/* A host plan that grows a pool beyond what is free now says so: the
 * kernel would have to reclaim and compact for the rest. */
static void forecast_notes(const struct hv_plan_input *in, struct hv_plan_result *r)
{
	for (int i = 0; i < in->nforecast; i++) {
		const struct hv_plan_forecast *f = &in->forecast[i];
		int64_t now = 0, planned = -1;
		for (int b = 0; b < in->nbase; b++)
			if (in->base[b].size == f->size)
				for (int n = 0; n < in->nodes; n++)
					now += in->base[b].nr[n] > 0 ? in->base[b].nr[n] : 0;
		for (int k = 0; k < r->nrows; k++)
			if (!r->rows[k].dax && r->rows[k].size == f->size)
				planned = (int64_t)r->rows[k].total.pages;
		int64_t add = planned - now;
		if (f->total.basis == HV_FC_UNKNOWN || add <= f->total.pages)
			continue;
		char name[16];
		hv_hstate_name(f->size, name, sizeof(name));
		if (f->total.basis == HV_FC_FREE_BLOCKS && add <= f->total.compacted)
			note(r, "%s: the plan adds %lld pages; free blocks hold %lld now, the free memory all of them: "
				"the kernel must compact for the rest",
			     name, (long long)add, (long long)f->total.pages);
		else
			note(r, "%s: the plan adds %lld pages; the free memory holds at most %lld now: the kernel must "
				"reclaim memory for the rest",
			     name, (long long)add, (long long)f->total.compacted);
	}
}

int hv_plan_compute(const struct hv_plan_input *in, struct hv_plan_result *r)
{
	char a[32], b[32];
	/* the rows are cleared as they are added (clear_row) */
	memset(r, 0, offsetof(struct hv_plan_result, rows));
	size_t tail = offsetof(struct hv_plan_result, rows) + sizeof(r->rows);
	memset((char *)r + tail, 0, sizeof(*r) - tail);
	r->in = in;
	if (in->memory == 0)
		return hv_fail(EINVAL, "no memory size: give --memory SIZE (e.g. 1T) or --from-host");
	if (in->nodes < 1 || in->nodes > HV_MAX_NODES)
		return hv_fail(EINVAL, "--nodes %d: a plan has 1 to %d nodes", in->nodes, HV_MAX_NODES);
	if (!hv_is_pow2(in->page_size) || in->page_size < 4096)
		return hv_fail(EINVAL, "base page size %llu is not 4K, 16K or 64K", (unsigned long long)in->page_size);
	if (in->struct_page < 16 || in->struct_page > 1024)
		return hv_fail(EINVAL, "--struct-page-size %llu: expected 16 to 1024 bytes",
			       (unsigned long long)in->struct_page);
	if (in->memory < in->page_size * (uint64_t)in->nodes)
		return hv_fail(EINVAL, "--memory %s is less than one %s page per node", sz(in->memory, a),
			       sz(in->page_size, b));
	char arch_why[160] = "";
	if (in->arch) {
		int arc = check_arch(in, r, arch_why, sizeof(arch_why));
		if (arc < 0)
			return arc;
	}
	const char *no_hvo = in->no_hvo[0] ? in->no_hvo : arch_why;
	r->kept_pages = no_hvo[0] ? 0 : hv_gen_kept_pages(in->gen);
	r->shared_tail = !no_hvo[0] && in->gen == HV_GEN_7_1;

	struct layout L; /* 128 KiB: fine on the stack, and no global */
	L.nsizes = 0;	 /* size_index() clears each size's row as it is added */
	int rc;
	for (int i = 0; i < in->nbase; i++) {
		if ((rc = size_index(&L, in->base[i].size, "host pools")) < 0)
			return rc;
		for (int n = 0; n < in->nodes; n++)
			L.pages[rc][n] = (uint64_t)(in->base[i].nr[n] > 0 ? in->base[i].nr[n] : 0);
	}
	for (int i = 0; i < in->nspecs; i++)
		if ((rc = apply_spec(in, &L, &in->specs[i])) < 0)
			return rc;
	if ((rc = check_fit(in, &L)) < 0 || (rc = build_hugetlb(in, r, &L)) < 0 || (rc = build_dax(in, r)) < 0 ||
	    (rc = build_compare(in, r, &L)) < 0)
		return rc;
	r->total = r->hugetlb;
	if (add_cell(&r->total, &r->dax) < 0)
		return -ERANGE;

	/* JSON integers are signed 64-bit: keep every figure printable */
	if (in->memory > INT64_MAX || r->total.memory > INT64_MAX || r->total.vmemmap > INT64_MAX)
		return hv_fail(ERANGE, "the plan holds more than 8E of memory (%s), which does not fit signed 64 bits",
			       sz(in->memory > r->total.memory ? in->memory : r->total.memory, a));
	/* hugetlb vmemmap is part of the memory's memmap; a namespace's (in
	 * RAM) comes on top, in both figures, so "with" never exceeds "without" */
	r->memmap = in->memory / in->page_size * in->struct_page;
	if (add(&r->memmap, r->dax.vmemmap, "the memmap") < 0)
		return -ERANGE;
	r->memmap_with_hvo = r->memmap - r->total.savings;
	__int128 left = (__int128)in->memory - r->hugetlb.memory - r->memmap_with_hvo;
	r->remaining = left < INT64_MIN ? INT64_MIN : (int64_t)left;

	if (in->node_weights_set)
		note(r, "memory is split between the nodes in proportion to each node's MemTotal (nodeN/meminfo)");
	if (no_hvo[0])
		note(r, "%s: every struct page is kept (give --kernel or --generation for another kernel)", no_hvo);
	if (in->gen == HV_GEN_NONE)
		note(r, "kernels before 5.14 have no HVO: every struct page is kept");
	if (r->kept_pages > 0 && !hv_is_pow2(in->struct_page))
		note(r, "struct page of %llu bytes is not a power of two: HVO frees nothing",
		     (unsigned long long)in->struct_page);
	if (r->total.tail)
		note(r, "7.1 shared tail pages (%s) are an estimate: one page per node and hugepage size in use; "
			"the kernel keeps one per zone and order, and a node can have several zones",
		     sz(r->total.tail, a));
	if (r->remaining < 0)
		note(r, "the pools and the struct pages need %s more than the memory: nothing is left for the kernel",
		     sz((uint64_t)-(left), a));
	forecast_notes(in, r);
	return 0;
}
