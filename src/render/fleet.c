/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan fleet's outputs: the table (libsmartcols) with the totals and
 * the unreadable hosts after it, the hvoplan.fleet/1 JSON document
 * (hvoplan-fleet(8)) and CSV (RFC 4180 quoting). They only format: every
 * figure is a field of struct hv_fleet_row or hv_fleet_totals. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "columns.h"
#include "fleet.h"
#include "hv_error.h"
#include "parse.h"
#include "render.h"
#include "render_libs.h"

static const struct hv_column cols[HV_FCOL_N] = {
	[HV_FCOL_HOST] = {"HOST", 8, 0, "host name (proc/sys/kernel/hostname, hostname, uname); ? unknown"},
	[HV_FCOL_PATH] = {"PATH", 20, 0, "the snapshot, archive or sosreport read"},
	[HV_FCOL_KIND] = {"KIND", 8, 0, "snapshot, archive, sosreport or tree"},
	[HV_FCOL_KERNEL] = {"KERNEL", 10, 0, "kernel release"},
	[HV_FCOL_ARCH] = {"ARCH", 6, 0, "machine architecture"},
	[HV_FCOL_HVO] = {"HVO", 3, 0, "on when new hugepages are optimized now, else off"},
	[HV_FCOL_POOLS] = {"POOLS", 10, 0, "non-empty pools, SIZE:PAGES (sorts by HUGETLB)"},
	[HV_FCOL_HUGETLB] = {"HUGETLB", 7, SCOLS_FL_RIGHT, "memory in the pools"},
	[HV_FCOL_VMEMMAP] = {"VMEMMAP", 7, SCOLS_FL_RIGHT, "struct page memory describing the pools, without HVO"},
	[HV_FCOL_SAVED] = {"SAVED", 6, SCOLS_FL_RIGHT, "vmemmap freed now"},
	[HV_FCOL_BASIS] = {"BASIS", 8, 0, "how SAVED is known: measured, assumed or none"},
	[HV_FCOL_POSSIBLE] = {"POSSIBLE", 8, SCOLS_FL_RIGHT, "vmemmap freed with every page optimized"},
	[HV_FCOL_FREEABLE] = {"FREEABLE", 8, SCOLS_FL_RIGHT, "POSSIBLE - SAVED: what more HVO would free"},
	[HV_FCOL_STALE] = {"STALE", 5, SCOLS_FL_RIGHT, "pages allocated while HVO was off, all sizes"},
	[HV_FCOL_STALEMEM] = {"STALEMEM", 8, SCOLS_FL_RIGHT, "vmemmap those stale pages hold"},
	[HV_FCOL_FINDINGS] = {"FINDINGS", 3, SCOLS_FL_RIGHT, "number of findings"},
	[HV_FCOL_WORST] = {"WORST", 12, 0, "the most severe finding, SEVERITY:ID"},
};

static const int default_cols[] = {HV_FCOL_HOST, HV_FCOL_KERNEL, HV_FCOL_HVO, HV_FCOL_POOLS, HV_FCOL_VMEMMAP,
				   HV_FCOL_SAVED, HV_FCOL_POSSIBLE, HV_FCOL_STALE, HV_FCOL_WORST, HV_FCOL_PATH};

int hv_fleet_column(const char *name)
{
	for (int i = 0; i < HV_FCOL_N; i++)
		if (!strcasecmp(name, cols[i].name))
			return i;
	return -1;
}

void hv_fleet_list_columns(FILE *out)
{
	hv_columns_list(out, cols, HV_FCOL_N);
}

/* the columns to print: -o, else the table's default or, for CSV, all */
static int pick(const struct hv_table_opts *o, bool all, int *ids, int *n)
{
	if (o && o->columns)
		return hv_columns_parse(o->columns, cols, HV_FCOL_N, ids, HV_FCOL_N * 2, n, "fleet");
	*n = 0;
	if (all)
		for (int i = 0; i < HV_FCOL_N; i++)
			ids[(*n)++] = i;
	else
		for (size_t i = 0; i < sizeof(default_cols) / sizeof(default_cols[0]); i++)
			ids[(*n)++] = default_cols[i];
	return 0;
}

int hv_fleet_check_columns(const char *list)
{
	int ids[HV_FCOL_N * 2], n;
	return hv_columns_parse(list, cols, HV_FCOL_N, ids, HV_FCOL_N * 2, &n, "fleet");
}

/* bytes: human (util-linux) unless -b; csv: raw, "" unknown */
static void fmt_bytes(char *buf, size_t cap, int64_t v, bool bytes, bool csv)
{
	if (v == HV_UNKNOWN)
		snprintf(buf, cap, "%s", csv ? "" : "?");
	else if (bytes || csv || v < 0)
		snprintf(buf, cap, "%" PRId64, v);
	else
		hv_fmt_size((uint64_t)v, buf, cap);
}

