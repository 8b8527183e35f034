/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The human table: libsmartcols, util-linux conventions (-o, -r, -n, -b),
 * then a summary and the findings, as lsmem prints its summary. */
#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "columns.h"
#include "hv_error.h"
#include "parse.h"
#include "render.h"
#include "render_libs.h"

enum col_id {
	COL_SIZE, COL_NODE, COL_PAGES, COL_FREE, COL_RESV, COL_SURP, COL_HUGETLB, COL_VMEMMAP,
	COL_PERPAGE, COL_SAVED, COL_POSSIBLE, COL_STALE, COL_BASIS, NCOLS
};

static const struct hv_column cols[NCOLS] = {
	[COL_SIZE] = {"SIZE", 5, SCOLS_FL_TREE, "hugepage size"},
	[COL_NODE] = {"NODE", 4, SCOLS_FL_RIGHT, "NUMA node (- for the whole pool)"},
	[COL_PAGES] = {"PAGES", 6, SCOLS_FL_RIGHT, "pages in the pool (nr_hugepages, surplus included)"},
	[COL_FREE] = {"FREE", 6, SCOLS_FL_RIGHT, "free pages"},
	[COL_RESV] = {"RESV", 5, SCOLS_FL_RIGHT, "reserved pages"},
	[COL_SURP] = {"SURP", 5, SCOLS_FL_RIGHT, "surplus pages"},
	[COL_HUGETLB] = {"HUGETLB", 7, SCOLS_FL_RIGHT, "memory in the pool"},
	[COL_VMEMMAP] = {"VMEMMAP", 7, SCOLS_FL_RIGHT, "struct page memory describing the pool, without HVO"},
	[COL_PERPAGE] = {"PERPAGE", 7, SCOLS_FL_RIGHT, "vmemmap HVO frees per hugepage"},
	[COL_SAVED] = {"SAVED", 6, SCOLS_FL_RIGHT, "vmemmap freed now"},
	[COL_POSSIBLE] = {"POSSIBLE", 8, SCOLS_FL_RIGHT, "vmemmap freed with every page optimized"},
	[COL_STALE] = {"STALE", 5, SCOLS_FL_RIGHT, "pages allocated while HVO was off (not optimized)"},
	[COL_BASIS] = {"BASIS", 8, 0, "how SAVED is known: measured, assumed or none"},
};

void hv_table_list_columns(FILE *out)
{
	hv_columns_list(out, cols, NCOLS);
}

static void fmt_bytes(char *buf, size_t cap, int64_t v, bool bytes)
{
	char h[24];
	if (v == HV_UNKNOWN) {
		snprintf(buf, cap, "?");
	} else if (bytes) {
		snprintf(buf, cap, "%" PRId64, v);
	} else if (v < 0) {
		/* signed, never wrapped to 16E; -v cannot overflow: v > INT64_MIN here */
		hv_fmt_size((uint64_t)-v, h, sizeof(h));
		snprintf(buf, cap, "-%s", h);
	} else {
		hv_fmt_size((uint64_t)v, buf, cap);
	}
}

struct row {
	const struct hv_hstate_result *s;
	const struct hv_node_result *n; /* NULL for the pool row */
};

static void cell(char *buf, size_t cap, int id, struct row rw, const struct hv_table_opts *o)
{
	const struct hv_hstate_result *s = rw.s;
	const struct hv_node_result *n = rw.n;
	switch ((enum col_id)id) {
	case COL_SIZE:
		if (o->bytes)
			snprintf(buf, cap, "%" PRIu64, s->size);
		else
			snprintf(buf, cap, "%s", s->name);
		break;
	case COL_NODE: snprintf(buf, cap, n ? "%d" : "-", n ? n->node : 0); break;
	case COL_PAGES: snprintf(buf, cap, "%" PRId64, n ? n->nr : s->nr); break;
	case COL_FREE: snprintf(buf, cap, "%" PRId64, n ? n->free : s->free); break;
	case COL_RESV: snprintf(buf, cap, n ? "-" : "%" PRId64, s->resv); break;
	case COL_SURP: snprintf(buf, cap, "%" PRId64, n ? n->surplus : s->surplus); break;
	case COL_HUGETLB: fmt_bytes(buf, cap, n ? n->hugetlb_bytes : s->hugetlb_bytes, o->bytes); break;
	case COL_VMEMMAP: fmt_bytes(buf, cap, n ? n->vmemmap_bytes : s->vmemmap_bytes, o->bytes); break;
	case COL_PERPAGE: fmt_bytes(buf, cap, s->optimizable_per_page_bytes, o->bytes); break;
	case COL_SAVED: fmt_bytes(buf, cap, n ? n->savings_current : s->savings_current, o->bytes); break;
	case COL_POSSIBLE: fmt_bytes(buf, cap, n ? n->savings_possible : s->savings_possible, o->bytes); break;
	case COL_STALE:
		if (n || s->unoptimized_pages == HV_UNKNOWN)
			snprintf(buf, cap, n ? "-" : "?");
		else
			snprintf(buf, cap, "%" PRId64, s->unoptimized_pages);
		break;
	case COL_BASIS: snprintf(buf, cap, "%s", hv_basis_name(s->savings_current_basis)); break;
	case NCOLS: buf[0] = '\0'; break;
	}
}

