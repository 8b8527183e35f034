/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state of each action, as the dry run plans it and the executor
 * records it: what the text and JSON forms report, and what "changed"
 * means for a configuration management tool driving apply. */
#include "apply.h"
#include "probe.h"

const char *hv_act_state_name(enum hv_act_state s)
{
	static const char *const n[] = {"planned", "done",	      "unchanged", "failed",
					"rolled-back", "rollback-failed", "skipped",   "not-run"};
	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

bool hv_tools_run(const struct hv_root *root, const char *tool_dir)
{
	return root->live || (tool_dir && *tool_dir);
}

void hv_actions_mark(struct hv_actions *p, const struct hv_root *root, const char *tool_dir)
{
	bool tools = hv_tools_run(root, tool_dir);
	for (int i = 0; i < p->n; i++) {
		struct hv_action *a = &p->a[i];
		a->state = a->kind == HV_ACT_MANUAL || (a->kind == HV_ACT_EXEC && !tools) ? HV_ST_NOT_RUN : HV_ST_PLANNED;
		a->error[0] = '\0';
	}
}

/* A step rolled back, failed or skipped leaves the host as it was; one
 * whose undo failed does not. Manual steps and tools not run change
 * nothing hvoplan can vouch for. */
bool hv_actions_changed(const struct hv_actions *p)
{
	for (int i = 0; i < p->n; i++) {
		enum hv_act_state s = p->a[i].state;
		if (s == HV_ST_PLANNED || s == HV_ST_DONE || s == HV_ST_ROLLBACK_FAILED)
			return true;
	}
	return false;
}
