/* SPDX-License-Identifier: GPL-2.0-or-later */
/* From a probed host to the report's figures, each equal to what the kernel
 * does (doc/kernel-rules.md, "Boot log lines", "Memmap counters").
 * Findings are added by findings.c from the same figures. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "hv_error.h"
#include "model.h"
#include "parse.h"
#include "plan.h"
#include "strutil.h"

enum hv_tristate hv_model_hvo_built(const struct hv_host *h, enum hv_gen gen)
{
	if (h->kconfig.present && h->kconfig.hvo != HV_TRI_UNKNOWN)
		return h->kconfig.hvo;
	if (h->sysctl_hvo != HV_UNKNOWN)
		return HV_YES; /* the sysctl exists only with HVO built in */
	/* 6.0+ prints the boot line for every size, 0 KiB when HVO is not built. */
	for (int i = 0; i < h->bootlog.nhstates; i++)
		if (h->bootlog.hstates[i].optimizable_kib > 0 || h->bootlog.hstates[i].freeable_pages > 0)
			return HV_YES;
	if (gen == HV_GEN_NONE || hv_arch_supports_hvo(h->arch, h->kver_major, h->kver_minor, h->kver_patch) == HV_NO)
		return HV_NO;
	return HV_TRI_UNKNOWN;
}

/* What HVO state the host is in: built, on for new allocations, on at boot. */
static void hvo_state(const struct hv_host *h, struct hv_report *r)
{
	const struct hv_cmdline *cl = &h->cmdline;
	r->hvo_sysctl = h->sysctl_hvo;
	r->hvo_boot_param = hv_hvo_param(r->gen, cl, &r->hvo_param_rejected);
	r->hvo_param_bare = cl->hvo_param_present && cl->hvo_param_bare;
	hv_copy(r->hvo_param_text, sizeof(r->hvo_param_text), cl->hvo_param_present ? cl->hvo_param_text : "");
	r->hvo_default_on = h->kconfig.hvo_default_on;
	/* 5.14-5.18 print "can free" only after checking HVO is enabled */
	bool free_line = (h->bootlog.formats & HV_BLF_FREE) && r->gen >= HV_GEN_5_14 && r->gen <= HV_GEN_5_18;

	r->hvo_compiled = hv_model_hvo_built(h, r->gen);

	/* At boot the parameter wins, else the config default (sysctl.vm.* on
	 * the command line is applied after hugetlb_init: too late). */
	bool def = h->kconfig.hvo_default_on == HV_YES;
	r->hvo_at_boot = r->hvo_compiled == HV_YES &&
			 (free_line || r->hvo_boot_param == HV_YES || (r->hvo_boot_param == HV_TRI_UNKNOWN && def));
	if (r->hvo_compiled != HV_YES)
		r->hvo_active = false;
	else if (h->sysctl_hvo != HV_UNKNOWN)
		r->hvo_active = h->sysctl_hvo == 1;
	else if (r->gen >= HV_GEN_5_19 || r->gen == HV_GEN_UNKNOWN)
		/* 5.19+ without the sysctl: nothing is optimizable (or 5.19 with memmap_on_memory). */
		r->hvo_active = r->gen == HV_GEN_UNKNOWN ? r->hvo_at_boot : false;
	else
		r->hvo_active = r->hvo_at_boot;
}

static int per_page_sizes(const struct hv_host *h, struct hv_report *r, struct hv_hstate_result *o)
{
	int kept = r->kept_pages > 0 ? r->kept_pages : 0;
	o->vmemmap_bytes_per_page = hv_vmemmap_bytes(o->size, (uint64_t)r->page_size, (uint64_t)r->struct_page_size);
	o->optimizable_bytes_per_page =
		r->hvo_compiled == HV_NO ? 0
					 : hv_optimizable_bytes(o->size, (uint64_t)r->page_size,
								(uint64_t)r->struct_page_size, kept);
	/* The kernel's own figure wins; a disagreement becomes a finding. */
	for (int i = 0; i < h->bootlog.nhstates; i++) {
		const struct hv_bootlog_hstate *b = &h->bootlog.hstates[i];
		if (b->size != o->size)
			continue;
		if (b->optimizable_kib >= 0) {
			o->optimizable_bytes_per_page = (uint64_t)b->optimizable_kib * 1024;
			o->optimizable_from_bootlog = true;
		} else if (b->freeable_pages >= 0) {
			/* a wrapped product could pass the check below */
			if (__builtin_mul_overflow((uint64_t)b->freeable_pages, (uint64_t)r->page_size,
						   &o->optimizable_bytes_per_page))
				return hv_fail(ERANGE, "the boot log says %lld vmemmap pages can be freed for a %s page: "
						       "overflows 64 bits", (long long)b->freeable_pages, o->name);
			o->optimizable_from_bootlog = true;
		}
	}
	if (o->optimizable_bytes_per_page > o->vmemmap_bytes_per_page)
		return hv_fail(EINVAL, "the boot log says %llu bytes of vmemmap can be freed for a %s page, "
				       "more than its whole vmemmap (%llu bytes)",
			       (unsigned long long)o->optimizable_bytes_per_page, o->name,
			       (unsigned long long)o->vmemmap_bytes_per_page);
	return 0;
}

