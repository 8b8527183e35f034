/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan verify: probe (host, then what is persisted) -> report model ->
 * the checks -> text or JSON. Like `tuned-adm verify`, for hugepages. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hv_error.h"
#include "model.h"
#include "observe.h"
#include "probe.h"
#include "verify.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage:\n hvoplan verify [options]\n\n"
		"Check that the next boot gives back the running HVO setting, pools and\n"
		"overcommit limits (sysctl.d, tmpfiles.d and every boot entry, as the tools\n"
		"that read them at boot do), and that the kernel did what this boot asked.\n\n"
		"Options:\n"
		"     --format FORMAT      text (default) or json (hvoplan.verify/1)\n"
		" -J, --json               same as --format json\n"
		"     --root DIR           check a snapshot (directory or FILE.tar) or an\n"
		"                          extracted sosreport instead of /\n"
		"     --color[=WHEN]       accepted for symmetry; verify prints no color\n"
		" -h, --help               display this help\n"
		" -V, --version            display version\n\n"
		"Exit status: 0 everything holds, 1 drift (the next boot gives something else)\n"
		"or a boot-time failure, 2 usage error, 3 a required file is missing,\n"
		"unreadable or malformed. See hvoplan-verify(8).\n");
}

struct verify_opts {
	bool json;
};

static int verify_option(int c, char *arg, void *ctx)
{
	struct verify_opts *o = ctx;
	switch (c) {
	case OPT_FORMAT:
		if (!strcmp(arg, "text"))
			o->json = false;
		else if (!strcmp(arg, "json"))
			o->json = true;
		else
			return hv_usage_error("verify", "unknown format '%s' (text or json)", arg);
		break;
	case 'J': o->json = true; break;
	default: return HV_OPT_UNKNOWN;
	}
	return 0;
}

int cmd_verify(int argc, char **argv, struct hv_global *g)
{
	static const struct option longopts[] = {
		HV_GLOBAL_LONGOPTS,
		{"format", required_argument, NULL, OPT_FORMAT},
		{"json", no_argument, NULL, 'J'},
		{NULL, 0, NULL, 0},
	};
	struct verify_opts vo = {0};
	static const struct hv_cmd_spec spec = {"verify", "JhV", longopts, usage};
	int parsed = hv_parse_options(argc, argv, g, &spec, verify_option, &vo);
	if (parsed != HV_OPTS_RUN)
		return parsed;

	const struct hv_root *root;
	struct hv_host *h = calloc(1, sizeof(*h));
	struct hv_report *r = calloc(1, sizeof(*r));
	struct hv_persisted *p = calloc(1, sizeof(*p));
	struct hv_verify *v = calloc(1, sizeof(*v));
	struct hv_model_opts mo = {0};
	int rc, code = HV_EXIT_OK;
	if (!h || !r || !p || !v) {
		code = hv_report_error(hv_fail(ENOMEM, "out of memory"), HV_EXIT_ENV);
		goto out;
	}
	if ((rc = hv_global_root(g, &root)) < 0) {
		code = rc; /* main reports it */
		goto out;
	}
	if ((rc = hv_observe(root, h, &mo, r)) < 0 || (rc = hv_probe_persisted(root, p)) < 0) {
		code = hv_report_error(rc, HV_EXIT_ENV);
		goto out;
	}
	hv_model_verify(h, r, p, v);
	rc = vo.json ? hv_render_verify_json(stdout, v, r) : hv_render_verify_text(stdout, v);
	if (rc < 0 && !hv_stdout_failed(rc)) {
		code = hv_report_error(rc, HV_EXIT_ENV);
		goto out;
	}
	if (v->ndrift + v->nfailed > 0)
		code = HV_EXIT_FINDINGS;
out:
	if (p)
		hv_persisted_free(p);
	free(h);
	free(r);
	free(p);
	free(v);
	return code;
}
