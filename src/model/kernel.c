/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel generation rules (doc/kernel-rules.md, "Generations", "Architectures")
 * and the per-hugepage vmemmap arithmetic of mm/hugetlb_vmemmap.h
 * ("Per-hugepage arithmetic", "struct page size"). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "parse.h"
#include "strutil.h"

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

enum hv_tristate hv_arch_supports_hvo(const char *arch, int major, int minor, int patch)
{
	int v = KV(major, minor);
	if (!arch || !arch[0] || major <= 0)
		return HV_TRI_UNKNOWN;
	if (v < KV(5, 14))
		return HV_NO;
	if (!strcmp(arch, "x86_64"))
		return HV_YES;
	if (!strcmp(arch, "aarch64") || !strcmp(arch, "arm64")) {
		/* off in 6.3 (060a2c92d1b6), backported to 6.1.16; whether 6.2.y
		 * got it is not known here */
		if (v < KV(5, 19) || v >= KV(6, 3))
			return HV_NO;
		if (v == KV(6, 1))
			return patch < 0 ? HV_TRI_UNKNOWN : patch < 16 ? HV_YES : HV_NO;
		return v == KV(6, 2) ? HV_TRI_UNKNOWN : HV_YES;
	}
	if (!strcmp(arch, "s390x")) {
		/* off in 6.18, and in the stable branches still maintained then
		 * (6.6, 6.12, 6.17) at sublevels not known here */
		if (v < KV(6, 2) || v >= KV(6, 18))
			return HV_NO;
		return v == KV(6, 6) || v == KV(6, 12) || v == KV(6, 17) ? HV_TRI_UNKNOWN : HV_YES;
	}
	if (!strncmp(arch, "loongarch", 9))
		return v >= KV(6, 2) ? HV_YES : HV_NO;
	if (!strcmp(arch, "riscv64"))
		return v >= KV(6, 4) ? HV_YES : HV_NO;
	return HV_NO; /* powerpc, 32-bit and the rest never had HugeTLB HVO */
}

const char *hv_gen_basis_name(enum hv_gen_basis b)
{
	return b == HV_GEN_BY_FEATURES ? "features" : b == HV_GEN_ASSUMED ? "assumed" : "release";
}

/* One thing the host shows that bounds its generation. */
struct gen_bound {
	enum hv_gen lo, hi; /* HV_GEN_UNKNOWN: no bound that side */
	char *ev;
	size_t cap;
};

static void shows(struct gen_bound *b, enum hv_gen lo, enum hv_gen hi, const char *what)
{
	if (lo != HV_GEN_UNKNOWN && (b->lo == HV_GEN_UNKNOWN || lo > b->lo))
		b->lo = lo;
	if (hi != HV_GEN_UNKNOWN && (b->hi == HV_GEN_UNKNOWN || hi < b->hi))
		b->hi = hi;
	size_t len = strlen(b->ev);
	snprintf(b->ev + len, b->cap - len, "%s%s", len ? ", " : "", what);
}

/* Kept vmemmap pages from the 5.14-5.18 line "can free F vmemmap pages":
 * F = N - kept with N = H/P * S/P. With S known one size tells; else two
 * sizes give S = (F1 - F2) * P^2 / (H1 - H2). 0 when they do not tell. */
static int kept_from_free_lines(const struct hv_bootlog *bl, long page_size, long struct_page)
{
	const struct hv_bootlog_hstate *a = NULL, *b = NULL;
	if (page_size <= 0)
		return 0;
	for (int i = 0; i < bl->nhstates; i++) {
		const struct hv_bootlog_hstate *x = &bl->hstates[i];
		if (x->freeable_pages < 0 || x->size < (uint64_t)page_size)
			continue;
		if (!a || x->size > a->size) {
			b = a;
			a = x;
		} else if (!b || x->size > b->size) {
			b = x;
		}
	}
	if (!a)
		return 0;
	uint64_t p = (uint64_t)page_size, s = struct_page > 0 ? (uint64_t)struct_page : 0;
	if (!s && b && a->size != b->size && a->freeable_pages > b->freeable_pages) {
		unsigned __int128 num = (unsigned __int128)(uint64_t)(a->freeable_pages - b->freeable_pages) * p * p;
		uint64_t den = a->size - b->size;
		if (num % den)
			return 0;
		unsigned __int128 q = num / den;
		s = q >= 16 && q <= 1024 ? (uint64_t)q : 0;
	}
	if (!s)
		return 0;
	unsigned __int128 n = (unsigned __int128)(a->size / p) * s;
	if (n % p)
		return 0;
	n /= p;
	if (n < (unsigned __int128)(uint64_t)a->freeable_pages)
		return 0;
	unsigned __int128 kept = n - (uint64_t)a->freeable_pages;
	return kept == 1 || kept == 2 ? (int)kept : 0;
}