static int mul_ok(uint64_t a, uint64_t b, uint64_t *out, const char *what)
{
	if (__builtin_mul_overflow(a, b, out))
		return hv_fail(ERANGE, "%s overflows 64 bits", what);
	return 0;
}

static int add_ok(uint64_t a, uint64_t b, uint64_t *out, const char *what)
{
	if (__builtin_add_overflow(a, b, out))
		return hv_fail(ERANGE, "%s overflows 64 bits", what);
	return 0;
}

__attribute__((format(printf, 2, 3))) static void why(struct hv_report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->savings_note, sizeof(r->savings_note), fmt, ap);
	va_end(ap);
}

/* pages * page size as printed: HV_UNKNOWN when unknown or beyond INT64_MAX */
static int64_t pages_bytes(int64_t pages, long page_size)
{
	int64_t v;
	if (pages == HV_UNKNOWN || __builtin_mul_overflow(pages, (int64_t)page_size, &v))
		return HV_UNKNOWN;
	return v;
}

/* DIV_ROUND_UP(bytes of struct page for pages of memory, page size) */
static int64_t memmap_pages_of(unsigned __int128 mem, long page_size, long struct_page)
{
	unsigned __int128 bytes = mem / (uint64_t)page_size * (uint64_t)struct_page;
	unsigned __int128 pages = (bytes + (uint64_t)page_size - 1) / (uint64_t)page_size;
	return pages > INT64_MAX / 4 ? HV_UNKNOWN : (int64_t)pages;
}

/* The memmap the counters hold for ZONE_DEVICE memory, when the active
 * persistent memory namespaces account for all of it (doc/kernel-
 * rules.md, "Baseline: memory blocks and sections", measured under QEMU
 * on 6.12, 7.2 and 7.3): every namespace adds its full memmap, even with
 * the memmap on the device (an altmap), except device-dax with the memmap
 * in RAM and PMD or PUD compound pages, which keeps 2 vmemmap pages per
 * compound page. HV_UNKNOWN when they do not account for it all (device-
 * private GPU memory, namespaces unread). */
static int64_t device_memmap(const struct hv_host *h, const struct hv_report *r)
{
	const struct hv_extra_memmap *x = &h->extra;
	if (x->pmem_truncated || x->npmem == 0)
		return HV_UNKNOWN;
	int64_t pages = 0, memmap = 0;
	for (int i = 0; i < x->npmem; i++) {
		const struct hv_pmem_ns *p = &x->pmem[i];
		uint64_t ps = (uint64_t)r->page_size, sp = (uint64_t)r->struct_page_size;
		pages += p->size / r->page_size;
		uint64_t opt = p->devdax && p->memmap_in_ram && p->align > 0
				       ? hv_plan_dax_optimizable((uint64_t)p->align, ps, sp, r->gen, hv_arch_find(h->arch))
				       : 0;
		int64_t full = memmap_pages_of((unsigned __int128)(uint64_t)p->size, r->page_size, r->struct_page_size);
		if (full == HV_UNKNOWN || pages > INT64_MAX / 4)
			return HV_UNKNOWN;
		if (opt) {
			uint64_t n = (uint64_t)p->size / (uint64_t)p->align;
			uint64_t kept = hv_vmemmap_bytes((uint64_t)p->align, ps, sp) - opt; /* bytes per compound page */
			full = (int64_t)((unsigned __int128)n * kept / ps);
		}
		memmap += full;
		if (memmap > INT64_MAX / 4)
			return HV_UNKNOWN;
	}
	return pages == x->zone_device_pages ? memmap : HV_UNKNOWN;
}

