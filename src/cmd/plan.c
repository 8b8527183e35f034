/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan plan: what-if vmemmap cost and HVO savings. Options -> a plan
 * input (optionally starting from the probed host) -> the pure plan model
 * -> one renderer. Every impossible plan is a usage error (exit 2). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hv_error.h"
#include "parse.h"
#include "plan.h"
#include "probe.h"
#include "render.h"
#include "strutil.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage:\n hvoplan plan --memory SIZE [options]\n hvoplan plan --from-host [options]\n\n"
		"What-if vmemmap (struct page) cost and HVO savings of hugepage pools, for any\n"
		"memory size, NUMA layout, base page, struct page size and kernel generation.\n\n"
		"Options:\n"
		"     --memory SIZE          total memory, e.g. 1T\n"
		"     --nodes N              NUMA nodes; pools are split evenly unless SIZE:AMOUNT@NODE\n"
		"     --pool SIZE:AMOUNT[@NODE]\n"
		"                            a hugepage pool, repeatable; AMOUNT is a page count (1G:900),\n"
		"                            a size (1G:900G) or a percentage of memory (2M:80%%)\n"
		"     --dax SIZE:ALIGN[@NODE]\n"
		"                            a device-dax namespace (vmemmap in RAM), repeatable\n"
		"     --page-size SIZE       base page: 4K (default), 16K or 64K\n"
		"     --arch ARCH            check sizes and HVO against an architecture: x86_64,\n"
		"                            aarch64, riscv64, ppc64le, s390x or loongarch64\n"
		"     --struct-page-size N   sizeof(struct page) in bytes (default 64)\n"
		"     --kernel VERSION       HVO rules of that kernel release, e.g. 5.15, 6.1, 7.1\n"
		"     --generation GEN       HVO rules of a generation: none, 5.14, 5.18, 5.19, 6.0,\n"
		"                            6.11, 6.15 (default) or 7.1\n"
		"     --from-host            start from this host (or --root): memory, nodes, pages,\n"
		"                            struct page, kernel and pools; options change only what they name\n"
		"     --compare LIST         also lay the pools' memory out as each size of LIST, e.g. 2M,1G\n"
		"     --format FORMAT        table (default) or json\n"
		" -J, --json                 same as --format json\n"
		" -o, --output LIST          table columns to print (see below)\n"
		" -r, --raw                  raw table output, no tree, no summary\n"
		" -n, --noheadings           don't print table headings\n"
		" -b, --bytes                print sizes in bytes rather than in human-readable form\n"
		"     --summary[=WHEN]       print the summary: always (default), never or only\n"
		"     --root DIR             plan from a snapshot (directory or FILE.tar) or extracted\n"
		"                            sosreport (implies --from-host)\n"
		"     --color[=WHEN]         colorize output: auto, always or never\n"
		" -h, --help                 display this help\n"
		" -V, --version              display version\n\n"
		"Available output columns:\n");
	hv_plan_list_columns(out);
	fprintf(out, "\nExit status: 0 ok, 2 usage error or impossible plan, 3 the host cannot be read.\n"
		     "See hvoplan-plan(8).\n");
}

enum {
	OPT_MEMORY = 0x200,
	OPT_NODES,
	OPT_POOL,
	OPT_DAX,
	OPT_KERNEL,
	OPT_GENERATION,
	OPT_FROM_HOST,
	OPT_COMPARE,
	OPT_ARCH,
};

struct overrides {
	uint64_t memory;
	struct hv_model_opts model; /* --page-size, --struct-page-size: over the host's, as in report */
	int nodes;
	bool gen_set;
	enum hv_gen gen;
	char release[64];
	const struct hv_arch *arch;
};

static int plan_error(void)
{
	return hv_usage_error("plan", "%s", hv_last_error() ? hv_last_error() : "invalid value");
}

