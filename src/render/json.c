/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hvoplan.report/1 schema (hvoplan-report(8), JSON). Sizes in bytes, unknown = null. */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "hv_error.h"
#include "render.h"
#include "render_libs.h"


static json_t *num_or_null(int64_t v)
{
	return v == HV_UNKNOWN ? json_null() : json_integer(v);
}

static json_t *tri(enum hv_tristate t)
{
	return t == HV_TRI_UNKNOWN ? json_null() : json_boolean(t == HV_YES);
}

static json_t *kernel_obj(const struct hv_report *r)
{
	const struct hv_report_source *h = &r->src;
	json_t *k = json_object();
	json_object_set_new(k, "release", h->release[0] ? hv_json_str(h->release) : json_null());
	json_object_set_new(k, "arch", h->arch[0] ? hv_json_str(h->arch) : json_null());
	json_object_set_new(k, "page_size", json_integer(r->page_size));
	json_object_set_new(k, "page_size_source", json_string(hv_page_src_name(r->page_size_source)));
	json_object_set_new(k, "struct_page_size", json_integer(r->struct_page_size));
	json_object_set_new(k, "struct_page_size_source", json_string(hv_page_src_name(r->struct_page_source)));
	json_object_set_new(k, "generation", json_string(hv_gen_name(r->gen)));
	json_object_set_new(k, "generation_assumed", json_boolean(r->gen_assumed));
	json_object_set_new(k, "generation_basis", json_string(hv_gen_basis_name(r->gen_basis)));
	json_object_set_new(k, "generation_evidence", r->gen_evidence[0] ? hv_json_str(r->gen_evidence) : json_null());
	json_object_set_new(k, "release_generation",
			    r->release_gen == HV_GEN_UNKNOWN ? json_null() : json_string(hv_gen_name(r->release_gen)));
	json_object_set_new(k, "reserved_vmemmap_pages", num_or_null(r->kept_pages));
	json_object_set_new(k, "config_source", h->config_present ? hv_json_str(h->config_source) : json_null());
	json_object_set_new(k, "boot_log_source", h->boot_log_present ? hv_json_str(h->boot_log_source) : json_null());
	return k;
}

static json_t *hvo_obj(const struct hv_report *r)
{
	json_t *o = json_object(), *bl = json_array();
	json_object_set_new(o, "compiled", tri(r->hvo_compiled));
	json_object_set_new(o, "sysctl", num_or_null(r->hvo_sysctl));
	json_object_set_new(o, "boot_param",
			    r->hvo_boot_param == HV_UNKNOWN ? json_null() : json_string(r->hvo_boot_param ? "on" : "off"));
	json_object_set_new(o, "boot_param_text",
			    r->hvo_boot_param == HV_UNKNOWN && !r->hvo_param_rejected ? json_null()
			    : r->hvo_param_bare ? json_string("")
						  : hv_json_str(r->hvo_param_text));
	json_object_set_new(o, "boot_param_rejected", json_boolean(r->hvo_param_rejected));
	json_object_set_new(o, "default_on", tri(r->hvo_default_on));
	json_object_set_new(o, "active", json_boolean(r->hvo_active));
	json_object_set_new(o, "at_boot", json_boolean(r->hvo_at_boot));
	for (int i = 0; i < r->nfindings; i++)
		if (r->findings[i].blocker)
			json_array_append_new(bl, json_string(r->findings[i].id));
	json_object_set_new(o, "blockers", bl);
	return o;
}

