/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan plan as tables (libsmartcols, util-linux conventions -o, -r, -n,
 * -b): the pools per size and node with a total, the --compare
 * alternatives, then a summary, as report prints it. Formatting only. */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "columns.h"
#include "hv_error.h"
#include "parse.h"
#include "plan.h"
#include "render.h"
#include "render_libs.h"

enum col_id {
	COL_SIZE, COL_TYPE, COL_NODE, COL_PAGES, COL_HUGETLB, COL_PERPAGE, COL_VMEMMAP, COL_KEPT, COL_SAVED,
	COL_RESTORE, COL_TAIL, NCOLS
};

static const struct hv_column cols[NCOLS] = {
	[COL_SIZE] = {"SIZE", 5, SCOLS_FL_TREE, "hugepage size (dax: the namespace align)"},
	[COL_TYPE] = {"TYPE", 7, 0, "hugetlb or dax (device-dax namespace)"},
	[COL_NODE] = {"NODE", 4, SCOLS_FL_RIGHT, "NUMA node (- for the whole pool)"},
	[COL_PAGES] = {"PAGES", 6, SCOLS_FL_RIGHT, "hugepages (dax: compound pages of the align)"},
	[COL_HUGETLB] = {"HUGETLB", 7, SCOLS_FL_RIGHT, "memory in the pool (dax: the namespace size)"},
	[COL_PERPAGE] = {"PERPAGE", 7, SCOLS_FL_RIGHT, "vmemmap HVO (dax: dedup) frees per page"},
	[COL_VMEMMAP] = {"VMEMMAP", 7, SCOLS_FL_RIGHT, "struct page memory describing the pool, without HVO"},
	[COL_KEPT] = {"KEPT", 6, SCOLS_FL_RIGHT, "vmemmap left with HVO (7.1: shared tail pages included)"},
	[COL_SAVED] = {"SAVED", 6, SCOLS_FL_RIGHT, "vmemmap HVO frees: VMEMMAP - KEPT"},
	[COL_RESTORE] = {"RESTORE", 7, SCOLS_FL_RIGHT, "free memory needed to shrink or free the pool"},
	[COL_TAIL] = {"TAIL", 5, SCOLS_FL_RIGHT, "7.1 shared tail pages (estimate: one per node and size)"},
};

void hv_plan_list_columns(FILE *out)
{
	hv_columns_list(out, cols, NCOLS);
}

static void fmt_bytes(char *buf, size_t cap, uint64_t v, bool bytes)
{
	if (bytes)
		snprintf(buf, cap, "%" PRIu64, v);
	else
		hv_fmt_size(v, buf, cap);
}

/* One line of either table. */
struct prow {
	const char *name; /* NULL: a node line under its pool */
	uint64_t size;
	const char *type;
	int node; /* HV_UNKNOWN: the whole pool */
	const struct hv_plan_cell *c;
	uint64_t perpage;
	bool has_perpage;
};

static void cell(char *buf, size_t cap, int id, const struct prow *p, const struct hv_table_opts *o)
{
	const struct hv_plan_cell *c = p->c;
	switch ((enum col_id)id) {
	case COL_SIZE:
		if (o->bytes && p->size)
			snprintf(buf, cap, "%" PRIu64, p->size);
		else
			snprintf(buf, cap, "%s", p->name);
		break;
	case COL_TYPE: snprintf(buf, cap, "%s", p->type); break;
	case COL_NODE:
		if (p->node == HV_UNKNOWN)
			snprintf(buf, cap, "-");
		else
			snprintf(buf, cap, "%d", p->node);
		break;
	case COL_PAGES: snprintf(buf, cap, "%" PRIu64, c->pages); break;
	case COL_HUGETLB: fmt_bytes(buf, cap, c->memory, o->bytes); break;
	case COL_PERPAGE:
		if (p->has_perpage)
			fmt_bytes(buf, cap, p->perpage, o->bytes);
		else
			snprintf(buf, cap, "-");
		break;
	case COL_VMEMMAP: fmt_bytes(buf, cap, c->vmemmap, o->bytes); break;
	case COL_KEPT: fmt_bytes(buf, cap, c->kept, o->bytes); break;
	case COL_SAVED: fmt_bytes(buf, cap, c->savings, o->bytes); break;
	case COL_RESTORE: fmt_bytes(buf, cap, c->restore, o->bytes); break;
	case COL_TAIL: fmt_bytes(buf, cap, c->tail, o->bytes); break;
	case NCOLS: buf[0] = '\0'; break;
	}
}

