/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan apply: settings (config < environment < command line) -> desired
 * state -> action list -> dry run, or with --yes the executor. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "config.h"
#include "hv_error.h"
#include "model.h"
#include "observe.h"
#include "parse.h"
#include "probe.h"
#include "verify.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage:\n hvoplan apply [options]\n hvoplan apply --revert [--yes]\n\n"
		"Bring HVO and the hugepage pools to a desired state, now and (with --persist)\n"
		"across reboots. Without --yes only the action list and file diffs are shown.\n\n"
		"Options:\n"
		"     --hvo on|off         set vm.hugetlb_optimize_vmemmap (and hugetlb_free_vmemmap=)\n"
		"     --pages LIST         pool sizes: SIZE:AMOUNT or SIZE:AMOUNT@NODE, AMOUNT a count,\n"
		"                          a size or a change, e.g. 1G:64,2M:1024@1  1G:64G  2M:+512\n"
		"     --overcommit LIST    overcommit limits (nr_overcommit_hugepages): SIZE:AMOUNT,\n"
		"                          e.g. 2M:512  1G:4G  2M:+256; persisted via tmpfiles.d\n"
		"     --reoptimize         release and re-allocate free pages allocated while HVO was off\n"
		"     --batch N            pages per pool write during --reoptimize (default: 1 GiB worth)\n"
		"     --persist            also write sysctl.d and the boot parameters\n"
		"     --bootloader NAME    auto (default), grubby, grub, kernel-install or manual\n"
		"     --revert             restore the state saved by the last --persist run\n"
		" -y, --yes                carry the actions out (default: dry run)\n"
		"     --format FORMAT      text (default) or json (hvoplan.apply/1: each action\n"
		"                          with its state, \"changed\" and the exit code)\n"
		" -J, --json               same as --format json\n"
		"     --config FILE        settings file (default: ROOT/etc/hvoplan.conf, if present)\n"
		"     --root DIR           read and write under DIR instead of /; a snapshot\n"
		"                          FILE.tar is read (dry run only, --yes is refused)\n"
		"     --color[=WHEN]       accepted for symmetry; apply prints no color\n"
		" -h, --help               display this help\n"
		" -V, --version            display version\n\n"
		"Environment: HVOPLAN_CONFIG, HVOPLAN_HVO, HVOPLAN_PAGES, HVOPLAN_OVERCOMMIT,\n"
		"HVOPLAN_PERSIST, HVOPLAN_REOPTIMIZE, HVOPLAN_BOOTLOADER, HVOPLAN_BATCH,\n"
		"HVOPLAN_TOOL_DIR.\n\n"
		"Exit status: 0 ok (or nothing to do), 2 invalid value or usage, 3 environment\n"
		"(not root, HVO not available, symlink at a target, locked, no backup, the\n"
		"backup cannot be made), 4 apply failed and was rolled back, 5 apply failed and\n"
		"rolling back failed too (backup kept). Whether anything changed is the JSON's\n"
		"\"changed\", not the exit status. See hvoplan-apply(8) and hvoplan.conf(5).\n");
}

enum {
	OPT_HVO = 0x200,
	OPT_PAGES,
	OPT_OVERCOMMIT,
	OPT_REOPT,
	OPT_BATCH,
	OPT_PERSIST,
	OPT_BOOTLOADER,
	OPT_REVERT,
	OPT_CONFIG,
};

#define MAX_ERRORS 4

struct run {
	bool json; /* --format json: one hvoplan.apply/1 document on stdout, nothing else */
	int nerrors;
	char errors[MAX_ERRORS][1024]; /* what hv_report_error printed, for the JSON */
	char revert_of[256];
	const struct hv_root *root; /* main's; messages name root->path: for an archive, the archive */
	int lockfd;
	bool live;
	struct hv_host *h;
	bool pools_after; /* h->hstates read again after the run */
	struct hv_report *r;
	struct hv_actions *p;
	struct hv_apply_inputs in;
	struct hv_persisted *persisted; /* the other boot-time writers, with --persist */
	const char *tool_dir; /* HVOPLAN_TOOL_DIR, under --root only */
};

static void record_error(struct run *x, const char *msg)
{
	if (x->nerrors < MAX_ERRORS)
		snprintf(x->errors[x->nerrors++], sizeof(x->errors[0]), "%s", msg);
}

/* hv_report_error(), and the same text kept for the JSON form */
static int fail(struct run *x, int rc, int code)
{
	const char *msg = hv_last_error();
	record_error(x, msg ? msg : strerror(rc < 0 ? -rc : rc));
	return hv_report_error(rc, code);
}

