/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet's figures: one row per host from its report, the totals over
 * the rows, and the sort. Pure: no I/O. */
#include <stdlib.h>
#include <string.h>

#include "fleet.h"
#include "strutil.h"

const char *hv_fleet_kind_name(enum hv_fleet_kind k)
{
	switch (k) {
	case HV_FLEET_SNAPSHOT: return "snapshot";
	case HV_FLEET_ARCHIVE: return "archive";
	case HV_FLEET_SOSREPORT: return "sosreport";
	case HV_FLEET_TREE: return "tree";
	}
	return "?";
}

static void row_findings(const struct hv_report *r, struct hv_fleet_row *row)
{
	row->nfindings = r->nfindings;
	row->worst = -1;
	for (int i = 0; i < r->nfindings; i++) {
		const struct hv_finding *f = &r->findings[i];
		if (f->severity >= HV_SEV_INFO && f->severity <= HV_SEV_ERROR)
			row->by_severity[f->severity]++;
		/* the first of the most severe: the report lists them by importance */
		if (row->worst < 0 || f->severity > row->worst_severity) {
			row->worst = i;
			row->worst_severity = f->severity;
			hv_copy(row->worst_id, sizeof(row->worst_id), f->id);
		}
	}
}

void hv_fleet_row_from_report(const struct hv_report *r, struct hv_fleet_row *row)
{
	char hostname[sizeof(row->hostname)];
	hv_copy(hostname, sizeof(hostname), row->hostname); /* the probe's, kept */
	memset(row, 0, sizeof(*row));
	hv_copy(row->hostname, sizeof(row->hostname), hostname);
	hv_copy(row->release, sizeof(row->release), r->src.release);
	hv_copy(row->arch, sizeof(row->arch), r->src.arch);
	hv_copy(row->generation, sizeof(row->generation), hv_gen_name(r->gen));
	row->hvo_active = r->hvo_active;
	row->hvo_at_boot = r->hvo_at_boot;
	row->npools = r->nhstates < HV_MAX_HSTATES ? r->nhstates : HV_MAX_HSTATES;
	row->stale_pages = 0;
	for (int i = 0; i < row->npools; i++) {
		const struct hv_hstate_result *s = &r->hstates[i];
		row->pools[i].size = s->size;
		hv_copy(row->pools[i].name, sizeof(row->pools[i].name), s->name);
		row->pools[i].nr = s->nr;
		if (s->unoptimized_pages == HV_UNKNOWN || row->stale_pages == HV_UNKNOWN ||
		    __builtin_add_overflow(row->stale_pages, s->unoptimized_pages, &row->stale_pages))
			row->stale_pages = HV_UNKNOWN;
	}
	row->hugetlb_bytes = r->totals.hugetlb_bytes;
	row->vmemmap_bytes = r->totals.vmemmap_bytes;
	row->saved_bytes = r->total_savings_current;
	row->saved_basis = r->total_savings_basis;
	row->possible_bytes = r->totals.savings_possible_bytes;
	row->stale_bytes = r->unoptimized_bytes;
	row->freeable_bytes = HV_UNKNOWN;
	if (row->saved_bytes != HV_UNKNOWN && row->possible_bytes != HV_UNKNOWN &&
	    row->possible_bytes >= row->saved_bytes)
		row->freeable_bytes = row->possible_bytes - row->saved_bytes;
	row_findings(r, row);
}

/* a += v over known figures; a becomes unknown past INT64_MAX */
static void add(int64_t *a, int64_t v, int *unknown)
{
	if (v == HV_UNKNOWN) {
		if (unknown)
			(*unknown)++;
		return;
	}
	if (*a != HV_UNKNOWN && __builtin_add_overflow(*a, v, a))
		*a = HV_UNKNOWN;
}

void hv_fleet_totals(const struct hv_fleet_host *h, size_t n, struct hv_fleet_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		if (!h[i].ok) {
			t->unreadable++;
			continue;
		}
		const struct hv_fleet_row *r = &h[i].row;
		t->hosts++;
		add(&t->hugetlb_bytes, r->hugetlb_bytes, NULL);
		add(&t->vmemmap_bytes, r->vmemmap_bytes, NULL);
		add(&t->possible_bytes, r->possible_bytes, NULL);
		add(&t->saved_bytes, r->saved_bytes, &t->saved_unknown);
		add(&t->freeable_bytes, r->freeable_bytes, NULL);
		add(&t->stale_bytes, r->stale_bytes, &t->stale_unknown);
		if (!r->hvo_active)
			t->hvo_off++;
		if (r->worst >= 0 && r->worst_severity >= HV_SEV_INFO && r->worst_severity <= HV_SEV_ERROR)
			t->with_severity[r->worst_severity]++;
	}
}

