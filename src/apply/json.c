/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hvoplan.apply/1 schema (hvoplan-apply(8), JSON OUTPUT): the action
 * list with what became of each step, for configuration management
 * (Ansible's changed_when, Salt's stateful commands). It only formats
 * what the apply layer recorded. Keys may be added, none renamed or
 * given another meaning without a schema bump. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "hv_error.h"
#include "probe.h"
#include "render_libs.h"

/* Text from the host (a file's bytes, a path from a snapshot) must stay
 * valid JSON: what is not UTF-8 is kept as '?' bytes, as in errors. */
static json_t *text(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	if (j)
		return j;
	char *c = malloc(len + 1);
	if (!c)
		return json_null();
	for (size_t i = 0; i < len; i++)
		c[i] = s[i] ? s[i] : '?'; /* hv_sanitize stops at a NUL */
	c[len] = '\0';
	hv_sanitize(c);
	j = json_string(c);
	free(c);
	return j ? j : json_null();
}

static json_t *str(const char *s)
{
	return text(s, strlen(s));
}

static json_t *str_or_null(const char *s)
{
	return s && *s ? str(s) : json_null();
}

static json_t *value(int64_t v)
{
	return v == HV_UNKNOWN ? json_null() : json_integer(v);
}

/* A growing pool's pages free now: null for any other pool step */
static json_t *forecast(const struct hv_forecast *f)
{
	if (f->basis == HV_FC_UNKNOWN)
		return json_null();
	json_t *o = json_object();
	json_object_set_new(o, "free_now", value(f->pages));
	json_object_set_new(o, "after_compaction", value(f->compacted));
	json_object_set_new(o, "basis", json_string(hv_forecast_basis_name(f->basis)));
	json_object_set_new(o, "watermarks", json_boolean(f->watermarks));
	return o;
}

static json_t *file_diff(const struct hv_action *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return json_null();
	char an[300], bn[300];
	snprintf(an, sizeof(an), a->existed ? "a/%s" : "/dev/null", a->rel);
	snprintf(bn, sizeof(bn), a->remove ? "/dev/null" : "b/%s", a->rel);
	int rc = hv_udiff(f, an, a->old_data, a->old_len, bn, a->new_data, a->new_len);
	json_t *j = fclose(f) == 0 && rc == 0 && buf ? text(buf, len) : json_null();
	free(buf);
	return j;
}

/* kind-specific keys: old/new are the values (integers) or the contents
 * (strings, null for an absent file); target is the path under the root */
static void target_keys(json_t *o, const struct hv_action *a)
{
	char t[300];
	snprintf(t, sizeof(t), "/%s", a->rel);
	switch (a->kind) {
	case HV_ACT_SYSCTL:
		json_object_set_new(o, "target", str(t));
		json_object_set_new(o, "sysctl", json_string("vm.hugetlb_optimize_vmemmap"));
		json_object_set_new(o, "old", value(a->from));
		json_object_set_new(o, "new", value(a->to));
		json_object_set_new(o, "result", value(a->got));
		break;
	case HV_ACT_POOL:
	case HV_ACT_REOPTIMIZE:
	case HV_ACT_OVERCOMMIT:
		json_object_set_new(o, "target", str(t));
		json_object_set_new(o, "size", json_integer((json_int_t)a->size));
		json_object_set_new(o, "node", a->node >= 0 ? json_integer(a->node) : json_null());
		json_object_set_new(o, "old", value(a->from));
		json_object_set_new(o, "new", value(a->to));
		json_object_set_new(o, "result", value(a->got));
		if (a->kind == HV_ACT_POOL)
			json_object_set_new(o, "forecast", forecast(&a->forecast));
		if (a->kind == HV_ACT_REOPTIMIZE) {
			json_object_set_new(o, "pages", json_integer(a->count));
			json_object_set_new(o, "batch", json_integer(a->batch));
			json_object_set_new(o, "left", json_integer(a->left));
		}
		break;
	case HV_ACT_FILE: {
		json_object_set_new(o, "target", str(t));
		json_object_set_new(o, "old", a->existed && a->old_data ? text(a->old_data, a->old_len) : json_null());
		json_object_set_new(o, "new", !a->remove && a->new_data ? text(a->new_data, a->new_len) : json_null());
		char mode[8];
		snprintf(mode, sizeof(mode), "%04o", (unsigned)a->mode & 07777);
		json_object_set_new(o, "mode", a->mode ? json_string(mode) : json_null());
		json_object_set_new(o, "diff", a->state == HV_ST_UNCHANGED ? json_null() : file_diff(a));
		break;
	}
	case HV_ACT_EXEC: {
		json_t *argv = json_array();
		for (int k = 0; k < a->argc; k++)
			json_array_append_new(argv, str(a->argv[k]));
		json_object_set_new(o, "target", str(a->tool));
		json_object_set_new(o, "argv", argv);
		json_object_set_new(o, "old", json_null());
		json_object_set_new(o, "new", json_null());
		break;
	}
	case HV_ACT_MANUAL:
		json_object_set_new(o, "target", json_null());
		json_object_set_new(o, "old", json_null());
		json_object_set_new(o, "new", json_null());
		break;
	}
}

