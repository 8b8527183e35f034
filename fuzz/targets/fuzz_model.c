/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whole model: a struct hv_host built from fuzz bytes (pool counts,
 * sizes, counters, page sizes, boot-log and command-line figures, all
 * arbitrary) through hv_model_report(). It must never crash or trip UBSan,
 * and overflow must come back as an error, never as a wrapped figure.
 *
 * Array lengths (nhstates, nnodes, npools, ...) are kept within the arrays:
 * the probe and parsers guarantee that (their fuzz targets check it); every
 * value inside is free. */
#include "fuzz_common.h"
#include "model.h"
#include "parse.h"

struct src {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct src *s, size_t bytes)
{
	uint64_t v = 0;
	for (size_t i = 0; i < bytes && s->n; i++, s->p++, s->n--)
		v = v << 8 | *s->p;
	return v;
}

static uint8_t u8(struct src *s)
{
	return (uint8_t)take(s, 1);
}

/* HV_FUZZ_MODEL_WIDE=1 in the environment: every field takes any value of
 * its type (negative counts, versions past 100000, ...), not just what the
 * probe and parsers can produce. Findings there are latent: no file reaches
 * them today. The default domain is what the probe can hand the model. */
static int wide;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *w = getenv("HV_FUZZ_MODEL_WIDE");
	wide = w && *w == '1';
	return 0;
}

/* A sysfs count (hv_read_num: 0..INT64_MAX): mostly plausible, sometimes huge. */
static int64_t count(struct src *s)
{
	switch (u8(s) & 7) {
	case 0:
		return wide ? (int64_t)take(s, 8) : (int64_t)(take(s, 8) & INT64_MAX);
	case 1:
		return wide ? HV_UNKNOWN : 0;
	case 2:
		return INT64_MAX - (int64_t)take(s, 1);
	case 3:
		return wide ? -(int64_t)take(s, 2) : (int64_t)take(s, 2);
	default:
		return (int64_t)take(s, 3);
	}
}

/* A kB or page figure from meminfo/vmstat: HV_UNKNOWN or 0..INT64_MAX/1024. */
static int64_t kib(struct src *s)
{
	uint8_t sel = u8(s);
	if (wide)
		return sel < 32 ? HV_UNKNOWN : count(s);
	if (sel < 32)
		return HV_UNKNOWN;
	if (sel < 64)
		return INT64_MAX / 1024 - (int64_t)take(s, 1);
	return (int64_t)(take(s, sel < 96 ? 8 : 4) % ((uint64_t)INT64_MAX / 1024 + 1));
}

/* A count that may be unknown (boot log figures). */
static int64_t ucount(struct src *s)
{
	return u8(s) < 64 ? HV_UNKNOWN : count(s);
}

/* A size in bytes: a power of two usually, anything sometimes. */
static uint64_t bytes(struct src *s)
{
	uint8_t sel = u8(s);
	if (sel & 0x80)
		return take(s, 8);
	return 1ull << (sel & 63);
}

/* hstate directory sizes: powers of two of at least 1 KiB. */
static uint64_t hsize(struct src *s)
{
	if (wide)
		return bytes(s);
	return 1ull << (10 + u8(s) % 54);
}

static long page_size(struct src *s)
{
	uint8_t sel = u8(s);
	if (sel < 200 || !wide)
		return 1L << (12 + sel % 7); /* 4K .. 256K: live, snapshot, config, --page-size */
	return (long)take(s, 8);
}

/* BTF gives any uint32; --struct-page-size 16..1024. */
static long struct_page(struct src *s)
{
	static const long common[] = {HV_UNKNOWN, 56, 64, 72, 80, 128};
	uint8_t sel = u8(s);
	if (sel < 240)
		return common[sel % 6];
	return wide ? (long)take(s, 8) : (long)take(s, 4);
}

static void str(struct src *s, char *buf, size_t cap, const char *const *choices, size_t nchoices)
{
	uint8_t sel = u8(s);
	if (sel < 240) {
		snprintf(buf, cap, "%s", choices[sel % nchoices]);
		return;
	}
	size_t n = u8(s) % cap;
	size_t i = 0;
	for (; i < n && s->n; i++)
		buf[i] = (char)u8(s);
	buf[i] = '\0';
}

static enum hv_tristate tri(struct src *s)
{
	uint8_t v = u8(s) % 3;
	return v == 2 ? HV_TRI_UNKNOWN : (enum hv_tristate)v;
}

/* --struct-page-size, as the input chooses it: an option, not a host fact */
static struct hv_model_opts model_opts;

