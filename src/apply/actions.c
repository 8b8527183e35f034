/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Desired state + probed host + current files -> the action list. Pure:
 * everything it needs was read before, so the dry run and the real run
 * print the same list. Execution order is list order: file edits, boot
 * loader tool, HVO sysctl, re-optimization, pool sizes — cheap-to-undo
 * steps first, so a failing pool write rolls back the fewest things. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "hv_error.h"
#include "parse.h"
#include "verify.h"

const char *hv_act_kind_name(enum hv_act_kind k)
{
	static const char *const n[] = {"sysctl", "pool", "reoptimize", "overcommit", "file", "exec", "manual"};
	return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "?";
}

struct hv_action *hv_actions_add(struct hv_actions *p, enum hv_act_kind k)
{
	if (p->n >= HV_MAX_ACTIONS)
		return NULL;
	struct hv_action *a = &p->a[p->n++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->node = -1;
	a->got = HV_UNKNOWN;
	a->forecast.pages = a->forecast.compacted = HV_UNKNOWN; /* basis HV_FC_UNKNOWN: not a growing pool */
	return a;
}

struct hv_action *hv_actions_same(struct hv_actions *p, enum hv_act_kind k, const char *rel)
{
	if (p->nsame >= HV_MAX_SAME)
		return NULL; /* only the JSON list is shorter: nothing is done with them */
	struct hv_action *a = &p->same[p->nsame++];
	memset(a, 0, sizeof(*a));
	a->kind = k;
	a->node = -1;
	a->got = HV_UNKNOWN;
	a->forecast.pages = a->forecast.compacted = HV_UNKNOWN;
	a->state = HV_ST_UNCHANGED;
	snprintf(a->rel, sizeof(a->rel), "%s", rel);
	return a;
}

int hv_actions_same_file(struct hv_actions *p, const struct hv_file *cur)
{
	struct hv_action *a = hv_actions_same(p, HV_ACT_FILE, cur->rel);
	if (!a)
		return 0;
	a->existed = cur->exists;
	a->mode = cur->exists ? cur->mode : 0;
	snprintf(a->text, sizeof(a->text), "/%s %s", cur->rel, cur->exists ? "is as wanted" : "is absent, as wanted");
	if (!cur->exists)
		return 0;
	a->old_len = a->new_len = cur->len;
	a->old_data = malloc(cur->len + 1);
	a->new_data = malloc(cur->len + 1);
	if (!a->old_data || !a->new_data)
		return hv_fail(ENOMEM, "out of memory");
	memcpy(a->old_data, cur->data, cur->len + 1);
	memcpy(a->new_data, cur->data, cur->len + 1);
	return 0;
}

static void note(struct hv_actions *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct hv_actions *p, const char *fmt, ...)
{
	if (p->nnotes >= (int)(sizeof(p->notes) / sizeof(p->notes[0])))
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->nnotes++], sizeof(p->notes[0]), fmt, ap);
	va_end(ap);
}

static int file_action(struct hv_actions *p, const struct hv_file *cur, char *new_data, bool remove)
{
	bool same = remove ? !cur->exists
			   : (cur->exists && cur->len == strlen(new_data) && !memcmp(cur->data, new_data, cur->len));
	if (same) {
		free(new_data);
		return hv_actions_same_file(p, cur);
	}
	struct hv_action *a = hv_actions_add(p, HV_ACT_FILE);
	if (!a) {
		free(new_data);
		return hv_fail(E2BIG, "too many actions");
	}
	snprintf(a->rel, sizeof(a->rel), "%s", cur->rel);
	a->existed = cur->exists;
	a->remove = remove;
	a->old_data = cur->exists ? strdup(cur->data) : NULL;
	a->old_len = cur->len;
	a->new_data = remove ? NULL : new_data;
	a->new_len = remove ? 0 : strlen(new_data);
	if (remove)
		free(new_data);
	a->mode = cur->exists ? cur->mode : 0644;
	snprintf(a->text, sizeof(a->text), "%s /%s%s", remove ? "remove" : "write", cur->rel,
		 remove ? "" : cur->exists ? "" : " (new file)");
	return (cur->exists && !a->old_data) ? hv_fail(ENOMEM, "out of memory") : 0;
}

int hv_action_set_argv(struct hv_action *a, const char *const *argv, const char *why)
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
	if (why && l < sizeof(a->text))
		snprintf(a->text + l, sizeof(a->text) - l, " (%s)", why);
	return 0;
}

void hv_grub_tool_argv(const char *tool, const char *argv[4])
{
	bool g2 = !strcmp(tool, "grub2-mkconfig");
	argv[0] = !strcmp(tool, "update-grub") ? "update-grub" : g2 ? "grub2-mkconfig" : "grub-mkconfig";
	argv[1] = argv[2] = argv[3] = NULL;
	if (strcmp(tool, "update-grub")) {
		argv[1] = "-o";
		argv[2] = g2 ? "/boot/grub2/grub.cfg" : "/boot/grub/grub.cfg";
	}
}

static int exec_action(struct hv_actions *p, const char *tool, const char *const *argv, const char *why)
{
	struct hv_action *a = hv_actions_add(p, HV_ACT_EXEC);
	if (!a)
		return hv_fail(E2BIG, "too many actions");
	snprintf(a->tool, sizeof(a->tool), "%s", tool);
	return hv_action_set_argv(a, argv, why);
}

/* Whether line holds tok as one kernel parameter (quotes grouping as the
 * kernel groups them, so a word inside foo="a b" is not one). */
static bool has_token(const char *line, const char *tok)
{
	size_t l = strlen(tok), n;
	for (const char *p = line ? line : ""; (n = hv_karg_step(&p)) > 0; p += n)
		if (n == l && !strncmp(p, tok, l))
			return true;
	return false;
}

static bool all_present(const char *line, const char *params)
{
	char tok[512];
	for (const char *p = params; *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (!n)
			break;
		snprintf(tok, sizeof(tok), "%.*s", (int)n, p);
		if (!has_token(line, tok))
			return false;
		p += n;
	}
	return true;
}

