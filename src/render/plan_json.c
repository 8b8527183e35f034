/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hvoplan.plan/1 schema (man/hvoplan-plan.8). In the spirit of
 * hvoplan.report/1: sizes in bytes, counts as integers, unknown = null;
 * keys may be added, none renamed without a schema bump. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>

#include "hv_error.h"
#include "plan.h"
#include "render_libs.h"

static json_t *u64(uint64_t v)
{
	/* jansson integers are signed 64-bit; larger figures cannot come out of
	 * a plan that passed the overflow checks, but stay valid JSON anyway */
	return v > (uint64_t)INT64_MAX ? json_null() : json_integer((json_int_t)v);
}

static void set_cell(json_t *o, const struct hv_plan_cell *c)
{
	json_object_set_new(o, "pages", u64(c->pages));
	json_object_set_new(o, "memory_bytes", u64(c->memory));
	json_object_set_new(o, "vmemmap_bytes", u64(c->vmemmap));
	json_object_set_new(o, "vmemmap_kept_bytes", u64(c->kept));
	json_object_set_new(o, "savings_bytes", u64(c->savings));
	json_object_set_new(o, "restore_bytes", u64(c->restore));
	json_object_set_new(o, "shared_tail_bytes", u64(c->tail));
}

static json_t *row_obj(const struct hv_plan_input *in, const struct hv_plan_row *row)
{
	json_t *o = json_object(), *nodes = json_array();
	json_object_set_new(o, "type", json_string(row->dax ? "dax" : "hugetlb"));
	json_object_set_new(o, "size", u64(row->size));
	json_object_set_new(o, "name", json_string(row->name));
	json_object_set_new(o, "vmemmap_bytes_per_page", u64(row->vmemmap_per_page));
	json_object_set_new(o, "optimizable_bytes_per_page", u64(row->optimizable_per_page));
	set_cell(o, &row->total);
	for (int n = 0; n < row->nnodes; n++) {
		if (row->dax && row->nodes[n].pages == 0)
			continue;
		json_t *no = json_object();
		json_object_set_new(no, "node", json_integer(hv_plan_node_id(in, n)));
		set_cell(no, &row->nodes[n]);
		json_array_append_new(nodes, no);
	}
	json_object_set_new(o, "nodes", nodes);
	return o;
}

/* --from-host: each size's pages free now, whole and per node */
static json_t *forecast(const struct hv_plan_input *in)
{
	json_t *a = json_array();
	for (int i = 0; i < in->nforecast; i++) {
		const struct hv_plan_forecast *f = &in->forecast[i];
		json_t *o = json_object(), *nodes = json_array();
		char name[16];
		hv_hstate_name(f->size, name, sizeof(name));
		json_object_set_new(o, "size", u64(f->size));
		json_object_set_new(o, "name", json_string(name));
		json_object_set_new(o, "basis", json_string(hv_forecast_basis_name(f->total.basis)));
		json_object_set_new(o, "watermarks", json_boolean(f->total.watermarks));
		json_object_set_new(o, "free_now",
				    f->total.pages == HV_UNKNOWN ? json_null() : json_integer(f->total.pages));
		json_object_set_new(o, "after_compaction", f->total.compacted == HV_UNKNOWN
								   ? json_null()
								   : json_integer(f->total.compacted));
		for (int n = 0; n < f->nnodes; n++) {
			json_t *no = json_object();
			json_object_set_new(no, "node", json_integer(f->nodes[n].node));
			json_object_set_new(no, "free_now", f->nodes[n].pages == HV_UNKNOWN
								 ? json_null()
								 : json_integer(f->nodes[n].pages));
			json_object_set_new(no, "after_compaction", f->nodes[n].compacted == HV_UNKNOWN
									 ? json_null()
									 : json_integer(f->nodes[n].compacted));
			json_array_append_new(nodes, no);
		}
		json_object_set_new(o, "nodes", nodes);
		json_array_append_new(a, o);
	}
	return a;
}