static void fmt_pools(char *buf, size_t cap, const struct hv_fleet_row *r, bool bytes)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < r->npools; i++) {
		if (r->pools[i].nr <= 0)
			continue;
		int l = bytes ? snprintf(buf + len, cap - len, "%s%" PRIu64 ":%" PRId64, len ? "," : "",
					 r->pools[i].size, r->pools[i].nr)
			      : snprintf(buf + len, cap - len, "%s%s:%" PRId64, len ? "," : "", r->pools[i].name,
					 r->pools[i].nr);
		if (l < 0 || (size_t)l >= cap - len)
			break;
		len += (size_t)l;
	}
	if (!len)
		snprintf(buf, cap, "-");
}

static void cell(char *buf, size_t cap, int id, const struct hv_fleet_host *h, bool bytes, bool csv)
{
	const struct hv_fleet_row *r = &h->row;
	const char *unk = csv ? "" : "?";
	switch ((enum hv_fleet_col)id) {
	case HV_FCOL_HOST: snprintf(buf, cap, "%s", r->hostname[0] ? r->hostname : unk); break;
	case HV_FCOL_PATH:
		/* a name from a directory someone sent: not for the terminal as it is */
		snprintf(buf, cap, "%s", h->path);
		if (!csv)
			hv_sanitize(buf);
		break;
	case HV_FCOL_KIND: snprintf(buf, cap, "%s", hv_fleet_kind_name(h->kind)); break;
	case HV_FCOL_KERNEL: snprintf(buf, cap, "%s", r->release[0] ? r->release : unk); break;
	case HV_FCOL_ARCH: snprintf(buf, cap, "%s", r->arch[0] ? r->arch : unk); break;
	case HV_FCOL_HVO: snprintf(buf, cap, "%s", r->hvo_active ? "on" : "off"); break;
	case HV_FCOL_POOLS: fmt_pools(buf, cap, r, bytes || csv); break;
	case HV_FCOL_HUGETLB: fmt_bytes(buf, cap, r->hugetlb_bytes, bytes, csv); break;
	case HV_FCOL_VMEMMAP: fmt_bytes(buf, cap, r->vmemmap_bytes, bytes, csv); break;
	case HV_FCOL_SAVED: fmt_bytes(buf, cap, r->saved_bytes, bytes, csv); break;
	case HV_FCOL_BASIS: snprintf(buf, cap, "%s", hv_basis_name(r->saved_basis)); break;
	case HV_FCOL_POSSIBLE: fmt_bytes(buf, cap, r->possible_bytes, bytes, csv); break;
	case HV_FCOL_FREEABLE: fmt_bytes(buf, cap, r->freeable_bytes, bytes, csv); break;
	case HV_FCOL_STALE:
		if (r->stale_pages == HV_UNKNOWN)
			snprintf(buf, cap, "%s", unk);
		else
			snprintf(buf, cap, "%" PRId64, r->stale_pages);
		break;
	case HV_FCOL_STALEMEM: fmt_bytes(buf, cap, r->stale_bytes, bytes, csv); break;
	case HV_FCOL_FINDINGS: snprintf(buf, cap, "%d", r->nfindings); break;
	case HV_FCOL_WORST:
		if (r->worst < 0)
			snprintf(buf, cap, "%s", csv ? "" : "-");
		else
			snprintf(buf, cap, "%s:%s", hv_severity_name(r->worst_severity), r->worst_id);
		break;
	case HV_FCOL_N: buf[0] = '\0'; break;
	}
}

static int print_rows(FILE *out, const struct hv_fleet_host *h, size_t n, const struct hv_table_opts *o)
{
	int lrc = hv_scols_load();
	if (lrc < 0)
		return lrc;
	int ids[HV_FCOL_N * 2], nc;
	int rc = pick(o, false, ids, &nc);
	if (rc < 0)
		return rc;
	struct libscols_table *tb = hv_columns_table("hosts", cols, ids, nc, o);
	if (!tb)
		return hv_fail(ENOMEM, "out of memory");
	char buf[4200];
	for (size_t i = 0; i < n; i++) {
		if (!h[i].ok)
			continue;
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		for (int c = 0; c < nc && ln; c++) {
			cell(buf, sizeof(buf), ids[c], &h[i], o->bytes, false);
			scols_line_set_data(ln, (size_t)c, buf);
		}
	}
	scols_table_set_stream(tb, out);
	rc = scols_print_table(tb);
	scols_unref_table(tb);
	return rc < 0 ? hv_fail(EIO, "cannot write the table") : 0;
}

