/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fleet model (src/model/fleet.c): a row from a report, the totals
 * (unknown figures counted apart, a sum past INT64_MAX unknown, not wrapped)
 * and the sort (stable, unknown last in both directions, unreadable hosts
 * after the rows). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fleet.h"

static struct hv_report *report(void)
{
	struct hv_report *r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->nhstates = 2;
	r->hstates[0] = (struct hv_hstate_result){.size = 2 << 20, .name = "2M", .nr = 10, .unoptimized_pages = 3};
	r->hstates[1] = (struct hv_hstate_result){.size = 1 << 30, .name = "1G", .nr = 0, .unoptimized_pages = 0};
	r->totals.hugetlb_bytes = 10 << 21;
	r->totals.vmemmap_bytes = 10 * 32768;
	r->totals.savings_possible_bytes = 10 * 28672;
	r->total_savings_current = 7 * 28672;
	r->total_savings_basis = HV_BASIS_MEASURED;
	r->unoptimized_bytes = 3 * 28672;
	r->hvo_active = true;
	r->nfindings = 3;
	r->findings[0] = (struct hv_finding){.id = "a-info", .severity = HV_SEV_INFO};
	r->findings[1] = (struct hv_finding){.id = "first-warning", .severity = HV_SEV_WARNING};
	r->findings[2] = (struct hv_finding){.id = "second-warning", .severity = HV_SEV_WARNING};
	return r;
}

static void test_row(void **state)
{
	(void)state;
	struct hv_report *r = report();
	struct hv_fleet_row row = {.hostname = "db07"};
	hv_fleet_row_from_report(r, &row);
	assert_string_equal(row.hostname, "db07"); /* the probe's, kept */
	assert_int_equal(row.npools, 2);
	assert_int_equal(row.stale_pages, 3);
	assert_int_equal(row.freeable_bytes, 3 * 28672);
	assert_int_equal(row.worst, 1); /* the first of the most severe */
	assert_string_equal(row.worst_id, "first-warning");
	assert_int_equal(row.by_severity[HV_SEV_WARNING], 2);
	assert_int_equal(row.by_severity[HV_SEV_INFO], 1);
	/* a pool whose stale count is unknown makes the host's unknown */
	r->hstates[1].unoptimized_pages = HV_UNKNOWN;
	r->total_savings_current = HV_UNKNOWN;
	r->nfindings = 0;
	hv_fleet_row_from_report(r, &row);
	assert_int_equal(row.stale_pages, HV_UNKNOWN);
	assert_int_equal(row.freeable_bytes, HV_UNKNOWN);
	assert_int_equal(row.worst, -1);
	free(r);
}

static struct hv_fleet_host *hosts(size_t n)
{
	struct hv_fleet_host *h = calloc(n, sizeof(*h));
	assert_non_null(h);
	for (size_t i = 0; i < n; i++) {
		h[i].ok = true;
		h[i].order = i;
		h[i].row.worst = -1;
	}
	return h;
}

static void test_totals(void **state)
{
	(void)state;
	struct hv_fleet_host *h = hosts(4);
	h[0].row.vmemmap_bytes = INT64_MAX - 1;
	h[1].row.vmemmap_bytes = 5; /* past INT64_MAX: unknown, not wrapped */
	h[0].row.saved_bytes = 100;
	h[1].row.saved_bytes = HV_UNKNOWN;
	h[2].row.saved_bytes = 20;
	h[2].row.hvo_active = true;
	h[2].row.worst = 0;
	h[2].row.worst_severity = HV_SEV_ERROR;
	h[3].ok = false; /* not counted anywhere but unreadable */
	h[3].row.saved_bytes = 1000;
	struct hv_fleet_totals t;
	hv_fleet_totals(h, 4, &t);
	assert_int_equal(t.hosts, 3);
	assert_int_equal(t.unreadable, 1);
	assert_int_equal(t.vmemmap_bytes, HV_UNKNOWN);
	assert_int_equal(t.saved_bytes, 120);
	assert_int_equal(t.saved_unknown, 1);
	assert_int_equal(t.hvo_off, 2);
	assert_int_equal(t.with_severity[HV_SEV_ERROR], 1);
	free(h);
}

static void test_sort(void **state)
{
	(void)state;
	struct hv_fleet_host *h = hosts(5);
	int64_t saved[5] = {10, HV_UNKNOWN, 30, 10, 20};
	for (int i = 0; i < 5; i++)
		h[i].row.saved_bytes = saved[i];
	h[4].ok = false;
	hv_fleet_sort(h, 5, HV_FCOL_SAVED, false);
	/* largest first, ties in input order, unknown last, unreadable after */
	size_t want[5] = {2, 0, 3, 1, 4};
	for (int i = 0; i < 5; i++)
		assert_int_equal(h[i].order, want[i]);
	hv_fleet_sort(h, 5, HV_FCOL_SAVED, true);
	size_t rev[5] = {0, 3, 2, 1, 4};
	for (int i = 0; i < 5; i++)
		assert_int_equal(h[i].order, rev[i]);
	/* text: A to Z, empty (unknown) last */
	strcpy(h[0].row.hostname, "b");
	strcpy(h[1].row.hostname, "");
	strcpy(h[2].row.hostname, "a");
	strcpy(h[3].row.hostname, "c");
	hv_fleet_sort(h, 5, HV_FCOL_HOST, false);
	assert_string_equal(h[0].row.hostname, "a");
	assert_string_equal(h[1].row.hostname, "b");
	assert_string_equal(h[2].row.hostname, "c");
	assert_string_equal(h[3].row.hostname, "");
	assert_false(h[4].ok);
	free(h);
}

static void test_columns(void **state)
{
	(void)state;
	assert_int_equal(hv_fleet_column("freeable"), HV_FCOL_FREEABLE);
	assert_int_equal(hv_fleet_column("WORST"), HV_FCOL_WORST);
	assert_int_equal(hv_fleet_column("nosuch"), -1);
	assert_int_equal(hv_fleet_check_columns("HOST,PATH"), 0);
	assert_true(hv_fleet_check_columns("HOST,NOSUCH") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_columns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