/* Follows grub-mkconfig sourcing the files, to catch a later file that
 * throws our parameters away, and the first file that brings in a
 * conflicting one. */
struct grub_check {
	const struct hv_desired *d;
	uint64_t defsz;
	const char *params;
	bool ours_seen;
	char conflict_where[300];
};

static int count_conflicts(const char *v, const struct hv_desired *d, uint64_t defsz)
{
	size_t cap = strlen(v) + 1;
	char *kept = malloc(cap);
	if (!kept)
		return hv_fail(ENOMEM, "out of memory");
	int n = hv_cmdline_filter(v, d, defsz, kept, cap, NULL, 0);
	free(kept);
	return n;
}

static int grub_step(void *arg, const char *rel, int line, const char *var, const char *old, const char *val)
{
	struct grub_check *c = arg;
	if (!strcmp(rel, HV_GRUB_DROPIN))
		return 0;
	if (c->ours_seen && c->params[0] && !strcmp(var, "GRUB_CMDLINE_LINUX") && all_present(old, c->params) &&
	    !all_present(val, c->params))
		return hv_fail(ENOTSUP,
			       "/%s:%d: sets GRUB_CMDLINE_LINUX after /%s (grub-mkconfig sources it later) and so drops "
			       "the parameters apply puts there (%s); make it add to the value "
			       "(GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX ...\") and run apply again",
			       rel, line, HV_GRUB_DROPIN, c->params);
	int a = count_conflicts(val, c->d, c->defsz), b = count_conflicts(old, c->d, c->defsz);
	if (a < 0 || b < 0)
		return a < 0 ? a : b;
	if (a > b && !c->conflict_where[0])
		snprintf(c->conflict_where, sizeof(c->conflict_where), "/%s:%d", rel, line);
	return 0;
}

/* The kernel parameters of grub-mkconfig's normal entries (10_linux:
 * GRUB_CMDLINE_LINUX then GRUB_CMDLINE_LINUX_DEFAULT), worked out from the
 * files as they will be after the plan; fails unless apply's parameters are
 * there exactly once and nothing else sets what they set. */
static int grub_verify(const struct hv_desired *d, const struct hv_apply_inputs *in, uint64_t defsz,
		       const char *const *texts, const char *dropin, struct hv_actions *p)
{
	struct hv_grub_env *env = calloc(1, sizeof(*env));
	if (!env)
		return hv_fail(ENOMEM, "out of memory");
	struct grub_check c = {.d = d, .defsz = defsz, .params = p->bootparams};
	int rc = 0;
	if (in->grub_main.exists)
		rc = hv_grub_env_source(env, HV_GRUB_MAIN, texts[0], grub_step, &c);
	/* etc/default/grub.d/ *.cfg in the order of sh's glob (byte order), ours among them */
	const char *ours = HV_GRUB_DROPIN + sizeof(HV_GRUB_DIR);
	for (int i = 0; rc == 0 && i <= in->ngrub_others; i++) {
		const char *name = i < in->ngrub_others ? in->grub_others[i].rel + sizeof(HV_GRUB_DIR) : NULL;
		if (dropin && !c.ours_seen && (!name || strcmp(ours, name) < 0)) {
			rc = hv_grub_env_source(env, HV_GRUB_DROPIN, dropin, grub_step, &c);
			c.ours_seen = true;
		}
		if (rc == 0 && name)
			rc = hv_grub_env_source(env, in->grub_others[i].rel, texts[1 + i], grub_step, &c);
	}
	const char *lin = NULL, *def = NULL;
	if (rc == 0 && ((rc = hv_grub_env_get(env, "GRUB_CMDLINE_LINUX", &lin)) < 0 ||
			(rc = hv_grub_env_get(env, "GRUB_CMDLINE_LINUX_DEFAULT", &def)) < 0)) {
		char why[400];
		snprintf(why, sizeof(why), "%s", hv_last_error());
		rc = hv_fail(ENOTSUP,
			     "cannot tell the kernel command line grub-mkconfig would write: %s; apply follows only plain "
			     "assignments to GRUB_CMDLINE_LINUX[_DEFAULT]",
			     why);
	}
	/* 10_linux pastes the values into one `linux` line of grub.cfg: a newline
	 * there ends the command, and what follows is not a kernel parameter */
	if (rc == 0 && (strchr(lin, '\n') || strchr(def, '\n')))
		rc = hv_fail(ENOTSUP,
			     "GRUB_CMDLINE_LINUX%s holds a newline: grub.cfg's linux line would end there and drop the "
			     "parameters after it; make the value one line and run apply again",
			     strchr(lin, '\n') ? "" : "_DEFAULT");
	char *eff = NULL, *kept = NULL, *rem = NULL;
	if (rc == 0) {
		size_t cap = strlen(lin) + strlen(def) + 2;
		eff = malloc(cap);
		kept = malloc(cap);
		rem = malloc(cap + sizeof(p->bootparams));
		if (!eff || !kept || !rem)
			rc = hv_fail(ENOMEM, "out of memory");
		else {
			snprintf(eff, cap, "%s %s", lin, def);
			rem[0] = '\0';
			int n = hv_cmdline_filter(eff, d, defsz, kept, cap, rem, cap + sizeof(p->bootparams));
			if (n < 0)
				rc = n;
			else if (strcmp(rem, p->bootparams)) {
				int quotes = 0;
				for (const char *q = eff; *q; q++)
					quotes += *q == '"';
				rc = hv_fail(ENOTSUP,
					     "the kernel command line grub-mkconfig would write has '%.300s' where apply "
					     "wants exactly '%s'%s%s%s: the boot pools would not be what was asked for; "
					     "take the conflicting parameters out by hand and run apply again",
					     rem[0] ? rem : "(none of them)", p->bootparams,
					     c.conflict_where[0] ? "; conflicting parameters from " : "", c.conflict_where,
					     quotes % 2 ? "; a double quote left open swallows the parameters after it" : "");
			}
		}
	}
	free(eff);
	free(kept);
	free(rem);
	hv_grub_env_free(env);
	free(env);
	return rc;
}

