/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan verify's output: one line per check (and its fix), then the
 * counts; or the hvoplan.verify/1 JSON schema (hvoplan-verify(8)). */
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "hv_error.h"
#include "render_libs.h"
#include "verify.h"

static void counts(const struct hv_verify *v, int n[5])
{
	memset(n, 0, 5 * sizeof(n[0]));
	for (int i = 0; i < v->nchecks; i++)
		n[v->checks[i].state]++;
}

int hv_render_verify_text(FILE *out, const struct hv_verify *v)
{
	fprintf(out, "Next boot:  %s\n", v->entry_basis[0] ? v->entry_basis : "no boot entry and no command line");
	for (int i = 0; i < v->nchecks; i++) {
		const struct hv_check *c = &v->checks[i];
		fprintf(out, "%-8s %-22s %s: %s\n", hv_check_state_name(c->state), c->id, c->subject, c->message);
		if (c->fix[0])
			fprintf(out, "%-8s %-22s fix: %s\n", "", "", c->fix);
	}
	if (v->truncated)
		fprintf(out, "(more checks than are listed: %d shown)\n", v->nchecks);
	for (int i = 0; i < v->nnotes; i++)
		fprintf(out, "Note: %s\n", v->notes[i]);
	int n[5];
	counts(v, n);
	fprintf(out, "%d check%s: %d ok, %d drift, %d failed, %d unknown, %d info\n", v->nchecks,
		v->nchecks == 1 ? "" : "s", n[HV_CHECK_OK], n[HV_CHECK_DRIFT], n[HV_CHECK_FAILED], n[HV_CHECK_UNKNOWN],
		n[HV_CHECK_INFO]);
	return ferror(out) ? hv_fail(EIO, "cannot write output") : 0;
}



int hv_render_verify_json(FILE *out, const struct hv_verify *v, const struct hv_report *r)
{
	int lrc = hv_jansson_load();
	if (lrc < 0)
		return lrc;
	json_t *root = json_object(), *src = json_object(), *checks = json_array(), *notes = json_array();
	json_t *sum = json_object();
	json_object_set_new(root, "schema", json_string("hvoplan.verify/1"));
	json_object_set_new(src, "root", hv_json_str(r->src.root));
	json_object_set_new(src, "live", json_boolean(r->src.live));
	json_object_set_new(src, "release", hv_json_str_or_null(r->src.release));
	json_object_set_new(root, "source", src);
	json_object_set_new(root, "next_boot", hv_json_str_or_null(v->entry_basis));
	for (int i = 0; i < v->nchecks; i++) {
		const struct hv_check *c = &v->checks[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", hv_json_str(c->id));
		json_object_set_new(o, "subject", hv_json_str(c->subject));
		json_object_set_new(o, "state", json_string(hv_check_state_name(c->state)));
		json_object_set_new(o, "now", hv_json_str_or_null(c->now));
		json_object_set_new(o, "next_boot", hv_json_str_or_null(c->next));
		json_object_set_new(o, "source", hv_json_str_or_null(c->source));
		json_object_set_new(o, "message", hv_json_str(c->message));
		json_object_set_new(o, "fix", hv_json_str_or_null(c->fix));
		json_array_append_new(checks, o);
	}
	json_object_set_new(root, "checks", checks);
	json_object_set_new(root, "checks_truncated", json_boolean(v->truncated));
	int n[5];
	counts(v, n);
	for (int s = 0; s < 5; s++)
		json_object_set_new(sum, hv_check_state_name((enum hv_check_state)s), json_integer(n[s]));
	json_object_set_new(root, "summary", sum);
	json_object_set_new(root, "holds", json_boolean(v->ndrift + v->nfailed == 0));
	for (int i = 0; i < v->nnotes; i++)
		json_array_append_new(notes, hv_json_str(v->notes[i]));
	for (int i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, hv_json_str(r->notes[i]));
	json_object_set_new(root, "notes", notes);
	return hv_json_dump(out, root);
}
