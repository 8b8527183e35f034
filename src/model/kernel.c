/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel generation rules (doc/kernel-rules.md, "Generations", "Architectures")
 * and the per-hugepage vmemmap arithmetic of mm/hugetlb_vmemmap.h
 * ("Per-hugepage arithmetic", "struct page size"). */
#include <string.h>
#include <strings.h>

#include "model.h"
#include "parse.h"

#define KV(a, b) ((a) * 1000 + (b))

enum hv_gen hv_generation(int major, int minor)
{
	int v = KV(major, minor);
	if (major <= 0)
		return HV_GEN_UNKNOWN;
	if (v < KV(5, 14))
		return HV_GEN_NONE;
	if (v < KV(5, 18))
		return HV_GEN_5_14;
	if (v < KV(5, 19))
		return HV_GEN_5_18;
	if (v < KV(6, 0))
		return HV_GEN_5_19;
	if (v < KV(6, 11))
		return HV_GEN_6_0;
	if (v < KV(6, 15))
		return HV_GEN_6_11;
	if (v < KV(7, 1))
		return HV_GEN_6_15;
	return HV_GEN_7_1;
}

const char *hv_gen_name(enum hv_gen g)
{
	static const char *const names[] = {
		[HV_GEN_UNKNOWN] = "unknown", [HV_GEN_NONE] = "pre-5.14", [HV_GEN_5_14] = "5.14",
		[HV_GEN_5_18] = "5.18",	      [HV_GEN_5_19] = "5.19",	  [HV_GEN_6_0] = "6.0",
		[HV_GEN_6_11] = "6.11",	      [HV_GEN_6_15] = "6.15",	  [HV_GEN_7_1] = "7.1",
	};
	return names[g];
}

int hv_gen_kept_pages(enum hv_gen g)
{
	switch (g) {
	case HV_GEN_UNKNOWN:
	case HV_GEN_NONE:
		return 0;
	case HV_GEN_5_14:
		return 2;
	default:
		return 1;
	}
}

enum hv_tristate hv_arch_supports_hvo(const char *arch, int major, int minor)
{
	int v = KV(major, minor);
	if (!arch || !arch[0] || major <= 0)
		return HV_TRI_UNKNOWN;
	if (v < KV(5, 14))
		return HV_NO;
	if (!strcmp(arch, "x86_64"))
		return HV_YES;
	if (!strcmp(arch, "aarch64") || !strcmp(arch, "arm64"))
		return v >= KV(5, 19) && v < KV(6, 3) ? HV_YES : HV_NO;
	if (!strcmp(arch, "s390x"))
		return v >= KV(6, 2) && v < KV(6, 18) ? HV_YES : HV_NO;
	if (!strncmp(arch, "loongarch", 9))
		return v >= KV(6, 2) ? HV_YES : HV_NO;
	if (!strcmp(arch, "riscv64"))
		return v >= KV(6, 4) ? HV_YES : HV_NO;
	return HV_NO; /* powerpc, 32-bit and the rest never had HugeTLB HVO */
}

uint64_t hv_vmemmap_bytes(uint64_t hpage, uint64_t page_size, uint64_t struct_page)
{
	if (!page_size || hpage < page_size)
		return 0;
	return hpage / page_size * struct_page;
}

uint64_t hv_optimizable_bytes(uint64_t hpage, uint64_t page_size, uint64_t struct_page, int kept_pages)
{
	/* HVO needs a power-of-two struct page so that struct pages never
	 * straddle a vmemmap page; the kernel then reports 0 for every size. */
	if (kept_pages <= 0 || !hv_is_pow2(struct_page))
		return 0;
	uint64_t vm = hv_vmemmap_bytes(hpage, page_size, struct_page);
	uint64_t kept = (uint64_t)kept_pages * page_size;
	return vm > kept ? vm - kept : 0;
}

void hv_hstate_name(uint64_t size, char *buf, size_t cap)
{
	hv_fmt_size(size, buf, cap);
}

const char *hv_severity_name(enum hv_severity s)
{
	return s == HV_SEV_ERROR ? "error" : s == HV_SEV_WARNING ? "warning" : "info";
}

int hv_parse_severity(const char *s, enum hv_severity *out)
{
	if (!strcasecmp(s, "info"))
		*out = HV_SEV_INFO;
	else if (!strcasecmp(s, "warning") || !strcasecmp(s, "warn"))
		*out = HV_SEV_WARNING;
	else if (!strcasecmp(s, "error"))
		*out = HV_SEV_ERROR;
	else
		return -1;
	return 0;
}

