/* SPDX-License-Identifier: GPL-2.0-or-later */
/* jansson and libsmartcols for the renderers, opened with hv_dlopen (dl.h)
 * when a JSON document or a table is first rendered: a report in the
 * Prometheus format, --version or --help loads neither, a JSON report only
 * jansson. Include after <jansson.h> and <libsmartcols.h>: the calls below
 * are redirected to the tables (every name a real function of the library;
 * json_boolean() is jansson's macro over json_true/json_false, json_decref
 * its inline over json_delete). */
#ifndef HV_RENDER_LIBS_H
#define HV_RENDER_LIBS_H

#include <jansson.h>
#include <libsmartcols.h>

#define HV_JANSSON_FUNCS(X)                                                                                            \
	X(json_object) X(json_array) X(json_array_append_new) X(json_object_set_new) X(json_string) X(json_integer)    \
	X(json_null) X(json_true) X(json_false) X(json_delete) X(json_dumpf) X(json_stringn) X(json_object_seed)
#define HV_SCOLS_FUNCS(X)                                                                                              \
	X(scols_new_table) X(scols_unref_table) X(scols_print_table) X(scols_table_enable_colors)                     \
	X(scols_table_enable_noheadings) X(scols_table_enable_raw) X(scols_table_new_column) X(scols_table_new_line) \
	X(scols_table_set_name) X(scols_table_set_stream) X(scols_line_set_data)

#define HV_LIB_MEMBER(name) __typeof__(name) *p_##name;
extern struct hv_jansson_fns {
	HV_JANSSON_FUNCS(HV_LIB_MEMBER)
} hv_jansson;
extern struct hv_scols_fns {
	HV_SCOLS_FUNCS(HV_LIB_MEMBER)
} hv_scols;

/* 0, or a message naming the library that cannot be opened */
int hv_jansson_load(void);
int hv_scols_load(void);
void hv_json_decref(json_t *j);
/* json_string(s), or s with what is not printable ASCII as '?' when it is
 * not valid UTF-8; the second gives null for "" and NULL */
json_t *hv_json_str(const char *s);
json_t *hv_json_str_or_null(const char *s);
/* Writes root (indented, ASCII) and a newline to out, and frees it: 0, or
 * an error naming why the write failed. */
int hv_json_dump(FILE *out, json_t *root);

#ifndef HV_RENDER_LIBS_IMPL
#define json_object hv_jansson.p_json_object
#define json_array hv_jansson.p_json_array
#define json_array_append_new hv_jansson.p_json_array_append_new
#define json_object_set_new hv_jansson.p_json_object_set_new
#define json_string hv_jansson.p_json_string
#define json_stringn hv_jansson.p_json_stringn
#define json_integer hv_jansson.p_json_integer
#define json_null hv_jansson.p_json_null
#define json_true hv_jansson.p_json_true
#define json_false hv_jansson.p_json_false
#define json_dumpf hv_jansson.p_json_dumpf
#define json_decref hv_json_decref
#define scols_new_table hv_scols.p_scols_new_table
#define scols_unref_table hv_scols.p_scols_unref_table
#define scols_print_table hv_scols.p_scols_print_table
#define scols_table_enable_colors hv_scols.p_scols_table_enable_colors
#define scols_table_enable_noheadings hv_scols.p_scols_table_enable_noheadings
#define scols_table_enable_raw hv_scols.p_scols_table_enable_raw
#define scols_table_new_column hv_scols.p_scols_table_new_column
#define scols_table_new_line hv_scols.p_scols_table_new_line
#define scols_table_set_name hv_scols.p_scols_table_set_name
#define scols_table_set_stream hv_scols.p_scols_table_set_stream
#define scols_line_set_data hv_scols.p_scols_line_set_data
#endif

#endif