static void build(struct src *s, struct hv_host *h)
{
	static const char *const arches[] = {"x86_64", "aarch64", "arm64", "s390x", "riscv64", "loongarch64",
					     "ppc64le", ""};
	static const char *const releases[] = {"6.1.0-13-amd64", "6.12.9", "5.14.0", "5.18.1", "5.19.0", "4.19.0",
					       "6.11.0", "6.15.2", "7.1.0", "", "garbage"};
	memset(h, 0, sizeof(*h));
	str(s, h->arch, sizeof(h->arch), arches, sizeof(arches) / sizeof(arches[0]));
	str(s, h->release, sizeof(h->release), releases, sizeof(releases) / sizeof(releases[0]));
	if (hv_parse_release(h->release, &h->kver_major, &h->kver_minor, &h->kver_patch) < 0)
		h->kver_major = h->kver_minor = h->kver_patch = 0;
	if (wide && u8(s) == 0xff) { /* any version numbers at all */
		h->kver_major = (int)take(s, 4);
		h->kver_minor = (int)take(s, 4);
	}
	h->page_size = page_size(s);
	h->page_size_source = (enum hv_page_src)(u8(s) % 9);
	h->btf_struct_page_size = struct_page(s);
	model_opts.struct_page_size = u8(s) < 16 ? 16 + u8(s) * 4 : 0;

	struct hv_meminfo *mi = &h->meminfo;
	mi->mem_total_kib = kib(s);
	mi->mem_free_kib = kib(s);
	mi->hugetlb_kib = kib(s);
	mi->hugepagesize_kib = kib(s);
	mi->anon_huge_kib = kib(s);
	mi->shmem_huge_kib = kib(s);
	mi->file_huge_kib = kib(s);
	h->nr_memmap_pages = kib(s);
	h->nr_memmap_boot_pages = kib(s);
	if (!wide && (h->nr_memmap_pages == HV_UNKNOWN || h->nr_memmap_boot_pages == HV_UNKNOWN))
		h->nr_memmap_pages = h->nr_memmap_boot_pages = HV_UNKNOWN; /* both or neither */
	uint8_t bsel = u8(s);
	h->memblocks.block_size = bsel < 16 ? HV_UNKNOWN : wide && bsel < 32 ? count(s) : (int64_t)(1ull << (bsel % 41));
	h->memblocks.present = h->memblocks.block_size == HV_UNKNOWN ? HV_UNKNOWN : count(s);
	h->sysctl_hvo = (int)(u8(s) % 3) - 1;
	h->memmap_on_memory_now = (int)(u8(s) % 4) - 1;
	h->nnodes_online = (int)(take(s, 3) % (1 << 20)) - 1;
	h->cpu_gbpages = tri(s);

	h->nhstates = u8(s) % (HV_MAX_HSTATES + 1);
	for (int i = 0; i < h->nhstates; i++) {
		struct hv_hstate *hs = &h->hstates[i];
		hs->size = hsize(s);
		hs->nr = count(s);
		hs->free = count(s);
		hs->resv = count(s);
		hs->surplus = count(s);
		hs->overcommit = count(s);
		if (!wide) { /* read_hstate() refuses free or surplus above nr */
			if (hs->free > hs->nr)
				hs->free = hs->nr;
			if (hs->surplus > hs->nr)
				hs->surplus = hs->nr;
		}
		uint8_t nn = u8(s);
		hs->nnodes = nn == 0xff ? HV_MAX_NODES : nn % 5;
		for (int j = 0; j < hs->nnodes; j++) {
			hs->nodes[j].node = j;
			hs->nodes[j].nr = count(s);
			hs->nodes[j].free = count(s);
			hs->nodes[j].surplus = count(s);
			if (!wide) {
				struct hv_hstate_node *nd = &hs->nodes[j];
				nd->free = nd->free > nd->nr ? nd->nr : nd->free;
				nd->surplus = nd->surplus > nd->nr ? nd->nr : nd->surplus;
			}
		}
	}

	struct hv_cmdline *cl = &h->cmdline;
	cl->present = u8(s) & 1;
	static const char *const hvo_values[] = {"on", "off", "1", "0", "y", "N", "maybe", "", "On", "oFF"};
	cl->hvo_param_present = u8(s) & 1;
	cl->hvo_param_bare = cl->hvo_param_present && (u8(s) & 1);
	snprintf(cl->hvo_param_text, sizeof(cl->hvo_param_text), "%s",
		 cl->hvo_param_present && !cl->hvo_param_bare ? hvo_values[u8(s) % 10] : "");
	cl->memmap_on_memory = (int)(u8(s) % 4) - 1;
	cl->default_hugepagesz = u8(s) & 1 ? bytes(s) : 0;
	cl->sysctl_hvo = (int)(u8(s) % 3) - 1;
	cl->npools = u8(s) % (HV_MAX_CMDLINE_POOLS + 1);
	for (int i = 0; i < cl->npools; i++) {
		cl->pools[i].size = u8(s) & 1 ? bytes(s) : 0;
		cl->pools[i].count = count(s);
		cl->pools[i].nnode_counts = u8(s) % 3;
		for (int j = 0; j < cl->pools[i].nnode_counts; j++) {
			cl->pools[i].node_counts[j].node = j;
			cl->pools[i].node_counts[j].count = count(s);
		}
	}

	struct hv_kconfig *kc = &h->kconfig;
	kc->present = u8(s) & 1;
	kc->hugetlb_page = tri(s);
	kc->hvo = tri(s);
	kc->hvo_default_on = tri(s);
	kc->memmap_on_memory = tri(s);
	kc->page_extension = tri(s);
	kc->page_size = u8(s) & 1 ? page_size(s) : HV_UNKNOWN;
	kc->hvo_symbol = u8(s) % 3;
	kc->vmemmap_preinit = tri(s);

	/* the layout that makes the baseline section-exact */
	h->ram.source = (enum hv_ram_src)(u8(s) % 3);
	h->ram.n = h->ram.source ? u8(s) % 8 : 0;
	uint64_t at = 0;
	for (int i = 0; i < h->ram.n; i++) {
		at += (uint64_t)u8(s) << 27;
		h->ram.r[i].start = at;
		at += ((uint64_t)u8(s) << 26) + 4095;
		h->ram.r[i].end = at;
	}
	h->extra.zone_device_pages = u8(s) & 1 ? count(s) : HV_UNKNOWN;

	struct hv_bootlog *bl = &h->bootlog;
	bl->present = u8(s) & 1;
	bl->struct_page_crosses = u8(s) & 1;
	bl->formats = u8(s) & 15;
	bl->page_ext_bytes = u8(s) & 1 ? ucount(s) : HV_UNKNOWN;
	bl->nhstates = u8(s) % (HV_MAX_HSTATES + 1);
	for (int i = 0; i < bl->nhstates; i++) {
		struct hv_bootlog_hstate *b = &bl->hstates[i];
		/* Usually one of the pools' sizes, so the figures meet. */
		uint8_t pick = u8(s);
		b->size = h->nhstates && pick < 200 ? h->hstates[pick % h->nhstates].size : bytes(s);
		b->optimizable_kib = wide ? ucount(s) : kib(s);
		b->freeable_pages = ucount(s);
		b->preallocated = ucount(s);
		b->discarded = ucount(s);
	}
}

