/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --revert: the newest backup's manifest becomes a plan that puts every
 * file back byte for byte (removing the ones that did not exist), runs the
 * boot loader tool again, and sets the HVO sysctl and pools back to the
 * values recorded. The manifest is data from disk: every path in it is
 * checked before use and must be one apply could have written. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "probe.h"
#include "fsutil.h"
#include "hv_error.h"
#include "manifest.h"
#include "parse.h"

static int newest_backup(const struct hv_root *root, char *out, size_t cap)
{
	int dfd;
	const char *base;
	int rc = hv_open_parent(root, HV_BACKUP_DIR "/x", false, &dfd, &base, NULL, NULL, 0);
	if (rc == -ENOENT)
		return hv_fail(ENOENT, "%s/%s: no backup to revert to (nothing was persisted)", root->path, HV_BACKUP_DIR);
	if (rc < 0)
		return rc;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return hv_fail(errno, "%s/%s: %s", root->path, HV_BACKUP_DIR, strerror(errno));
	}
	char best[128] = "";
	struct dirent *e;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		size_t l = strlen(n);
		if (l < 16 || l >= sizeof(best) || strspn(n, "0123456789TZ.") != l || n[l - 1] != 'Z')
			continue;
		/* A directory without its manifest is a backup being made or
		 * discarded, not one to revert to: it must not hide older ones. */
		char m[300]; /* d_name is up to 255 bytes */
		struct stat st;
		snprintf(m, sizeof(m), "%s/manifest", n);
		if (fstatat(dirfd(d), m, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (strcmp(n, best) > 0)
			memcpy(best, n, l + 1); /* l < sizeof(best) checked above */
	}
	closedir(d);
	if (!best[0])
		return hv_fail(ENOENT, "%s/%s: no backup to revert to (nothing was persisted)", root->path, HV_BACKUP_DIR);
	snprintf(out, cap, "%s/%s", HV_BACKUP_DIR, best);
	return 0;
}

static int read_manifest(const struct hv_root *root, const char *backup, struct hv_manifest *m)
{
	char mrel[300], name[4400];
	snprintf(mrel, sizeof(mrel), "%s/manifest", backup);
	snprintf(name, sizeof(name), "%s/%s", root->path, mrel);
	struct hv_file mf;
	int rc = hv_read_file_at(root, mrel, HV_MANIFEST_MAX, &mf);
	if (rc < 0)
		return rc;
	if (!mf.exists)
		return hv_fail(ENOENT, "%s: missing; the backup is incomplete", name);
	rc = hv_manifest_parse(name, mf.data, mf.len, m);
	free(mf.data);
	return rc;
}

static int plan_file(const struct hv_root *root, const char *backup, const struct hv_mf_entry *e,
		     struct hv_actions *p)
{
	struct hv_file saved = {0}, cur;
	if (e->kind == HV_MF_FILE_PRESENT) {
		char brel[800];
		snprintf(brel, sizeof(brel), "%s/files/%s", backup, e->rel);
		int rc = hv_read_file_at(root, brel, 1 << 20, &saved);
		if (rc < 0)
			return rc;
		if (!saved.exists)
			return hv_fail(ENOENT, "%s/%s: missing from the backup", root->path, brel);
	}
	int rc = hv_read_file_at(root, e->rel, 1 << 20, &cur);
	if (rc < 0) {
		free(saved.data);
		return rc;
	}
	bool same = e->kind == HV_MF_FILE_PRESENT ? cur.exists && cur.len == saved.len &&
							   !memcmp(cur.data, saved.data, cur.len) && cur.mode == e->mode
						 : !cur.exists;
	if (same) {
		rc = hv_actions_same_file(p, &cur);
		free(cur.data);
		free(saved.data);
		return rc;
	}
	struct hv_action *a = hv_actions_add(p, HV_ACT_FILE);
	if (!a) {
		free(cur.data);
		free(saved.data);
		return hv_fail(E2BIG, "%s/%s: more than %d changes to undo", root->path, backup, HV_MAX_ACTIONS);
	}
	snprintf(a->rel, sizeof(a->rel), "%s", e->rel);
	a->existed = cur.exists;
	a->old_data = cur.data;
	a->old_len = cur.len;
	if (e->kind == HV_MF_FILE_PRESENT) {
		a->new_data = saved.data;
		a->new_len = saved.len;
		a->mode = (mode_t)e->mode;
		snprintf(a->text, sizeof(a->text), "restore /%s", e->rel);
	} else {
		a->remove = true;
		a->mode = cur.mode;
		snprintf(a->text, sizeof(a->text), "remove /%s (it did not exist before)", e->rel);
	}
	return 0;
}