static const char *hosts(int n)
{
	return n == 1 ? "host" : "hosts";
}

static void summary(FILE *out, const struct hv_fleet_host *h, size_t n, const struct hv_fleet_totals *t,
		    const struct hv_table_opts *o)
{
	char a[32], b[32], c[32];
	fmt_bytes(a, sizeof(a), t->vmemmap_bytes, o->bytes, false);
	fmt_bytes(b, sizeof(b), t->saved_bytes, o->bytes, false);
	fmt_bytes(c, sizeof(c), t->freeable_bytes, o->bytes, false);
	fprintf(out, "%d %s, %s of vmemmap, %s saved now, %s more freeable, %d %s with HVO off\n", t->hosts,
		hosts(t->hosts), a, b, c, t->hvo_off, hosts(t->hvo_off));
	fmt_bytes(a, sizeof(a), t->hugetlb_bytes, o->bytes, false);
	fmt_bytes(b, sizeof(b), t->possible_bytes, o->bytes, false);
	fmt_bytes(c, sizeof(c), t->stale_bytes, o->bytes, false);
	fprintf(out, "Hugetlb memory %s; possible savings %s; held by stale pages %s", a, b, c);
	if (t->stale_unknown)
		fprintf(out, " (unknown on %d %s)", t->stale_unknown, hosts(t->stale_unknown));
	fputc('\n', out);
	if (t->saved_unknown)
		fprintf(out, "Saved now is unknown on %d %s (not in the sums of saved and freeable)\n", t->saved_unknown,
			hosts(t->saved_unknown));
	fprintf(out, "Worst finding: error on %d, warning on %d, info on %d %s\n", t->with_severity[HV_SEV_ERROR],
		t->with_severity[HV_SEV_WARNING], t->with_severity[HV_SEV_INFO],
		hosts(t->with_severity[HV_SEV_INFO]));
	if (!t->unreadable)
		return;
	fprintf(out, "\n%d %s could not be read:\n", t->unreadable, hosts(t->unreadable));
	char path[4096];
	for (size_t i = 0; i < n; i++) {
		if (h[i].ok)
			continue;
		snprintf(path, sizeof(path), "%s", h[i].path);
		hv_sanitize(path);
		fprintf(out, "  %s: %s\n", path, h[i].reason);
	}
}

int hv_render_fleet_table(FILE *out, const struct hv_fleet_host *h, size_t n, const struct hv_fleet_totals *t,
			  const struct hv_table_opts *o)
{
	if (o->summary != HV_SUMMARY_ONLY) {
		int rc = print_rows(out, h, n, o);
		if (rc < 0)
			return rc;
	}
	if (o->summary == HV_SUMMARY_NEVER || (o->raw && o->summary != HV_SUMMARY_ONLY))
		return 0;
	if (o->summary != HV_SUMMARY_ONLY)
		fputc('\n', out);
	summary(out, h, n, t, o);
	return 0;
}



static json_t *num(int64_t v)
{
	return v == HV_UNKNOWN ? json_null() : json_integer(v);
}

static json_t *host_obj(const struct hv_fleet_host *h)
{
	const struct hv_fleet_row *r = &h->row;
	json_t *o = json_object(), *pools = json_array(), *sev = json_object();
	json_object_set_new(o, "path", hv_json_str(h->path));
	json_object_set_new(o, "kind", json_string(hv_fleet_kind_name(h->kind)));
	json_object_set_new(o, "hostname", hv_json_str_or_null(r->hostname));
	json_object_set_new(o, "release", hv_json_str_or_null(r->release));
	json_object_set_new(o, "arch", hv_json_str_or_null(r->arch));
	json_object_set_new(o, "generation", json_string(r->generation));
	json_object_set_new(o, "hvo_active", json_boolean(r->hvo_active));
	json_object_set_new(o, "hvo_at_boot", json_boolean(r->hvo_at_boot));
	for (int i = 0; i < r->npools; i++) {
		json_t *p = json_object();
		json_object_set_new(p, "size", num(hv_figure(r->pools[i].size)));
		json_object_set_new(p, "name", json_string(r->pools[i].name));
		json_object_set_new(p, "nr", json_integer(r->pools[i].nr));
		json_array_append_new(pools, p);
	}
	json_object_set_new(o, "pools", pools);
	json_object_set_new(o, "hugetlb_bytes", num(r->hugetlb_bytes));
	json_object_set_new(o, "vmemmap_bytes", num(r->vmemmap_bytes));
	json_object_set_new(o, "savings_current_bytes", num(r->saved_bytes));
	json_object_set_new(o, "savings_current_basis", json_string(hv_basis_name(r->saved_basis)));
	json_object_set_new(o, "savings_possible_bytes", num(r->possible_bytes));
	json_object_set_new(o, "freeable_bytes", num(r->freeable_bytes));
	json_object_set_new(o, "stale_bytes", num(r->stale_bytes));
	json_object_set_new(o, "stale_pages", num(r->stale_pages));
	json_object_set_new(sev, "error", json_integer(r->by_severity[HV_SEV_ERROR]));
	json_object_set_new(sev, "warning", json_integer(r->by_severity[HV_SEV_WARNING]));
	json_object_set_new(sev, "info", json_integer(r->by_severity[HV_SEV_INFO]));
	json_object_set_new(o, "findings", sev);
	if (r->worst < 0) {
		json_object_set_new(o, "worst_finding", json_null());
	} else {
		json_t *w = json_object();
		json_object_set_new(w, "id", json_string(r->worst_id));
		json_object_set_new(w, "severity", json_string(hv_severity_name(r->worst_severity)));
		json_object_set_new(o, "worst_finding", w);
	}
	return o;
}