const char *hv_basis_name(enum hv_basis b)
{
	return b == HV_BASIS_MEASURED ? "measured" : b == HV_BASIS_ASSUMED ? "assumed" : "none";
}

/* S from the 6.0+ boot line: optimizable = N*S - kept*PAGE, N = hpage/PAGE. */
static long struct_page_from_bootlog(const struct hv_host *h, long page_size, int kept)
{
	long found = 0;
	for (int i = 0; i < h->bootlog.nhstates; i++) {
		const struct hv_bootlog_hstate *b = &h->bootlog.hstates[i];
		uint64_t opt;
		if (b->optimizable_kib > 0)
			opt = (uint64_t)b->optimizable_kib * 1024;
		else if (b->freeable_pages > 0)
			opt = (uint64_t)b->freeable_pages * (uint64_t)page_size;
		else
			continue;
		uint64_t n = b->size / (uint64_t)page_size;
		uint64_t total = opt + (uint64_t)kept * (uint64_t)page_size;
		if (!n || total % n)
			continue;
		uint64_t s = total / n;
		if (s < 16 || s > 1024 || (found && (long)s != found))
			return 0; /* lines disagree: trust none of them */
		found = (long)s;
	}
	return found;
}

/* S from the memmap counters, valid only while no page is optimized: then
 * the counters hold exactly the baseline memmap of all present blocks. */
static long struct_page_from_vmstat(const struct hv_host *h, long page_size)
{
	if (h->nr_memmap_pages < 0 || h->memblocks.present <= 0 || h->memblocks.block_size <= 0)
		return 0;
	for (int i = 0; i < h->nhstates; i++)
		if (h->hstates[i].nr != 0)
			return 0;
	unsigned __int128 pages = (unsigned __int128)(uint64_t)(h->nr_memmap_pages + h->nr_memmap_boot_pages) *
				  (uint64_t)page_size * (uint64_t)page_size;
	unsigned __int128 mem = (unsigned __int128)(uint64_t)h->memblocks.present * (uint64_t)h->memblocks.block_size;
	if (!mem || pages % mem)
		return 0;
	unsigned __int128 s = pages / mem;
	return s >= 16 && s <= 1024 ? (long)s : 0;
}

long hv_model_page_size(const struct hv_host *h, const struct hv_model_opts *o, enum hv_page_src *src)
{
	if (o && o->page_size > 0) {
		*src = HV_SRC_OVERRIDE;
		return o->page_size;
	}
	if (h->page_size) { /* an impossible one is the report's error */
		*src = h->page_size_source;
		return h->page_size;
	}
	*src = HV_SRC_ASSUMED;
	hv_note("base page size unknown (no snapshot metadata or kernel config): 4 KiB assumed; "
		"use --page-size to set it");
	return HV_PAGE_SIZE_DEFAULT;
}

long hv_model_struct_page(const struct hv_host *h, const struct hv_model_opts *o, enum hv_gen gen,
			  enum hv_page_src *src)
{
	long s;
	int kept = hv_gen_kept_pages(gen) ? hv_gen_kept_pages(gen) : 1;
	if (o && o->struct_page_size > 0) {
		*src = HV_SRC_OVERRIDE;
		return o->struct_page_size;
	}
	if (h->btf_struct_page_size > 0) {
		*src = HV_SRC_BTF;
		return h->btf_struct_page_size;
	}
	enum hv_page_src psrc;
	long page_size = hv_model_page_size(h, o, &psrc);
	if (page_size > 0 && (s = struct_page_from_bootlog(h, page_size, kept)) > 0) {
		*src = HV_SRC_DMESG;
		return s;
	}
	if (page_size > 0 && (s = struct_page_from_vmstat(h, page_size)) > 0) {
		*src = HV_SRC_VMSTAT;
		return s;
	}
	*src = HV_SRC_ASSUMED;
	return HV_STRUCT_PAGE_DEFAULT;
}

/* The size a bare hugepages= means (doc/kernel-rules.md, "hugepages="):
 * default_hugepagesz= of the command line the host booted with, else the
 * default the kernel reports (meminfo Hugepagesize). */
uint64_t hv_default_hugepage_size(const struct hv_host *h)
{
	if (h->cmdline.default_hugepagesz)
		return h->cmdline.default_hugepagesz;
	return h->meminfo.hugepagesize_kib > 0 ? (uint64_t)h->meminfo.hugepagesize_kib * 1024 : 0;
}