static void check(const struct hv_host *h, const struct hv_report *r)
{
	FUZZ_ASSERT(r->nfindings >= 0 && r->nfindings <= HV_MAX_FINDINGS);
	for (int i = 0; i < r->nfindings; i++) {
		const struct hv_finding *f = &r->findings[i];
		FUZZ_ASSERT(memchr(f->id, '\0', sizeof(f->id)) && memchr(f->message, '\0', sizeof(f->message)) &&
			    memchr(f->fix, '\0', sizeof(f->fix)));
		FUZZ_ASSERT(f->severity >= HV_SEV_INFO && f->severity <= HV_SEV_ERROR);
	}
	bool any;
	(void)hv_report_max_severity(r, &any);
	FUZZ_ASSERT(r->nhstates == h->nhstates);
	/* No silent wrap: totals equal the exact sums. */
	unsigned __int128 hb = 0, vb = 0, pb = 0;
	for (int i = 0; i < r->nhstates; i++) {
		const struct hv_hstate_result *o = &r->hstates[i];
		FUZZ_ASSERT(memchr(o->name, '\0', sizeof(o->name)));
		hb += (unsigned __int128)(uint64_t)o->nr * o->size;
		vb += (unsigned __int128)(uint64_t)o->nr * o->vmemmap_bytes_per_page;
		pb += (unsigned __int128)(uint64_t)o->nr * o->optimizable_bytes_per_page;
		FUZZ_ASSERT(o->optimizable_bytes_per_page <= o->vmemmap_bytes_per_page);
		FUZZ_ASSERT(o->savings_possible >= 0);
	}
	FUZZ_ASSERT(hb == r->total_hugetlb_bytes && vb == r->total_vmemmap_bytes && pb == r->total_savings_possible);
	FUZZ_ASSERT(r->total_savings_possible <= INT64_MAX);
	/* Realized savings are the exact difference of the counters, or unknown. */
	if (r->realized_savings_bytes != HV_UNKNOWN) {
		__int128 exact = ((__int128)r->memmap_baseline_pages - h->nr_memmap_pages - h->nr_memmap_boot_pages) *
				 r->page_size;
		FUZZ_ASSERT(exact == r->realized_savings_bytes);
	}
	FUZZ_ASSERT(r->page_size >= 4096 && hv_is_pow2((uint64_t)r->page_size));
	FUZZ_ASSERT(r->struct_page_size >= 8 && r->struct_page_size <= 4096);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hv_host h;
	static struct hv_report r;
	struct src s = {data, size};
	build(&s, &h);
	hv_clear_error();
	hv_notes_clear();
	int rc = hv_model_report(&h, &model_opts, &r);
	fuzz_check_error(rc, "hv_model_report");
	if (rc == 0)
		check(&h, &r);
	else
		FUZZ_ASSERT(rc == -EINVAL || rc == -ERANGE);
	return 0;
}