static int columns(const struct hv_plan_result *r, const struct hv_table_opts *o, bool compare, int *ids, int *n)
{
	if (o->columns)
		return hv_columns_parse(o->columns, cols, NCOLS, ids, NCOLS * 2, n, "plan");
	bool multinode = r->in->nodes > 1 && !compare;
	*n = 0;
	ids[(*n)++] = COL_SIZE;
	if (r->in->ndax && !compare)
		ids[(*n)++] = COL_TYPE;
	if (multinode)
		ids[(*n)++] = COL_NODE;
	static const int rest[] = {COL_PAGES, COL_HUGETLB, COL_PERPAGE, COL_VMEMMAP, COL_KEPT, COL_SAVED, COL_RESTORE};
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
		ids[(*n)++] = rest[i];
	if (r->shared_tail)
		ids[(*n)++] = COL_TAIL;
	return 0;
}

static struct libscols_line *add_line(struct libscols_table *tb, struct libscols_line *parent, const int *ids, int n,
				      const struct prow *p, const struct hv_table_opts *o)
{
	char buf[64];
	struct libscols_line *ln = scols_table_new_line(tb, o->raw ? NULL : parent);
	for (int c = 0; c < n && ln; c++) {
		cell(buf, sizeof(buf), ids[c], p, o);
		scols_line_set_data(ln, (size_t)c, ids[c] == COL_SIZE && parent && !o->raw ? "" : buf);
	}
	return ln;
}

static int print(struct libscols_table *tb, FILE *out)
{
	scols_table_set_stream(tb, out);
	int rc = scols_print_table(tb);
	scols_unref_table(tb);
	return rc < 0 ? hv_fail(EIO, "cannot write the table") : 0;
}

static int print_pools(FILE *out, const struct hv_plan_result *r, const struct hv_table_opts *o)
{
	int ids[NCOLS * 2], n;
	int rc = columns(r, o, false, ids, &n);
	if (rc < 0)
		return rc;
	struct libscols_table *tb = hv_columns_table("pools", cols, ids, n, o);
	if (!tb)
		return hv_fail(ENOMEM, "out of memory");
	for (int i = 0; i < r->nrows; i++) {
		const struct hv_plan_row *row = &r->rows[i];
		struct prow p = {row->name, row->size, row->dax ? "dax" : "hugetlb", HV_UNKNOWN, &row->total,
				 row->optimizable_per_page, true};
		struct libscols_line *ln = add_line(tb, NULL, ids, n, &p, o);
		if (r->in->nodes < 2)
			continue;
		for (int j = 0; j < row->nnodes && ln; j++) {
			/* a dax namespace lives on one node: skip the empty ones */
			if (row->dax && row->nodes[j].pages == 0)
				continue;
			struct prow c = p;
			c.node = hv_plan_node_id(r->in, j);
			c.c = &row->nodes[j];
			add_line(tb, ln, ids, n, &c, o);
		}
	}
	if (r->nrows > 1) {
		struct prow p = {"total", 0, "-", HV_UNKNOWN, &r->total, 0, false};
		add_line(tb, NULL, ids, n, &p, o);
	}
	return print(tb, out);
}

static int print_compare(FILE *out, const struct hv_plan_result *r, const struct hv_table_opts *o)
{
	int ids[NCOLS * 2], n;
	int rc = columns(r, o, true, ids, &n);
	if (rc < 0)
		return rc;
	struct libscols_table *tb = hv_columns_table("compare", cols, ids, n, o);
	if (!tb)
		return hv_fail(ENOMEM, "out of memory");
	for (int i = 0; i < r->ncompare; i++) {
		const struct hv_plan_alt *a = &r->compare[i];
		struct prow p = {a->name, a->size, "hugetlb", HV_UNKNOWN, &a->cell, a->optimizable_per_page, true};
		add_line(tb, NULL, ids, n, &p, o);
	}
	return print(tb, out);
}