/* For what the user asked for (options, environment, config file, checked
 * against the host): an invalid value is a usage error, anything else
 * (unreadable file, HVO missing) the environment's. What is read from the
 * host itself (boot files, a backup) is never the user's usage error. */
static int settings_error(struct run *x, int rc)
{
	switch (-rc) {
	case EINVAL:
	case E2BIG:
	case ERANGE:
		return fail(x, rc, HV_EXIT_USAGE);
	default:
		return fail(x, rc, HV_EXIT_ENV);
	}
}

static int check_privilege(const struct run *x)
{
	if (x->root->archive)
		return hv_fail(EROFS, "%s: a snapshot archive cannot be changed in place: extract it "
				      "(tar -xf) and give the directory to --root, or drop --yes for a dry run",
			       x->root->given);
	if (x->live && geteuid() != 0)
		return hv_fail(EACCES, "changing the live host needs root: run 'sudo hvoplan apply ... --yes' "
				       "(or drop --yes for a dry run)");
	return 0;
}

static int execute(struct run *x, bool revert)
{
	const char *tool_dir = x->tool_dir;
	struct hv_exec_opts o = {
		.root = x->root,
		.tool_dir = tool_dir,
		.progress = isatty(2),
		.no_backup = revert,
		.out = x->json ? NULL : stdout,
	};
	bool shortfall;
	enum hv_exec_result res;
	int rc = hv_apply_execute(x->p, &o, &shortfall, &res);
	if (rc < 0)
		return fail(x, rc, res == HV_EXEC_REFUSED	? HV_EXIT_ENV
				   : res == HV_EXEC_ROLLED_BACK ? HV_EXIT_APPLY
								: HV_EXIT_APPLY_PARTIAL);
	/* what the kernel made of each pool set, per node: a pool asked for
	 * as a whole is spread over the nodes as the kernel chooses */
	bool pools = false;
	for (int i = 0; i < x->p->n; i++)
		pools |= x->p->a[i].kind == HV_ACT_POOL && x->p->a[i].state == HV_ST_DONE;
	if (pools && hv_probe_pools(x->root, x->h) == 0) {
		x->pools_after = true;
		if (!x->json)
			hv_actions_print_pools_after(stdout, x->p, x->h);
	}
	hv_clear_error();
	if (!x->json)
		printf("%s%s\n", revert ? "reverted" : "applied",
		       shortfall ? " (some pools are smaller than asked: see the warnings)" : "");
	return HV_EXIT_OK;
}

static int do_revert(struct run *x, bool yes)
{
	char backup[256];
	int rc = hv_revert_actions(x->root, x->p, backup, sizeof(backup));
	if (rc < 0)
		return fail(x, rc, HV_EXIT_ENV);
	snprintf(x->revert_of, sizeof(x->revert_of), "%s", backup);
	hv_actions_mark(x->p, x->root, x->tool_dir);
	if (!x->json) {
		printf("reverting to the state before /%s\n", backup);
		hv_actions_print(stdout, x->p, x->root, x->tool_dir, !yes);
	}
	if (!yes)
		return HV_EXIT_OK;
	int code = execute(x, true);
	if (code == HV_EXIT_OK && (rc = hv_revert_finish(x->root, backup)) < 0)
		hv_warn("reverted, but the backup could not be removed: %s", hv_last_error());
	return code;
}

/* The one document of --format json, whatever the outcome: written after
 * the run, so that it holds every step's state and the exit code. */
static void print_json(struct run *x, bool yes, bool revert, int code)
{
	static struct hv_actions empty; /* out of memory before the list existed */
	const char *errs[MAX_ERRORS];
	for (int i = 0; i < x->nerrors; i++)
		errs[i] = x->errors[i];
	struct hv_apply_summary s = {
		.dry_run = !yes,
		.revert = revert,
		.exit_code = code,
		.revert_of = x->revert_of,
		.nerrors = x->nerrors,
		.errors = errs,
		.after = x->pools_after ? x->h : NULL,
	};
	int rc = hv_actions_json(stdout, x->p ? x->p : &empty, x->root, &s);
	if (rc < 0 && !hv_stdout_failed(rc))
		hv_report_error(rc, HV_EXIT_ENV);
}

struct apply_opts {
	struct hv_apply_settings *cli;
	bool *yes, *revert, *json;
	const char **config;
};