/* What the 6.11+ counters hold with no page optimized (doc/kernel-rules.md,
 * "Memmap counters", "Baseline: memory blocks and sections"): the memmap
 * of the present System RAM sections, page_ext, and ZONE_DEVICE memory.
 * Unknown, with the reason in r->savings_note, unless every part is
 * known: a wrong baseline would show as stale pages or negative savings. */
static void baseline(const struct hv_host *h, struct hv_report *r)
{
	const struct hv_memblocks *mb = &h->memblocks;
	r->memmap_baseline_pages = r->memmap_ram_pages = r->memmap_device_pages = HV_UNKNOWN;
	r->memmap_page_ext_pages = 0;
	r->ram_sections = r->section_size = HV_UNKNOWN;
	r->zone_device_bytes = HV_UNKNOWN;
	if (h->extra.zone_device_pages >= 0)
		r->zone_device_bytes = pages_bytes(h->extra.zone_device_pages, r->page_size);
	if (mb->block_size <= 0) {
		why(r, "sys/devices/system/memory/block_size_bytes is missing, so the baseline memmap the counters are "
		       "compared with is unknown");
		return;
	}
	if (mb->present <= 0) {
		why(r, "sys/devices/system/memory has no memoryN directories, so the baseline memmap the counters are "
		       "compared with is unknown");
		return;
	}
	uint64_t mem;
	char reason[300];
	r->memmap_basis = hv_host_memmap_memory(h, &mem, &r->ram_sections, reason, sizeof(reason));
	r->section_size = HV_UNKNOWN;
	r->ram_source = h->ram.source;
	if (r->memmap_basis == HV_MEM_SECTIONS)
		r->section_size = (int64_t)(mem / (uint64_t)r->ram_sections);
	if (r->memmap_basis == HV_MEM_APPROX) {
		why(r, "the baseline memmap is approximate (%s), so realized savings, stale pages and the memmap baseline "
		       "are not measured",
		    reason);
		return;
	}
	/* Present memory holds all memory the kernel manages, reserved
	 * included: fewer bytes than MemTotal means directories are missing. */
	if (h->meminfo.mem_total_kib > 0 && (unsigned __int128)mem < (unsigned __int128)(uint64_t)h->meminfo.mem_total_kib * 1024) {
		char a[16], b[16];
		hv_fmt_size(mem, a, sizeof(a));
		hv_fmt_size((uint64_t)h->meminfo.mem_total_kib * 1024, b, sizeof(b));
		why(r, "the %lld memoryN director%s under sys/devices/system/memory hold %s, less than MemTotal (%s): "
		       "memory blocks are missing, so the baseline memmap is unknown",
		    (long long)mb->present, mb->present == 1 ? "y" : "ies", a, b);
		return;
	}
	if (r->struct_page_source == HV_SRC_ASSUMED) {
		why(r, "the struct page size is assumed (no BTF, boot log line or counters give it), so the baseline "
		       "memmap is unknown");
		return;
	}
	r->memmap_ram_pages = memmap_pages_of(mem, r->page_size, r->struct_page_size);
	if (h->bootlog.page_ext_bytes > 0)
		r->memmap_page_ext_pages = h->bootlog.page_ext_bytes / r->page_size +
					   (h->bootlog.page_ext_bytes % r->page_size != 0); /* whole pages */
	if (h->extra.zone_device_pages > 0 && (r->memmap_device_pages = device_memmap(h, r)) == HV_UNKNOWN) {
		/* a raw or fsdax namespace adds all of it (even with its memmap
		 * on the device), device-dax with its memmap in RAM only the
		 * deduplicated pages: without the modes the share is unknown */
		char a[16];
		hv_fmt_size((uint64_t)r->zone_device_bytes, a, sizeof(a));
		why(r, "%s of ZONE_DEVICE memory (persistent memory or device memory, proc/zoneinfo) adds up to %lld pages "
		       "of memmap to the counters, depending on its mode: the baseline is not known exactly, so realized "
		       "savings are not measured",
		    a, (long long)memmap_pages_of((unsigned __int128)(uint64_t)r->zone_device_bytes, r->page_size,
						  r->struct_page_size));
		return;
	}
	if (h->extra.zone_device_pages <= 0)
		r->memmap_device_pages = 0;
	if (r->memmap_ram_pages == HV_UNKNOWN) {
		why(r, "the memory blocks give a baseline memmap beyond 64 bits, so it is unknown");
		return;
	}
	r->memmap_baseline_pages = r->memmap_ram_pages + r->memmap_page_ext_pages + r->memmap_device_pages;
}

