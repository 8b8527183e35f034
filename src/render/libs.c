/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The renderers' libraries, opened when first needed (render_libs.h). */
#define HV_RENDER_LIBS_IMPL
#include <stdbool.h>

#include "render_libs.h"

#include "dl.h"

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
