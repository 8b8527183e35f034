/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan report: probe -> model -> one renderer. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hv_error.h"
#include "model.h"
#include "observe.h"
#include "parse.h"
#include "probe.h"
#include "procs.h"
#include "render.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage:\n hvoplan report [options]\n\n"
		"Show the vmemmap (struct page) cost of every hugepage pool, what HVO saves now\n"
		"and could save, per size and NUMA node, and what blocks the savings.\n\n"
		"Options:\n"
		"     --format FORMAT      table (default), json or prometheus\n"
		" -J, --json               same as --format json\n"
		" -o, --output LIST        table columns to print (see below)\n"
		" -r, --raw                raw table output, no tree, no summary\n"
		" -n, --noheadings         don't print table headings\n"
		" -b, --bytes              print sizes in bytes rather than in human-readable form\n"
		"     --summary[=WHEN]     print the summary and findings: always (default), never or only\n"
		"     --fail-on SEVERITY   exit 1 if a finding is at least info, warning or error\n"
		"     --struct-page-size N sizeof(struct page) in bytes, over what the kernel tells\n"
		"     --page-size SIZE     base page size of the target kernel (snapshots without it)\n"
		"     --holders WHEN       count who holds the pages in use (files, SysV segments,\n"
		"                          processes) and find orphans: auto (default: table and\n"
		"                          json), always (prometheus too) or never\n"
		"     --processes          list the processes that map hugepages, per size and NUMA\n"
		"                          node, with private, shared and unfaulted (reserved)\n"
		"                          memory, like numastat -p (table and json)\n"
		"     --root DIR           read a snapshot (directory or FILE.tar) or an extracted\n"
		"                          sosreport instead of /\n"
		"     --color[=WHEN]       colorize findings: auto, always or never\n"
		" -h, --help               display this help\n"
		" -V, --version            display version\n\n"
		"Available output columns:\n");
	hv_table_list_columns(out);
	fprintf(out, "\nExit status: 0 ok, 1 a finding at or above --fail-on, 2 usage error,\n"
		     "3 a required file is missing, unreadable or malformed. See hvoplan(8).\n");
}

enum fmt { FMT_TABLE, FMT_JSON, FMT_PROM };
enum holders_when { HOLDERS_AUTO, HOLDERS_ALWAYS, HOLDERS_NEVER };

struct report_opts {
	struct hv_table_opts *t;
	struct hv_model_opts *mo;
	enum fmt *fmt;
	bool *fail_on_set;
	enum hv_severity *fail_on;
	enum holders_when *holders;
	bool *processes;
};

static int report_option(int c, char *arg, void *ctx)
{
	struct report_opts *o = ctx;
	uint64_t v;
	switch (c) {
	case OPT_FORMAT:
		if (!strcmp(arg, "table"))
			*o->fmt = FMT_TABLE;
		else if (!strcmp(arg, "json"))
			*o->fmt = FMT_JSON;
		else if (!strcmp(arg, "prometheus"))
			*o->fmt = FMT_PROM;
		else
			return hv_usage_error("report", "unknown format '%s' (table, json or prometheus)", arg);
		break;
	case 'J': *o->fmt = FMT_JSON; break;
	case OPT_FAIL_ON:
		if (hv_parse_severity(arg, o->fail_on) < 0)
			return hv_usage_error("report", "unknown severity '%s' (info, warning or error)", arg);
		*o->fail_on_set = true;
		break;
	case OPT_STRUCT_PAGE:
		if (hv_parse_u64(arg, &v) < 0 || v < 16 || v > 1024)
			return hv_usage_error("report", "--struct-page-size takes a byte count from 16 to 1024, not '%s'",
					      arg);
		o->mo->struct_page_size = (long)v;
		break;
	case OPT_PAGE_SIZE:
		if (hv_parse_size(arg, &v) < 0 || v < 4096 || v > (1 << 18) || !hv_is_pow2(v))
			return hv_usage_error("report", "--page-size takes 4K, 16K, 64K or 256K, not '%s'", arg);
		o->mo->page_size = (long)v;
		break;
	case OPT_HOLDERS:
		if (!strcmp(arg, "auto"))
			*o->holders = HOLDERS_AUTO;
		else if (!strcmp(arg, "always"))
			*o->holders = HOLDERS_ALWAYS;
		else if (!strcmp(arg, "never"))
			*o->holders = HOLDERS_NEVER;
		else
			return hv_usage_error("report", "--holders takes auto, always or never, not '%s'", arg);
		break;
	case OPT_PROCESSES: *o->processes = true; break;
	default: return hv_table_option("report", c, arg, o->t);
	}
	return 0;
}

/* report --processes: the processes with hugetlb mappings (smaps: those
 * with pages, and with reservations those with none touched) and each
 * listed one's numa_maps. */