static int apply_option(int c, char *arg, void *ctx)
{
	struct apply_opts *o = ctx;
	char what[64];
	int v;
	hv_clear_error();
	switch (c) {
	case OPT_HVO:
		if (hv_parse_onoff("--hvo", arg, &o->cli->hvo) < 0)
			return hv_usage_error("apply", "%s", hv_last_error());
		break;
	case OPT_PAGES:
		/* repeated --pages add up; a size given twice is an error */
		if (hv_parse_pages("--pages", arg, o->cli, true) < 0)
			return hv_usage_error("apply", "%s", hv_last_error());
		break;
	case OPT_OVERCOMMIT:
		if (hv_parse_overcommit("--overcommit", arg, o->cli, true) < 0)
			return hv_usage_error("apply", "%s", hv_last_error());
		break;
	case OPT_REOPT: o->cli->reoptimize = HV_YES; break;
	case OPT_PERSIST: o->cli->persist = HV_YES; break;
	case OPT_REVERT: *o->revert = true; break;
	case 'y': *o->yes = true; break;
	case OPT_BATCH: {
		uint64_t b;
		if (strspn(arg, "0123456789") != strlen(arg) || hv_parse_u64(arg, &b) < 0 || b < 1 ||
		    b > 1000000)
			return hv_usage_error("apply", "--batch takes a page count from 1 to 1000000, not '%s'", arg);
		o->cli->batch = (int64_t)b;
		break;
	}
	case OPT_BOOTLOADER:
		snprintf(what, sizeof(what), "--bootloader");
		if (hv_parse_bootloader(what, arg, &v) < 0)
			return hv_usage_error("apply", "%s", hv_last_error());
		o->cli->bootloader = v;
		break;
	case OPT_CONFIG: *o->config = arg; break;
	case OPT_FORMAT:
		if (strcmp(arg, "text") && strcmp(arg, "json"))
			return hv_usage_error("apply", "unknown format '%s' (text or json)", arg);
		*o->json = !strcmp(arg, "json");
		break;
	case 'J': *o->json = true; break;
	default: return HV_OPT_UNKNOWN;
	}
	return 0;
}

/* config file < environment < command line; --config (before or after
 * the command name) wins over HVOPLAN_CONFIG, which wins over the root's
 * etc/hvoplan.conf */
static int merge_settings(const struct run *x, const char *config, const struct hv_apply_settings *cli,
			  struct hv_apply_settings *conf)
{
	struct hv_apply_settings env;
	hv_settings_init(&env);
	const char *envconf = hv_tree_env("HVOPLAN_CONFIG", x->live, stderr);
	if (!config && envconf && *envconf)
		config = envconf;
	int rc = config ? hv_config_load(config, true, conf) : hv_config_load_at(x->root, "etc/hvoplan.conf", conf);
	if (rc < 0)
		return rc;
	if ((rc = hv_settings_from_env(&env)) < 0)
		return rc;
	hv_settings_merge(conf, &env);
	hv_settings_merge(conf, cli);
	return 0;
}

/* Probes the host, builds the action list and prints it; with --yes runs
 * it. Returns the exit code. */
static int plan_and_apply(struct run *x, const struct hv_apply_settings *conf, bool yes)
{
	int rc;
	const struct hv_model_opts mo = {0}; /* no overrides: apply acts on the host as it is */
	if ((rc = hv_observe(x->root, x->h, &mo, x->r)) < 0)
		return fail(x, rc, HV_EXIT_ENV);
	struct hv_desired d;
	if ((rc = hv_desired_from_settings(conf, x->h, x->r, &d)) < 0)
		return settings_error(x, rc);
	if (d.hvo < 0 && d.npools == 0 && d.novercommit == 0 && !d.reoptimize) {
		static const char nothing[] = "nothing asked for: give --hvo, --pages, --overcommit or --reoptimize "
					      "(or set them in the [apply] section of hvoplan.conf)";
		record_error(x, nothing);
		return hv_usage_error("apply", "%s", nothing);
	}
	if ((rc = hv_apply_read_inputs(x->root, x->h, &x->in)) < 0)
		return fail(x, rc, HV_EXIT_ENV);
	/* what else sets HVO and the pools at boot, as verify reads it */
	if (d.persist && !(x->persisted = calloc(1, sizeof(*x->persisted))))
		return fail(x, hv_fail(ENOMEM, "out of memory"), HV_EXIT_ENV);
	if (d.persist && (rc = hv_probe_persisted(x->root, x->persisted)) < 0)
		return fail(x, rc, HV_EXIT_ENV);
	x->in.persisted = x->persisted;
	if ((rc = hv_actions_build(&d, x->h, x->r, &x->in, x->p)) < 0) {
		hv_actions_free(x->p); /* half built: nothing of it is reported */
		return fail(x, rc, HV_EXIT_ENV);
	}
	hv_actions_mark(x->p, x->root, x->tool_dir);
	if (!x->json)
		hv_actions_print(stdout, x->p, x->root, x->tool_dir, !yes);
	int real = 0;
	for (int i = 0; i < x->p->n; i++)
		real += x->p->a[i].kind != HV_ACT_MANUAL;
	return yes && real ? execute(x, false) : HV_EXIT_OK;
}