/* Realized savings from the 6.11+ counters (doc/kernel-rules.md, "Memmap
 * counters", "Baseline: memory blocks and sections"): baseline memmap of
 * all present memory blocks minus what the counters hold now. */
static int realized(const struct hv_host *h, struct hv_report *r)
{
	r->memmap_pages = h->nr_memmap_pages;
	r->memmap_boot_pages = h->nr_memmap_boot_pages;
	r->realized_savings_bytes = HV_UNKNOWN;
	baseline(h, r);
	if (h->nr_memmap_pages < 0 || h->nr_memmap_boot_pages < 0) {
		/* The kernel's reason wins over a missing baseline: even a
		 * complete snapshot could not measure. */
		if (r->gen >= HV_GEN_6_11 && !r->gen_assumed)
			why(r, "proc/vmstat has no nr_memmap_pages/nr_memmap_boot_pages, although kernel %s has them (6.11+)",
			    h->release);
		else
			why(r, "kernel %s has no nr_memmap_pages counters (added in 6.11)",
			    h->release[0] ? h->release : "(unknown release)");
		return 0;
	}
	if (r->memmap_baseline_pages == HV_UNKNOWN)
		return 0;
	__int128 diff = (__int128)r->memmap_baseline_pages - h->nr_memmap_pages - h->nr_memmap_boot_pages;
	__int128 bytes_saved = diff * r->page_size;
	/* Counters far beyond the baseline are a damaged file, not a figure. */
	if (bytes_saved > INT64_MAX / 2 || bytes_saved < -(INT64_MAX / 2))
		return hv_fail(ERANGE, "proc/vmstat: nr_memmap_pages (%lld) and nr_memmap_boot_pages (%lld) are impossible for %lld "
				       "baseline memmap pages",
			       (long long)h->nr_memmap_pages, (long long)h->nr_memmap_boot_pages,
			       (long long)r->memmap_baseline_pages);
	/* The counters cover the memmap of present memory only: more than the
	 * baseline means blocks are missing, not that HVO cost memory. */
	if (diff < 0) {
		why(r, "nr_memmap_pages + nr_memmap_boot_pages (%lld pages) exceed the baseline memmap (%lld pages: %lld "
		       "of System RAM%s): memmap the baseline does not know of (ZONE_DEVICE memory%s, page_ext without "
		       "its boot log line, or memoryN directories missing under sys/devices/system/memory), so realized "
		       "savings are unknown",
		    (long long)(h->nr_memmap_pages + h->nr_memmap_boot_pages), (long long)r->memmap_baseline_pages,
		    (long long)r->memmap_ram_pages, r->memmap_page_ext_pages ? " and page_ext" : "",
		    h->extra.zone_device_pages == HV_UNKNOWN ? ": proc/zoneinfo was not read" : "");
		return 0;
	}
	r->savings_note[0] = '\0';
	r->realized_savings_bytes = (int64_t)bytes_saved;
	return 0;
}

/* The measured savings, and from the bytes they fall short of the pools'
 * possible savings, the un-optimized pages of each pool in stale[]. Returns
 * hv_solve_stale()'s answer (1: stale[] holds the one solution), or -1 when
 * the measure cannot be split among the pools. */
static int solve_measured(struct hv_report *r, int64_t *stale)
{
	int n = r->nhstates;
	int64_t nr[HV_MAX_HSTATES];
	uint64_t opt[HV_MAX_HSTATES];
	for (int i = 0; i < n; i++) {
		nr[i] = r->hstates[i].nr;
		opt[i] = r->hstates[i].optimizable_bytes_per_page;
	}
	r->total_savings_current = r->realized_savings_bytes;
	r->total_savings_basis = HV_BASIS_MEASURED;
	int64_t possible = (int64_t)r->total_savings_possible;
	if (r->realized_savings_bytes > possible)
		return -1; /* more freed than the pools explain */
	if (__builtin_sub_overflow(possible, r->realized_savings_bytes, &r->unoptimized_bytes)) {
		r->unoptimized_bytes = HV_UNKNOWN;
		return -1;
	}
	return hv_solve_stale(n, nr, opt, (uint64_t)r->unoptimized_bytes, stale);
}