static bool multinode_of(const struct hv_report *r)
{
	for (int i = 0; i < r->nhstates; i++)
		if (r->hstates[i].nnodes > 1)
			return true;
	return false;
}

bool hv_render_table_needs_locale(const struct hv_report *r, const struct hv_table_opts *o)
{
	return o->summary != HV_SUMMARY_ONLY && !o->raw && multinode_of(r);
}

static int print_pools(FILE *out, const struct hv_report *r, const struct hv_table_opts *o)
{
	int ids[NCOLS * 2], n = 0;
	bool multinode = multinode_of(r);
	if (o->columns) {
		int rc = hv_columns_parse(o->columns, cols, NCOLS, ids, NCOLS * 2, &n, "report");
		if (rc < 0)
			return rc;
	} else {
		static const int def[] = {COL_SIZE, COL_PAGES, COL_FREE, COL_RESV, COL_SURP, COL_HUGETLB,
					  COL_VMEMMAP, COL_PERPAGE, COL_SAVED, COL_POSSIBLE, COL_STALE};
		for (size_t i = 0; i < sizeof(def) / sizeof(def[0]); i++) {
			ids[n++] = def[i];
			if (def[i] == COL_SIZE && multinode)
				ids[n++] = COL_NODE;
		}
	}
	struct libscols_table *tb = hv_columns_table("hugepages", cols, ids, n, o);
	if (!tb)
		return hv_fail(ENOMEM, "out of memory");
	char buf[64];
	for (int i = 0; i < r->nhstates; i++) {
		const struct hv_hstate_result *s = &r->hstates[i];
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		for (int c = 0; c < n && ln; c++) {
			cell(buf, sizeof(buf), ids[c], (struct row){s, NULL}, o);
			scols_line_set_data(ln, (size_t)c, buf);
		}
		if (!multinode)
			continue;
		for (int j = 0; j < s->nnodes && ln; j++) {
			struct libscols_line *child = scols_table_new_line(tb, o->raw ? NULL : ln);
			for (int c = 0; c < n && child; c++) {
				cell(buf, sizeof(buf), ids[c], (struct row){s, &s->nodes[j]}, o);
				scols_line_set_data(child, (size_t)c, ids[c] == COL_SIZE && !o->raw ? "" : buf);
			}
		}
	}
	scols_table_set_stream(tb, out);
	int rc = scols_print_table(tb);
	scols_unref_table(tb);
	return rc < 0 ? hv_fail(EIO, "cannot write the table") : 0;
}

static const char *onoff(int v)
{
	return v == HV_UNKNOWN ? "absent" : v ? "1" : "0";
}

/* One line per hugetlbfs mount: its page size, limits, what statfs()
 * counts, and who may use it. */
static void mounts(FILE *out, const struct hv_report *r, const struct hv_table_opts *o)
{
	char a[32], b[32], c[32];
	if (!r->mounts_read)
		return;
	if (r->nmounts == 0)
		fprintf(out, "hugetlbfs mounts:      none\n");
	for (int i = 0; i < r->nmounts; i++) {
		const struct hv_mount_result *m = &r->mounts[i];
		hv_fmt_size(m->page_size, a, sizeof(a));
		fprintf(out, "%s%s: %s pages%s", i == 0 ? "hugetlbfs mounts:      " : "                       ", m->path,
			m->page_size ? a : "?", m->page_size_default ? " (the default size)" : "");
		if (m->size_limit_bytes != HV_UNKNOWN) {
			fmt_bytes(a, sizeof(a), m->size_limit_bytes, o->bytes);
			fmt_bytes(b, sizeof(b), m->used_bytes, o->bytes);
			fprintf(out, ", size %s (%s used)", a, b);
		} else {
			fprintf(out, ", no size limit");
		}
		if (m->min_size_bytes != HV_UNKNOWN) {
			fmt_bytes(c, sizeof(c), m->min_size_bytes, o->bytes);
			fprintf(out, ", min_size %s reserved", c);
		}
		if (m->nr_inodes != HV_UNKNOWN) {
			if (m->inodes_used != HV_UNKNOWN)
				fprintf(out, ", %lld of %lld inodes used", (long long)m->inodes_used, (long long)m->nr_inodes);
			else
				fprintf(out, ", %lld inodes", (long long)m->nr_inodes);
		}
		fprintf(out, ", mode %04o, uid %u, gid %u%s%s\n", m->mode, m->uid, m->gid, m->ro ? ", read-only" : "",
			m->no_pool ? ", no pool of its size" : "");
	}
}