static json_t *totals_obj(const struct hv_fleet_totals *t)
{
	json_t *o = json_object(), *w = json_object();
	json_object_set_new(o, "hosts", json_integer(t->hosts));
	json_object_set_new(o, "unreadable", json_integer(t->unreadable));
	json_object_set_new(o, "hugetlb_bytes", num(t->hugetlb_bytes));
	json_object_set_new(o, "vmemmap_bytes", num(t->vmemmap_bytes));
	json_object_set_new(o, "savings_current_bytes", num(t->saved_bytes));
	json_object_set_new(o, "savings_current_unknown_hosts", json_integer(t->saved_unknown));
	json_object_set_new(o, "savings_possible_bytes", num(t->possible_bytes));
	json_object_set_new(o, "freeable_bytes", num(t->freeable_bytes));
	json_object_set_new(o, "stale_bytes", num(t->stale_bytes));
	json_object_set_new(o, "stale_unknown_hosts", json_integer(t->stale_unknown));
	json_object_set_new(o, "hvo_off_hosts", json_integer(t->hvo_off));
	json_object_set_new(w, "error", json_integer(t->with_severity[HV_SEV_ERROR]));
	json_object_set_new(w, "warning", json_integer(t->with_severity[HV_SEV_WARNING]));
	json_object_set_new(w, "info", json_integer(t->with_severity[HV_SEV_INFO]));
	json_object_set_new(o, "worst_finding_hosts", w);
	return o;
}

int hv_render_fleet_json(FILE *out, const struct hv_fleet_host *h, size_t n, const struct hv_fleet_totals *t)
{
	int lrc = hv_jansson_load();
	if (lrc < 0)
		return lrc;
	json_t *root = json_object(), *hs = json_array(), *errs = json_array();
	json_object_set_new(root, "schema", json_string("hvoplan.fleet/1"));
	for (size_t i = 0; i < n; i++) {
		if (h[i].ok) {
			json_array_append_new(hs, host_obj(&h[i]));
			continue;
		}
		json_t *e = json_object();
		json_object_set_new(e, "path", hv_json_str(h[i].path));
		json_object_set_new(e, "reason", hv_json_str(h[i].reason));
		json_array_append_new(errs, e);
	}
	json_object_set_new(root, "hosts", hs);
	json_object_set_new(root, "totals", totals_obj(t));
	json_object_set_new(root, "errors", errs);
	return hv_json_dump(out, root);
}

/* RFC 4180: a field with a comma, a quote or a line break is quoted, its
 * quotes doubled. */
static void csv_field(FILE *out, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

int hv_render_fleet_csv(FILE *out, const struct hv_fleet_host *h, size_t n, const struct hv_table_opts *o)
{
	int ids[HV_FCOL_N * 2], nc;
	int rc = pick(o, true, ids, &nc);
	if (rc < 0)
		return rc;
	if (!o->noheadings) {
		for (int c = 0; c < nc; c++) {
			if (c)
				fputc(',', out);
			csv_field(out, cols[ids[c]].name);
		}
		fputs("\r\n", out);
	}
	char buf[4200];
	for (size_t i = 0; i < n; i++) {
		if (!h[i].ok)
			continue;
		for (int c = 0; c < nc; c++) {
			if (c)
				fputc(',', out);
			cell(buf, sizeof(buf), ids[c], &h[i], true, true);
			csv_field(out, buf);
		}
		fputs("\r\n", out);
	}
	return 0;
}