/* A pool's current savings split among its nodes where the figures allow */
static void attribute_nodes(struct hv_hstate_result *o)
{
	int holders = 0;
	for (int j = 0; j < o->nnodes; j++)
		holders += o->nodes[j].nr > 0;
	for (int j = 0; j < o->nnodes; j++) {
		struct hv_node_result *nd = &o->nodes[j];
		if (holders == 1 && nd->nr > 0)
			nd->savings_current = o->savings_current; /* the only node with pages has them all */
		else if (o->savings_current == o->savings_possible || nd->nr == 0)
			nd->savings_current = nd->savings_possible;
		else if (o->savings_current == 0)
			nd->savings_current = 0;
		else
			nd->savings_current = HV_UNKNOWN; /* nothing per node says which node's pages */
	}
}

static void attribute_current(struct hv_report *r)
{
	int n = r->nhstates;
	int64_t stale[HV_MAX_HSTATES];
	r->unoptimized_bytes = HV_UNKNOWN;
	r->total_savings_basis = HV_BASIS_NONE;
	r->total_savings_current = 0;

	if (r->hvo_compiled == HV_NO || r->kept_pages == 0) {
		for (int i = 0; i < n; i++) {
			r->hstates[i].savings_current = 0;
			r->hstates[i].savings_current_basis = HV_BASIS_NONE;
			r->hstates[i].unoptimized_pages = 0;
		}
		r->unoptimized_bytes = 0;
		r->savings_note[0] = '\0'; /* nothing to measure: no HVO */
		return;
	}

	/* The kernel has the counters but the baseline they are compared with
	 * is missing or contradicts them: an assumption could contradict the
	 * counters (stale pages), so the figure is unknown, not assumed. */
	bool unmeasured = r->realized_savings_bytes == HV_UNKNOWN && r->memmap_pages != HV_UNKNOWN &&
			  r->memmap_boot_pages != HV_UNKNOWN;
	int solved = 0;
	if (r->realized_savings_bytes != HV_UNKNOWN)
		solved = solve_measured(r, stale);
	for (int i = 0; i < n; i++) {
		struct hv_hstate_result *o = &r->hstates[i];
		if (r->total_savings_basis == HV_BASIS_MEASURED) {
			o->savings_current_basis = HV_BASIS_MEASURED;
			if (solved == 1 || o->optimizable_bytes_per_page == 0 || o->nr == 0) {
				int64_t s = solved == 1 ? stale[i] : 0;
				o->unoptimized_pages = o->optimizable_bytes_per_page ? s : 0;
				o->savings_current = (o->nr - o->unoptimized_pages) * (int64_t)o->optimizable_bytes_per_page;
			} else {
				o->unoptimized_pages = HV_UNKNOWN;
				o->savings_current = HV_UNKNOWN;
			}
		} else if (unmeasured) {
			o->savings_current_basis = HV_BASIS_NONE;
			o->unoptimized_pages = o->nr && o->optimizable_bytes_per_page ? HV_UNKNOWN : 0;
			o->savings_current = o->unoptimized_pages == HV_UNKNOWN ? HV_UNKNOWN : 0;
			if (o->savings_current == HV_UNKNOWN)
				r->total_savings_current = HV_UNKNOWN;
		} else {
			/* Before 6.11 nothing shows which pages are optimized: assume
			 * HVO's current state applied to every page, and say so. */
			o->savings_current_basis = o->nr ? HV_BASIS_ASSUMED : HV_BASIS_NONE;
			o->unoptimized_pages = HV_UNKNOWN;
			o->savings_current = r->hvo_active ? o->savings_possible : 0;
			r->total_savings_current += o->savings_current;
			if (o->nr)
				r->total_savings_basis = HV_BASIS_ASSUMED;
		}
		attribute_nodes(o);
	}
	if (r->total_savings_basis == HV_BASIS_NONE && r->total_savings_current != HV_UNKNOWN)
		r->savings_note[0] = '\0'; /* no pages: nothing assumed or unknown */
}