/* A value that cannot be read is set anyway (the write is the restore, and
 * the executor reads it back); one whose file is gone (a node or a size
 * that no longer exists) cannot be restored and is left out, said. */
static int plan_value(const struct hv_root *root, const struct hv_mf_entry *e, struct hv_actions *p)
{
	int64_t cur = HV_UNKNOWN;
	char why[600] = "";
	hv_clear_error();
	int rc = hv_read_value_at(root, e->rel, &cur);
	if (rc == -ENOENT) {
		hv_warn("%s; its value (%lld) cannot be restored and is left out",
			hv_last_error() ? hv_last_error() : e->rel, (long long)e->value);
		return 0;
	}
	if (rc < 0) {
		snprintf(why, sizeof(why), "%s", hv_last_error() ? hv_last_error() : strerror(-rc));
		hv_warn("%s; it is set to the recorded %lld without knowing its value now", why, (long long)e->value);
		cur = HV_UNKNOWN;
	} else if (cur == e->value) {
		struct hv_action *a = hv_actions_same(p, hv_value_kind(e->rel), e->rel);
		if (a) {
			a->from = a->to = cur;
			snprintf(a->text, sizeof(a->text), "/%s is %lld, as recorded", e->rel, (long long)cur);
		}
		return 0;
	}
	struct hv_action *a = hv_actions_add(p, hv_value_kind(e->rel));
	if (!a)
		return hv_fail(E2BIG, "more than %d changes to undo", HV_MAX_ACTIONS);
	snprintf(a->rel, sizeof(a->rel), "%s", e->rel);
	a->from = cur; /* HV_UNKNOWN: the executor's rollback leaves it alone */
	a->to = e->value;
	if (cur == HV_UNKNOWN)
		snprintf(a->text, sizeof(a->text), "%s /%s (unreadable) -> %lld",
			 a->kind == HV_ACT_POOL ? "set pool" : "set", e->rel, (long long)e->value);
	else
		snprintf(a->text, sizeof(a->text), "%s /%s %lld -> %lld", a->kind == HV_ACT_POOL ? "set pool" : "set",
			 e->rel, (long long)cur, (long long)e->value);
	return 0;
}

/* The boot loader record, as the action that undoes it (NULL: none). */
static int plan_tool(const struct hv_manifest *m, const struct hv_mf_entry *e, struct hv_action *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = HV_ACT_EXEC;
	a->node = -1;
	if (e->kind == HV_MF_GRUBBY) {
		/* revert: remove what was added, add back what was removed */
		char rm[HV_GRUBBY_ARG_MAX], ad[HV_GRUBBY_ARG_MAX];
		const char *argv[5];
		snprintf(a->tool, sizeof(a->tool), "grubby");
		if (hv_grubby_argv(m->grubby_added, m->grubby_removed, rm, ad, argv) <= 2)
			return 0;
		return hv_action_set_argv(a, argv, NULL);
	}
	if (e->kind == HV_MF_KERNEL_INSTALL) {
		snprintf(a->tool, sizeof(a->tool), "kernel-install");
		const char *argv[] = {"kernel-install", "add", e->tool, e->rel, NULL};
		return hv_action_set_argv(a, argv, NULL);
	}
	const char *argv[4];
	hv_grub_tool_argv(e->tool, argv); /* the manifest reader allows only the three */
	snprintf(a->tool, sizeof(a->tool), "%s", argv[0]);
	return hv_action_set_argv(a, argv, NULL);
}

