/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The renderers' libraries, opened when first needed (render_libs.h). */
#define HV_RENDER_LIBS_IMPL
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "render_libs.h"

#include "dl.h"
#include "hv_error.h"

struct hv_jansson_fns hv_jansson;
struct hv_scols_fns hv_scols;

int hv_jansson_load(void)
{
	static void *lib;
	static const struct hv_dlsym syms[] = {
#define HV_J_SYM(name) HV_DLSYM(hv_jansson, name),
		HV_JANSSON_FUNCS(HV_J_SYM)};
	bool first = !lib;
	int rc = hv_dlopen("libjansson.so.4", "libjansson4", &lib, syms, sizeof(syms) / sizeof(syms[0]));
	/* The hash seed only guards a parser against keys chosen to collide;
	 * hvoplan parses no JSON and writes only its own keys, so a fixed
	 * seed spares the open, read and close of /dev/urandom jansson would
	 * make for the first object. */
	if (rc == 0 && first)
		hv_jansson.p_json_object_seed(1);
	return rc;
}

int hv_scols_load(void)
{
	static void *lib;
	static const struct hv_dlsym syms[] = {
#define HV_S_SYM(name) HV_DLSYM(hv_scols, name),
		HV_SCOLS_FUNCS(HV_S_SYM)};
	return hv_dlopen("libsmartcols.so.1", "libsmartcols1", &lib, syms, sizeof(syms) / sizeof(syms[0]));
}

/* jansson's json_decref, whose inline calls json_delete by name */
void hv_json_decref(json_t *j)
{
	if (j && j->refcount != (size_t)-1 && JSON_INTERNAL_DECREF(j) == 0)
		hv_jansson.p_json_delete(j);
}

/* Strings can come from a hostile snapshot, and JSON must stay valid
 * UTF-8: a string jansson refuses goes out with its bytes outside printable
 * ASCII as '?'. */
json_t *hv_json_str(const char *s)
{
	json_t *j = hv_jansson.p_json_string(s);
	if (j)
		return j;
	char buf[4200];
	size_t i = 0;
	for (; s[i] && i < sizeof(buf) - 1; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return hv_jansson.p_json_string(buf);
}

json_t *hv_json_str_or_null(const char *s)
{
	return s && s[0] ? hv_json_str(s) : hv_jansson.p_json_null();
}

int hv_json_dump(FILE *out, json_t *root)
{
	errno = 0;
	int rc = hv_jansson.p_json_dumpf(root, out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	int err = errno; /* the failed fwrite's reason, for the caller */
	hv_json_decref(root);
	if (rc < 0)
		return hv_fail(err ? err : EIO, "cannot write JSON output");
	fputc('\n', out);
	return 0;
}
