/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "columns.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "hv_error.h"
#include "render.h"
#include "render_libs.h"

void hv_columns_list(FILE *out, const struct hv_column *cols, int ncols)
{
	for (int i = 0; i < ncols; i++)
		fprintf(out, " %9s  %s\n", cols[i].name, cols[i].help);
}

int hv_columns_parse(const char *list, const struct hv_column *cols, int ncols, int *ids, int max, int *n,
		     const char *cmd)
{
	char buf[512];
	if (strlen(list) >= sizeof(buf))
		return hv_fail(EINVAL, "column list too long: '%.40s...'", list);
	strcpy(buf, list);
	*n = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int found = -1;
		for (int i = 0; i < ncols; i++)
			if (!strcasecmp(t, cols[i].name))
				found = i;
		if (found < 0)
			return hv_fail(EINVAL, "unknown column: %s (see hvoplan %s --help)", t, cmd);
		if (*n >= max)
			return hv_fail(EINVAL, "too many columns in '%s'", list);
		ids[(*n)++] = found;
	}
	if (*n == 0)
		return hv_fail(EINVAL, "no columns in '%s'", list);
	return 0;
}

int hv_parse_summary(const char *arg, enum hv_summary *out)
{
	if (!arg || !strcmp(arg, "always"))
		*out = HV_SUMMARY_ALWAYS;
	else if (!strcmp(arg, "never"))
		*out = HV_SUMMARY_NEVER;
	else if (!strcmp(arg, "only"))
		*out = HV_SUMMARY_ONLY;
	else
		return -1;
	return 0;
}

struct libscols_table *hv_columns_table(const char *name, const struct hv_column *cols, const int *ids, int n,
					const struct hv_table_opts *o)
{
	struct libscols_table *tb = scols_new_table();
	if (!tb)
		return NULL;
	scols_table_enable_raw(tb, o->raw);
	scols_table_enable_noheadings(tb, o->noheadings);
	scols_table_enable_colors(tb, o->color);
	scols_table_set_name(tb, name);
	for (int i = 0; i < n; i++) {
		int flags = cols[ids[i]].flags;
		if (o->raw) /* a raw table is flat */
			flags &= ~SCOLS_FL_TREE;
		if (!scols_table_new_column(tb, cols[ids[i]].name, cols[ids[i]].whint, flags)) {
			scols_unref_table(tb);
			return NULL;
		}
	}
	return tb;
}