/* From the root to the exit code: the settings, the lock, then the plan
 * (or the revert) and, with --yes, the executor. */
static int run_apply(struct run *x, struct hv_global *g, const char *config, const struct hv_apply_settings *cli,
		     bool yes, bool revert)
{
	struct hv_apply_settings conf;
	hv_settings_init(&conf);
	int rc;
	if ((rc = hv_global_root(g, &x->root)) < 0)
		return x->json ? fail(x, rc, HV_EXIT_ENV) : rc; /* main reports it */
	x->live = x->root->live;
	x->tool_dir = hv_tree_env("HVOPLAN_TOOL_DIR", x->live, stderr);

	if (!revert && (rc = merge_settings(x, config, cli, &conf)) < 0)
		return settings_error(x, rc);
	if (yes && (rc = check_privilege(x)) < 0)
		return fail(x, rc, HV_EXIT_ENV);
	/* the lock is taken before reading anything, so the plan is made from
	 * a state no other run is changing */
	if (yes && (rc = hv_lock(x->root, &x->lockfd)) < 0)
		return fail(x, rc, HV_EXIT_ENV);
	return revert ? do_revert(x, yes) : plan_and_apply(x, &conf, yes);
}

int cmd_apply(int argc, char **argv, struct hv_global *g)
{
	static const struct option longopts[] = {
		HV_GLOBAL_LONGOPTS,
		{"hvo", required_argument, NULL, OPT_HVO},
		{"pages", required_argument, NULL, OPT_PAGES},
		{"overcommit", required_argument, NULL, OPT_OVERCOMMIT},
		{"reoptimize", no_argument, NULL, OPT_REOPT},
		{"batch", required_argument, NULL, OPT_BATCH},
		{"persist", no_argument, NULL, OPT_PERSIST},
		{"bootloader", required_argument, NULL, OPT_BOOTLOADER},
		{"revert", no_argument, NULL, OPT_REVERT},
		{"yes", no_argument, NULL, 'y'},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"json", no_argument, NULL, 'J'},
		{NULL, 0, NULL, 0},
	};
	struct hv_apply_settings cli;
	hv_settings_init(&cli);
	bool yes = false, revert = false, json = false;
	const char *config = g->config; /* given before the command; its own --config wins */

	static const struct hv_cmd_spec spec = {"apply", "yJhV", longopts, usage};
	struct apply_opts opts = {&cli, &yes, &revert, &json, &config};
	int parsed = hv_parse_options(argc, argv, g, &spec, apply_option, &opts);
	if (parsed != HV_OPTS_RUN)
		return parsed;
	/* a list given on the command line has at least one item (parse_list()) */
	if (revert && (cli.hvo >= 0 || cli.npools > 0 || cli.novercommit > 0 || cli.reoptimize > 0 ||
		       cli.persist > 0 || cli.batch || cli.bootloader >= 0))
		return hv_usage_error("apply", "--revert takes no desired state (only --yes, --root, --format)");

	struct run x = {.lockfd = -1, .json = json};
	int code = HV_EXIT_OK;
	x.h = calloc(1, sizeof(*x.h));
	x.r = calloc(1, sizeof(*x.r));
	x.p = calloc(1, sizeof(*x.p));
	if (!x.h || !x.r || !x.p) {
		code = fail(&x, hv_fail(ENOMEM, "out of memory"), HV_EXIT_ENV);
		goto out;
	}
	code = run_apply(&x, g, config, &cli, yes, revert);
out:
	if (json)
		print_json(&x, yes, revert, code);
	if (x.p) {
		hv_actions_free(x.p);
		free(x.p);
	}
	hv_inputs_free(&x.in);
	if (x.persisted)
		hv_persisted_free(x.persisted);
	free(x.persisted);
	free(x.h);
	free(x.r);
	if (x.lockfd >= 0)
		close(x.lockfd);
	return code;
}
