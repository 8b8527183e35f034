/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan snapshot: capture what hvoplan reads, for --root later. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "fsutil.h"
#include "hv_error.h"
#include "probe.h"
#include "snapshot.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage:\n hvoplan snapshot [options]\n\n"
		     "Capture the files hvoplan reads (pools, counters, command line, kernel config,\n"
		     "BTF, kernel log) into a directory or a tar archive, for 'hvoplan report --root'.\n\n"
		     "Options:\n"
		     " -o, --output PATH   directory to create, or FILE.tar (default: hvoplan-snapshot-DATE)\n"
		     "     --force         replace an existing snapshot at PATH\n"
		     "     --root DIR      capture from DIR (a snapshot, an extracted sosreport) or\n"
		     "                     from a snapshot archive FILE.tar, instead of the live system\n"
		     " -h, --help          display this help\n"
		     " -V, --version       display version\n\n"
		     "See hvoplan(8).\n");
}

struct snapshot_opts {
	const char **out;
	int *force;
};

static int snapshot_option(int c, char *arg, void *ctx)
{
	struct snapshot_opts *o = ctx;
	switch (c) {
	case 'o': *o->out = arg; break;
	case OPT_FORCE: *o->force = 1; break;
	default: return HV_OPT_UNKNOWN;
	}
	return 0;
}

int cmd_snapshot(int argc, char **argv, struct hv_global *g)
{
	static const struct option longopts[] = {
		HV_GLOBAL_LONGOPTS,
		{"output", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, OPT_FORCE},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	int force = 0;
	static const struct hv_cmd_spec spec = {"snapshot", "o:hV", longopts, usage};
	int parsed = hv_parse_options(argc, argv, g, &spec, snapshot_option, &(struct snapshot_opts){&out, &force});
	if (parsed != HV_OPTS_RUN)
		return parsed;
	char def[64];
	if (!out || !*out) {
		time_t now = time(NULL);
		struct tm tm;
		strftime(def, sizeof(def), "hvoplan-snapshot-%Y%m%dT%H%M%S", localtime_r(&now, &tm));
		out = def;
	}
	/* --root FILE.tar: an archive written by 'snapshot -o FILE.tar', read
	 * through main's private extracted copy; messages and the metadata
	 * name the archive. */
	const struct hv_root *r;
	int rc = hv_global_root(g, &r);
	if (rc < 0)
		return rc; /* main reports it */
	struct hv_snapshot s;
	rc = hv_snapshot_collect(r, &s);
	if (rc == 0) {
		size_t n = strlen(out);
		rc = n > 4 && !strcmp(out + n - 4, ".tar") ? hv_snapshot_write_tar(&s, out, force)
							   : hv_snapshot_write_dir(&s, out, force);
	}
	size_t files = s.n;
	int skipped = s.skipped;
	hv_snapshot_free(&s);
	if (rc < 0)
		return hv_report_error(rc, HV_EXIT_ENV);
	for (int i = 0; i < hv_note_count(); i++)
		fprintf(stderr, "hvoplan: note: %s\n", hv_note_get(i));
	fprintf(stderr, "hvoplan: wrote %zu files to %s%s\n", files, out,
		skipped ? " (files not readable by this user were left out)" : "");
	return HV_EXIT_OK;
}
