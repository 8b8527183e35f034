/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command-line helpers shared by the commands: global options, color
 * choice, and the one place errors are printed. */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hv_error.h"
#include "render.h"

void hv_setup_locale(void)
{
	setlocale(LC_CTYPE, "");
}

int hv_report_error(int rc, int code)
{
	const char *msg = hv_last_error();
	fprintf(stderr, "hvoplan: %s\n", msg ? msg : strerror(rc < 0 ? -rc : rc));
	return code;
}

static int stdout_errno;

bool hv_stdout_failed(int rc)
{
	if (!ferror(stdout))
		return false;
	if (!stdout_errno && rc < 0 && rc != -EIO)
		stdout_errno = -rc;
	return true;
}

int hv_stdout_errno(void)
{
	return stdout_errno;
}

int hv_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hvoplan%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'hvoplan%s%s --help' for more information.\n", cmd ? " " : "", cmd ? cmd : "");
	return HV_EXIT_USAGE;
}

int hv_global_option(int opt, const char *arg, struct hv_global *g, int *err)
{
	*err = 0;
	switch (opt) {
	case OPT_ROOT:
		if (!arg || !*arg)
			*err = 1;
		g->root_arg = arg;
		return 1;
	case OPT_COLOR:
		if (!arg || !strcmp(arg, "always"))
			g->color = 1;
		else if (!strcmp(arg, "never"))
			g->color = 0;
		else if (!strcmp(arg, "auto"))
			g->color = -1;
		else
			*err = 1;
		return 1;
	}
	return 0;
}

int hv_global_root(struct hv_global *g, const struct hv_root **r)
{
	if (!g->root && !g->open_root)
		return hv_fail(EINVAL, "internal error: this command does not open --root");
	if (!g->root) {
		int rc = g->open_root(g);
		if (rc < 0)
			return rc;
	}
	*r = g->root;
	return 0;
}

static int parse_options(int argc, char **argv, struct hv_global *g, const struct hv_cmd_spec *cmd, hv_option_fn fn,
			 void *ctx, int *first)
{
	int c, err;
	while ((c = getopt_long(argc, argv, cmd->shortopts, cmd->longopts, NULL)) != -1) {
		if (hv_global_option(c, optarg, g, &err)) {
			if (err)
				return hv_usage_error(cmd->name, "invalid value '%s'", optarg ? optarg : "");
			continue;
		}
		int rc;
		switch (c) {
		case 'h': cmd->usage(stdout); return HV_EXIT_OK;
		case 'V': printf("hvoplan %s\n", HV_VERSION); return HV_EXIT_OK;
		case '?': rc = HV_OPT_UNKNOWN; break; /* getopt said what */
		default: rc = fn(c, optarg, ctx); break;
		}
		if (rc == HV_OPT_UNKNOWN)
			return hv_usage_error(cmd->name, "invalid option");
		if (rc != 0)
			return rc;
	}
	if (first)
		*first = optind;
	else if (optind < argc)
		return hv_usage_error(cmd->name, "unexpected argument '%s'", argv[optind]);
	return HV_OPTS_RUN;
}

int hv_parse_options(int argc, char **argv, struct hv_global *g, const struct hv_cmd_spec *cmd, hv_option_fn fn,
		     void *ctx)
{
	return parse_options(argc, argv, g, cmd, fn, ctx, NULL);
}

int hv_parse_options_operands(int argc, char **argv, struct hv_global *g, const struct hv_cmd_spec *cmd,
			      hv_option_fn fn, void *ctx, int *first)
{
	return parse_options(argc, argv, g, cmd, fn, ctx, first);
}

bool hv_use_color(const struct hv_global *g, FILE *out)
{
	if (g->color >= 0)
		return g->color;
	const char *nc = getenv("NO_COLOR");
	if (nc && *nc)
		return false;
	const char *term = getenv("TERM");
	return isatty(fileno(out)) && term && strcmp(term, "dumb") != 0;
}

const char *hv_tree_env(const char *name, bool live, FILE *warn)
{
	const char *v = secure_getenv(name);
	if (!v || !*v)
		return NULL;
	if (live) {
		if (warn)
			fprintf(warn, "hvoplan: note: %s is ignored on the live host (it is for --root trees)\n", name);
		return NULL;
	}
	return v;
}

int hv_table_option(const char *cmd, int opt, const char *arg, struct hv_table_opts *t)
{
	switch (opt) {
	case 'o': t->columns = arg; break;
	case 'r': t->raw = true; break;
	case 'n': t->noheadings = true; break;
	case 'b': t->bytes = true; break;
	case OPT_SUMMARY:
		if (hv_parse_summary(arg, &t->summary) < 0)
			return hv_usage_error(cmd, "unknown --summary value '%s' (always, never or only)", arg);
		break;
	default: return HV_OPT_UNKNOWN;
	}
	return 0;
}
