/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command-line plumbing shared by the commands. */
#ifndef HV_CLI_H
#define HV_CLI_H

#include <stdbool.h>
#include <stdio.h>

#define HV_VERSION "0.1.0"

struct hv_root;

struct hv_global {
	const char *root_arg; /* --root as given; NULL: live "/" */
	const char *config;   /* --config before the command (apply reads it) */
	int color;	      /* -1 auto, 0 never, 1 always */
	/* Set by main.c for the commands its table marks HV_RUN_ROOT: opens
	 * root_arg once, into root, which main closes after the command. */
	int (*open_root)(struct hv_global *g);
	const struct hv_root *root; /* NULL until opened */
};

/* Each command: parses its own argv (argv[0] is the command name) and
 * returns an exit code (enum hv_exit), or a negative errno (with hv_fail()
 * text) that main reports as an environment error (exit 3). */
int cmd_report(int argc, char **argv, struct hv_global *g);
int cmd_snapshot(int argc, char **argv, struct hv_global *g);
int cmd_verify(int argc, char **argv, struct hv_global *g);
int cmd_plan(int argc, char **argv, struct hv_global *g);
int cmd_apply(int argc, char **argv, struct hv_global *g);
int cmd_top(int argc, char **argv, struct hv_global *g);
int cmd_fleet(int argc, char **argv, struct hv_global *g);
int cmd_boot_entry(int argc, char **argv, struct hv_global *g);

/* The run's root (--root, or "/"), opened on the first call, after the
 * command has parsed its options (--root may follow the command name).
 * Returns -errno with hv_fail() text; the command returns it to main. */
int hv_global_root(struct hv_global *g, const struct hv_root **r);

/* The option prologue every command shares, as git's parse_options:
 * getopt_long over the command's options (HV_GLOBAL_LONGOPTS among them),
 * the global options into g (a bad value is a usage error), -h (usage on
 * stdout) and -V, and a stray argument (a usage error).  fn gets each of
 * the command's own options with its argument and returns 0 to go on,
 * HV_OPT_UNKNOWN for a code it does not take ("invalid option"), or the
 * exit code to stop with (hv_usage_error()'s 2).  Returns HV_OPTS_RUN when
 * the command should run, else the exit code to return. */
#define HV_OPTS_RUN (-1)
#define HV_OPT_UNKNOWN (-2)
struct option;
struct hv_cmd_spec {
	const char *name; /* "report", as usage errors name it */
	const char *shortopts;
	const struct option *longopts;
	void (*usage)(FILE *out);
};
typedef int (*hv_option_fn)(int opt, char *arg, void *ctx);
struct hv_table_opts;
/* The table options report and plan share (-o, -r, -n, -b, --summary):
 * 0 taken, HV_OPT_UNKNOWN not one of them, else the usage error's code. */
int hv_table_option(const char *cmd, int opt, const char *arg, struct hv_table_opts *t);
/* Their long forms, for the command's option table. */
#define HV_TABLE_LONGOPTS                                        \
	{"output", required_argument, NULL, 'o'},                \
	{"raw", no_argument, NULL, 'r'},                         \
	{"noheadings", no_argument, NULL, 'n'},                  \
	{"bytes", no_argument, NULL, 'b'},                       \
	{"summary", optional_argument, NULL, OPT_SUMMARY}
int hv_parse_options(int argc, char **argv, struct hv_global *g, const struct hv_cmd_spec *cmd, hv_option_fn fn,
		     void *ctx);
/* The same for a command that takes operands (fleet's PATHs): they are
 * argv[*first .. argc), getopt having moved them after the options. */
int hv_parse_options_operands(int argc, char **argv, struct hv_global *g, const struct hv_cmd_spec *cmd,
			      hv_option_fn fn, void *ctx, int *first);

/* Options every command accepts; returns 1 if `opt` was one of them. */
int hv_global_option(int opt, const char *arg, struct hv_global *g, int *err);
bool hv_use_color(const struct hv_global *g, FILE *out);
/* Prints "hvoplan: <last error>" and returns code. */
/* LC_CTYPE from the environment, for output formatted by character width
 * (tables, the tree, ncurses); see HV_RUN_LOCALE in src/main.c. */
void hv_setup_locale(void);
int hv_report_error(int rc, int code);
int hv_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For a command whose output call failed with rc: true when stdout is in
 * error, and then main's close_stdout() reports it, once, as "write error".
 * Keeps the reason (-rc, unless the generic EIO), which glibc drops with the
 * unwritten bytes of a failed fflush or large fwrite. */
bool hv_stdout_failed(int rc);
int hv_stdout_errno(void);
/* An environment variable that redirects what apply reads or runs
 * (HVOPLAN_CONFIG, HVOPLAN_TOOL_DIR): a way into --root test trees only.
 * NULL on the live host (saying so on warn) and in set-user-ID or
 * file-capability runs (secure_getenv). */
const char *hv_tree_env(const char *name, bool live, FILE *warn);

/* getopt_long codes for the long-only global options */
enum {
	OPT_ROOT = 0x100,
	OPT_COLOR,
	OPT_FORMAT,
	OPT_FAIL_ON,
	OPT_STRUCT_PAGE,
	OPT_PAGE_SIZE,
	OPT_HOLDERS,
	OPT_PROCESSES,
	OPT_SUMMARY,
	OPT_FORCE,
	OPT_LIST_COLUMNS,
	OPT_GLOBAL_CONFIG,
	OPT_SORT,
	OPT_REVERSE,
};

#define HV_GLOBAL_LONGOPTS                                    \
	{"root", required_argument, NULL, OPT_ROOT},          \
	{"color", optional_argument, NULL, OPT_COLOR},        \
	{"colour", optional_argument, NULL, OPT_COLOR},       \
	{"help", no_argument, NULL, 'h'},                     \
	{"version", no_argument, NULL, 'V'}

#endif