/* qsort has no context argument; the sort runs once, in one thread */
static enum hv_fleet_col sort_key;
static bool sort_reverse;

static int cmp_num(int64_t a, int64_t b, bool larger_first)
{
	/* unknown last in either direction */
	if (a == HV_UNKNOWN || b == HV_UNKNOWN)
		return (a == HV_UNKNOWN) - (b == HV_UNKNOWN);
	int c = (a > b) - (a < b);
	if (larger_first)
		c = -c;
	return sort_reverse ? -c : c;
}

static int cmp_str(const char *a, const char *b)
{
	if (!*a || !*b)
		return (!*a) - (!*b);
	int c = strcmp(a, b);
	return sort_reverse ? -c : c;
}

static int64_t pools_key(const struct hv_fleet_row *r)
{
	return r->hugetlb_bytes;
}

/* -2 for none: below info (0), and apart from HV_UNKNOWN (-1) */
static int64_t worst_rank(const struct hv_fleet_row *r)
{
	return r->worst < 0 ? -2 : (int64_t)r->worst_severity;
}

static int cmp_rows(const struct hv_fleet_host *x, const struct hv_fleet_host *y)
{
	const struct hv_fleet_row *a = &x->row, *b = &y->row;
	switch (sort_key) {
	case HV_FCOL_HOST: return cmp_str(a->hostname, b->hostname);
	case HV_FCOL_PATH: return cmp_str(x->path, y->path);
	case HV_FCOL_KIND: return cmp_str(hv_fleet_kind_name(x->kind), hv_fleet_kind_name(y->kind));
	case HV_FCOL_KERNEL: return cmp_str(a->release, b->release);
	case HV_FCOL_ARCH: return cmp_str(a->arch, b->arch);
	case HV_FCOL_HVO: return cmp_num(a->hvo_active, b->hvo_active, false); /* off first */
	case HV_FCOL_POOLS: return cmp_num(pools_key(a), pools_key(b), true);
	case HV_FCOL_HUGETLB: return cmp_num(a->hugetlb_bytes, b->hugetlb_bytes, true);
	case HV_FCOL_VMEMMAP: return cmp_num(a->vmemmap_bytes, b->vmemmap_bytes, true);
	case HV_FCOL_SAVED: return cmp_num(a->saved_bytes, b->saved_bytes, true);
	case HV_FCOL_BASIS: return cmp_str(hv_basis_name(a->saved_basis), hv_basis_name(b->saved_basis));
	case HV_FCOL_POSSIBLE: return cmp_num(a->possible_bytes, b->possible_bytes, true);
	case HV_FCOL_FREEABLE: return cmp_num(a->freeable_bytes, b->freeable_bytes, true);
	case HV_FCOL_STALE: return cmp_num(a->stale_pages, b->stale_pages, true);
	case HV_FCOL_STALEMEM: return cmp_num(a->stale_bytes, b->stale_bytes, true);
	case HV_FCOL_FINDINGS: return cmp_num(a->nfindings, b->nfindings, true);
	case HV_FCOL_WORST: {
		/* most severe first; no finding sorts as the least severe */
		int c = cmp_num(worst_rank(a), worst_rank(b), true);
		return c ? c : cmp_str(a->worst_id, b->worst_id);
	}
	case HV_FCOL_N: break;
	}
	return 0;
}

static int cmp_hosts(const void *pa, const void *pb)
{
	const struct hv_fleet_host *x = pa, *y = pb;
	int c = (!x->ok) - (!y->ok); /* unreadable after the rows, in input order */
	if (!c && x->ok)
		c = cmp_rows(x, y);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

void hv_fleet_sort(struct hv_fleet_host *h, size_t n, enum hv_fleet_col key, bool reverse)
{
	sort_key = key;
	sort_reverse = reverse;
	if (n > 1)
		qsort(h, n, sizeof(*h), cmp_hosts);
}