static json_t *action_obj(const struct hv_action *a)
{
	json_t *o = json_object();
	json_object_set_new(o, "kind", json_string(hv_act_kind_name(a->kind)));
	json_object_set_new(o, "state", json_string(hv_act_state_name(a->state)));
	target_keys(o, a);
	json_object_set_new(o, "description", str(a->text));
	json_object_set_new(o, "error", str_or_null(a->error));
	return o;
}

static json_t *strings(const char *const *v, int n)
{
	json_t *a = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(a, str(v[i]));
	return a;
}

/* Each size p set, as the host has it after the run: whole and per node. */
static json_t *pools_after(const struct hv_actions *p, const struct hv_host *h)
{
	json_t *a = json_array();
	for (int k = 0; k < h->nhstates; k++) {
		const struct hv_hstate *hs = &h->hstates[k];
		if (!hv_actions_set_size(p, hs->size))
			continue;
		json_t *o = json_object(), *nodes = json_array();
		char name[16];
		hv_hstate_name(hs->size, name, sizeof(name));
		json_object_set_new(o, "size", json_integer((json_int_t)hs->size));
		json_object_set_new(o, "name", json_string(name));
		json_object_set_new(o, "pages", json_integer(hs->nr));
		json_object_set_new(o, "surplus", json_integer(hs->surplus));
		for (int j = 0; j < hs->nnodes; j++) {
			json_t *n = json_object();
			json_object_set_new(n, "node", json_integer(hs->nodes[j].node));
			json_object_set_new(n, "pages", json_integer(hs->nodes[j].nr));
			json_array_append_new(nodes, n);
		}
		json_object_set_new(o, "nodes", nodes);
		json_array_append_new(a, o);
	}
	return a;
}

int hv_actions_json(FILE *out, const struct hv_actions *p, const struct hv_root *root,
		    const struct hv_apply_summary *s)
{
	int lrc = hv_jansson_load();
	if (lrc < 0)
		return lrc;
	json_t *doc = json_object(), *acts = json_array(), *notes = json_array();
	json_object_set_new(doc, "schema", json_string("hvoplan.apply/1"));
	json_object_set_new(doc, "mode", json_string(s->revert ? "revert" : "apply"));
	/* no root: it could not be opened (the error says why) */
	json_object_set_new(doc, "root", !root ? json_null() : str(root->live ? "/" : root->path));
	json_object_set_new(doc, "live", root ? json_boolean(root->live) : json_null());
	json_object_set_new(doc, "dry_run", json_boolean(s->dry_run));
	json_object_set_new(doc, "changed", json_boolean(hv_actions_changed(p)));
	json_object_set_new(doc, "exit_code", json_integer(s->exit_code));
	json_object_set_new(doc, "errors", strings(s->errors, s->nerrors));
	json_object_set_new(doc, "shortfall", json_boolean(p->shortfall));
	char b[200];
	snprintf(b, sizeof(b), "/%s", p->backup);
	json_object_set_new(doc, "backup", p->backup[0] ? str(b) : json_null());
	snprintf(b, sizeof(b), "/%s", s->revert_of ? s->revert_of : "");
	json_object_set_new(doc, "revert_of", s->revert_of && *s->revert_of ? str(b) : json_null());
	json_object_set_new(doc, "bootloader",
			    p->bootparams[0] || p->removed[0] ? json_string(hv_bootloader_name(p->bootloader)) : json_null());
	json_object_set_new(doc, "boot_parameters", str(p->bootparams));
	json_object_set_new(doc, "removed_parameters", str(p->removed));
	json_object_set_new(doc, "pools_after", s->after ? pools_after(p, s->after) : json_null());
	for (int i = 0; i < p->n; i++)
		json_array_append_new(acts, action_obj(&p->a[i]));
	for (int i = 0; i < p->nsame; i++)
		json_array_append_new(acts, action_obj(&p->same[i]));
	json_object_set_new(doc, "actions", acts);
	for (int i = 0; i < p->nnotes; i++)
		json_array_append_new(notes, str(p->notes[i]));
	if (p->gigantic_release)
		json_array_append_new(notes, json_string("--reoptimize releases free 1G (gigantic) pages; once memory is "
							 "fragmented the kernel may not be able to allocate them "
							 "again, and the pool comes back smaller"));
	json_object_set_new(doc, "notes", notes);
	errno = 0;
	int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	int err = errno;
	json_decref(doc);
	if (rc < 0)
		return hv_fail(err ? err : EIO, "cannot write JSON output");
	fputc('\n', out);
	return 0;
}