static int apply_overrides(struct hv_plan_input *in, const struct overrides *ov)
{
	if (ov->memory) {
		in->memory = ov->memory;
		in->memory_source = HV_PLAN_MEM_OPTION;
	}
	if (ov->nodes) {
		bool changed = in->from_host && in->nodes != ov->nodes;
		in->nodes = ov->nodes;
		in->nodes_source = HV_PLAN_SRC_OPTION;
		if (changed)
			hv_plan_respread_base(in);
	}
	if (ov->arch) {
		in->arch = ov->arch;
		in->arch_source = HV_PLAN_SRC_OPTION;
		/* the base page the architecture is built with, unless given */
		if (!ov->model.page_size && !in->from_host)
			in->page_size = hv_arch_default_page(ov->arch);
	}
	/* --from-host: hv_plan_from_host() took them, as the report does */
	if (ov->model.page_size && !in->from_host) {
		in->page_size = (uint64_t)ov->model.page_size;
		in->page_size_source = HV_PLAN_SRC_OPTION;
	}
	if (ov->model.struct_page_size && !in->from_host) {
		in->struct_page = (uint64_t)ov->model.struct_page_size;
		in->struct_page_source = HV_PLAN_SRC_OPTION;
	}
	if (ov->gen_set) {
		in->gen = ov->gen;
		in->gen_source = HV_PLAN_SRC_OPTION;
		in->no_hvo[0] = '\0'; /* a what-if kernel, not the host's */
		hv_copy(in->release, sizeof(in->release), ov->release);
	}
	return 0;
}

struct plan_opts {
	struct hv_plan_input *in;
	struct overrides *ov;
	struct hv_table_opts *t;
	bool *json, *from_host, *kernel_opt, *gen_opt;
};

static int plan_option(int c, char *arg, void *ctx)
{
	struct plan_opts *o = ctx;
	uint64_t v;
	int rc;
	switch (c) {
	case OPT_MEMORY:
		rc = hv_parse_size(arg, &v);
		if (rc < 0 || v == 0)
			return hv_usage_error("plan", "--memory %s: %s", arg,
					      rc == -ERANGE ? "overflows 64 bits" : "expected a size such as 1T or 768G");
		o->ov->memory = v;
		break;
	case OPT_NODES:
		if (hv_parse_u64(arg, &v) < 0 || v < 1 || v > HV_MAX_NODES)
			return hv_usage_error("plan", "--nodes takes 1 to %d, not '%s'", HV_MAX_NODES, arg);
		o->ov->nodes = (int)v;
		break;
	case OPT_POOL:
		if (o->in->nspecs >= HV_PLAN_MAX_SPECS)
			return hv_usage_error("plan", "--pool %s: at most %d --pool options", arg, HV_PLAN_MAX_SPECS);
		if (hv_plan_parse_pool(arg, &o->in->specs[o->in->nspecs]) < 0)
			return plan_error();
		o->in->nspecs++;
		break;
	case OPT_DAX:
		if (o->in->ndax >= HV_PLAN_MAX_DAX)
			return hv_usage_error("plan", "--dax %s: at most %d --dax options", arg, HV_PLAN_MAX_DAX);
		if (hv_plan_parse_dax(arg, &o->in->dax[o->in->ndax]) < 0)
			return plan_error();
		o->in->ndax++;
		break;
	case OPT_PAGE_SIZE:
		if (hv_plan_parse_page_size(arg, &v) < 0)
			return plan_error();
		o->ov->model.page_size = (long)v;
		break;
	case OPT_STRUCT_PAGE:
		if (hv_parse_u64(arg, &v) < 0 || v < 16 || v > 1024)
			return hv_usage_error("plan", "--struct-page-size takes a byte count from 16 to 1024, not '%s'",
					      arg);
		o->ov->model.struct_page_size = (long)v;
		break;
	case OPT_KERNEL:
		if (hv_plan_parse_kernel(arg, &o->ov->gen) < 0)
			return plan_error();
		o->ov->gen_set = *o->kernel_opt = true;
		hv_copy(o->ov->release, sizeof(o->ov->release), arg);
		break;
	case OPT_GENERATION:
		if (hv_plan_parse_generation(arg, &o->ov->gen) < 0)
			return plan_error();
		o->ov->gen_set = *o->gen_opt = true;
		o->ov->release[0] = '\0';
		break;
	case OPT_FROM_HOST: *o->from_host = true; break;
	case OPT_ARCH:
		if (!(o->ov->arch = hv_arch_find(arg)))
			return hv_usage_error("plan", "--arch %s: not an architecture with HugeTLB (%s)", arg,
					      hv_arch_names());
		break;
	case OPT_COMPARE:
		if (hv_plan_parse_compare(arg, o->in) < 0)
			return plan_error();
		break;
	case OPT_FORMAT:
		if (!strcmp(arg, "table"))
			*o->json = false;
		else if (!strcmp(arg, "json"))
			*o->json = true;
		else
			return hv_usage_error("plan", "unknown format '%s' (table or json)", arg);
		break;
	case 'J': *o->json = true; break;
	default: return hv_table_option("plan", c, arg, o->t);
	}
	return 0;
}