void hv_host_generation(const struct hv_host *h, long page_size, long struct_page, struct hv_gen_info *g)
{
	memset(g, 0, sizeof(*g));
	struct gen_bound b = {HV_GEN_UNKNOWN, HV_GEN_UNKNOWN, g->evidence, sizeof(g->evidence)};
	const struct hv_bootlog *bl = &h->bootlog;
	if (h->nr_memmap_pages != HV_UNKNOWN)
		shows(&b, HV_GEN_6_11, HV_GEN_UNKNOWN, "nr_memmap_pages in /proc/vmstat (6.11+)");
	if (bl->formats & HV_BLF_DISCARD)
		shows(&b, HV_GEN_6_15, HV_GEN_UNKNOWN, "the 6.15+ 'invalid page(s) discarded' boot line");
	if (h->kconfig.vmemmap_preinit == HV_YES)
		shows(&b, HV_GEN_6_15, HV_GEN_UNKNOWN, "CONFIG_ARCH_WANT_HUGETLB_VMEMMAP_PREINIT (6.15+)");
	if (bl->formats & HV_BLF_KIB)
		shows(&b, HV_GEN_6_0, HV_GEN_UNKNOWN, "the 6.0+ 'KiB vmemmap can be freed' boot line");
	if (bl->formats & HV_BLF_OPTIMIZE)
		shows(&b, HV_GEN_5_19, HV_GEN_5_19, "the 5.19 'can optimize' boot line");
	if (h->sysctl_hvo != HV_UNKNOWN)
		shows(&b, HV_GEN_5_19, HV_GEN_UNKNOWN, "vm.hugetlb_optimize_vmemmap (5.19+)");
	if (h->kconfig.hvo_symbol == HV_KC_HVO_OPTIMIZE)
		shows(&b, HV_GEN_5_19, HV_GEN_UNKNOWN, "CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP (5.19+)");
	else if (h->kconfig.hvo_symbol == HV_KC_HVO_FREE)
		shows(&b, HV_GEN_5_14, HV_GEN_5_18, "CONFIG_HUGETLB_PAGE_FREE_VMEMMAP (5.14-5.18)");
	int kept = 0;
	if (bl->formats & HV_BLF_FREE) {
		kept = kept_from_free_lines(bl, page_size, struct_page);
		enum hv_gen k = kept == 2 ? HV_GEN_5_14 : kept == 1 ? HV_GEN_5_18 : HV_GEN_UNKNOWN;
		shows(&b, k != HV_GEN_UNKNOWN ? k : HV_GEN_5_14, k != HV_GEN_UNKNOWN ? k : HV_GEN_5_18,
		      kept == 2   ? "the 5.14-5.17 'can free' boot line (2 pages kept)"
		      : kept == 1 ? "the 5.18 'can free' boot line (1 page kept)"
				  : "the 5.14-5.18 'can free' boot line");
	}

	g->release_gen = hv_generation(h->kver_major, h->kver_minor);
	if (b.lo != HV_GEN_UNKNOWN && b.hi != HV_GEN_UNKNOWN && b.lo > b.hi) {
		/* what the host shows contradicts itself: trust none of it */
		size_t len = strlen(g->evidence);
		snprintf(g->evidence + len, sizeof(g->evidence) - len, "%s", " (these disagree: ignored)");
		b.lo = b.hi = HV_GEN_UNKNOWN;
	}
	enum hv_gen gen = g->release_gen;
	if (gen == HV_GEN_UNKNOWN || gen == HV_GEN_NONE) {
		/* no release, or one before HVO that still shows HVO: the
		 * oldest generation with everything it shows */
		if (b.lo != HV_GEN_UNKNOWN)
			gen = b.lo;
		else if (b.hi != HV_GEN_UNKNOWN)
			gen = b.hi;
	} else {
		if (b.lo != HV_GEN_UNKNOWN && gen < b.lo)
			gen = b.lo;
		if (b.hi != HV_GEN_UNKNOWN && gen > b.hi)
			gen = b.hi;
	}
	g->gen = gen;
	g->basis = gen == HV_GEN_UNKNOWN	? HV_GEN_ASSUMED
		   : gen == g->release_gen ? HV_GEN_BY_RELEASE
					   : HV_GEN_BY_FEATURES;
}