static int plan_grub(const struct hv_desired *d, const struct hv_apply_inputs *in, uint64_t defsz, struct hv_actions *p)
{
	int changed = 0, rc = 0;
	/* texts[0]: etc/default/grub, texts[1 + i]: grub_others[i], as they will be */
	char *texts[HV_MAX_GRUB_FILES + 1] = {0};
	char *dropin = NULL;
	if (in->grub_main.exists)
		rc = hv_grub_file_filter(in->grub_main.rel, in->grub_main.data, d, defsz, p->removed,
					 sizeof(p->removed), &texts[0]);
	for (int i = 0; rc == 0 && i < in->ngrub_others; i++)
		rc = hv_grub_file_filter(in->grub_others[i].rel, in->grub_others[i].data, d, defsz, p->removed,
					 sizeof(p->removed), &texts[1 + i]);
	if (rc == 0 && p->bootparams[0] && !(dropin = hv_grub_dropin_text(p->bootparams)))
		rc = hv_fail(ENOMEM, "out of memory");
	if (rc == 0)
		rc = grub_verify(d, in, defsz, (const char *const *)texts, dropin, p);
	for (int i = 0; i <= in->ngrub_others; i++) {
		const struct hv_file *f = i == 0 ? &in->grub_main : &in->grub_others[i - 1];
		if (!f->exists)
			continue;
		int before = p->n;
		/* file_action owns the text from here on */
		if (rc == 0)
			rc = file_action(p, f, texts[i], false);
		else
			free(texts[i]);
		texts[i] = NULL;
		changed += p->n - before;
	}
	if (rc < 0) {
		free(dropin);
		return rc;
	}
	int before = p->n;
	rc = dropin ? file_action(p, &in->grub_dropin, dropin, false) : file_action(p, &in->grub_dropin, NULL, true);
	if (rc < 0)
		return rc;
	changed += p->n - before;
	if (!changed)
		return 0;
	const char *argv[4];
	if (in->update_grub[0] || !in->grub_mkconfig[0]) {
		hv_grub_tool_argv("update-grub", argv);
		return exec_action(p, argv[0], argv, in->update_grub[0] ? NULL : "not found under the root");
	}
	hv_grub_tool_argv(strstr(in->grub_mkconfig, "grub2") ? "grub2-mkconfig" : "grub-mkconfig", argv);
	return exec_action(p, argv[0], argv, NULL);
}

static int plan_kernel_install(const struct hv_desired *d, const struct hv_apply_inputs *in, uint64_t defsz,
			       struct hv_actions *p)
{
	/* what kernel-install gives entries now: /etc/kernel/cmdline, else the
	 * vendor's first line, else the running command line */
	char *vendor = NULL;
	if (!in->kernel_cmdline.exists && in->kernel_cmdline_vendor.exists &&
	    !(vendor = strndup(in->kernel_cmdline_vendor.data, strcspn(in->kernel_cmdline_vendor.data, "\n"))))
		return hv_fail(ENOMEM, "out of memory");
	const char *base = in->kernel_cmdline.exists ? in->kernel_cmdline.data
			   : vendor			 ? vendor
			   : in->proc_cmdline		 ? in->proc_cmdline
							 : "";
	size_t cap = strlen(base) + strlen(p->bootparams) + 4;
	char *kept = malloc(cap), *dropped = calloc(1, cap);
	if (!kept || !dropped) {
		free(kept);
		free(dropped);
		free(vendor);
		return hv_fail(ENOMEM, "out of memory");
	}
	int rc = hv_cmdline_filter(base, d, defsz, kept, cap, p->removed, sizeof(p->removed));
	bool from_proc = !in->kernel_cmdline.exists && !vendor;
	free(vendor);
	if (rc < 0) {
		free(kept);
		free(dropped);
		return rc;
	}
	if (from_proc) {
		/* kernel-install's own fallback drops these from /proc/cmdline */
		char *k2 = malloc(cap);
		if (!k2) {
			free(kept);
			free(dropped);
			return hv_fail(ENOMEM, "out of memory");
		}
		k2[0] = '\0';
		size_t n;
		for (const char *q = kept; (n = hv_karg_step(&q)) > 0; q += n) {
			if (strncmp(q, "BOOT_IMAGE=", 11) && strncmp(q, "initrd=", 7)) {
				size_t l = strlen(k2);
				snprintf(k2 + l, cap - l, "%s%.*s", l ? " " : "", (int)n, q);
			}
		}
		free(kept);
		kept = k2;
	}
	free(dropped);
	size_t l = strlen(kept);
	snprintf(kept + l, cap - l, "%s%s\n", l && p->bootparams[0] ? " " : "", p->bootparams);
	/* the options kernel-install's 90-loaderentry writes are the file's
	 * words; an open quote kept from the old line would swallow ours */
	char *rem = calloc(1, cap + 1), *k2 = malloc(cap);
	rc = rem && k2 ? hv_cmdline_filter(kept, d, defsz, k2, cap, rem, cap + 1) : hv_fail(ENOMEM, "out of memory");
	if (rc >= 0 && strcmp(rem, p->bootparams))
		rc = hv_fail(ENOTSUP,
			     "/%s: the kernel would read '%.300s' where apply wants exactly '%s' (a double quote left "
			     "open in the line swallows the parameters after it); fix the line by hand and run apply again",
			     HV_KERNEL_CMDLINE, rem[0] ? rem : "(none of them)", p->bootparams);
	free(rem);
	free(k2);
	if (rc < 0) {
		free(kept);
		return rc;
	}
	int before = p->n;
	rc = file_action(p, &in->kernel_cmdline, kept, false);
	if (rc < 0 || p->n == before)
		return rc;
	if (in->kernel_image) {
		char img[200];
		snprintf(img, sizeof(img), "/boot/vmlinuz-%s", in->release);
		const char *const argv[] = {"kernel-install", "add", in->release, img, NULL};
		return exec_action(p, "kernel-install", argv, NULL);
	}
	struct hv_action *a = hv_actions_add(p, HV_ACT_MANUAL);
	if (!a)
		return hv_fail(E2BIG, "too many actions");
	snprintf(a->text, sizeof(a->text),
		 "then run 'kernel-install add VERSION /boot/vmlinuz-VERSION' for each installed kernel "
		 "(/boot/vmlinuz-%s was not found, so it is not run)",
		 in->release[0] ? in->release : "RELEASE");
	return 0;
}