static json_t *memmap_obj(const struct hv_report *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "baseline_pages", num_or_null(r->memmap_baseline_pages));
	json_object_set_new(o, "pages", num_or_null(r->memmap_pages));
	json_object_set_new(o, "boot_pages", num_or_null(r->memmap_boot_pages));
	json_object_set_new(o, "realized_savings_bytes", num_or_null(r->realized_savings_bytes));
	json_object_set_new(o, "baseline_basis", json_string(hv_mem_basis_name(r->memmap_basis)));
	json_object_set_new(o, "ram_sections", num_or_null(r->ram_sections));
	json_object_set_new(o, "section_bytes", num_or_null(r->totals.section_bytes));
	json_object_set_new(o, "ram_ranges_source",
			    r->ram_source == HV_RAM_IOMEM      ? json_string("proc/iomem")
			    : r->ram_source == HV_RAM_FIRMWARE ? json_string("sys/firmware/memmap")
							       : json_null());
	json_object_set_new(o, "ram_baseline_bytes", num_or_null(r->totals.memmap_ram_bytes));
	json_object_set_new(o, "page_ext_bytes", num_or_null(r->totals.memmap_page_ext_bytes));
	json_object_set_new(o, "device_memmap_bytes", num_or_null(r->totals.memmap_device_bytes));
	json_object_set_new(o, "zone_device_bytes", num_or_null(r->zone_device_bytes));
	return o;
}

static json_t *hstate_obj(const struct hv_hstate_result *s)
{
	json_t *o = json_object(), *nodes = json_array();
	json_object_set_new(o, "size", num_or_null(s->size_bytes));
	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "nr", json_integer(s->nr));
	json_object_set_new(o, "free", json_integer(s->free));
	json_object_set_new(o, "resv", json_integer(s->resv));
	json_object_set_new(o, "surplus", json_integer(s->surplus));
	json_object_set_new(o, "overcommit", json_integer(s->overcommit));
	json_object_set_new(o, "vmemmap_bytes_per_page", num_or_null(s->vmemmap_per_page_bytes));
	json_object_set_new(o, "optimizable_bytes_per_page", num_or_null(s->optimizable_per_page_bytes));
	json_object_set_new(o, "optimizable_source", json_string(s->optimizable_from_bootlog ? "boot_log" : "computed"));
	json_object_set_new(o, "savings_current_bytes", num_or_null(s->savings_current));
	json_object_set_new(o, "savings_current_basis", json_string(hv_basis_name(s->savings_current_basis)));
	json_object_set_new(o, "savings_possible_bytes", json_integer(s->savings_possible));
	json_object_set_new(o, "unoptimized_pages", num_or_null(s->unoptimized_pages));
	for (int j = 0; j < s->nnodes; j++) {
		const struct hv_node_result *n = &s->nodes[j];
		json_t *no = json_object();
		json_object_set_new(no, "node", json_integer(n->node));
		json_object_set_new(no, "nr", json_integer(n->nr));
		json_object_set_new(no, "free", json_integer(n->free));
		json_object_set_new(no, "surplus", json_integer(n->surplus));
		json_object_set_new(no, "savings_current_bytes", num_or_null(n->savings_current));
		json_object_set_new(no, "savings_possible_bytes", json_integer(n->savings_possible));
		json_array_append_new(nodes, no);
	}
	json_object_set_new(o, "nodes", nodes);
	return o;
}

/* vm.hugetlb_shm_group and its group: null when not read (no pools) */
static json_t *shm_group_obj(const struct hv_report *r)
{
	if (r->reserve.shm_group == HV_UNKNOWN)
		return json_null();
	json_t *o = json_object(), *m = json_array();
	json_object_set_new(o, "gid", json_integer(r->reserve.shm_group));
	bool found = r->reserve.shm_group_found == 1;
	json_object_set_new(o, "name", found ? hv_json_str(r->reserve.shm_group_name) : json_null());
	/* the group file said there is no such group: false; not read: null */
	json_object_set_new(o, "exists", r->reserve.shm_group_found < 0 ? json_null() : json_boolean(found));
	for (const char *p = r->reserve.shm_group_members; found && *p;) {
		size_t n = strcspn(p, ",");
		char one[64];
		snprintf(one, sizeof(one), "%.*s", (int)(n < sizeof(one) ? n : sizeof(one) - 1), p);
		if (n)
			json_array_append_new(m, hv_json_str(one));
		p += n + (p[n] == ',');
	}
	if (!found) {
		json_decref(m);
		m = json_null();
	}
	json_object_set_new(o, "members", m);
	return o;
}