enum hv_tristate hv_hvo_param(enum hv_gen g, const struct hv_cmdline *cl, bool *rejected)
{
	*rejected = false;
	if (!cl->hvo_param_present || g == HV_GEN_NONE) /* before 5.14 the kernel has no such parameter */
		return HV_TRI_UNKNOWN;
	const char *v = cl->hvo_param_text;
	int on = -1;
	switch (g) {
	case HV_GEN_5_14:
	case HV_GEN_5_18:
		/* early_param, strcmp() against "on" and "off" only */
		if (!cl->hvo_param_bare && !strcmp(v, "on"))
			on = 1;
		else if (!cl->hvo_param_bare && !strcmp(v, "off"))
			on = 0;
		break;
	case HV_GEN_6_0:
	case HV_GEN_6_11:
	case HV_GEN_UNKNOWN: /* today's rules would reject a bare flag; 6.0-6.14 take it */
		/* core_param(bool): param_set_bool() takes a bare flag as "1" */
		if (cl->hvo_param_bare)
			on = 1;
		else if (hv_kstrtobool(v, &on) < 0)
			on = -1;
		break;
	default:
		/* 5.19 and 6.15+: early_param with kstrtobool(); NULL is -EINVAL */
		if (cl->hvo_param_bare || hv_kstrtobool(v, &on) < 0)
			on = -1;
		break;
	}
	if (on < 0) {
		*rejected = true;
		return HV_TRI_UNKNOWN;
	}
	return on ? HV_YES : HV_NO;
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

const char *hv_mem_basis_name(enum hv_mem_basis b)
{
	return b == HV_MEM_BLOCKS ? "blocks" : b == HV_MEM_SECTIONS ? "sections" : b == HV_MEM_APPROX ? "approximate" : "unknown";
}

/* Present sections from the System RAM ranges (sorted); -1 when they
 * contradict the blocks (their blocks are not the present ones in number). */
static int64_t count_sections(const struct hv_host *h, uint64_t section)
{
	const struct hv_ram_ranges *rr = &h->ram;
	uint64_t per_block = (uint64_t)h->memblocks.block_size / section;
	uint64_t n = 0, blocks = 0, last = 0, last_block = 0;
	bool any = false;
	for (int i = 0; i < rr->n; i++) {
		uint64_t a = rr->r[i].start / section, b = rr->r[i].end / section;
		if (any && a <= last)
			a = last + 1; /* a section shared with the previous range counts once */
		if (any && b <= last)
			continue;
		uint64_t ba = a / per_block, bb = b / per_block;
		if (any && ba == last_block)
			ba++;
		n += b - a + 1;
		blocks += bb >= ba ? bb - ba + 1 : 0;
		last = b;
		last_block = bb;
		any = true;
		if (n > (uint64_t)1 << 40)
			return -1;
	}
	return any && blocks == (uint64_t)h->memblocks.present ? (int64_t)n : -1;
}

int64_t hv_section_size(const char *arch, long page_size)
{
	/* SECTION_SIZE_BITS of arch/x86/include/asm/sparsemem.h (27),
	 * arch/arm64/include/asm/sparsemem.h (27; 29 with 64K pages),
	 * arch/s390/include/asm/sparsemem.h (28), arch/riscv/include/asm/
	 * sparsemem.h (27) */
	if (!strcmp(arch, "x86_64") || !strcmp(arch, "riscv64"))
		return (int64_t)1 << 27;
	if (!strcmp(arch, "aarch64") || !strcmp(arch, "arm64"))
		return page_size == 65536 ? (int64_t)1 << 29 : page_size > 0 ? (int64_t)1 << 27 : HV_UNKNOWN;
	if (!strcmp(arch, "s390x"))
		return (int64_t)1 << 28;
	return HV_UNKNOWN;
}

int64_t hv_pageblock_pages(const struct hv_host *h, const char **source)
{
	*source = "";
	/* include/linux/pageblock-flags.h: pageblock_order is HUGETLB_PAGE_ORDER
	 * (the PMD) on both, under MAX_PAGE_ORDER (10) */
	bool x86 = !strcmp(h->arch, "x86_64"), arm = !strcmp(h->arch, "aarch64") || !strcmp(h->arch, "arm64");
	if ((x86 || arm) && h->page_size == 4096) {
		*source = "arch";
		return 512;
	}
	if (h->reserve.pageblock_pages > 0) {
		*source = "pagetypeinfo";
		return h->reserve.pageblock_pages;
	}
	return HV_UNKNOWN;
}

enum hv_mem_basis hv_host_memmap_memory(const struct hv_host *h, uint64_t *bytes, int64_t *sections, char *why,
					size_t cap)
{
	const struct hv_memblocks *mb = &h->memblocks;
	*bytes = 0;
	*sections = HV_UNKNOWN;
	if (why && cap)
		why[0] = '\0';
	if (mb->block_size <= 0 || mb->present <= 0 ||
	    __builtin_mul_overflow((uint64_t)mb->present, (uint64_t)mb->block_size, bytes))
		return HV_MEM_UNKNOWN;
	int64_t section = hv_section_size(h->arch, h->page_size);
	if (section > mb->block_size || (section > 0 && mb->block_size % section))
		section = HV_UNKNOWN; /* a block holds whole sections: these figures are not a kernel's */
	if (section == mb->block_size || section <= 0) { /* unknown: the blocks are all there is to go by */
		*sections = mb->present;
		return HV_MEM_BLOCKS;
	}
	if (h->ram.source != HV_RAM_NONE) {
		int64_t n = count_sections(h, (uint64_t)section);
		if (n > 0) {
			*sections = n;
			*bytes = (uint64_t)n * (uint64_t)section;
			return HV_MEM_SECTIONS;
		}
		if (why)
			snprintf(why, cap, "the System RAM ranges of %s do not match the %lld present memory blocks",
				 h->ram.source == HV_RAM_IOMEM ? "proc/iomem" : "sys/firmware/memmap",
				 (long long)mb->present);
		return HV_MEM_APPROX;
	}
	if (why) {
		char b[16], s[16];
		hv_fmt_size((uint64_t)mb->block_size, b, sizeof(b));
		hv_fmt_size((uint64_t)section, s, sizeof(s));
		snprintf(why, cap,
			 "memory blocks are %s but sections %s, and a block with holes (the PCI hole, the end of RAM) "
			 "is counted whole: %s; run as root or take a snapshot as root (it copies proc/iomem)",
			 b, s, h->ram.why[0] ? h->ram.why : "no System RAM ranges were read");
	}
	return HV_MEM_APPROX;
}

/* S from the memmap counters, valid only while no page is optimized and
 * nothing but System RAM has memmap: then the counters hold exactly the
 * memmap of the present sections. */
static long struct_page_from_vmstat(const struct hv_host *h, enum hv_gen gen, long page_size)
{
	uint64_t mem;
	int64_t sections;
	if (h->nr_memmap_pages < 0 || h->nr_memmap_boot_pages < 0)
		return 0;
	enum hv_mem_basis basis = hv_host_memmap_memory(h, &mem, &sections, NULL, 0);
	if (basis != HV_MEM_BLOCKS && basis != HV_MEM_SECTIONS)
		return 0;
	if (h->bootlog.page_ext_bytes > 0 || h->extra.zone_device_pages > 0)
		return 0;
	for (int i = 0; i < h->nhstates; i++)
		if (h->hstates[i].nr != 0)
			return 0;
	unsigned __int128 pages = (unsigned __int128)(uint64_t)(h->nr_memmap_pages + h->nr_memmap_boot_pages) *
				  (uint64_t)page_size * (uint64_t)page_size;
	if (!mem || pages % mem)
		return 0;
	unsigned __int128 s = pages / mem;
	if (s < 16 || s > 1024)
		return 0;
	/* 6.0+ registers the sysctl only when some size is optimizable, which
	 * needs a power-of-two S: a figure that says otherwise is wrong */
	if (h->sysctl_hvo != HV_UNKNOWN && gen >= HV_GEN_6_0 && !hv_is_pow2((uint64_t)s))
		return 0;
	return (long)s;
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
	if (page_size > 0 && (s = struct_page_from_vmstat(h, gen, page_size)) > 0) {
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
