/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan top: live dashboard of hugepage pools, HVO savings and hugetlb
 * processes; -b prints frames as text. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hv_error.h"
#include "parse.h"
#include "tui.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage:\n hvoplan top [options]\n\n"
		"Live dashboard of hugepage pools per size and NUMA node, vmemmap savings of HVO,\n"
		"memmap counters, findings and the processes using hugetlb pages.\n\n"
		"Options:\n"
		" -d, --delay SECONDS      time between refreshes (default 2, at least 0.1)\n"
		" -n, --iterations N       stop after N frames (default: until q)\n"
		" -b, --batch              print frames as plain text instead of the screen\n"
		"     --nodes              start with the pools expanded per NUMA node\n"
		"     --no-processes       start without the processes panel (no /proc scan)\n"
		"     --rescan N           read every process's status at least every N refreshes\n"
		"                          (default 10; new processes and consumers each refresh)\n"
		"     --smaps              read the private/shared hugetlb split from smaps, count\n"
		"                          shared pages once, list holders of reservations only,\n"
		"                          and count who holds the pages in use (files, segments)\n"
		" -s, --sort KEY           process order: hugetlb (default), private, shared, pid,\n"
		"                          user or command\n"
		" -u, --units UNIT         sizes as human (default), bytes, KiB, MiB or GiB\n"
		"     --root DIR           read a snapshot (directory or FILE.tar) or extracted\n"
		"                          sosreport instead of / (one frame)\n"
		"     --color[=WHEN]       colorize: auto, always or never (NO_COLOR is honoured)\n"
		" -h, --help               display this help\n"
		" -V, --version            display version\n\n"
		"Keys: q quit, h or ? help, space refresh, d delay, n nodes, p processes,\n"
		"s sort, m smaps split, u units.\n"
		"Frames fit the terminal; with -b, COLUMNS when set (into a pipe: no wrapping).\n\n"
		"Exit status: 0 ok, 2 usage error, 3 a required file is missing, unreadable or\n"
		"malformed, or no terminal. See hvoplan-top(8).\n");
}

enum { OPT_NODES = 0x200, OPT_NO_PROCS, OPT_SMAPS, OPT_RESCAN };

struct top_opts {
	struct hv_top *t;
	bool *batch;
};

static int top_option(int c, char *arg, void *ctx)
{
	struct top_opts *o = ctx;
	char *end;
	uint64_t v;
	switch (c) {
	case 'd':
		errno = 0;
		o->t->view.delay = strtod(arg, &end);
		if (errno || end == arg || *end || !(o->t->view.delay >= 0.1 && o->t->view.delay <= 86400))
			return hv_usage_error("top", "--delay takes seconds from 0.1 to 86400, not '%s'", arg);
		break;
	case 'n':
		if (hv_parse_u64(arg, &v) < 0 || v < 1 || v > 1000000000)
			return hv_usage_error("top", "--iterations takes a count from 1, not '%s'", arg);
		o->t->iterations = (long)v;
		break;
	case 'b': *o->batch = true; break;
	case OPT_NODES: o->t->view.nodes = true; break;
	case OPT_NO_PROCS: o->t->view.procs = false; break;
	case OPT_SMAPS: o->t->view.smaps = true; break;
	case OPT_RESCAN:
		if (hv_parse_u64(arg, &v) < 0 || v < 1 || v > HV_PROCS_RESCAN_MAX)
			return hv_usage_error("top", "--rescan takes refreshes from 1 to %d, not '%s'", HV_PROCS_RESCAN_MAX,
					      arg);
		o->t->rescan = (int)v;
		break;
	case 's':
		if (hv_parse_proc_sort(arg, &o->t->view.sort) < 0)
			return hv_usage_error("top", "unknown sort key '%s' (hugetlb, private, shared, pid, user or command)",
					      arg);
		break;
	case 'u':
		if (hv_parse_units(arg, &o->t->view.units) < 0)
			return hv_usage_error("top", "unknown unit '%s' (human, bytes, KiB, MiB or GiB)", arg);
		break;
	default: return HV_OPT_UNKNOWN;
	}
	return 0;
}

int cmd_top(int argc, char **argv, struct hv_global *g)
{
	static const struct option longopts[] = {
		HV_GLOBAL_LONGOPTS,
		{"delay", required_argument, NULL, 'd'},
		{"iterations", required_argument, NULL, 'n'},
		{"batch", no_argument, NULL, 'b'},
		{"nodes", no_argument, NULL, OPT_NODES},
		{"no-processes", no_argument, NULL, OPT_NO_PROCS},
		{"smaps", no_argument, NULL, OPT_SMAPS},
		{"rescan", required_argument, NULL, OPT_RESCAN},
		{"sort", required_argument, NULL, 's'},
		{"units", required_argument, NULL, 'u'},
		{NULL, 0, NULL, 0},
	};
	struct hv_top t;
	memset(&t, 0, sizeof(t));
	t.view = (struct hv_top_view){.procs = true, .delay = 2.0};
	bool batch = false;

	static const struct hv_cmd_spec spec = {"top", "d:n:bs:u:hV", longopts, usage};
	int parsed = hv_parse_options(argc, argv, g, &spec, top_option, &(struct top_opts){&t, &batch});
	if (parsed != HV_OPTS_RUN)
		return parsed;

	const struct hv_root *root;
	int rc = hv_global_root(g, &root);
	if (rc < 0)
		return rc; /* main reports it */
	hv_top_signals();
	t.color = hv_use_color(g, stdout);
	rc = hv_top_init(&t, root);
	if (rc >= 0)
		rc = batch ? hv_top_batch(&t) : hv_top_screen(&t);
	hv_top_close(&t);
	/* a failure to write stdout (-b) is main's to report (close_stdout) */
	if (rc < 0 && !(batch && hv_stdout_failed(rc)))
		return hv_report_error(rc, HV_EXIT_ENV);
	return HV_EXIT_OK;
}