/* A kB figure of report --processes: "?" unread, "no access" refused. */
static void proc_kib(char *buf, size_t cap, int64_t kib, bool bytes)
{
	if (kib == -2)
		snprintf(buf, cap, "no access");
	else
		fmt_bytes(buf, cap, kib >= 0 ? kib * 1024 : HV_UNKNOWN, bytes);
}

/* report --processes: each process that maps hugepages, its pages per
 * size and node, as numastat -p lists memory per node. */
static void processes(FILE *out, const struct hv_report *r, const struct hv_table_opts *o)
{
	const struct hv_proc_report *p = &r->processes;
	if (!p->read) {
		if (p->why[0])
			fprintf(out, "Processes:             not read (%s)\n", p->why);
		return;
	}
	if (p->nprocs == 0) {
		if (p->why[0])
			fprintf(out, "Processes:             none (%s)\n", p->why);
		else
			fprintf(out, "Processes:             none maps or reserves a hugepage\n");
		return;
	}
	for (int i = 0; i < p->nrows; i++) {
		const struct hv_proc_row *w = &p->rows[i];
		char a[24], b[24], c[24], d[24];
		proc_kib(a, sizeof(a), w->hugetlb_kib, o->bytes);
		proc_kib(b, sizeof(b), w->private_kib, o->bytes);
		proc_kib(c, sizeof(c), w->shared_kib, o->bytes);
		proc_kib(d, sizeof(d), w->unfaulted_kib, o->bytes);
		char m[24];
		proc_kib(m, sizeof(m), w->mapped_kib, o->bytes);
		fprintf(out, "%s%d %s (%s): %s in use", i ? "                       " : "Processes:             ", w->pid,
			w->comm, w->user[0] ? w->user : "?", a);
		if (w->private_kib == -2 || w->mapped_kib == -2)
			fputs(" (its smaps: no access)", out);
		else
			fprintf(out, " (%s private, %s shared) of %s mapped, %s unfaulted%s", b, c, m, d,
				w->reserved_only ? ": holds only reservations" : "");
		if (!w->numa_read)
			fputs("; per node: its numa_maps unreadable", out);
		/* "; 2M pages: node 0 256, node 1 256" for each size */
		for (int k = 0; k < w->nuse; k++) {
			if (k == 0 || w->use[k - 1].page_kib != w->use[k].page_kib) {
				char n[16];
				hv_hstate_name((uint64_t)w->use[k].page_kib * 1024, n, sizeof(n));
				fprintf(out, "; %s pages: ", n);
			} else {
				fputs(", ", out);
			}
			fprintf(out, "node %d %lld", w->use[k].node, (long long)w->use[k].pages);
		}
		fprintf(out, "%s\n", w->use_truncated ? ", ..." : "");
	}
	if (p->truncated)
		fprintf(out, "                       and %d more\n", p->nprocs - p->nrows);
	if (p->nnoaccess)
		fprintf(out, "                       %d process%s could not be read (permission denied)\n", p->nnoaccess,
			p->nnoaccess == 1 ? "" : "es");
}