/* A kB figure of report --processes as bytes: null unread, the string
 * "no access" when refused. */
static json_t *proc_bytes(int64_t kib)
{
	if (kib == -2)
		return hv_json_str("no access");
	return kib >= 0 ? json_integer(kib * 1024) : json_null();
}

/* report --processes: null unless asked */
static json_t *processes_obj(const struct hv_report *r)
{
	const struct hv_proc_report *p = &r->processes;
	if (!p->read && !p->why[0])
		return json_null();
	json_t *o = json_object(), *list = json_array();
	json_object_set_new(o, "read", json_boolean(p->read));
	json_object_set_new(o, "why", hv_json_str_or_null(p->why));
	json_object_set_new(o, "count", json_integer(p->nprocs));
	json_object_set_new(o, "reservation_only", json_integer(p->nreserved_only));
	json_object_set_new(o, "unreadable", json_integer(p->nnoaccess));
	json_object_set_new(o, "truncated", json_boolean(p->truncated));
	for (int i = 0; i < p->nrows; i++) {
		const struct hv_proc_row *w = &p->rows[i];
		json_t *e = json_object(), *nodes = json_array();
		json_object_set_new(e, "pid", json_integer(w->pid));
		json_object_set_new(e, "user", hv_json_str_or_null(w->user));
		json_object_set_new(e, "command", hv_json_str(w->comm));
		json_object_set_new(e, "hugetlb_bytes", proc_bytes(w->hugetlb_kib));
		json_object_set_new(e, "private_bytes", proc_bytes(w->private_kib));
		json_object_set_new(e, "shared_bytes", proc_bytes(w->shared_kib));
		json_object_set_new(e, "mapped_bytes", proc_bytes(w->mapped_kib));
		json_object_set_new(e, "unfaulted_bytes", proc_bytes(w->unfaulted_kib));
		json_object_set_new(e, "reservation_only", json_boolean(w->reserved_only));
		for (int k = 0; k < w->nuse; k++) {
			json_t *n = json_object();
			json_object_set_new(n, "size", json_integer(w->use[k].page_kib * 1024));
			json_object_set_new(n, "node", json_integer(w->use[k].node));
			json_object_set_new(n, "pages", json_integer(w->use[k].pages));
			json_array_append_new(nodes, n);
		}
		if (!w->numa_read) {
			json_decref(nodes);
			nodes = json_null();
		}
		json_object_set_new(e, "nodes", nodes);
		json_object_set_new(e, "nodes_truncated", json_boolean(w->use_truncated));
		json_array_append_new(list, e);
	}
	json_object_set_new(o, "list", list);
	return o;
}

/* null without pools (nothing was read); kB as the sysctl has them */
static json_t *reserve_obj(const struct hv_report *r)
{
	if (r->reserve.min_free_kbytes == HV_UNKNOWN)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "min_free_kbytes", json_integer(r->reserve.min_free_kbytes));
	json_object_set_new(o, "recommended_min_free_kbytes", num_or_null(r->reserve.recommended_kbytes));
	json_object_set_new(o, "recommended_capped", json_boolean(r->reserve.capped));
	json_object_set_new(o, "populated_low_zones",
			    r->reserve.low_zones >= 0 ? json_integer(r->reserve.low_zones) : json_null());
	json_object_set_new(o, "pageblock_bytes", num_or_null(r->reserve.pageblock_bytes));
	json_object_set_new(o, "pageblock_source",
			    r->reserve.pageblock_source[0] ? hv_json_str(r->reserve.pageblock_source) : json_null());
	json_object_set_new(o, "thp_enabled", r->reserve.thp[0] ? hv_json_str(r->reserve.thp) : json_null());
	return o;
}

/* null when proc/mounts was not read; sizes in bytes, null where unset or
 * not counted */
