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

int hv_render_verify_text(FILE *out, const struct hv_verify *v, bool verbose)
{
	(void)verbose;
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

/* Strings can come from a hostile snapshot; JSON must stay valid UTF-8. */
static json_t *str(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	char buf[1024];
	size_t i = 0;
	for (; s[i] && i < sizeof(buf) - 1; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return json_string(buf);
}

static json_t *str_or_null(const char *s)
{
	return s[0] ? str(s) : json_null();
}

int hv_render_verify_json(FILE *out, const struct hv_verify *v, const struct hv_report *r)
{
	int lrc = hv_jansson_load();
	if (lrc < 0)
		return lrc;
	json_t *root = json_object(), *src = json_object(), *checks = json_array(), *notes = json_array();
	json_t *sum = json_object();
	json_object_set_new(root, "schema", json_string("hvoplan.verify/1"));
	json_object_set_new(src, "root", str(r->src.root));
	json_object_set_new(src, "live", json_boolean(r->src.live));
	json_object_set_new(src, "release", str_or_null(r->src.release));
	json_object_set_new(root, "source", src);
	json_object_set_new(root, "next_boot", str_or_null(v->entry_basis));
	for (int i = 0; i < v->nchecks; i++) {
		const struct hv_check *c = &v->checks[i];
		json_t *o = json_object();
		json_object_set_new(o, "id", str(c->id));
		json_object_set_new(o, "subject", str(c->subject));
		json_object_set_new(o, "state", json_string(hv_check_state_name(c->state)));
		json_object_set_new(o, "now", str_or_null(c->now));
		json_object_set_new(o, "next_boot", str_or_null(c->next));
		json_object_set_new(o, "source", str_or_null(c->source));
		json_object_set_new(o, "message", str(c->message));
		json_object_set_new(o, "fix", str_or_null(c->fix));
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
		json_array_append_new(notes, str(v->notes[i]));
	for (int i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, str(r->notes[i]));
	json_object_set_new(root, "notes", notes);
	errno = 0;
	int rc = json_dumpf(root, out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	int err = errno;
	json_decref(root);
	if (rc < 0)
		return hv_fail(err ? err : EIO, "cannot write JSON output");
	fputc('\n', out);
	return 0;
}