/* Who holds the pages in use, and what no process maps (hv_report_holders()). */
static void holders(FILE *out, const struct hv_report *r)
{
	const struct hv_holders *o = &r->holders;
	bool used = false;
	for (int i = 0; i < r->nhstates; i++)
		used |= r->hstates[i].nr > r->hstates[i].free && r->hstates[i].free >= 0;
	if (!o->scanned) {
		if (used && o->why[0])
			fprintf(out, "Holders:               not counted (%s)\n", o->why);
		return;
	}
	bool first = true;
	for (int i = 0; i < o->nsizes; i++) {
		const struct hv_holder_size *z = &o->sizes[i];
		char n[16];
		if (z->in_use == 0)
			continue;
		hv_hstate_name(z->size, n, sizeof(n));
		fprintf(out, "%s%s: %lld in use: %lld in hugetlbfs files, %lld in SysV segments, %lld only in mappings, "
			     "%s%lld unattributed\n",
			first ? "Holders:               " : "                       ", n, (long long)z->in_use,
			(long long)z->files, (long long)z->sysv, (long long)z->mapped, z->lower_bound ? "at most " : "",
			(long long)z->unattributed);
		first = false;
	}
	for (int i = 0; i < o->norphans; i++) {
		const struct hv_orphan *x = &o->orphans[i];
		char n[16];
		hv_hstate_name(x->page_size, n, sizeof(n));
		fputs(i == 0 ? "Not mapped:            " : "                       ", out);
		if (x->kind == HV_ORPHAN_FILE)
			fprintf(out, "%s: %lld x %s, no process maps it, uid %ld\n", x->path, (long long)x->pages, n, x->uid);
		else if (x->kind == HV_ORPHAN_SHM)
			fprintf(out, "SysV segment %d (key 0x%08llx, uid %ld): %lld x %s, no process attached\n", x->shmid,
				(unsigned long long)(uint32_t)x->key, x->uid, (long long)x->pages, n);
		else if (x->page_size)
			fprintf(out, "SysV segment %d (key 0x%08llx, uid %ld): %lld x %s if hugetlb-backed, no process attached\n",
				x->shmid, (unsigned long long)(uint32_t)x->key, x->uid, (long long)x->pages, n);
		else
			fprintf(out, "SysV segment %d (key 0x%08llx, uid %ld): hugetlb backing unknown, no process attached\n",
				x->shmid, (unsigned long long)(uint32_t)x->key, x->uid);
	}
	if (o->norphans_total > o->norphans)
		fprintf(out, "                       and %d more\n", o->norphans_total - o->norphans);
}