static void source(const struct hv_host *h, struct hv_report_source *s)
{
	hv_copy(s->root, sizeof(s->root), h->root);
	s->live = h->live;
	hv_copy(s->release, sizeof(s->release), h->release);
	hv_copy(s->arch, sizeof(s->arch), h->arch);
	hv_copy(s->cpu_model, sizeof(s->cpu_model), h->cpu_model);
	s->cpu_gbpages = h->cpu_gbpages;
	hv_copy(s->cpu_model_source, sizeof(s->cpu_model_source), h->cpu_model_source);
	hv_copy(s->cpu_gbpages_source, sizeof(s->cpu_gbpages_source), h->cpu_gbpages_source);
	s->config_present = h->kconfig.present;
	hv_copy(s->config_source, sizeof(s->config_source), h->kconfig.source);
	s->boot_log_present = h->bootlog.present;
	hv_copy(s->boot_log_source, sizeof(s->boot_log_source), h->bootlog.source);
}

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t v;
	return __builtin_add_overflow(a, b, &v) ? (b < 0 ? INT64_MIN : INT64_MAX) : v;
}

/* n pages of size bytes, HV_UNKNOWN when either is unknown or beyond 64 bits */
static int64_t pages_of(int64_t n, int64_t size)
{
	int64_t b;
	if (n < 0 || size < 0 || __builtin_mul_overflow(n, size, &b))
		return HV_UNKNOWN;
	return b;
}

/* What the boot asked for and got, per size: hugepages= of the command line
 * (a bare hugepagesz-less count is the default size) and the boot log's
 * "pre-allocated N pages" (doc/kernel-rules.md, "Boot log lines"). */
static void boot_pools(const struct hv_host *h, struct hv_report *r)
{
	const struct hv_cmdline *cl = &h->cmdline;
	for (int i = 0; i < r->nhstates; i++) {
		struct hv_hstate_result *o = &r->hstates[i];
		o->boot_requested_pages = cl->present ? 0 : HV_UNKNOWN;
		o->boot_allocated_pages = HV_UNKNOWN;
		for (int j = 0; cl->present && j < cl->npools; j++) {
			uint64_t size = cl->pools[j].size ? cl->pools[j].size : hv_default_hugepage_size(h);
			if (size == o->size && cl->pools[j].count > 0)
				o->boot_requested_pages = sat_add(o->boot_requested_pages, cl->pools[j].count);
		}
		for (int j = 0; j < h->bootlog.nhstates; j++)
			if (h->bootlog.hstates[j].size == o->size && h->bootlog.hstates[j].preallocated >= 0)
				o->boot_allocated_pages = h->bootlog.hstates[j].preallocated;
	}
}

/* Every figure a renderer prints, once: the renderers only format. */
static void totals(struct hv_report *r)
{
	struct hv_report_totals *t = &r->totals;
	t->hugetlb_bytes = hv_figure(r->total_hugetlb_bytes);
	t->vmemmap_bytes = hv_figure(r->total_vmemmap_bytes);
	t->savings_possible_bytes = hv_figure(r->total_savings_possible);
	t->thp_bytes = hv_figure(r->thp_bytes);
	t->memmap_bytes = t->memmap_baseline_bytes = HV_UNKNOWN;
	int64_t now;
	if (r->memmap_pages != HV_UNKNOWN && r->memmap_boot_pages != HV_UNKNOWN &&
	    !__builtin_add_overflow(r->memmap_pages, r->memmap_boot_pages, &now))
		t->memmap_bytes = pages_bytes(now, r->page_size);
	t->memmap_baseline_bytes = pages_bytes(r->memmap_baseline_pages, r->page_size);
	t->memmap_ram_bytes = pages_bytes(r->memmap_ram_pages, r->page_size);
	t->memmap_page_ext_bytes = pages_bytes(r->memmap_page_ext_pages, r->page_size);
	t->memmap_device_bytes = pages_bytes(r->memmap_device_pages, r->page_size);
	t->section_bytes = r->section_size;
	t->used_pages = t->resv_pages = 0;
	for (int i = 0; i < r->nhstates; i++) {
		struct hv_hstate_result *o = &r->hstates[i];
		o->size_bytes = hv_figure(o->size);
		o->vmemmap_per_page_bytes = hv_figure(o->vmemmap_bytes_per_page);
		o->optimizable_per_page_bytes = hv_figure(o->optimizable_bytes_per_page);
		o->free_bytes = pages_of(o->free, o->size_bytes);
		o->resv_bytes = pages_of(o->resv, o->size_bytes);
		int64_t used;
		if (__builtin_sub_overflow(o->nr, o->free, &used))
			used = o->free < 0 ? INT64_MAX : INT64_MIN;
		t->used_pages = sat_add(t->used_pages, used);
		t->resv_pages = sat_add(t->resv_pages, o->resv);
	}
}