/* On Boot Loader Specification hosts, the parameters for kernels installed
 * later: the kernel-install plug-in reads them from the record. */
static int plan_boot_record(const struct hv_desired *d, const struct hv_apply_inputs *in, struct hv_actions *p)
{
	char name[300], *t;
	snprintf(name, sizeof(name), "/%s", HV_BOOT_RECORD);
	int rc = hv_boot_record_text(name, in->boot_record.data, d, &t);
	return rc < 0 ? rc : file_action(p, &in->boot_record, t, false);
}

/* grubby edits every boot entry: the step runs it, once apply has checked
 * that the arguments it leaves give the kernel exactly ours */
static int plan_grubby(const struct hv_desired *d, const struct hv_apply_inputs *in, uint64_t defsz,
		       struct hv_actions *p)
{
	char *kept = malloc(65536);
	if (!kept)
		return hv_fail(ENOMEM, "out of memory");
	const char *cur = in->proc_cmdline ? in->proc_cmdline : "";
	int nrem = hv_cmdline_filter(cur, d, defsz, kept, 65536, p->removed, sizeof(p->removed));
	if (nrem < 0) {
		free(kept);
		return nrem;
	}
	/* grubby appends ours to each entry's arguments: an open quote there
	 * (as in the running command line) would swallow them */
	size_t l = strlen(kept);
	char *rem = calloc(1, 65536 + sizeof(p->bootparams)), *k2 = malloc(65536 + sizeof(p->bootparams));
	int vr = rem && k2 ? 0 : hv_fail(ENOMEM, "out of memory");
	if (vr == 0 && l + 2 + strlen(p->bootparams) < 65536) {
		snprintf(kept + l, 65536 - l, " %s", p->bootparams);
		vr = hv_cmdline_filter(kept, d, defsz, k2, 65536 + sizeof(p->bootparams), rem, 65536);
		if (vr >= 0 && strcmp(rem, p->bootparams))
			vr = hv_fail(ENOTSUP,
				     "/proc/cmdline: grubby would give the kernel '%.300s' where apply wants exactly "
				     "'%s' (a double quote left open swallows the parameters after it); fix the "
				     "boot entries by hand and run apply again",
				     rem[0] ? rem : "(none of them)", p->bootparams);
	}
	free(rem);
	free(k2);
	free(kept);
	if (vr < 0)
		return vr;
	if (nrem == 0 && all_present(cur, p->bootparams))
		return 0;
	/* grubby cannot remove one `hugepages=` of two: take them all out and
	 * put ours back; the kept ones are unaffected as they are not ours. */
	char remove_arg[HV_GRUBBY_ARG_MAX], add_arg[HV_GRUBBY_ARG_MAX];
	const char *argv[5];
	if (hv_grubby_argv(p->removed, p->bootparams, remove_arg, add_arg, argv) == 2)
		return 0;
	note(p, "grubby changes the boot entries; /proc/cmdline shows them after a reboot, "
		"until then apply --persist runs grubby again (no harm)");
	return exec_action(p, "grubby", argv, in->grubby[0] ? NULL : "not found under the root");
}

/* no tool apply can run: the step says what to change by hand */
static int plan_manual_cmdline(const struct hv_desired *d, const struct hv_apply_inputs *in, uint64_t defsz,
			       struct hv_actions *p)
{
	const char *cur = in->proc_cmdline ? in->proc_cmdline : "";
	char *kept = malloc(65536);
	if (!kept)
		return hv_fail(ENOMEM, "out of memory");
	int nrem = hv_cmdline_filter(cur, d, defsz, kept, 65536, p->removed, sizeof(p->removed));
	free(kept);
	if (nrem < 0)
		return nrem;
	if (nrem == 0 && all_present(cur, p->bootparams))
		return 0;
	struct hv_action *a = hv_actions_add(p, HV_ACT_MANUAL);
	if (!a)
		return hv_fail(E2BIG, "too many actions");
	snprintf(a->text, sizeof(a->text), "%sadd to the kernel command line in your boot loader: %.400s%s%.400s",
		 d->bootloader == HV_BL_MANUAL ? "" : "no boot loader tooling found: ",
		 p->bootparams[0] ? p->bootparams : "(nothing)", p->removed[0] ? "; and remove: " : "",
		 p->removed);
	return 0;
}

/* Another boot-time writer of a limit this run persists: systemd-sysctl
 * and systemd-tmpfiles-setup run in no fixed order, and of two tmpfiles.d
 * lines for one file the earlier file name or the later glob wins, so
 * the value a boot ends with is not the one asked for. */