static json_t *mounts_arr(const struct hv_report *r)
{
	if (!r->mounts_read)
		return json_null();
	json_t *a = json_array();
	for (int i = 0; i < r->nmounts; i++) {
		const struct hv_mount_result *m = &r->mounts[i];
		json_t *o = json_object();
		char mode[8];
		snprintf(mode, sizeof(mode), "%04o", m->mode);
		json_object_set_new(o, "path", hv_json_str(m->path));
		json_object_set_new(o, "page_size", m->page_size ? json_integer((json_int_t)m->page_size) : json_null());
		json_object_set_new(o, "page_size_default", json_boolean(m->page_size_default));
		json_object_set_new(o, "size_limit_bytes", num_or_null(m->size_limit_bytes));
		json_object_set_new(o, "used_bytes", num_or_null(m->used_bytes));
		json_object_set_new(o, "min_size_bytes", num_or_null(m->min_size_bytes));
		json_object_set_new(o, "nr_inodes", num_or_null(m->nr_inodes));
		json_object_set_new(o, "inodes_used", num_or_null(m->inodes_used));
		json_object_set_new(o, "uid", json_integer(m->uid));
		json_object_set_new(o, "gid", json_integer(m->gid));
		json_object_set_new(o, "mode", json_string(mode));
		json_object_set_new(o, "read_only", json_boolean(m->ro));
		json_object_set_new(o, "pool", json_boolean(!m->no_pool));
		json_array_append_new(a, o);
	}
	return a;
}

/* Who holds the pages in use: {"scanned": false, "why"} when not counted. */
static json_t *holders_obj(const struct hv_report *r)
{
	const struct hv_holders *o = &r->holders;
	static const char *const unit[] = {"bytes", "scaled", NULL};
	static const char *const kind[] = {"file", "sysv", "sysv-maybe"};
	json_t *h = json_object();
	json_object_set_new(h, "scanned", json_boolean(o->scanned));
	json_object_set_new(h, "why", o->why[0] ? hv_json_str(o->why) : json_null());
	if (!o->scanned)
		return h;
	json_object_set_new(h, "sysv_read", json_boolean(o->shm_read));
	json_object_set_new(h, "sysv_rss_unit", unit[o->shm_rss] ? json_string(unit[o->shm_rss]) : json_null());
	json_object_set_new(h, "sysv_rss_unit_basis", o->shm_rss_basis[0] ? hv_json_str(o->shm_rss_basis) : json_null());
	json_object_set_new(h, "mounts_unread", json_integer(o->nmounts_unread));
	json_object_set_new(h, "processes_unreadable", json_integer(o->nprocs_unreadable));
	json_object_set_new(h, "files_truncated", json_boolean(o->files_truncated));
	json_t *a = json_array();
	for (int i = 0; i < o->nsizes; i++) {
		const struct hv_holder_size *z = &o->sizes[i];
		json_t *e = json_object();
		json_object_set_new(e, "size", json_integer((json_int_t)z->size));
		json_object_set_new(e, "in_use", json_integer(z->in_use));
		json_object_set_new(e, "files", json_integer(z->files));
		json_object_set_new(e, "sysv", json_integer(z->sysv));
		json_object_set_new(e, "mapped", json_integer(z->mapped));
		json_object_set_new(e, "unattributed", json_integer(z->unattributed));
		json_object_set_new(e, "orphaned", json_integer(z->orphaned));
		json_object_set_new(e, "unattributed_basis", json_string(z->lower_bound ? "at-most" : "exact"));
		json_array_append_new(a, e);
	}
	json_object_set_new(h, "sizes", a);
	a = json_array();
	for (int i = 0; i < o->norphans; i++) {
		const struct hv_orphan *x = &o->orphans[i];
		json_t *e = json_object();
		json_object_set_new(e, "kind", json_string(kind[x->kind]));
		json_object_set_new(e, "path", x->kind == HV_ORPHAN_FILE ? hv_json_str(x->path) : json_null());
		json_object_set_new(e, "shmid", x->kind == HV_ORPHAN_FILE ? json_null() : json_integer(x->shmid));
		json_object_set_new(e, "key", x->kind == HV_ORPHAN_FILE ? json_null() : json_integer(x->key));
		json_object_set_new(e, "uid", json_integer(x->uid));
		json_object_set_new(e, "page_size", x->page_size ? json_integer((json_int_t)x->page_size) : json_null());
		json_object_set_new(e, "pages", num_or_null(x->pages));
		json_array_append_new(a, e);
	}
	json_object_set_new(h, "orphans", a);
	json_object_set_new(h, "orphans_total", json_integer(o->norphans_total));
	return h;
}