/* Clears r for a new report, except the per-node results: they are sized
 * for the kernel's largest node count and written whole for each node in
 * use. top builds a report every refresh; clearing all of it (1 MiB) would
 * cost more than the report, and touch pages a small host never uses. */
static void report_clear(struct hv_report *r)
{
	memset(r, 0, offsetof(struct hv_report, hstates));
	for (int i = 0; i < HV_MAX_HSTATES; i++)
		memset(&r->hstates[i], 0, offsetof(struct hv_hstate_result, nodes));
	size_t tail = offsetof(struct hv_report, hstates) + sizeof(r->hstates);
	memset((char *)r + tail, 0, offsetof(struct hv_report, notes) - tail);
	r->nfindings = 0; /* each finding is cleared as it is added */
}

/* mm/khugepaged.c set_recommended_min_free_kbytes(): 2 free pageblocks per
 * populated zone up to Normal, plus MIGRATE_PCPTYPES^2 (9) more against
 * fallbacks between migrate types, at most 5% of those zones' managed pages
 * above their high watermark (nr_free_buffer_pages() / 20). The kernel sets
 * it while THP is enabled and after memory hotplug (doc/kernel-rules.md,
 * "Reserve against fragmentation"). */
static void reserve(const struct hv_host *h, struct hv_report *r)
{
	const struct hv_reserve *v = &h->reserve;
	memset(&r->reserve, 0, sizeof(r->reserve));
	r->reserve.min_free_kbytes = v->read ? v->min_free_kbytes : HV_UNKNOWN;
	r->reserve.recommended_kbytes = HV_UNKNOWN;
	r->reserve.pageblock_bytes = HV_UNKNOWN;
	r->reserve.low_zones = v->read ? v->low_zones : -1;
	snprintf(r->reserve.thp, sizeof(r->reserve.thp), "%s", v->read ? v->thp : "");
	r->reserve.shm_group = v->shm_group;
	r->reserve.shm_group_found = v->shm_group == HV_UNKNOWN ? -1 : v->shm_group_found;
	snprintf(r->reserve.shm_group_name, sizeof(r->reserve.shm_group_name), "%s", v->shm_group_name);
	snprintf(r->reserve.shm_group_members, sizeof(r->reserve.shm_group_members), "%s", v->shm_group_members);
	if (!v->read || h->page_size <= 0)
		return;
	const char *src;
	int64_t block = hv_pageblock_pages(h, &src);
	if (block <= 0 || block > (1 << 20))
		return;
	r->reserve.pageblock_bytes = block * h->page_size;
	snprintf(r->reserve.pageblock_source, sizeof(r->reserve.pageblock_source), "%s", src);
	if (v->low_zones < 0 || v->low_zones > (1 << 20) || v->lowmem_pages < 0)
		return;
	int64_t pages = block * v->low_zones * (2 + 3 * 3); /* < 2^20 * 2^20 * 11 */
	if (pages > v->lowmem_pages / 20) {
		pages = v->lowmem_pages / 20;
		r->reserve.capped = true;
	}
	uint64_t bytes;
	if (!__builtin_mul_overflow((uint64_t)pages, (uint64_t)h->page_size, &bytes))
		r->reserve.recommended_kbytes = hv_figure(bytes / 1024);
}