static void overcommit_writers_notes(const struct hv_desired *d, const struct hv_host *h,
				     const struct hv_apply_inputs *in, struct hv_actions *p)
{
	uint64_t defsz = hv_default_hugepage_size(h);
	for (int i = 0; i < in->noc_writers; i++) {
		const struct hv_oc_writer *w = &in->oc_writers[i];
		for (int j = 0; j < d->novercommit; j++) {
			uint64_t size = d->overcommit[j].size;
			if (w->size != size && w->size != UINT64_MAX && !(w->size == 0 && defsz == size))
				continue;
			char name[16];
			hv_hstate_name(size, name, sizeof(name));
			long long want = (long long)d->overcommit[j].count;
			const char *kind = w->size == 0 ? " (vm.nr_overcommit_hugepages: the default size)"
					   : w->size == UINT64_MAX ? " (its path names several sizes)"
								   : "";
			/* systemd-tmpfiles keeps the first line for a path and ignores the
			 * others ("Duplicate line for path"); lines for different paths
			 * (a glob) are all written, in the order of their files' names */
			char outcome[300];
			if (w->sysctl)
				snprintf(outcome, sizeof(outcome),
					 "systemd-sysctl and systemd-tmpfiles run in no fixed order, so a boot may end "
					 "with either value; remove that line to keep %lld", want);
			else if (w->exact && w->before_ours)
				snprintf(outcome, sizeof(outcome),
					 "its file name sorts before 90-hvoplan.conf, so systemd-tmpfiles writes it and "
					 "ignores hvoplan's line (\"Duplicate line for path\"); remove that line to keep %lld",
					 want);
			else if (w->exact)
				snprintf(outcome, sizeof(outcome),
					 "systemd-tmpfiles keeps hvoplan's line (90-hvoplan.conf sorts first) and warns "
					 "\"Duplicate line for path\" about that one; remove it to keep the boot quiet");
			else if (w->before_ours)
				snprintf(outcome, sizeof(outcome),
					 "systemd-tmpfiles writes it first and hvoplan's line after it, so the boot ends "
					 "with %lld", want);
			else
				snprintf(outcome, sizeof(outcome),
					 "systemd-tmpfiles writes it after hvoplan's line (its file name sorts after "
					 "90-hvoplan.conf), so the boot ends with '%s'; remove that line to keep %lld",
					 w->value, want);
			note(p, "%s also sets the %s overcommit limit at boot, to '%s'%s: %s", w->where, name, w->value,
			     kind, outcome);
			break;
		}
	}
}

/* Whether the file of "DIR/NAME:LINE" is read after hvoplan's drop-in:
 * systemd-sysctl reads the files in the order of their names. */
static bool sorts_after_ours(const char *where)
{
	const char *b = strrchr(where, '/');
	char name[256];
	b = b ? b + 1 : where;
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(b, ":"), b);
	return strcmp(name, "90-hvoplan.conf") > 0;
}

/* What the other boot-time writers would make of the persisted state, as
 * hvoplan verify reads them (doc/kernel-rules.md, "What the next boot
 * sets"): said before anything is written. */
static void persist_lint(const struct hv_desired *d, const struct hv_host *h, const struct hv_apply_inputs *in,
			 struct hv_actions *p)
{
	const struct hv_persisted *ps = in->persisted;
	if (!ps)
		return;
	long long v;
	if (d->hvo >= 0 && h->sysctl_hvo != HV_UNKNOWN && hv_sysctl_int(&ps->hvo, &v) &&
	    strncmp(ps->hvo.where, HV_SYSCTL_DROPIN ":", strlen(HV_SYSCTL_DROPIN) + 1) && (v != 0) != (d->hvo != 0) &&
	    sorts_after_ours(ps->hvo.where))
		note(p, "%s sets vm.hugetlb_optimize_vmemmap = %s and systemd-sysctl reads it after 90-hvoplan.conf: "
			"the next boot gets %s, not %d; remove that line",
		     ps->hvo.where, ps->hvo.value, ps->hvo.value, d->hvo != 0);
	uint64_t defsz = hv_default_hugepage_size(h);
	for (int j = 0; j < d->npools; j++) {
		const struct hv_pool_req *q = &d->pools[j];
		if (q->node >= 0)
			continue;
		char name[16];
		hv_hstate_name(q->size, name, sizeof(name));
		/* the first line for a path is the one systemd-tmpfiles writes */
		const struct hv_tmpfiles_write *w = hv_tmpfiles_write_of(ps, q->size, -1, false);
		if (w && w->value >= 0 && w->value != q->count)
			note(p, "%s writes %lld to the %s pool at every boot (systemd-tmpfiles), after the kernel allocated the "
				"%lld of hugepages=: the pool ends at %lld; remove that line to keep %lld",
			     w->where, (long long)w->value, name, (long long)q->count, (long long)w->value,
			     (long long)q->count);
		if (q->size == defsz && hv_sysctl_int(&ps->nr_hugepages, &v) && v >= 0 && v != q->count)
			note(p, "%s sets vm.nr_hugepages = %lld: systemd-sysctl sets the %s pool to it at every boot, after the "
				"kernel allocated the %lld of hugepages=; remove that line to keep %lld",
			     ps->nr_hugepages.where, v, name, (long long)q->count, (long long)q->count);
	}
}

static int plan_persist(const struct hv_desired *d, const struct hv_host *h, const struct hv_apply_inputs *in,
			struct hv_actions *p)
{
	persist_lint(d, h, in, p);
	int rc;
	if (d->hvo >= 0) {
		char *t = hv_sysctl_dropin_text(d->hvo);
		if (!t)
			return hv_fail(ENOMEM, "out of memory");
		if ((rc = file_action(p, &in->sysctl_dropin, t, false)) < 0)
			return rc;
	}
	if (d->novercommit > 0) {
		char *t;
		if ((rc = hv_tmpfiles_text(&in->tmpfiles_dropin, d, &t)) < 0)
			return rc;
		if ((rc = file_action(p, &in->tmpfiles_dropin, t ? t : strdup(""), t == NULL)) < 0)
			return rc;
		overcommit_writers_notes(d, h, in, p);
	}
	if (d->hvo < 0 && d->npools == 0)
		return 0;
	bool dropped;
	if ((rc = hv_bootparams(d, h->kver_major, h->kver_minor, p->bootparams, sizeof(p->bootparams), &dropped)) < 0)
		return rc;
	if (dropped && h->kver_major <= 0)
		note(p, "the kernel release is unknown, so per-node hugepages= (5.16+) is not used: the boot pools get "
			"the node totals; run 'hvoplan apply --yes' at boot (examples/hvoplan-apply.service) to place "
			"them per node");
	else if (dropped)
		note(p, "kernel %d.%d has no per-node hugepages= (5.16+): the boot pools get the node totals; "
			"run 'hvoplan apply --yes' at boot (examples/hvoplan-apply.service) to place them per node",
		     h->kver_major, h->kver_minor);
	uint64_t defsz = hv_default_hugepage_size(h);
	p->bootloader = d->bootloader == HV_BL_AUTO ? in->detected : d->bootloader;
	switch (p->bootloader) {
	case HV_BL_GRUB:
		return plan_grub(d, in, defsz, p);
	case HV_BL_KERNEL_INSTALL:
		/* the record before the tool: its run of the plug-in reads it */
		return (rc = plan_boot_record(d, in, p)) < 0 ? rc : plan_kernel_install(d, in, defsz, p);
	case HV_BL_GRUBBY:
		return (rc = plan_boot_record(d, in, p)) < 0 ? rc : plan_grubby(d, in, defsz, p);
	default:
		return plan_manual_cmdline(d, in, defsz, p);
	}
}