static void summary(FILE *out, const struct hv_report *r, const struct hv_table_opts *o)
{
	const struct hv_report_source *h = &r->src;
	char a[32], b[32], c[32];
#define SZ(buf, v) fmt_bytes(buf, sizeof(buf), (v), o->bytes)
	/* the headline agrees with the figures: without HVO every page is kept */
	char keeps[64];
	if (r->hvo_compiled == HV_NO)
		snprintf(keeps, sizeof(keeps), "no HVO built: every vmemmap page kept");
	else
		snprintf(keeps, sizeof(keeps), "keeps %d vmemmap page%s per hugepage", r->kept_pages,
			 r->kept_pages == 1 ? "" : "s");
	fprintf(out, "Kernel:                %s %s, HVO rules of %s%s, %s\n",
		h->release[0] ? h->release : "(unknown release)", h->arch[0] ? h->arch : "", hv_gen_name(r->gen),
		r->gen_assumed ? " (assumed)" : r->gen_basis == HV_GEN_BY_FEATURES ? " (from its features)" : "", keeps);
	/* each fact with where it came from */
	if (h->cpu_model[0] || h->cpu_gbpages != HV_TRI_UNKNOWN)
		fprintf(out, "CPU:                   %s (%s); 1G pages %s%s%s%s\n", h->cpu_model[0] ? h->cpu_model : "model unknown",
			h->cpu_model[0] ? h->cpu_model_source : "no model name",
			h->cpu_gbpages == HV_YES ? "supported" : h->cpu_gbpages == HV_NO ? "not supported" : "unknown",
			h->cpu_gbpages_source[0] ? " (" : "", h->cpu_gbpages_source, h->cpu_gbpages_source[0] ? ")" : "");
	SZ(a, r->page_size);
	fprintf(out, "Base page:             %s (%s); struct page %ld bytes (%s)\n", a,
		hv_page_src_name(r->page_size_source), r->struct_page_size, hv_page_src_name(r->struct_page_source));
	char param[96];
	if (r->hvo_param_rejected)
		snprintf(param, sizeof(param), "%s%s (rejected by this kernel)", r->hvo_param_bare ? "" : "=",
			 r->hvo_param_text);
	else
		snprintf(param, sizeof(param), "%s",
			 r->hvo_boot_param == HV_UNKNOWN ? " not set" : r->hvo_boot_param ? "=on" : "=off");
	fprintf(out, "HVO:                   %s; vm.hugetlb_optimize_vmemmap %s; hugetlb_free_vmemmap%s%s; %s now\n",
		r->hvo_compiled == HV_YES ? "built in" : r->hvo_compiled == HV_NO ? "not built" : "build unknown",
		onoff(r->hvo_sysctl), param, r->hvo_default_on == HV_YES ? " (default on)" : "",
		r->hvo_active ? "active" : "inactive");
	SZ(a, r->totals.hugetlb_bytes);
	SZ(b, r->totals.vmemmap_bytes);
	fprintf(out, "Hugetlb memory:        %s, described by %s of struct pages without HVO\n", a, b);
	SZ(a, r->total_savings_current);
	SZ(b, r->totals.savings_possible_bytes);
	if (r->total_savings_basis == HV_BASIS_MEASURED)
		fprintf(out, "Saved now:             %s (measured from nr_memmap_pages)\n", a);
	else if (r->total_savings_basis == HV_BASIS_ASSUMED)
		fprintf(out, "Saved now:             %s (assumed: %s)\n", a,
			r->savings_note[0] ? r->savings_note : "nothing measures it");
	else if (r->total_savings_current == HV_UNKNOWN)
		fprintf(out, "Saved now:             ? (unknown: %s)\n", r->savings_note[0] ? r->savings_note : "not measurable");
	else
		fprintf(out, "Saved now:             %s (none)\n", a);
	fprintf(out, "Possible:              %s\n", b);
	if (r->memmap_pages != HV_UNKNOWN && r->memmap_baseline_pages != HV_UNKNOWN) {
		SZ(a, r->totals.memmap_baseline_bytes);
		SZ(b, r->totals.memmap_bytes);
		if (r->unoptimized_bytes != HV_UNKNOWN)
			SZ(c, r->unoptimized_bytes);
		else
			snprintf(c, sizeof(c), "?");
		fprintf(out, "Memmap:                %s now, %s baseline; not optimized: %s\n", b, a, c);
		/* the baseline's parts, where there is more than System RAM by blocks */
		if (r->memmap_basis == HV_MEM_SECTIONS || r->memmap_page_ext_pages > 0 || r->memmap_device_pages > 0) {
			SZ(a, r->totals.memmap_ram_bytes);
			fprintf(out, "  baseline:            System RAM %s", a);
			if (r->memmap_basis == HV_MEM_SECTIONS) {
				SZ(b, r->totals.section_bytes);
				fprintf(out, " (%lld sections of %s, %s)", (long long)r->ram_sections, b,
					r->ram_source == HV_RAM_IOMEM ? "proc/iomem" : "sys/firmware/memmap");
			}
			if (r->memmap_page_ext_pages > 0) {
				SZ(c, r->totals.memmap_page_ext_bytes);
				fprintf(out, ", page_ext %s", c);
			}
			if (r->memmap_device_pages > 0) {
				SZ(b, r->zone_device_bytes);
				SZ(c, r->totals.memmap_device_bytes);
				fprintf(out, ", devices %s (for %s of ZONE_DEVICE memory)", c, b);
			}
			fputc('\n', out);
		}
	}
	mounts(out, r, o);
	holders(out, r);
	processes(out, r, o);
#undef SZ
}

static void findings(FILE *out, const struct hv_report *r, const struct hv_table_opts *o)
{
	static const char *const color[] = {"", "\033[33m", "\033[31m"};
	if (r->nfindings)
		fprintf(out, "\nFindings:\n");
	for (int i = 0; i < r->nfindings; i++) {
		const struct hv_finding *f = &r->findings[i];
		fprintf(out, "  %s%-7s%s %s: %s\n", o->color ? color[f->severity] : "", hv_severity_name(f->severity),
			o->color && f->severity ? "\033[0m" : "", f->id, f->message);
		fprintf(out, "          fix: %s\n", f->fix);
	}
	if (r->nnotes)
		fprintf(out, "\nNotes:\n");
	for (int i = 0; i < r->nnotes; i++)
		fprintf(out, "  %s\n", r->notes[i]);
}

int hv_render_table(FILE *out, const struct hv_report *r, const struct hv_table_opts *o)
{
	if (o->summary != HV_SUMMARY_ONLY) {
		int rc = hv_scols_load();
		if (rc == 0)
			rc = print_pools(out, r, o);
		if (rc < 0)
			return rc;
	}
	if (o->summary == HV_SUMMARY_NEVER || (o->raw && o->summary != HV_SUMMARY_ONLY))
		return 0;
	if (o->summary != HV_SUMMARY_ONLY)
		fputc('\n', out);
	summary(out, r, o);
	findings(out, r, o);
	return 0;
}