int hv_render_json(FILE *out, const struct hv_report *r)
{
	int lrc = hv_jansson_load();
	if (lrc < 0)
		return lrc;
	const struct hv_report_source *h = &r->src;
	json_t *root = json_object(), *src = json_object(), *hs = json_array(), *tot = json_object();
	json_t *fi = json_array(), *notes = json_array();
	json_object_set_new(root, "schema", json_string("hvoplan.report/1"));
	json_object_set_new(src, "root", hv_json_str(h->root));
	json_object_set_new(src, "live", json_boolean(h->live));
	json_object_set_new(root, "source", src);
	json_object_set_new(root, "kernel", kernel_obj(r));
	json_t *cpu = json_object();
	json_object_set_new(cpu, "model", h->cpu_model[0] ? hv_json_str(h->cpu_model) : json_null());
	json_object_set_new(cpu, "model_source", h->cpu_model_source[0] ? hv_json_str(h->cpu_model_source) : json_null());
	json_object_set_new(cpu, "gigantic_pages", tri(h->cpu_gbpages));
	json_object_set_new(cpu, "gigantic_pages_source",
			    h->cpu_gbpages_source[0] ? hv_json_str(h->cpu_gbpages_source) : json_null());
	json_object_set_new(root, "cpu", cpu);
	json_object_set_new(root, "hvo", hvo_obj(r));
	json_object_set_new(root, "memmap", memmap_obj(r));
	for (int i = 0; i < r->nhstates; i++)
		json_array_append_new(hs, hstate_obj(&r->hstates[i]));
	json_object_set_new(root, "hstates", hs);
	json_object_set_new(tot, "hugetlb_bytes", num_or_null(r->totals.hugetlb_bytes));
	json_object_set_new(tot, "vmemmap_bytes", num_or_null(r->totals.vmemmap_bytes));
	json_object_set_new(tot, "savings_current_bytes", num_or_null(r->total_savings_current));
	json_object_set_new(tot, "savings_current_basis", json_string(hv_basis_name(r->total_savings_basis)));
	json_object_set_new(tot, "savings_current_note", r->savings_note[0] ? hv_json_str(r->savings_note) : json_null());
	json_object_set_new(tot, "savings_possible_bytes", num_or_null(r->totals.savings_possible_bytes));
	json_object_set_new(tot, "unoptimized_bytes", num_or_null(r->unoptimized_bytes));
	json_object_set_new(tot, "thp_bytes", num_or_null(r->totals.thp_bytes));
	json_object_set_new(root, "totals", tot);
	json_object_set_new(root, "hugetlbfs_mounts", mounts_arr(r));
	json_object_set_new(root, "holders", holders_obj(r));
	json_object_set_new(root, "processes", processes_obj(r));
	json_object_set_new(root, "reserve", reserve_obj(r));
	json_object_set_new(root, "hugetlb_shm_group", shm_group_obj(r));
	for (int i = 0; i < r->nfindings; i++) {
		const struct hv_finding *f = &r->findings[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(f->id));
		json_object_set_new(o, "severity", json_string(hv_severity_name(f->severity)));
		json_object_set_new(o, "message", hv_json_str(f->message));
		json_object_set_new(o, "fix", hv_json_str(f->fix));
		json_array_append_new(fi, o);
	}
	json_object_set_new(root, "findings", fi);
	for (int i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, hv_json_str(r->notes[i]));
	json_object_set_new(root, "notes", notes);
	return hv_json_dump(out, root);
}
