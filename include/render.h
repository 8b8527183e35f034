/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Renderers only format: every figure comes from the model's report. */
#ifndef HV_RENDER_H
#define HV_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

enum hv_summary { HV_SUMMARY_ALWAYS, HV_SUMMARY_NEVER, HV_SUMMARY_ONLY };

struct hv_table_opts {
	const char *columns; /* -o list, NULL for the default */
	bool raw, noheadings, bytes, color;
	enum hv_summary summary;
};

/* --summary[=WHEN]: NULL means always; -1 for an unknown word. */
int hv_parse_summary(const char *arg, enum hv_summary *out);

/* Column names for --help, man page and completions. */
void hv_table_list_columns(FILE *out);
int hv_render_table(FILE *out, const struct hv_report *r, const struct hv_table_opts *o);
/* Whether the table draws the node tree, whose lines need the user's
 * LC_CTYPE (UTF-8 box drawing): its cells are otherwise ASCII, and a report
 * without the tree spares the locale's dozen system calls. */
bool hv_render_table_needs_locale(const struct hv_report *r, const struct hv_table_opts *o);
int hv_render_json(FILE *out, const struct hv_report *r);
int hv_render_prometheus(FILE *out, const struct hv_report *r);

#endif
