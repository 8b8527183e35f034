/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What each 64-bit architecture with HugeTLB accepts: base pages, hugepage
 * sizes per base page, and whether it shares device-dax tail vmemmap
 * (doc/kernel-rules.md, "Architectures"). Pure tables. */
#ifndef HV_ARCH_H
#define HV_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_ARCH_MAX_SIZES 8

struct hv_arch;

/* By uname -m name or its Debian/kernel alias (amd64, arm64, ppc64el,
 * powerpc64, loong64); NULL when unknown. */
const struct hv_arch *hv_arch_find(const char *name);
/* The uname -m name: x86_64, aarch64, riscv64, ppc64le, s390x, loongarch64. */
const char *hv_arch_name(const struct hv_arch *a);
/* The known names, comma-separated, for messages and completions. */
const char *hv_arch_names(void);
bool hv_arch_page_ok(const struct hv_arch *a, uint64_t page_size);
/* The base page distributions build the architecture with. */
uint64_t hv_arch_default_page(const struct hv_arch *a);
/* The base pages it has, ascending ("4K, 16K or 64K"). */
void hv_arch_pages_text(const struct hv_arch *a, char *buf, size_t cap);
/* arch_hugetlb_valid_size(): the hugepage sizes with this base page,
 * ascending; how many (0 when the base page is not the arch's). */
int hv_arch_hugepage_sizes(const struct hv_arch *a, uint64_t page_size, uint64_t out[HV_ARCH_MAX_SIZES]);
/* Whether it selects ARCH_WANT_OPTIMIZE_DAX_VMEMMAP with this base page. */
bool hv_arch_dax_dedup(const struct hv_arch *a, uint64_t page_size);

#endif