static const struct hv_hstate *find_hs(const struct hv_host *h, uint64_t size)
{
	for (int i = 0; i < h->nhstates; i++)
		if (h->hstates[i].size == size)
			return &h->hstates[i];
	return NULL;
}

static void pool_rel(char *rel, size_t cap, uint64_t size, int node)
{
	if (node < 0)
		snprintf(rel, cap, "sys/kernel/mm/hugepages/hugepages-%llukB/nr_hugepages", (unsigned long long)(size >> 10));
	else
		snprintf(rel, cap, "sys/devices/system/node/node%d/hugepages/hugepages-%llukB/nr_hugepages", node,
			 (unsigned long long)(size >> 10));
}

static const struct hv_hstate_result *find_res(const struct hv_report *r, uint64_t size)
{
	for (int i = 0; i < r->nhstates; i++)
		if (r->hstates[i].size == size)
			return &r->hstates[i];
	return NULL;
}

/* One node's step of plan_reoptimize (node index j of hs, or the whole
 * pool without nodes); *promise is what the dry run still promises to save
 * and goes down with each step. */
static int reoptimize_node(struct hv_actions *p, const struct hv_report *r, const struct hv_hstate_result *o,
			   const struct hv_hstate *hs, int j, int64_t releasable, int64_t batch, bool exact,
			   int64_t *promise, struct hv_action **last)
{
	int nn = hs->nnodes;
	int64_t nr = nn ? hs->nodes[j].nr : hs->nr, fr = nn ? hs->nodes[j].free : hs->free,
		su = nn ? hs->nodes[j].surplus : hs->surplus;
	int64_t cnt = fr < releasable ? fr : releasable;
	if (cnt <= 0)
		return 0;
	struct hv_action *a = hv_actions_add(p, HV_ACT_REOPTIMIZE);
	if (!a)
		return hv_fail(E2BIG, "too many actions");
	*last = a;
	a->size = o->size;
	a->node = nn ? hs->nodes[j].node : -1;
	pool_rel(a->rel, sizeof(a->rel), a->size, a->node);
	a->from = a->to = nr - (su > 0 ? su : 0);
	a->count = cnt;
	a->batch = batch;
	char where[32] = "", what[96], saves[96] = "";
	if (a->node >= 0)
		snprintf(where, sizeof(where), " on node %d", a->node);
	if (cnt < fr)
		snprintf(what, sizeof(what), "release %lld of its %lld free pages (the others are reserved)",
			 (long long)cnt, (long long)fr);
	else
		snprintf(what, sizeof(what), "release its %lld free pages", (long long)cnt);
	if (*promise != HV_UNKNOWN && r->page_size > 0) {
		int64_t n = cnt < *promise ? cnt : *promise;
		*promise -= n;
		uint64_t bytes = (uint64_t)n * o->optimizable_bytes_per_page;
		char hb[32];
		hv_fmt_size(bytes, hb, sizeof(hb));
		snprintf(saves, sizeof(saves), "; saves %s%llu vmemmap pages (%s)", exact ? "" : "up to ",
			 (unsigned long long)(bytes / (uint64_t)r->page_size), hb);
	}
	snprintf(a->text, sizeof(a->text),
		 "re-optimize %s%s: %s and allocate them again with HVO on (%lld pages per write)%s", o->name, where,
		 what, (long long)batch, saves);
	if (o->size >= (1ull << 30))
		p->gigantic_release = true;
	return 0;
}

static int plan_reoptimize(const struct hv_desired *d, const struct hv_host *h, const struct hv_report *r,
			   struct hv_actions *p)
{
	for (int i = 0; i < r->nhstates; i++) {
		const struct hv_hstate_result *o = &r->hstates[i];
		const struct hv_hstate *hs = find_hs(h, o->size);
		if (!hs || o->optimizable_bytes_per_page == 0 || o->nr <= 0)
			continue;
		int64_t stale = o->unoptimized_pages;
		/* Turning HVO on in this run: every page there now was allocated with it off. */
		if (h->sysctl_hvo == 0 && d->hvo == 1 && stale == HV_UNKNOWN)
			stale = o->nr;
		if (stale == 0) {
			note(p, "%s: no un-optimized pages, nothing to re-optimize", o->name);
			continue;
		}
		if (stale == HV_UNKNOWN)
			note(p, "%s: un-optimized pages cannot be counted on this kernel (no memmap counters before 6.11); "
				"cycling every free page that is not reserved",
			     o->name);
		/* The kernel keeps free pages for every reservation and counts
		 * every page in use, surplus ones too, against the persistent
		 * pool: a shrink frees at most free - resv - surplus pages and
		 * turns the rest into surplus pages, which leave the pool for
		 * good once their users let go. */
		int64_t resv = hs->resv > 0 ? hs->resv : 0, surplus = hs->surplus > 0 ? hs->surplus : 0;
		int64_t releasable = hs->free - resv - surplus;
		if (releasable < 0)
			releasable = 0;
		int64_t left = stale == HV_UNKNOWN ? 0 : stale - (stale < releasable ? stale : releasable);
		if (left > 0) {
			char sur[48] = "";
			if (surplus)
				snprintf(sur, sizeof(sur), ", %lld surplus", (long long)surplus);
			note(p, "%s: %lld un-optimized pages cannot be re-optimized now: the kernel releases no page in use "
				"or reserved, and the pool has %lld in use and %lld reserved (mapped, not touched yet)%s; "
				"run --reoptimize again once their users free them",
			     o->name, (long long)left, (long long)(hs->nr - hs->free), (long long)resv, sur);
		}
		if (releasable == 0) {
			if (left == 0)
				note(p, "%s: every free page is reserved or backs a surplus page: nothing can be released now",
				     o->name);
			continue;
		}
		int64_t batch = d->batch > 0 ? d->batch : (int64_t)((1ull << 30) / o->size);
		if (batch < 1)
			batch = 1;
		/* what the dry run promises: exact when every page is stale */
		int64_t promise = stale == HV_UNKNOWN ? HV_UNKNOWN : stale;
		bool exact = stale >= hs->nr;
		/* The kernel frees pool pages newest first, so a page re-allocated
		 * in one batch would be the first freed by the next: release all
		 * free pages of a node before growing it back. Per node, so the
		 * pool keeps its placement; each node is whole again before the
		 * next one, so each may release up to the global limit. */
		int nn = hs->nnodes;
		struct hv_action *last = NULL;
		for (int j = 0; j < (nn ? nn : 1); j++) {
			int rc = reoptimize_node(p, r, o, hs, j, releasable, batch, exact, &promise, &last);
			if (rc < 0)
				return rc;
		}
		if (last)
			last->left = left;
	}
	return 0;
}

