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
#include "fsutil.h"
#include "hv_error.h"
#include "parse.h"

static int newest_backup(int rootfd, const char *rootname, char *out, size_t cap)
{
	int dfd;
	const char *base;
	int rc = hv_open_parent(rootfd, rootname, HV_BACKUP_DIR "/x", false, &dfd, &base, NULL, NULL, 0);
	if (rc == -ENOENT)
		return hv_fail(ENOENT, "%s/%s: no backup to revert to (nothing was persisted)", rootname, HV_BACKUP_DIR);
	if (rc < 0)
		return rc;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return hv_fail(errno, "%s/%s: %s", rootname, HV_BACKUP_DIR, strerror(errno));
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
		return hv_fail(ENOENT, "%s/%s: no backup to revert to (nothing was persisted)", rootname, HV_BACKUP_DIR);
	snprintf(out, cap, "%s/%s", HV_BACKUP_DIR, best);
	return 0;
}

static struct hv_action *add(struct hv_plan *p, enum hv_act_kind k)
{
	if (p->n >= HV_MAX_ACTIONS)
		return NULL;
	struct hv_action *a = &p->a[p->n++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->node = -1;
	return a;
}

static bool file_rel_ok(const char *rel)
{
	return hv_rel_ok(rel) && !strncmp(rel, "etc/", 4);
}

static bool value_rel_ok(const char *rel)
{
	size_t l = strlen(rel);
	return hv_rel_ok(rel) &&
	       (!strcmp(rel, HV_SYSCTL_REL) ||
		(!strncmp(rel, "sys/", 4) && l > 13 && !strcmp(rel + l - 13, "/nr_hugepages")));
}

static int set_argv(struct hv_action *a, const char *const *argv)
{
	size_t l = (size_t)snprintf(a->text, sizeof(a->text), "run");
	for (int i = 0; argv[i] && i < HV_MAX_ARGV; i++) {
		if (!(a->argv[i] = strdup(argv[i])))
			return hv_fail(ENOMEM, "out of memory");
		a->argc++;
		if (l < sizeof(a->text))
			l += (size_t)snprintf(a->text + l, sizeof(a->text) - l, strchr(argv[i], ' ') ? " '%s'" : " %s",
					      argv[i]);
	}
	return 0;
}

static int bad_line(const char *rootname, const char *mrel, int line)
{
	return hv_fail(EINVAL, "%s/%s:%d: not a line hvoplan writes; refusing to revert from this backup", rootname, mrel,
		       line);
}

int hv_revert_plan(int rootfd, const char *rootname, struct hv_plan *p, char *backup, size_t cap)
{
	memset(p, 0, sizeof(*p));
	p->bootloader = HV_BL_MANUAL;
	int rc = newest_backup(rootfd, rootname, backup, cap);
	if (rc < 0)
		return rc;
	char mrel[300];
	snprintf(mrel, sizeof(mrel), "%s/manifest", backup);
	struct hv_file mf;
	if ((rc = hv_read_file_at(rootfd, rootname, mrel, 1 << 20, &mf)) < 0)
		return rc;
	if (!mf.exists)
		return hv_fail(ENOENT, "%s/%s: missing; the backup is incomplete", rootname, mrel);
	struct hv_action *tool = NULL, values[HV_MAX_ACTIONS];
	int nvalues = 0, nfiles = 0, lineno = 0;
	char *save = NULL;
	bool header = false;
	for (char *ln = strtok_r(mf.data, "\n", &save); ln && rc == 0; ln = strtok_r(NULL, "\n", &save)) {
		lineno++;
		char a1[64], rel[512];
		unsigned mode;
		if (ln[0] == '#')
			continue;
		if (!strcmp(ln, "hvoplan-backup 1")) {
			header = true;
		} else if (sscanf(ln, "file present %o %511s", &mode, rel) == 2 && file_rel_ok(rel) && mode <= 07777) {
			char brel[800];
			snprintf(brel, sizeof(brel), "%s/files/%s", backup, rel);
			struct hv_file saved, cur;
			if ((rc = hv_read_file_at(rootfd, rootname, brel, 1 << 20, &saved)) < 0)
				break;
			if (!saved.exists) {
				rc = hv_fail(ENOENT, "%s/%s: missing from the backup", rootname, brel);
				break;
			}
			if ((rc = hv_read_file_at(rootfd, rootname, rel, 1 << 20, &cur)) < 0) {
				free(saved.data);
				break;
			}
			if (cur.exists && cur.len == saved.len && !memcmp(cur.data, saved.data, cur.len) &&
			    cur.mode == mode) {
				free(cur.data);
				free(saved.data);
				continue;
			}
			struct hv_action *a = add(p, HV_ACT_FILE);
			if (!a) {
				rc = hv_fail(E2BIG, "too many files in the backup");
				break;
			}
			snprintf(a->rel, sizeof(a->rel), "%.250s", rel);
			a->existed = cur.exists;
			a->old_data = cur.data;
			a->old_len = cur.len;
			a->new_data = saved.data;
			a->new_len = saved.len;
			a->mode = (mode_t)mode;
			snprintf(a->text, sizeof(a->text), "restore /%s", rel);
			nfiles++;
		} else if (sscanf(ln, "file absent - %511s", rel) == 1 && file_rel_ok(rel)) {
			struct hv_file cur;
			if ((rc = hv_read_file_at(rootfd, rootname, rel, 1 << 20, &cur)) < 0)
				break;
			if (!cur.exists)
				continue;
			struct hv_action *a = add(p, HV_ACT_FILE);
			if (!a) {
				free(cur.data);
				rc = hv_fail(E2BIG, "too many files in the backup");
				break;
			}
			snprintf(a->rel, sizeof(a->rel), "%.250s", rel);
			a->existed = true;
			a->remove = true;
			a->old_data = cur.data;
			a->old_len = cur.len;
			a->mode = cur.mode;
			snprintf(a->text, sizeof(a->text), "remove /%s (it did not exist before)", rel);
			nfiles++;
		} else if (sscanf(ln, "value %63s %511s", a1, rel) == 2 && value_rel_ok(rel)) {
			int64_t v, cur;
			if (hv_parse_i64_nonneg(a1, &v) < 0) {
				rc = bad_line(rootname, mrel, lineno);
				break;
			}
			if (hv_read_value_at(rootfd, rootname, rel, &cur) < 0) {
				rc = -1;
				break;
			}
			if (cur == v || nvalues >= HV_MAX_ACTIONS)
				continue;
			struct hv_action *a = &values[nvalues++];
			memset(a, 0, sizeof(*a));
			a->kind = strcmp(rel, HV_SYSCTL_REL) ? HV_ACT_POOL : HV_ACT_SYSCTL;
			a->node = -1;
			snprintf(a->rel, sizeof(a->rel), "%.250s", rel);
			a->from = cur;
			a->to = v;
			snprintf(a->text, sizeof(a->text), "%s /%s %lld -> %lld",
				 a->kind == HV_ACT_SYSCTL ? "set" : "set pool", rel, (long long)cur, (long long)v);
		} else if (!strncmp(ln, "grubby-added ", 13) || !strcmp(ln, "grubby-added")) {
			snprintf(p->removed, sizeof(p->removed), "%s", ln[12] ? ln + 13 : "");
		} else if (!strncmp(ln, "grubby-removed ", 15) || !strcmp(ln, "grubby-removed")) {
			snprintf(p->bootparams, sizeof(p->bootparams), "%s", ln[14] ? ln + 15 : "");
			if (strpbrk(p->bootparams, "'\"\\$`;|&<>") || strpbrk(p->removed, "'\"\\$`;|&<>")) {
				rc = bad_line(rootname, mrel, lineno);
				break;
			}
			/* revert: remove what was added, add back what was removed */
			static struct hv_action ga;
			memset(&ga, 0, sizeof(ga));
			ga.kind = HV_ACT_EXEC;
			snprintf(ga.tool, sizeof(ga.tool), "grubby");
			char rm[HV_GRUBBY_ARG_MAX], ad[HV_GRUBBY_ARG_MAX];
			const char *argv[5];
			if (hv_grubby_argv(p->removed, p->bootparams, rm, ad, argv) > 2) {
				tool = &ga;
				rc = set_argv(&ga, argv);
			}
		} else if (sscanf(ln, "tool kernel-install %63s %511s", a1, rel) == 2) {
			if (strspn(a1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+") != strlen(a1) ||
			    rel[0] != '/' || !hv_rel_ok(rel + 1)) {
				rc = bad_line(rootname, mrel, lineno);
				break;
			}
			static struct hv_action ka;
			memset(&ka, 0, sizeof(ka));
			ka.kind = HV_ACT_EXEC;
			snprintf(ka.tool, sizeof(ka.tool), "kernel-install");
			const char *argv[] = {"kernel-install", "add", a1, rel, NULL};
			tool = &ka;
			rc = set_argv(&ka, argv);
		} else if (sscanf(ln, "tool %63s", a1) == 1 &&
			   (!strcmp(a1, "update-grub") || !strcmp(a1, "grub-mkconfig") || !strcmp(a1, "grub2-mkconfig"))) {
			static struct hv_action ua;
			memset(&ua, 0, sizeof(ua));
			ua.kind = HV_ACT_EXEC;
			snprintf(ua.tool, sizeof(ua.tool), "%.30s", a1);
			bool g2 = !strcmp(a1, "grub2-mkconfig");
			const char *argv1[] = {"update-grub", NULL};
			const char *argv2[] = {a1, "-o", g2 ? "/boot/grub2/grub.cfg" : "/boot/grub/grub.cfg", NULL};
			tool = &ua;
			rc = set_argv(&ua, strcmp(a1, "update-grub") ? argv2 : argv1);
		} else if (sscanf(ln, "mkdir %511s", rel) == 1 && file_rel_ok(rel)) {
			/* handled by hv_revert_finish */
		} else {
			rc = bad_line(rootname, mrel, lineno);
		}
	}
	free(mf.data);
	if (rc == 0 && !header)
		rc = bad_line(rootname, mrel, 1);
	if (rc < 0) {
		if (tool)
			for (int k = 0; k < tool->argc; k++)
				free(tool->argv[k]);
		hv_plan_free(p);
		return rc == -1 ? -EIO : rc;
	}
	if (tool) {
		if (nfiles || !strcmp(tool->tool, "grubby")) {
			struct hv_action *a = add(p, HV_ACT_EXEC);
			if (a)
				*a = *tool;
		} else {
			for (int k = 0; k < tool->argc; k++)
				free(tool->argv[k]);
		}
	}
	for (int i = 0; i < nvalues; i++) {
		struct hv_action *a = add(p, values[i].kind);
		if (a)
			*a = values[i];
	}
	return 0;
}

int hv_revert_finish(int rootfd, const char *rootname, const char *backup)
{
	char mrel[300];
	snprintf(mrel, sizeof(mrel), "%s/manifest", backup);
	struct hv_file mf;
	if (hv_read_file_at(rootfd, rootname, mrel, 1 << 20, &mf) == 0 && mf.exists) {
		char dirs[32][256];
		int n = 0;
		char *save = NULL;
		for (char *ln = strtok_r(mf.data, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
			char rel[256];
			if (n < 32 && sscanf(ln, "mkdir %255s", rel) == 1 && file_rel_ok(rel))
				snprintf(dirs[n++], sizeof(dirs[0]), "%s", rel);
		}
		free(mf.data);
		for (int i = n - 1; i >= 0; i--)
			unlinkat(rootfd, dirs[i], AT_REMOVEDIR); /* only when empty */
	}
	return hv_discard_backup(rootname, backup);
}

int hv_discard_backup(const char *rootname, const char *backup)
{
	/* Renamed out of the way first (one atomic step), so that a removal
	 * stopped half-way leaves no directory that looks like a backup. */
	char path[4400], gone[4400];
	snprintf(path, sizeof(path), "%s/%s", rootname, backup);
	const char *slash = strrchr(backup, '/');
	snprintf(gone, sizeof(gone), "%s/%.*s/.removing-%s", rootname, (int)(slash ? slash - backup : 0), backup,
		 slash ? slash + 1 : backup);
	if (rename(path, gone) < 0)
		return hv_fail(errno, "%s: cannot discard the backup: %s", path, strerror(errno));
	int rc = hv_remove_tree(gone);
	if (rc < 0)
		fprintf(stderr, "hvoplan: warning: could not remove the discarded backup (%s); it is never reverted to, "
				"remove it by hand\n", hv_last_error() ? hv_last_error() : gone);
	return 0;
}
