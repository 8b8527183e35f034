/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-architecture facts the plan checks a what-if host against: each
 * row from the arch's arch_hugetlb_valid_size() (or the generic
 * size == HPAGE_SIZE) and Kconfig, doc/kernel-rules.md "Architectures". */
#include "arch.h"

#include <stdio.h>
#include <string.h>

#include "strutil.h"

#define K (1ull << 10)
#define M (1ull << 20)
#define G (1ull << 30)

struct arch_page {
	uint64_t page;
	uint64_t sizes[HV_ARCH_MAX_SIZES]; /* ascending, 0-terminated */
};

struct hv_arch {
	const char *name;
	const char *aliases[3];
	uint64_t default_page;
	struct arch_page pages[3];
	uint64_t dax_dedup_page[2]; /* ARCH_WANT_OPTIMIZE_DAX_VMEMMAP with these base pages */
};

static const struct hv_arch arches[] = {
	/* arch/x86/mm/hugetlbpage.c: PMD, and PUD with gbpages */
	{"x86_64", {"amd64", "x86-64"}, 4 * K, {{4 * K, {2 * M, 1 * G}}}, {4 * K}},
	/* arch/arm64/mm/hugetlbpage.c: CONT_PTE, PMD, CONT_PMD, and PUD with 4K pages only */
	{"aarch64",
	 {"arm64"},
	 4 * K,
	 {{4 * K, {64 * K, 2 * M, 32 * M, 1 * G}}, {16 * K, {2 * M, 32 * M, 1 * G}}, {64 * K, {2 * M, 512 * M, 16 * G}}},
	 {0}},
	/* arch/riscv/mm/hugetlbpage.c: Svnapot 64K, PMD, PUD */
	{"riscv64", {"riscv"}, 4 * K, {{4 * K, {64 * K, 2 * M, 1 * G}}}, {4 * K}},
	/* book3s64: radix 2M and 1G, hash 16M and 16G; distributions build 64K pages */
	{"ppc64le",
	 {"ppc64el", "ppc64", "powerpc64"},
	 64 * K,
	 {{4 * K, {2 * M, 16 * M, 1 * G, 16 * G}}, {64 * K, {2 * M, 16 * M, 1 * G, 16 * G}}},
	 {4 * K, 64 * K}},
	/* arch/s390/mm/hugetlbpage.c: EDAT1 segment (1M), EDAT2 region-third (2G) */
	{"s390x", {"s390"}, 4 * K, {{4 * K, {1 * M, 2 * G}}}, {0}},
	/* generic: HPAGE_SHIFT = 2 * PAGE_SHIFT - 3, one size; distributions build 16K */
	{"loongarch64",
	 {"loong64", "loongarch"},
	 16 * K,
	 {{4 * K, {2 * M}}, {16 * K, {32 * M}}, {64 * K, {512 * M}}},
	 {0}},
};

const struct hv_arch *hv_arch_find(const char *name)
{
	for (size_t i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		if (!strcmp(name, arches[i].name))
			return &arches[i];
		for (int j = 0; j < 3 && arches[i].aliases[j]; j++)
			if (!strcmp(name, arches[i].aliases[j]))
				return &arches[i];
	}
	return NULL;
}

const char *hv_arch_name(const struct hv_arch *a)
{
	return a->name;
}

const char *hv_arch_names(void)
{
	return "x86_64, aarch64, riscv64, ppc64le, s390x, loongarch64";
}

static const struct arch_page *page_row(const struct hv_arch *a, uint64_t page_size)
{
	for (int i = 0; i < 3; i++)
		if (a->pages[i].page && a->pages[i].page == page_size)
			return &a->pages[i];
	return NULL;
}

bool hv_arch_page_ok(const struct hv_arch *a, uint64_t page_size)
{
	return page_row(a, page_size) != NULL;
}

uint64_t hv_arch_default_page(const struct hv_arch *a)
{
	return a->default_page;
}

void hv_arch_pages_text(const struct hv_arch *a, char *buf, size_t cap)
{
	int n = 0;
	while (n < 3 && a->pages[n].page)
		n++;
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t l = strlen(buf);
		snprintf(buf + l, cap - l, "%s%lluK", i == 0 ? "" : i == n - 1 ? " or " : ", ",
			 (unsigned long long)(a->pages[i].page >> 10));
	}
}

int hv_arch_hugepage_sizes(const struct hv_arch *a, uint64_t page_size, uint64_t out[HV_ARCH_MAX_SIZES])
{
	const struct arch_page *p = page_row(a, page_size);
	int n = 0;
	while (p && n < HV_ARCH_MAX_SIZES && p->sizes[n])
		out[n] = p->sizes[n], n++;
	return n;
}

bool hv_arch_dax_dedup(const struct hv_arch *a, uint64_t page_size)
{
	return page_size && (a->dax_dedup_page[0] == page_size || a->dax_dedup_page[1] == page_size);
}
