/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The action list as text: what the dry run shows and what --yes does, in
 * order, followed by a unified diff of every file that would change. */
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "probe.h"

void hv_actions_print(FILE *out, const struct hv_actions *p, const struct hv_root *root, const char *tool_dir,
		      bool dry_run)
{
	bool live = root->live;
	const char *rootname = root->path; /* named only when not live */
	int real = 0;
	for (int i = 0; i < p->n; i++)
		real += p->a[i].kind != HV_ACT_MANUAL;
	if (p->n == 0) {
		fprintf(out, "nothing to do: %s is already in the desired state\n", live ? "this host" : rootname);
	} else {
		fprintf(out, "%d action%s%s:\n", p->n, p->n == 1 ? "" : "s",
			dry_run ? " (dry run: nothing is changed; run with --yes to carry them out)" : "");
		for (int i = 0; i < p->n; i++) {
			const struct hv_action *a = &p->a[i];
			char where[4400] = "";
			if (a->kind == HV_ACT_SYSCTL || a->kind == HV_ACT_POOL || a->kind == HV_ACT_REOPTIMIZE ||
			    a->kind == HV_ACT_OVERCOMMIT)
				snprintf(where, sizeof(where), "  [%s/%s]", live ? "" : rootname, a->rel);
			else if (a->kind == HV_ACT_EXEC && !live && !(tool_dir && *tool_dir))
				snprintf(where, sizeof(where), "  [not run under --root]");
			else if (a->kind == HV_ACT_EXEC && !live)
				snprintf(where, sizeof(where), "  [fake from HVOPLAN_TOOL_DIR]");
			fprintf(out, "%3d. %s%s%s\n", i + 1, a->kind == HV_ACT_MANUAL ? "manual: " : "", a->text, where);
		}
		if (real == 0)
			fprintf(out, "nothing for hvoplan to do beyond the manual step%s above\n", p->n == 1 ? "" : "s");
	}
	if (p->bootparams[0] && p->n)
		fprintf(out, "kernel parameters (%s): %s\n", hv_bootloader_name(p->bootloader), p->bootparams);
	if (p->removed[0] && p->n)
		fprintf(out, "replacing conflicting parameters: %s\n", p->removed);
	for (int i = 0; i < p->nnotes; i++)
		fprintf(out, "note: %s\n", p->notes[i]);
	if (p->gigantic_release)
		fprintf(out, "warning: --reoptimize releases free 1G (gigantic) pages; once memory is fragmented the "
			     "kernel may not be able to allocate them again, and the pool comes back smaller. "
			     "This is done only with --yes.\n");
	for (int i = 0; i < p->n; i++) {
		const struct hv_action *a = &p->a[i];
		if (a->kind != HV_ACT_FILE)
			continue;
		char an[300], bn[300];
		snprintf(an, sizeof(an), a->existed ? "a/%s" : "/dev/null", a->rel);
		snprintf(bn, sizeof(bn), a->remove ? "/dev/null" : "b/%s", a->rel);
		hv_udiff(out, an, a->old_data, a->old_len, bn, a->new_data, a->new_len);
	}
}

bool hv_actions_set_size(const struct hv_actions *p, uint64_t size)
{
	for (int i = 0; i < p->n; i++)
		if (p->a[i].kind == HV_ACT_POOL && p->a[i].size == size && p->a[i].state == HV_ST_DONE)
			return true;
	return false;
}

void hv_actions_print_pools_after(FILE *out, const struct hv_actions *p, const struct hv_host *h)
{
	for (int k = 0; k < h->nhstates; k++) {
		const struct hv_hstate *hs = &h->hstates[k];
		if (!hv_actions_set_size(p, hs->size))
			continue;
		char name[16];
		hv_hstate_name(hs->size, name, sizeof(name));
		/* every node, always: a pool asked for as a whole is spread by the kernel */
		fprintf(out, "%s pool now %lld page%s", name, (long long)hs->nr, hs->nr == 1 ? "" : "s");
		if (hs->surplus > 0)
			fprintf(out, " (%lld surplus)", (long long)hs->surplus);
		for (int j = 0; j < hs->nnodes; j++)
			fprintf(out, "%s node %d %lld", j ? "," : ":", hs->nodes[j].node, (long long)hs->nodes[j].nr);
		fputc('\n', out);
	}
}