static void summary(FILE *out, const struct hv_plan_result *r, const struct hv_table_opts *o)
{
	const struct hv_plan_input *in = r->in;
	char a[32], b[40], c[32];
#define SZ(buf, v) fmt_bytes(buf, sizeof(buf), (uint64_t)(v), o->bytes)
	SZ(a, in->memory);
	SZ(b, in->page_size);
	fprintf(out, "Host:            %s of memory (%s), %d NUMA node%s, %s%s%s base pages, struct page %llu bytes\n", a,
		in->memory_source == HV_PLAN_MEM_BLOCKS	    ? "present memory blocks"
		: in->memory_source == HV_PLAN_MEM_SECTIONS ? "present memory sections"
		: in->memory_source == HV_PLAN_MEM_MEMINFO  ? "MemTotal"
							   : "--memory",
		in->nodes, in->nodes == 1 ? "" : "s", in->arch ? hv_arch_name(in->arch) : "", in->arch ? " with " : "",
		b, (unsigned long long)in->struct_page);
	char src[96];
	if (in->gen_source == HV_PLAN_SRC_OPTION && in->release[0])
		snprintf(src, sizeof(src), "--kernel %s", in->release);
	else if (in->gen_source == HV_PLAN_SRC_OPTION)
		snprintf(src, sizeof(src), "--generation");
	else if (in->gen_source == HV_PLAN_SRC_HOST)
		snprintf(src, sizeof(src), "host kernel %s", in->release);
	else
		snprintf(src, sizeof(src), "default: the newest confirmed rules");
	fprintf(out, "Kernel:          HVO rules of the %s generation (%s), ", hv_gen_name(in->gen), src);
	if (r->kept_pages > 0)
		fprintf(out, "keeps %d vmemmap page%s per hugepage%s\n", r->kept_pages, r->kept_pages == 1 ? "" : "s",
			r->shared_tail ? " plus one shared tail page per zone and size" : "");
	else
		fprintf(out, "no HVO\n");
	SZ(a, r->memmap);
	SZ(b, r->memmap_with_hvo);
	fprintf(out, "Memmap:          %s of struct pages for all memory%s without HVO, %s with it\n", a,
		in->ndax ? " and the namespaces" : "", b);
	SZ(a, r->hugetlb.memory);
	SZ(b, r->hugetlb.vmemmap);
	SZ(c, r->hugetlb.savings);
	fprintf(out, "Hugetlb:         %s in pools, described by %s of struct pages; HVO frees %s\n", a, b, c);
	if (in->ndax) {
		SZ(a, r->dax.memory);
		SZ(b, r->dax.vmemmap);
		SZ(c, r->dax.savings);
		fprintf(out, "Device-dax:      %s in namespaces, %s of struct pages in RAM; dedup frees %s\n", a, b, c);
	}
	if (r->shared_tail) {
		SZ(a, r->total.tail);
		fprintf(out, "Shared tails:    %s (estimate of zones: one per node and size in use)\n", a);
	}
	SZ(a, r->hugetlb.restore);
	fprintf(out, "To free pools:   %s of free memory to allocate their vmemmap again (RESTORE)\n", a);
	if (r->remaining >= 0) {
		SZ(b, r->remaining);
	} else {
		SZ(c, (uint64_t)-(r->remaining + 1) + 1);
		snprintf(b, sizeof(b), "-%s", c);
	}
	fprintf(out, "Left:            %s of memory outside the pools and the memmap\n", b);
	for (int i = 0, shown = 0; i < in->nforecast; i++) {
		const struct hv_plan_forecast *f = &in->forecast[i];
		if (f->total.basis == HV_FC_UNKNOWN)
			continue;
		char name[16];
		hv_hstate_name(f->size, name, sizeof(name));
		fprintf(out, "%-17s", shown++ ? "" : "Free now:");
		const char *pl = f->total.pages == 1 ? "" : "s";
		if (f->total.basis == HV_FC_FREE_MEMORY)
			fprintf(out, "%s: at most %lld page%s (free memory; contiguity unknown)", name,
				(long long)f->total.pages, pl);
		else
			fprintf(out, "%s: %lld page%s in free blocks, at most %lld after compaction", name,
				(long long)f->total.pages, pl, (long long)f->total.compacted);
		for (int n = 0; n < f->nnodes && f->nnodes > 1; n++)
			fprintf(out, "%s node %d %lld", n ? "," : ";", f->nodes[n].node, (long long)f->nodes[n].pages);
		fputc('\n', out);
	}
	for (int i = 0; i < r->ncompare; i++) {
		const struct hv_plan_alt *alt = &r->compare[i];
		int64_t d = (int64_t)alt->cell.savings - (int64_t)r->hugetlb.savings;
		SZ(a, alt->cell.savings);
		SZ(b, d < 0 ? (uint64_t)-d : (uint64_t)d);
		if (d)
			fprintf(out, "As %-5s pages:  HVO frees %s, %s %s than the plan\n", alt->name, a, b,
				d > 0 ? "more" : "less");
		else
			fprintf(out, "As %-5s pages:  HVO frees %s, as much as the plan\n", alt->name, a);
	}
	if (r->nnotes)
		fprintf(out, "\nNotes:\n");
	for (int i = 0; i < r->nnotes; i++)
		fprintf(out, "  %s\n", r->notes[i]);
#undef SZ
}

int hv_plan_render_table(FILE *out, const struct hv_plan_result *r, const struct hv_table_opts *o)
{
	int rc;
	if (o->summary != HV_SUMMARY_ONLY) {
		if ((rc = hv_scols_load()) < 0 || (rc = print_pools(out, r, o)) < 0)
			return rc;
		if (r->ncompare) {
			fputc('\n', out);
			if ((rc = print_compare(out, r, o)) < 0)
				return rc;
		}
	}
	if (o->summary == HV_SUMMARY_NEVER || (o->raw && o->summary != HV_SUMMARY_ONLY))
		return 0;
	if (o->summary != HV_SUMMARY_ONLY)
		fputc('\n', out);
	summary(out, r, o);
	return 0;
}
