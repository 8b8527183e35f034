/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Prometheus text exposition (for node_exporter's textfile collector).
 * Every name starts with hvoplan_ so nothing clashes with node_exporter's
 * node_memory_HugePages_*; unknown values are omitted, never exported as 0. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "render.h"

static void head(FILE *out, const char *name, const char *help)
{
	fprintf(out, "# HELP hvoplan_%s %s\n# TYPE hvoplan_%s gauge\n", name, help, name);
}

/* Label values from a snapshot may hold anything: escape per the format. */
static void label(FILE *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

static void per_hstate(FILE *out, const struct hv_report *r, const char *name, const char *help,
		       int64_t (*get)(const struct hv_hstate_result *))
{
	head(out, name, help);
	for (int i = 0; i < r->nhstates; i++) {
		int64_t v = get(&r->hstates[i]);
		if (v != HV_UNKNOWN)
			fprintf(out, "hvoplan_%s{size=\"%s\",size_bytes=\"%" PRIu64 "\"} %" PRId64 "\n", name,
				r->hstates[i].name, r->hstates[i].size, v);
	}
}

#define GETTER(fn, expr) \
	static int64_t fn(const struct hv_hstate_result *s) { return (expr); }
GETTER(g_total, s->nr)
GETTER(g_free, s->free)
GETTER(g_resv, s->resv)
GETTER(g_surp, s->surplus)
GETTER(g_vmemmap, s->vmemmap_bytes)
GETTER(g_perpage, s->optimizable_per_page_bytes)
GETTER(g_current, s->savings_current)
GETTER(g_possible, s->savings_possible)
GETTER(g_stale, s->unoptimized_pages)
GETTER(g_free_bytes, s->free_bytes)
GETTER(g_resv_bytes, s->resv_bytes)
GETTER(g_boot_req, s->boot_requested_pages)
GETTER(g_boot_alloc, s->boot_allocated_pages)

static void scalar(FILE *out, const char *name, const char *help, int64_t v)
{
	if (v == HV_UNKNOWN)
		return;
	head(out, name, help);
	fprintf(out, "hvoplan_%s %" PRId64 "\n", name, v);
}

int hv_render_prometheus(FILE *out, const struct hv_report *r)
{
	const struct hv_report_source *h = &r->src;
	head(out, "info", "Kernel and HVO generation of the host (always 1)");
	fprintf(out, "hvoplan_info{release=\"");
	label(out, h->release);
	fprintf(out, "\",arch=\"");
	label(out, h->arch);
	fprintf(out, "\",generation=\"%s\",struct_page_source=\"%s\"} 1\n", hv_gen_name(r->gen),
		hv_page_src_name(r->struct_page_source));
	scalar(out, "hvo_compiled", "1 if HVO is built into the kernel", r->hvo_compiled == HV_TRI_UNKNOWN ? HV_UNKNOWN : r->hvo_compiled);
	scalar(out, "hvo_active", "1 if new hugepages are optimized now", r->hvo_active);
	scalar(out, "hvo_sysctl", "Value of vm.hugetlb_optimize_vmemmap", r->hvo_sysctl);
	scalar(out, "struct_page_bytes", "sizeof(struct page)", r->struct_page_size);
	scalar(out, "page_bytes", "Base page size", r->page_size);
	per_hstate(out, r, "hugetlb_pages", "Pages in the pool, surplus included", g_total);
	per_hstate(out, r, "hugetlb_free_pages", "Free pages in the pool", g_free);
	per_hstate(out, r, "hugetlb_reserved_pages", "Reserved pages in the pool", g_resv);
	per_hstate(out, r, "hugetlb_surplus_pages", "Surplus pages in the pool", g_surp);
	/* node_exporter has HugePages_* of the default size only: in bytes, for
	 * every size, so rules can add free hugetlb memory to MemAvailable */
	per_hstate(out, r, "hugetlb_free_bytes", "Free memory in the pool, reserved pages included", g_free_bytes);
	per_hstate(out, r, "hugetlb_reserved_bytes", "Memory of the pool's reserved (promised, not yet faulted) pages",
		   g_resv_bytes);
	per_hstate(out, r, "boot_requested_pages", "Pages hugepages= on the boot command line asks for", g_boot_req);
	per_hstate(out, r, "boot_allocated_pages", "Pages the kernel pre-allocated at boot (boot log)", g_boot_alloc);
	per_hstate(out, r, "vmemmap_bytes", "struct page memory describing the pool without HVO", g_vmemmap);
	per_hstate(out, r, "vmemmap_optimizable_bytes_per_page", "vmemmap HVO frees per hugepage", g_perpage);
	per_hstate(out, r, "savings_current_bytes", "vmemmap freed now (omitted when not attributable)", g_current);
	per_hstate(out, r, "savings_possible_bytes", "vmemmap freed with every page optimized", g_possible);
	per_hstate(out, r, "unoptimized_pages", "Pages allocated while HVO was off", g_stale);

	head(out, "node_savings_possible_bytes", "vmemmap freed with every page optimized, per NUMA node");
	for (int i = 0; i < r->nhstates; i++)
		for (int j = 0; j < r->hstates[i].nnodes; j++)
			fprintf(out, "hvoplan_node_savings_possible_bytes{node=\"%d\",size=\"%s\"} %" PRId64 "\n",
				r->hstates[i].nodes[j].node, r->hstates[i].name, r->hstates[i].nodes[j].savings_possible);
	head(out, "node_hugetlb_pages", "Pages in the pool per NUMA node");
	for (int i = 0; i < r->nhstates; i++)
		for (int j = 0; j < r->hstates[i].nnodes; j++)
			fprintf(out, "hvoplan_node_hugetlb_pages{node=\"%d\",size=\"%s\"} %" PRId64 "\n",
				r->hstates[i].nodes[j].node, r->hstates[i].name, r->hstates[i].nodes[j].nr);

	scalar(out, "host_savings_current_bytes", "vmemmap freed now, all sizes", r->total_savings_current);
	scalar(out, "host_savings_possible_bytes", "vmemmap freed with every page optimized, all sizes",
	       r->totals.savings_possible_bytes);
	scalar(out, "savings_measured", "1 if current savings are measured from the memmap counters",
	       r->total_savings_basis == HV_BASIS_MEASURED);
	scalar(out, "memmap_baseline_pages", "Memmap pages of all present memory without HVO", r->memmap_baseline_pages);
	scalar(out, "realized_savings_bytes", "Baseline memmap minus nr_memmap_pages and nr_memmap_boot_pages",
	       r->realized_savings_bytes);
	scalar(out, "thp_bytes", "Transparent hugepage memory (not eligible for HVO)", r->totals.thp_bytes);
	/* kB in the sysctl; bytes here, as Prometheus names want them (< 2^31 kB) */
	int64_t mf = r->reserve.min_free_kbytes, rec = r->reserve.recommended_kbytes;
	scalar(out, "min_free_bytes", "vm.min_free_kbytes, on hosts with pools",
	       mf == HV_UNKNOWN || mf > INT64_MAX / 1024 ? HV_UNKNOWN : mf * 1024);
	scalar(out, "min_free_recommended_bytes",
	       "What the kernel keeps free against fragmentation while THP is on (set_recommended_min_free_kbytes())",
	       rec == HV_UNKNOWN || rec > INT64_MAX / 1024 ? HV_UNKNOWN : rec * 1024);

	/* --holders=always: who holds the pages in use */
	const struct hv_holders *o = &r->holders;
	if (o->scanned) {
		static const char *const holder[] = {"files", "sysv", "mapped", "unattributed"};
		head(out, "hugetlb_held_pages", "Pages in use by holder: hugetlbfs files, SysV segments, only mappings, none seen");
		for (int i = 0; i < o->nsizes; i++) {
			const struct hv_holder_size *z = &o->sizes[i];
			const int64_t v[] = {z->files, z->sysv, z->mapped, z->unattributed};
			char n[16];
			hv_hstate_name(z->size, n, sizeof(n));
			for (int k = 0; k < 4; k++)
				fprintf(out, "hvoplan_hugetlb_held_pages{size=\"%s\",holder=\"%s\"} %" PRId64 "\n", n,
					holder[k], v[k]);
		}
		head(out, "hugetlb_orphaned_pages", "Pages in files and SysV segments no process maps or attaches");
		for (int i = 0; i < o->nsizes; i++) {
			char n[16];
			hv_hstate_name(o->sizes[i].size, n, sizeof(n));
			fprintf(out, "hvoplan_hugetlb_orphaned_pages{size=\"%s\"} %" PRId64 "\n", n, o->sizes[i].orphaned);
		}
	}
	head(out, "finding", "A finding of the report (always 1)");
	for (int i = 0; i < r->nfindings; i++) {
		bool dup = false; /* one sample per label set: a finding may recur per size */
		for (int j = 0; j < i; j++)
			dup |= !strcmp(r->findings[j].id, r->findings[i].id);
		if (dup)
			continue;
		fprintf(out, "hvoplan_finding{id=\"%s\",severity=\"%s\"} 1\n", r->findings[i].id,
			hv_severity_name(r->findings[i].severity));
	}
	return ferror(out) ? -5 : 0;
}
