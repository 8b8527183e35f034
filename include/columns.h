/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Table columns shared by the libsmartcols renderers: the -o list parser
 * and the column list printed by --help. */
#ifndef HV_COLUMNS_H
#define HV_COLUMNS_H

#include <stdio.h>

struct hv_column {
	const char *name;
	double whint;
	int flags; /* SCOLS_FL_* */
	const char *help;
};

void hv_columns_list(FILE *out, const struct hv_column *cols, int ncols);
/* "SIZE,pages" -> indexes into cols; at most max of them. The error names
 * the unknown column and the command whose --help lists them. */
int hv_columns_parse(const char *list, const struct hv_column *cols, int ncols, int *ids, int max, int *n,
		     const char *cmd);

struct hv_table_opts;
struct libscols_table;
/* A libsmartcols table named name with the columns ids[0..n) of cols, set
 * up as o asks (raw, no headings, colour; a raw table has no tree). NULL
 * when out of memory. The caller has loaded libsmartcols. */
struct libscols_table *hv_columns_table(const char *name, const struct hv_column *cols, const int *ids, int n,
					const struct hv_table_opts *o);

#endif