int hv_revert_actions(const struct hv_root *root, struct hv_actions *p, char *backup, size_t cap)
{
	memset(p, 0, sizeof(*p));
	p->bootloader = HV_BL_MANUAL;
	int rc = newest_backup(root, backup, cap);
	if (rc < 0)
		return rc;
	struct hv_manifest m;
	if ((rc = read_manifest(root, backup, &m)) < 0)
		return rc;
	/* files first, then the boot loader tool (which reads them), then the
	 * runtime values; the last tool record is the one that ran */
	const struct hv_mf_entry *tool = NULL;
	int nfiles = 0;
	for (int i = 0; i < m.n && rc == 0; i++) {
		const struct hv_mf_entry *e = &m.e[i];
		if (e->kind == HV_MF_FILE_PRESENT || e->kind == HV_MF_FILE_ABSENT) {
			int before = p->n;
			rc = plan_file(root, backup, e, p);
			nfiles += p->n - before;
		} else if (e->kind == HV_MF_GRUBBY || e->kind == HV_MF_TOOL || e->kind == HV_MF_KERNEL_INSTALL) {
			tool = e;
		}
	}
	/* grubby edits the boot entries themselves: undone even when no file
	 * changed; the others only regenerate from the files */
	if (rc == 0 && tool && tool->kind == HV_MF_GRUBBY) {
		/* the revert adds back what apply removed and removes what it added;
		 * a rollback of the revert (rerun_tool) inverts that again */
		snprintf(p->bootparams, sizeof(p->bootparams), "%s", m.grubby_removed);
		snprintf(p->removed, sizeof(p->removed), "%s", m.grubby_added);
	}
	if (rc == 0 && tool && (nfiles || tool->kind == HV_MF_GRUBBY)) {
		struct hv_action *a = hv_actions_add(p, HV_ACT_EXEC);
		if (!a)
			rc = hv_fail(E2BIG, "more than %d changes to undo", HV_MAX_ACTIONS);
		else if ((rc = plan_tool(&m, tool, a)) == 0 && a->argc == 0)
			p->n--; /* grubby with nothing to change */
	}
	for (int i = 0; i < m.n && rc == 0; i++)
		if (m.e[i].kind == HV_MF_VALUE)
			rc = plan_value(root, &m.e[i], p);
	hv_manifest_free(&m);
	if (rc < 0) {
		hv_actions_free(p);
		return rc;
	}
	return 0;
}

int hv_revert_finish(const struct hv_root *root, const char *backup)
{
	struct hv_manifest m;
	if (read_manifest(root, backup, &m) == 0) {
		/* a run killed half-way leaves its temporary files next to them */
		for (int i = 0; i < m.n; i++)
			if ((m.e[i].kind == HV_MF_FILE_PRESENT || m.e[i].kind == HV_MF_FILE_ABSENT) &&
			    hv_remove_stale_temps_at(root, m.e[i].rel) < 0)
				hv_warn("%s", hv_last_error());
		/* innermost first; a directory someone put files in stays */
		for (int i = m.n - 1; i >= 0; i--)
			if (m.e[i].kind == HV_MF_MKDIR && hv_remove_dir_at(root, m.e[i].rel) < 0)
				hv_warn("%s", hv_last_error());
		hv_manifest_free(&m);
	}
	return hv_discard_backup(root, backup);
}

int hv_discard_backup(const struct hv_root *root, const char *backup)
{
	/* Renamed out of the way first (one atomic step), so that a removal
	 * stopped half-way leaves no directory that looks like a backup; both
	 * under the root's confined walk, so a planted symlink is not followed. */
	int dfd;
	const char *base;
	int rc = hv_open_parent(root, backup, false, &dfd, &base, NULL, NULL, 0);
	if (rc < 0)
		return rc;
	char gone[300], shown[4400];
	snprintf(gone, sizeof(gone), ".removing-%s", base);
	snprintf(shown, sizeof(shown), "%s/%.*s%s", root->live ? "" : root->path, (int)(base - backup), backup, gone);
	if (renameat(dfd, base, dfd, gone) < 0) {
		int e = errno;
		close(dfd);
		return hv_fail(e, "%s/%s: cannot discard the backup: %s", root->live ? "" : root->path, backup, strerror(e));
	}
	rc = hv_remove_tree_at(dfd, gone, shown);
	close(dfd);
	if (rc < 0)
		hv_warn("could not remove the discarded backup (%s); it is never reverted to, remove it by hand",
			hv_last_error() ? hv_last_error() : shown);
	return 0;
}