/* What the probe could not read, said once with the plan. */
static void take_notes(struct hv_plan_result *r)
{
	for (int i = 0; i < hv_note_count() && r->nnotes < (int)(sizeof(r->notes) / sizeof(r->notes[0])); i++)
		hv_copy(r->notes[r->nnotes++], sizeof(r->notes[0]), hv_note_get(i));
}

static const struct option longopts[] = {
	HV_GLOBAL_LONGOPTS,
	{"memory", required_argument, NULL, OPT_MEMORY},
	{"nodes", required_argument, NULL, OPT_NODES},
	{"pool", required_argument, NULL, OPT_POOL},
	{"dax", required_argument, NULL, OPT_DAX},
	{"page-size", required_argument, NULL, OPT_PAGE_SIZE},
	{"struct-page-size", required_argument, NULL, OPT_STRUCT_PAGE},
	{"kernel", required_argument, NULL, OPT_KERNEL},
	{"generation", required_argument, NULL, OPT_GENERATION},
	{"from-host", no_argument, NULL, OPT_FROM_HOST},
	{"compare", required_argument, NULL, OPT_COMPARE},
	{"arch", required_argument, NULL, OPT_ARCH},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"json", no_argument, NULL, 'J'},
	HV_TABLE_LONGOPTS,
	{NULL, 0, NULL, 0},
};

int cmd_plan(int argc, char **argv, struct hv_global *g)
{
	struct hv_table_opts t = {.summary = HV_SUMMARY_ALWAYS};
	struct hv_plan_input *in = calloc(1, sizeof(*in));
	struct hv_plan_result *r = calloc(1, sizeof(*r));
	struct hv_host *h = NULL;
	struct overrides ov = {0};
	bool json = false, from_host = false, kernel_opt = false, gen_opt = false;
	int code = HV_EXIT_OK, rc;

	if (!in || !r) {
		code = hv_report_error(hv_fail(ENOMEM, "out of memory"), HV_EXIT_ENV);
		goto out;
	}
	static const struct hv_cmd_spec spec = {"plan", "Jo:rnbhV", longopts, usage};
	struct plan_opts opts = {in, &ov, &t, &json, &from_host, &kernel_opt, &gen_opt};
	if ((code = hv_parse_options(argc, argv, g, &spec, plan_option, &opts)) != HV_OPTS_RUN)
		goto out;
	code = HV_EXIT_OK;
	if (kernel_opt && gen_opt) {
		code = hv_usage_error("plan", "--kernel and --generation both set the HVO rules: give one");
		goto out;
	}

	/* Defaults of a hypothetical host; --from-host replaces them. */
	in->nodes = 1;
	in->page_size = HV_PAGE_SIZE_DEFAULT;
	in->struct_page = HV_STRUCT_PAGE_DEFAULT;
	in->gen = HV_GEN_6_15; /* the newest rules confirmed from a release */
	if (from_host || g->root_arg) {
		const struct hv_root *root;
		if (!(h = calloc(1, sizeof(*h)))) {
			code = hv_report_error(hv_fail(ENOMEM, "out of memory"), HV_EXIT_ENV);
			goto out;
		}
		if ((rc = hv_global_root(g, &root)) < 0) {
			code = rc; /* main reports it */
			goto out;
		}
		/* the nodes' MemTotal only plans use: not probed for the others */
		if ((rc = hv_probe_host(root, h)) < 0 || (rc = hv_probe_node_mem(root, h)) < 0) {
			code = hv_report_error(rc, HV_EXIT_ENV);
			goto out;
		}
		if (hv_plan_from_host(h, &ov.model, in) < 0) {
			code = hv_report_error(-EINVAL, HV_EXIT_ENV);
			goto out;
		}
		struct hv_free_blocks fb;
		if ((rc = hv_probe_free_blocks(root, &fb)) < 0) {
			code = hv_report_error(rc, HV_EXIT_ENV);
			goto out;
		}
		hv_plan_forecast_host(h, &fb, in);
		hv_free_blocks_release(&fb);
	}
	apply_overrides(in, &ov);
	if (hv_plan_compute(in, r) < 0) {
		code = plan_error();
		goto out;
	}
	take_notes(r);

	t.color = hv_use_color(g, stdout);
	rc = json ? hv_plan_render_json(stdout, r) : hv_plan_render_table(stdout, r, &t);
	/* a failure to write stdout is main's to report (close_stdout) */
	if (rc < 0 && !hv_stdout_failed(rc))
		code = rc == -EINVAL ? plan_error() : hv_report_error(rc, HV_EXIT_ENV);
out:
	free(h);
	free(in);
	free(r);
	return code;
}
