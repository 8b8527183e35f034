/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan: plan and audit hugepage memory and HugeTLB Vmemmap Optimization.
 * Dispatches to one file per command; the one place errors are printed. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hv_error.h"
#include "probe.h"

/* Like git's RUN_SETUP: the command reads (or writes) under --root, which
 * main opens once for it (hv_global_root) and closes when it returns. plan
 * opens it only for --from-host or --root. */
#define HV_RUN_ROOT 1
/* The command formats text by character (libsmartcols' tables and tree,
 * ncurses): main sets LC_CTYPE from the environment before it runs. Only
 * LC_CTYPE: the other categories cost a file each and change nothing hvoplan
 * prints (numbers stay C, as Prometheus and JSON need). report sets it itself,
 * for its table only. */
#define HV_RUN_LOCALE 2

static const struct {
	const char *name;
	int (*fn)(int, char **, struct hv_global *);
	int flags;
	const char *help;
} commands[] = {
	{"report", cmd_report, HV_RUN_ROOT, "vmemmap cost and HVO savings per hugepage size and NUMA node, with findings"},
	{"plan", cmd_plan, HV_RUN_ROOT | HV_RUN_LOCALE, "what-if vmemmap cost and savings for any host, kernel and page-size mix"},
	{"apply", cmd_apply, HV_RUN_ROOT | HV_RUN_LOCALE, "bring HVO and pool sizes to a desired state, now and across reboots"},
	{"top", cmd_top, HV_RUN_ROOT | HV_RUN_LOCALE, "live dashboard of pools, savings and hugetlb processes"},
	{"verify", cmd_verify, HV_RUN_ROOT | HV_RUN_LOCALE, "compare what the next boot sets with the running HVO, pools and boot log"},
	{"boot-entry", cmd_boot_entry, HV_RUN_ROOT, "give boot loader entries the hugepage parameters that apply persisted"},
	{"fleet", cmd_fleet, HV_RUN_LOCALE, "many snapshots and sosreports at once: one row per host, and totals"},
	{"snapshot", cmd_snapshot, HV_RUN_ROOT | HV_RUN_LOCALE, "capture the files hvoplan reads, for offline analysis with --root"},
};

/* The one struct hv_root of a run: a directory as it is, a FILE.tar from
 * one private extraction (removed by hv_root_close). */
static struct hv_root run_root = {.fd = -1};

static int open_root(struct hv_global *g)
{
	int rc = hv_root_open(&run_root, g->root_arg);
	if (rc < 0)
		return rc;
	g->root = &run_root;
	return 0;
}

static int run_command(size_t i, int argc, char **argv, struct hv_global *g)
{
	if (commands[i].flags & HV_RUN_ROOT)
		g->open_root = open_root;
	if (commands[i].flags & HV_RUN_LOCALE)
		hv_setup_locale();
	int code = commands[i].fn(argc, argv, g);
	if (g->root)
		hv_root_close(&run_root);
	g->root = NULL;
	return code < 0 ? hv_report_error(code, HV_EXIT_ENV) : code;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage:\n hvoplan [--root DIR] [--config FILE] [--color[=WHEN]] COMMAND [OPTIONS]\n\n"
		     "Plan and audit hugepage memory and HugeTLB Vmemmap Optimization (HVO).\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, " %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nOptions:\n"
		     "     --root DIR        read (and for apply, write) under DIR instead of /;\n"
		     "                       every command also reads a snapshot FILE.tar\n"
		     "     --config FILE     settings file (default: ROOT/etc/hvoplan.conf; read by apply)\n"
		     "     --color[=WHEN]    colorize output: auto, always or never (NO_COLOR is honoured)\n"
		     " -h, --help            display this help\n"
		     " -V, --version         display version\n\n"
		     "Run 'hvoplan COMMAND --help' for a command's options. See hvoplan(8).\n");
}

/* Like util-linux's close_stdout(): output that did not reach stdout (a full
 * disk, a closed descriptor) fails the run, whatever the command printed,
 * checked once here for every command. fclose() flushes what is pending;
 * glibc keeps the unwritten bytes after a failed write, so its errno is the
 * reason. A reader that went away (EPIPE, seen only when SIGPIPE is ignored)
 * is not an error and leaves the status alone, as in util-linux. apply's 4
 * and 5 say what happened to the host and are kept. */
static int close_stdout(int code)
{
	bool pending = __fpending(stdout) != 0;
	bool prev_fail = ferror(stdout) != 0;
	errno = 0;
	bool close_fail = fclose(stdout) != 0;
	int err = close_fail ? errno : hv_stdout_errno();
	if (!prev_fail && !(close_fail && (pending || err != EBADF)))
		return code;
	if (err == EPIPE)
		return code;
	int rc = err ? hv_fail(err, "write error: %s", strerror(err)) : hv_fail(EIO, "write error");
	hv_report_error(rc, HV_EXIT_ENV);
	return code == HV_EXIT_APPLY || code == HV_EXIT_APPLY_PARTIAL ? code : HV_EXIT_ENV;
}

static int run(int argc, char **argv)
{
	struct hv_global g = {.root_arg = NULL, .color = -1};
	static const struct option longopts[] = {
		HV_GLOBAL_LONGOPTS,
		{"config", required_argument, NULL, OPT_GLOBAL_CONFIG},
		{NULL, 0, NULL, 0},
	};
	int c, err; /* --help and --version print ASCII: no locale, nothing loaded */
	/* '+': stop at the command name; its options belong to the command. */
	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1) {
		if (hv_global_option(c, optarg, &g, &err)) {
			if (err)
				return hv_usage_error(NULL, "invalid value for --%s: '%s'", c == OPT_ROOT ? "root" : "color",
						      optarg ? optarg : "");
			continue;
		}
		switch (c) {
		case OPT_GLOBAL_CONFIG:
			g.config = optarg;
			break;
		case 'h':
			usage(stdout);
			return HV_EXIT_OK;
		case 'V':
			printf("hvoplan %s\n", HV_VERSION);
			return HV_EXIT_OK;
		default:
			fprintf(stderr, "Try 'hvoplan --help' for more information.\n");
			return HV_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return HV_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0) {
			char **sub = argv + optind;
			int subc = argc - optind;
			optind = 0; /* full getopt reset for the command's own parse */
			return run_command(i, subc, sub, &g);
		}
	}
	return hv_usage_error(NULL, "unknown command '%s'", argv[optind]);
}

int main(int argc, char **argv)
{
	return close_stdout(run(argc, argv));
}