int hv_plan_render_json(FILE *out, const struct hv_plan_result *r)
{
	int lrc = hv_jansson_load();
	if (lrc < 0)
		return lrc;
	const struct hv_plan_input *in = r->in;
	json_t *root = json_object(), *src = json_object(), *host = json_object(), *k = json_object();
	json_t *pools = json_array(), *tot = json_object(), *cmp = json_array(), *notes = json_array();
	json_object_set_new(root, "schema", json_string("hvoplan.plan/1"));

	json_object_set_new(src, "from_host", json_boolean(in->from_host));
	json_t *rootname = in->from_host ? json_string(in->root) : NULL; /* NULL also for non-UTF-8 */
	json_object_set_new(src, "root", rootname ? rootname : json_null());
	json_object_set_new(root, "source", src);

	json_object_set_new(host, "memory_bytes", u64(in->memory));
	json_object_set_new(host, "memory_source", json_string(hv_plan_mem_src_name(in->memory_source)));
	json_object_set_new(host, "nodes", json_integer(in->nodes));
	json_object_set_new(host, "nodes_source", json_string(hv_plan_src_name(in->nodes_source)));
	json_object_set_new(host, "arch", in->arch ? json_string(hv_arch_name(in->arch)) : json_null());
	json_object_set_new(host, "arch_source", json_string(hv_plan_src_name(in->arch ? in->arch_source : HV_PLAN_SRC_DEFAULT)));
	json_object_set_new(host, "page_size", u64(in->page_size));
	json_object_set_new(host, "page_size_source", json_string(hv_plan_src_name(in->page_size_source)));
	json_object_set_new(host, "struct_page_size", u64(in->struct_page));
	json_object_set_new(host, "struct_page_size_source", json_string(hv_plan_src_name(in->struct_page_source)));
	json_object_set_new(root, "host", host);

	json_t *rel = in->release[0] ? json_string(in->release) : NULL;
	json_object_set_new(k, "release", rel ? rel : json_null());
	json_object_set_new(k, "generation", json_string(hv_gen_name(in->gen)));
	json_object_set_new(k, "generation_source", json_string(hv_plan_src_name(in->gen_source)));
	json_object_set_new(k, "reserved_vmemmap_pages", json_integer(r->kept_pages));
	json_object_set_new(k, "shared_tail", json_boolean(r->shared_tail));
	json_object_set_new(root, "kernel", k);

	for (int i = 0; i < r->nrows; i++)
		json_array_append_new(pools, row_obj(in, &r->rows[i]));
	json_object_set_new(root, "pools", pools);

	json_t *h = json_object(), *d = json_object(), *all = json_object();
	set_cell(h, &r->hugetlb);
	set_cell(d, &r->dax);
	set_cell(all, &r->total);
	json_object_set_new(tot, "hugetlb", h);
	json_object_set_new(tot, "dax", d);
	json_object_set_new(tot, "all", all);
	json_object_set_new(tot, "shared_tail_estimate", json_boolean(r->total.tail != 0));
	json_object_set_new(tot, "memmap_bytes", u64(r->memmap));
	json_object_set_new(tot, "memmap_with_hvo_bytes", u64(r->memmap_with_hvo));
	json_object_set_new(tot, "remaining_bytes", json_integer(r->remaining));
	json_object_set_new(root, "totals", tot);

	for (int i = 0; i < r->ncompare; i++) {
		const struct hv_plan_alt *a = &r->compare[i];
		json_t *o = json_object();
		json_object_set_new(o, "size", u64(a->size));
		json_object_set_new(o, "name", json_string(a->name));
		json_object_set_new(o, "vmemmap_bytes_per_page", u64(a->vmemmap_per_page));
		json_object_set_new(o, "optimizable_bytes_per_page", u64(a->optimizable_per_page));
		set_cell(o, &a->cell);
		json_object_set_new(o, "unplaced_bytes", u64(a->unplaced));
		json_object_set_new(o, "savings_delta_bytes",
				    json_integer((json_int_t)a->cell.savings - (json_int_t)r->hugetlb.savings));
		json_array_append_new(cmp, o);
	}
	json_object_set_new(root, "compare", cmp);
	json_object_set_new(root, "forecast", in->from_host ? forecast(in) : json_null());

	for (int i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	json_object_set_new(root, "notes", notes);

	return hv_json_dump(out, root);
}