int hv_model_report(const struct hv_host *h, const struct hv_model_opts *opts, struct hv_report *r)
{
	report_clear(r);
	source(h, &r->src);
	r->page_size = hv_model_page_size(h, opts, &r->page_size_source);
	if (r->page_size < 4096 || !hv_is_pow2((uint64_t)r->page_size))
		return hv_fail(EINVAL, "impossible base page size %ld", r->page_size);
	struct hv_gen_info g;
	long known_s = opts && opts->struct_page_size > 0 ? opts->struct_page_size
		       : h->btf_struct_page_size > 0	  ? h->btf_struct_page_size
							  : 0;
	hv_host_generation(h, r->page_size, known_s, &g);
	r->gen = g.gen;
	r->gen_basis = g.basis;
	r->release_gen = g.release_gen;
	hv_copy(r->gen_evidence, sizeof(r->gen_evidence), g.evidence);
	r->kept_pages = hv_gen_kept_pages(r->gen);
	if (r->gen == HV_GEN_UNKNOWN) {
		/* Unknown release, nothing shown: today's rules, flagged as assumed. */
		r->gen_assumed = true;
		r->kept_pages = 1;
	}
	r->struct_page_size = hv_model_struct_page(h, opts, r->gen, &r->struct_page_source);
	if (r->struct_page_size < 8 || r->struct_page_size > 4096)
		return hv_fail(EINVAL, "impossible struct page size %ld", r->struct_page_size);
	hvo_state(h, r);

	r->nhstates = h->nhstates;
	for (int i = 0; i < h->nhstates; i++) {
		const struct hv_hstate *hs = &h->hstates[i];
		struct hv_hstate_result *o = &r->hstates[i];
		o->size = hs->size;
		hv_hstate_name(hs->size, o->name, sizeof(o->name));
		o->nr = hs->nr;
		o->free = hs->free;
		o->resv = hs->resv;
		o->surplus = hs->surplus;
		o->overcommit = hs->overcommit;
		int rc = per_page_sizes(h, r, o);
		if (rc < 0)
			return rc;
		uint64_t bytes, vm, poss;
		if ((rc = mul_ok((uint64_t)o->nr, o->size, &bytes, "hugetlb memory")) < 0 ||
		    (rc = mul_ok((uint64_t)o->nr, o->vmemmap_bytes_per_page, &vm, "vmemmap size")) < 0 ||
		    (rc = mul_ok((uint64_t)o->nr, o->optimizable_bytes_per_page, &poss, "possible savings")) < 0 ||
		    (rc = add_ok(r->total_hugetlb_bytes, bytes, &r->total_hugetlb_bytes, "hugetlb memory")) < 0 ||
		    (rc = add_ok(r->total_vmemmap_bytes, vm, &r->total_vmemmap_bytes, "vmemmap size")) < 0 ||
		    (rc = add_ok(r->total_savings_possible, poss, &r->total_savings_possible, "possible savings")) < 0)
			return rc;
		if (poss > INT64_MAX || r->total_savings_possible > INT64_MAX)
			return hv_fail(ERANGE, "possible savings overflow");
		o->savings_possible = (int64_t)poss;
		o->hugetlb_bytes = hv_figure(bytes);
		o->vmemmap_bytes = hv_figure(vm);
		o->nnodes = hs->nnodes;
		for (int j = 0; j < hs->nnodes; j++) {
			struct hv_node_result *nd = &o->nodes[j];
			*nd = (struct hv_node_result){.node = hs->nodes[j].node, .nr = hs->nodes[j].nr,
						      .free = hs->nodes[j].free, .surplus = hs->nodes[j].surplus};
			if (nd->nr < 0 || nd->nr > o->nr)
				return hv_fail(EINVAL, "node %d has %lld %s page%s, more than the %lld of the whole pool",
					       nd->node, (long long)nd->nr, o->name, nd->nr == 1 ? "" : "s", (long long)o->nr);
			nd->savings_possible = nd->nr * (int64_t)o->optimizable_bytes_per_page;
			/* a node's pages are part of the pool's: its products fit too */
			nd->hugetlb_bytes = hv_figure((uint64_t)nd->nr * o->size);
			nd->vmemmap_bytes = hv_figure((uint64_t)nd->nr * o->vmemmap_bytes_per_page);
		}
	}
	uint64_t thp = 0;
	const struct hv_meminfo *mi = &h->meminfo;
	int64_t parts[] = {mi->anon_huge_kib, mi->shmem_huge_kib, mi->file_huge_kib};
	for (size_t i = 0; i < 3; i++)
		if (parts[i] > 0)
			thp += (uint64_t)parts[i] * 1024;
	r->thp_bytes = thp;

	reserve(h, r);

	int rc = realized(h, r);
	if (rc < 0)
		return rc;
	attribute_current(r);
	boot_pools(h, r);
	hv_model_mounts(h, r);
	hv_model_findings(h, r);
	totals(r);
	for (int i = 0; i < hv_note_count() && r->nnotes < HV_MAX_NOTES; i++)
		hv_copy(r->notes[r->nnotes++], sizeof(r->notes[0]), hv_note_get(i));
	return 0;
}