/* A pool that grows: how many of the new pages the buddy allocator has
 * free now and could have after compaction, and a note when that is fewer
 * than asked. */
static void forecast(const struct hv_apply_inputs *in, const struct hv_report *r, const char *name,
		     const char *where, struct hv_action *a, struct hv_actions *p)
{
	hv_forecast_pool(&in->free, r->page_size, a->size, a->node, &a->forecast);
	const struct hv_forecast *f = &a->forecast;
	int64_t want = a->to - a->from;
	if (f->basis == HV_FC_UNKNOWN)
		return;
	size_t len = strlen(a->text);
	if (f->basis == HV_FC_FREE_MEMORY)
		snprintf(a->text + len, sizeof(a->text) - len, "; free memory for at most %lld now", (long long)f->pages);
	else
		snprintf(a->text + len, sizeof(a->text) - len, "; %lld free now, at most %lld after compaction",
			 (long long)f->pages, (long long)f->compacted);
	if (f->pages >= want)
		return;
	const char *wm = f->watermarks ? " above the min watermark" : "";
	if (f->basis == HV_FC_FREE_BLOCKS && f->compacted >= want)
		note(p, "%s pool%s: %lld of the %lld new pages are free blocks now (/proc/buddyinfo); the free "
			"memory%s holds them all, so the kernel's compaction can assemble the rest",
		     name, where, (long long)f->pages, (long long)want, wm);
	else
		note(p, "%s pool%s: the free memory%s holds at most %lld of the %lld new pages; the rest needs "
			"memory reclaimed first, and the kernel may stop short: apply reads back what it got",
		     name, where, wm, (long long)f->compacted, (long long)want);
}

/* The step that sets one pool the user asked for (--pages), with the notes
 * on what the kernel will make of it. */
static int plan_pool(const struct hv_desired *d, const struct hv_host *h, const struct hv_report *r,
		     const struct hv_apply_inputs *in, const struct hv_pool_req *q, struct hv_actions *p)
{
	const struct hv_hstate *hs = find_hs(h, q->size);
	if (!hs)
		return hv_fail(EINVAL, "no pool of that size");
	int64_t nr = hs->nr, fr = hs->free, su = hs->surplus;
	if (q->node >= 0)
		for (int j = 0; j < hs->nnodes; j++)
			if (hs->nodes[j].node == q->node) {
				nr = hs->nodes[j].nr;
				fr = hs->nodes[j].free;
				su = hs->nodes[j].surplus;
			}
	/* nr_hugepages takes the persistent count: nr - surplus */
	int64_t persistent = nr - (su > 0 ? su : 0);
	char rel[256], name[16], where[32] = "", sur[48] = "";
	hv_hstate_name(q->size, name, sizeof(name));
	if (q->node >= 0)
		snprintf(where, sizeof(where), " on node %d", q->node);
	pool_rel(rel, sizeof(rel), q->size, q->node);
	struct hv_action *a = persistent == q->count ? hv_actions_same(p, HV_ACT_POOL, rel) : hv_actions_add(p, HV_ACT_POOL);
	if (!a)
		return persistent == q->count ? 0 : hv_fail(E2BIG, "too many actions");
	a->size = q->size;
	a->node = q->node;
	snprintf(a->rel, sizeof(a->rel), "%s", rel);
	a->from = persistent;
	a->to = q->count;
	if (persistent == q->count) {
		snprintf(a->text, sizeof(a->text), "%s pool%s is %lld page%s, as wanted", name, where, (long long)persistent,
			 persistent == 1 ? "" : "s");
		return 0;
	}
	if (su > 0)
		snprintf(sur, sizeof(sur), " (and %lld surplus in use)", (long long)su);
	snprintf(a->text, sizeof(a->text), "set %s pool%s %lld -> %lld page%s%s", name, where, (long long)persistent,
		 (long long)q->count, q->count == 1 ? "" : "s", sur);
	if (q->count > persistent)
		forecast(in, r, name, where, a, p);
	/* the kernel keeps pages in use and reserved, as surplus pages */
	int64_t resv = q->node < 0 && hs->resv > 0 ? hs->resv : 0, keep = nr - fr + resv;
	if (q->count < keep)
		note(p, "%s pool%s: %lld pages are in use and %lld reserved; the kernel keeps them, so shrinking to "
			"%lld leaves %lld as surplus pages that leave the pool as they are freed",
		     name, where, (long long)(nr - fr), (long long)resv, (long long)q->count,
		     (long long)(keep - q->count));
	int after = d->hvo >= 0 ? d->hvo : h->sysctl_hvo;
	const struct hv_hstate_result *res = find_res(r, q->size);
	if (q->count > persistent && after == 0 && res && res->optimizable_bytes_per_page > 0)
		note(p, "%s pool%s: the %lld new %s pages will not be optimized: vm.hugetlb_optimize_vmemmap is 0; "
			"add --hvo on to allocate them with HVO",
		     name, where, (long long)(q->count - persistent), name);
	return 0;
}