static int read_processes(const struct hv_root *root, struct hv_report *r)
{
	struct hv_procs_ctx *pc = NULL;
	struct hv_procs ps = {0};
	enum { ROWS = sizeof(r->processes.rows) / sizeof(r->processes.rows[0]) };
	static struct hv_numa_use numa[ROWS][32];
	int nnuma[ROWS] = {0}, nrc[ROWS];
	bool tr[ROWS] = {0};
	int rc = hv_procs_open(&pc, root);
	if (rc == 0)
		rc = hv_procs_scan(pc, &ps, true, r->totals.used_pages, r->totals.resv_pages);
	if (rc == 0) {
		hv_procs_sort(&ps, HV_PSORT_HUGETLB);
		for (int i = 0; i < ROWS; i++)
			nrc[i] = -ENOENT;
		for (int i = 0; rc == 0 && i < ps.n && i < ROWS; i++) {
			nrc[i] = hv_procs_numa(pc, ps.v[i].pid, numa[i], 32, &nnuma[i], &tr[i]);
			if (nrc[i] == -ENOMEM || nrc[i] == -EINVAL)
				rc = nrc[i];
		}
	}
	if (rc == 0) {
		hv_report_processes(&ps, (const struct hv_numa_use(*)[32])numa, nnuma, tr, nrc, r);
		if (ps.idle)
			snprintf(r->processes.why, sizeof(r->processes.why), "no hugepage is in use or reserved");
	}
	hv_procs_free(&ps);
	hv_procs_close(&pc);
	return rc;
}

int cmd_report(int argc, char **argv, struct hv_global *g)
{
	static const struct option longopts[] = {
		HV_GLOBAL_LONGOPTS,
		{"format", required_argument, NULL, OPT_FORMAT},
		{"json", no_argument, NULL, 'J'},
		HV_TABLE_LONGOPTS,
		{"fail-on", required_argument, NULL, OPT_FAIL_ON},
		{"struct-page-size", required_argument, NULL, OPT_STRUCT_PAGE},
		{"page-size", required_argument, NULL, OPT_PAGE_SIZE},
		{"holders", required_argument, NULL, OPT_HOLDERS},
		{"processes", no_argument, NULL, OPT_PROCESSES},
		{NULL, 0, NULL, 0},
	};
	struct hv_table_opts t = {.summary = HV_SUMMARY_ALWAYS};
	struct hv_model_opts mo = {0};
	enum fmt fmt = FMT_TABLE;
	bool fail_on_set = false;
	enum hv_severity fail_on = HV_SEV_ERROR;
	enum holders_when holders = HOLDERS_AUTO;
	bool processes = false;

	static const struct hv_cmd_spec spec = {"report", "Jo:rnbhV", longopts, usage};
	struct report_opts ro = {&t, &mo, &fmt, &fail_on_set, &fail_on, &holders, &processes};
	int parsed = hv_parse_options(argc, argv, g, &spec, report_option, &ro);
	if (parsed != HV_OPTS_RUN)
		return parsed;

	const struct hv_root *root;
	struct hv_host *h = calloc(1, sizeof(*h));
	struct hv_report *r = calloc(1, sizeof(*r));
	int rc, code = HV_EXIT_OK;
	if (!h || !r) {
		rc = hv_fail(ENOMEM, "out of memory");
		code = hv_report_error(rc, HV_EXIT_ENV);
		goto out;
	}
	if ((rc = hv_global_root(g, &root)) < 0) {
		code = rc; /* main reports it */
		goto out;
	}
	if ((rc = hv_observe(root, h, &mo, r)) < 0) {
		code = hv_report_error(rc, HV_EXIT_ENV);
		goto out;
	}
	/* Prometheus is scraped every few seconds: the walk of every
	 * process is left to those who ask for it there */
	if (holders == HOLDERS_ALWAYS || (holders == HOLDERS_AUTO && fmt != FMT_PROM)) {
		struct hv_holders_input in;
		rc = hv_probe_holders(root, h, &in);
		if (rc == 0)
			hv_report_holders(h, &in, r);
		hv_holders_input_free(&in);
		if (rc < 0) {
			code = hv_report_error(rc, HV_EXIT_ENV);
			goto out;
		}
	} else {
		snprintf(r->holders.why, sizeof(r->holders.why), "--holders %s",
			 holders == HOLDERS_NEVER ? "never" : "auto with --format prometheus");
	}
	if (processes && (rc = read_processes(root, r)) < 0) {
		code = hv_report_error(rc, HV_EXIT_ENV);
		goto out;
	}
	t.color = hv_use_color(g, stdout);
	if (fmt == FMT_TABLE && hv_render_table_needs_locale(r, &t))
		hv_setup_locale(); /* the tree's line drawing; JSON and Prometheus are ASCII */
	if (fmt == FMT_JSON)
		rc = hv_render_json(stdout, r);
	else if (fmt == FMT_PROM)
		rc = hv_render_prometheus(stdout, r);
	else
		rc = hv_render_table(stdout, r, &t);
	/* a failure to write stdout is main's to report (close_stdout) */
	if (rc < 0 && !hv_stdout_failed(rc)) {
		code = hv_report_error(rc, rc == -EINVAL ? HV_EXIT_USAGE : HV_EXIT_ENV);
		goto out;
	}
	bool any;
	enum hv_severity max = hv_report_max_severity(r, &any);
	if (fail_on_set && any && max >= fail_on)
		code = HV_EXIT_FINDINGS;
out:
	free(h);
	free(r);
	return code;
}