/* The step that sets one overcommit limit (--overcommit). */
static int plan_overcommit(const struct hv_host *h, const struct hv_pool_req *q, struct hv_actions *p)
{
	const struct hv_hstate *hs = find_hs(h, q->size);
	if (!hs)
		return hv_fail(EINVAL, "no pool of that size");
	char rel[256], name[16];
	hv_hstate_name(q->size, name, sizeof(name));
	hv_overcommit_rel(rel, sizeof(rel), q->size);
	bool same = hs->overcommit == q->count;
	struct hv_action *a = same ? hv_actions_same(p, HV_ACT_OVERCOMMIT, rel) : hv_actions_add(p, HV_ACT_OVERCOMMIT);
	if (!a)
		return same ? 0 : hv_fail(E2BIG, "too many actions");
	a->size = q->size;
	snprintf(a->rel, sizeof(a->rel), "%s", rel);
	a->from = hs->overcommit;
	a->to = q->count;
	if (same) {
		snprintf(a->text, sizeof(a->text), "%s overcommit limit is %lld page%s, as wanted", name,
			 (long long)a->to, a->to == 1 ? "" : "s");
		return 0;
	}
	snprintf(a->text, sizeof(a->text),
		 "set %s overcommit limit %lld -> %lld page%s (surplus pages allocated on demand beyond the pool)",
		 name, (long long)a->from, (long long)a->to, a->to == 1 ? "" : "s");
	/* measured on 6.18: any write, even 0, gets EINVAL for a gigantic hstate */
	if (q->size >= (1ull << 30))
		note(p, "%s pages are gigantic: the kernel (6.18 measured) refuses an overcommit limit for them "
			"(nr_overcommit_hugepages_store() returns EINVAL); if it does, apply rolls every change back",
		     name);
	if (hs->surplus > q->count)
		note(p, "%s overcommit: %lld surplus pages are in use, more than the new limit of %lld; the kernel "
			"keeps them until they are freed and makes no new ones until the count is under the limit",
		     name, (long long)hs->surplus, (long long)q->count);
	return 0;
}

int hv_actions_build(const struct hv_desired *d, const struct hv_host *h, const struct hv_report *r,
		     const struct hv_apply_inputs *in, struct hv_actions *p)
{
	memset(p, 0, sizeof(*p));
	p->bootloader = HV_BL_MANUAL;
	int rc;
	if (d->persist && (rc = plan_persist(d, h, in, p)) < 0)
		return rc;
	if (d->hvo >= 0 && h->sysctl_hvo == d->hvo) {
		struct hv_action *a = hv_actions_same(p, HV_ACT_SYSCTL, HV_SYSCTL_REL);
		if (a) {
			a->from = a->to = d->hvo;
			snprintf(a->text, sizeof(a->text), "vm.hugetlb_optimize_vmemmap is %d, as wanted", d->hvo);
		}
	}
	if (d->hvo >= 0 && h->sysctl_hvo != d->hvo) {
		struct hv_action *a = hv_actions_add(p, HV_ACT_SYSCTL);
		if (!a)
			return hv_fail(E2BIG, "too many actions");
		snprintf(a->rel, sizeof(a->rel), "%s", HV_SYSCTL_REL);
		a->from = h->sysctl_hvo;
		a->to = d->hvo;
		snprintf(a->text, sizeof(a->text), "set vm.hugetlb_optimize_vmemmap %lld -> %lld", (long long)a->from,
			 (long long)a->to);
		if (d->hvo == 1 && !d->reoptimize) {
			for (int i = 0; i < h->nhstates; i++)
				if (h->hstates[i].nr > 0) {
					note(p, "pages allocated before HVO is turned on stay un-optimized; "
						"add --reoptimize to re-allocate the free ones");
					break;
				}
		}
	}
	if (d->reoptimize && (rc = plan_reoptimize(d, h, r, p)) < 0)
		return rc;
	for (int i = 0; i < d->npools; i++)
		if ((rc = plan_pool(d, h, r, in, &d->pools[i], p)) < 0)
			return rc;
	for (int i = 0; i < d->novercommit; i++)
		if ((rc = plan_overcommit(h, &d->overcommit[i], p)) < 0)
			return rc;
	if (d->persist && d->npools > 0 && r->hvo_compiled != HV_NO &&
	    (d->hvo >= 0 ? d->hvo != 1 : !r->hvo_at_boot)) {
		char list[256] = "";
		for (int i = 0; i < d->npools; i++) {
			const struct hv_hstate_result *res = find_res(r, d->pools[i].size);
			if (!res || res->optimizable_bytes_per_page == 0 || d->pools[i].count == 0)
				continue;
			size_t l = strlen(list);
			snprintf(list + l, sizeof(list) - l, "%s%s:%lld", l ? ", " : "", res->name,
				 (long long)d->pools[i].count);
		}
		if (list[0])
			note(p, "the boot pools (%s) will not be optimized at boot: the kernel command line will not have "
				"hugetlb_free_vmemmap=on (sysctl.d is applied after the boot pools are allocated); add --hvo on",
			     list);
	}
	return 0;
}

static void action_free(struct hv_action *a)
{
	free(a->old_data);
	free(a->new_data);
	for (int k = 0; k < a->argc; k++)
		free(a->argv[k]);
	a->old_data = a->new_data = NULL;
	a->argc = 0;
}

void hv_actions_free(struct hv_actions *p)
{
	for (int i = 0; i < p->n; i++)
		action_free(&p->a[i]);
	for (int i = 0; i < p->nsame; i++)
		action_free(&p->same[i]);
	p->n = p->nsame = 0;
}
