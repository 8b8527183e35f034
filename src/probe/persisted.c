/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the host persisted for the next boot (include/verify.h), read the
 * way the boot-time consumers read it: systemd-sysctl and systemd-tmpfiles
 * (every .conf of their directories, a name in an earlier directory
 * hiding the same name in a later one, a link to /dev/null masking it, in
 * the order of the names), grub-mkconfig (etc/default/grub, then
 * etc/default/grub.d/ *.cfg, as sh sources them), the boot loader's own
 * entries, and kernel-install (etc/kernel/cmdline). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "hv_error.h"
#include "parse.h"
#include "probe.h"
#include "strutil.h"
#include "verify.h"

#define CONF_MAX (1 << 20) /* bytes of one configuration file */
#define MAX_NAMES 512	   /* files of one kind: more are not read (noted) */

struct conf_file {
	char name[256];
	char rel[300];
	bool masked;
};

static int cmp_conf(const void *a, const void *b)
{
	return strcmp(((const struct conf_file *)a)->name, ((const struct conf_file *)b)->name);
}

static void unread(struct hv_persisted *p, const char *what)
{
	if (p->nunread++ == 0)
		hv_copy(p->unread, sizeof(p->unread), what);
}

/* The files of dirs ending in suffix, in the order their consumer reads
 * them; *n of them in *out (malloc'ed). */
static int conf_files(const struct hv_root *r, const char *const *dirs, const char *suffix, struct hv_persisted *p,
		      struct conf_file **out, int *n)
{
	struct conf_file *v = calloc(MAX_NAMES, sizeof(*v));
	*out = v;
	*n = 0;
	if (!v)
		return hv_fail(ENOMEM, "out of memory");
	size_t sl = strlen(suffix);
	for (const char *const *dir = dirs; *dir; dir++) {
		int fd = hv_root_openat(r, *dir, O_RDONLY | O_DIRECTORY);
		if (fd < 0) {
			if (fd != -ENOENT && fd != -ENOTDIR) {
				char why[300];
				snprintf(why, sizeof(why), "%s: %s", hv_root_name(r, *dir), strerror(-fd));
				unread(p, why);
			}
			continue;
		}
		DIR *d = fdopendir(fd);
		if (!d) {
			close(fd);
			continue;
		}
		struct dirent *e;
		while ((e = readdir(d))) {
			size_t l = strlen(e->d_name);
			if (e->d_name[0] == '.' || l <= sl || l >= sizeof(v[0].name) || strcmp(e->d_name + l - sl, suffix))
				continue;
			bool seen = false;
			for (int i = 0; i < *n && !seen; i++)
				seen = !strcmp(v[i].name, e->d_name);
			if (seen)
				continue; /* an earlier directory's file of that name wins */
			if (*n >= MAX_NAMES) {
				unread(p, "more configuration files than hvoplan reads (512)");
				break;
			}
			struct conf_file *c = &v[(*n)++];
			hv_copy(c->name, sizeof(c->name), e->d_name);
			snprintf(c->rel, sizeof(c->rel), "%s/%s", *dir, e->d_name);
			char link[64];
			ssize_t k = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
			if (k > 0) {
				link[k] = '\0';
				c->masked = !strcmp(link, "/dev/null");
			}
		}
		closedir(d);
	}
	qsort(v, (size_t)*n, sizeof(*v), cmp_conf);
	return 0;
}

/* The text of rel, NULL when absent; an unreadable file is counted. */
static char *read_conf(const struct hv_root *r, const char *rel, size_t *len, struct hv_persisted *p)
{
	char *buf = NULL;
	int rc = hv_root_read(r, rel, CONF_MAX, &buf, len);
	if (rc == 0)
		return buf;
	if (rc != -ENOENT && rc != -ENOTDIR)
		unread(p, hv_last_error());
	hv_clear_error();
	return NULL;
}

static void sysctl_key(const char *rel, const char *text, size_t len, const char *key, struct hv_sysctl_setting *s)
{
	char val[32];
	int line;
	if (hv_sysctl_conf_get(text, len, key, val, sizeof(val), &line)) {
		s->set = true;
		hv_copy(s->value, sizeof(s->value), val);
		snprintf(s->where, sizeof(s->where), "%.280s:%d", rel, line);
	}
}

/* Calls fn with the text of each file of dirs (a systemd configuration
 * directory set) in the order its consumer reads them; masked ones are
 * none. */
static int each_conf(const struct hv_root *r, const char *const *dirs, struct hv_persisted *p,
		     int (*fn)(const char *rel, const char *text, size_t len, struct hv_persisted *p))
{
	struct conf_file *v;
	int n, rc = conf_files(r, dirs, ".conf", p, &v, &n);
	for (int i = 0; rc == 0 && i < n; i++) {
		size_t len;
		char *t = v[i].masked ? NULL : read_conf(r, v[i].rel, &len, p);
		if (!t)
			continue;
		rc = fn(v[i].rel, t, len, p);
		free(t);
	}
	free(v);
	return rc;
}

static int sysctl_file(const char *rel, const char *t, size_t len, struct hv_persisted *p)
{
	sysctl_key(rel, t, len, "vm.hugetlb_optimize_vmemmap", &p->hvo);
	sysctl_key(rel, t, len, "vm.nr_hugepages", &p->nr_hugepages);
	sysctl_key(rel, t, len, "vm.nr_overcommit_hugepages", &p->nr_overcommit);
	if (!strcmp(rel, HV_SYSCTL_DROPIN))
		sysctl_key(rel, t, len, "vm.hugetlb_optimize_vmemmap", &p->hvo_ours);
	return 0;
}

static int tmpfiles_file(const char *rel, const char *t, size_t len, struct hv_persisted *p)
{
	return hv_tmpfiles_hugepage_writes(rel, t, len, p->writes, &p->nwrites, HV_MAX_TMPFILES_WRITES);
}

static const char *const sysctl_dirs[] = {"etc/sysctl.d", "run/sysctl.d", "usr/local/lib/sysctl.d", "usr/lib/sysctl.d",
					  "lib/sysctl.d", NULL};
static const char *const tmpfiles_dirs[] = {"etc/tmpfiles.d", "run/tmpfiles.d", "usr/local/lib/tmpfiles.d",
					    "usr/lib/tmpfiles.d", "lib/tmpfiles.d", NULL};

static int set_source(struct hv_cmdline_source *s, const char *where, const char *text)
{
	s->present = true;
	hv_copy(s->where, sizeof(s->where), where);
	if (!(s->text = strdup(text)))
		return hv_fail(ENOMEM, "out of memory");
	int rc = hv_parse_cmdline(s->text, strlen(s->text), &s->cl);
	if (rc == -ENOMEM)
		return rc;
	hv_clear_error(); /* a bad value is the model's to judge, as on /proc/cmdline */
	return 0;
}

/* GRUB_CMDLINE_LINUX and _DEFAULT as grub-mkconfig gets them. */
static int read_grub_defaults(const struct hv_root *r, struct hv_persisted *p)
{
	size_t len;
	char *main = read_conf(r, HV_GRUB_MAIN, &len, p);
	if (!main)
		return 0;
	struct hv_grub_env *env = calloc(1, sizeof(*env));
	if (!env) {
		free(main);
		return hv_fail(ENOMEM, "out of memory");
	}
	char where[300];
	snprintf(where, sizeof(where), "%s", HV_GRUB_MAIN);
	int rc = hv_grub_env_source(env, HV_GRUB_MAIN, main, NULL, NULL);
	free(main);
	static const char *const dirs[] = {HV_GRUB_DIR, NULL};
	struct conf_file *v = NULL;
	int n = 0;
	if (rc == 0)
		rc = conf_files(r, dirs, ".cfg", p, &v, &n);
	for (int i = 0; rc == 0 && i < n; i++) {
		char *t = read_conf(r, v[i].rel, &len, p);
		if (!t)
			continue;
		rc = hv_grub_env_source(env, v[i].rel, t, NULL, NULL);
		free(t);
		/* the files named in messages, as many as fit */
		size_t w = strlen(where), l = strlen(v[i].rel);
		if (w + 2 + l < sizeof(where)) {
			memcpy(where + w, ", ", 2);
			memcpy(where + w + 2, v[i].rel, l + 1);
		}
	}
	free(v);
	static const char *const names[] = {"GRUB_CMDLINE_LINUX", "GRUB_CMDLINE_LINUX_DEFAULT"};
	for (int k = 0; k < 2 && rc != -ENOMEM; k++) {
		struct hv_cmdline_source *s = k ? &p->grub_default : &p->grub_linux;
		const char *val;
		int g = rc == 0 ? hv_grub_env_get(env, names[k], &val) : rc;
		if (g == 0) {
			rc = set_source(s, where, val);
		} else {
			s->present = s->unknown = true;
			snprintf(s->where, sizeof(s->where), "%s", hv_last_error());
			hv_clear_error();
			rc = 0;
		}
	}
	hv_grub_env_free(env);
	free(env);
	return rc == -ENOMEM ? rc : 0;
}

static int read_entries(const struct hv_root *r, struct hv_persisted *p)
{
	static const char *const cfgs[] = {"boot/grub/grub.cfg", "boot/grub2/grub.cfg", NULL};
	int rc = 0;
	for (const char *const *c = cfgs; *c && !p->grub_cfg_read; c++) {
		size_t len;
		char *t = read_conf(r, *c, &len, p);
		if (!t)
			continue;
		p->grub_cfg_read = true;
		rc = hv_parse_grub_cfg(*c, t, len, p->entries, &p->nentries, HV_MAX_BOOT_ENTRIES, p->grub_default_entry,
				       sizeof(p->grub_default_entry));
		free(t);
		if (rc < 0)
			return rc;
		/* the environment block its load_env reads: $prefix/grubenv */
		char env[64];
		snprintf(env, sizeof(env), "%.*sgrubenv", (int)(strlen(*c) - strlen("grub.cfg")), *c);
		if ((t = read_conf(r, env, &len, p))) {
			p->grubenv_read = true;
			hv_parse_grubenv(t, len, "saved_entry", p->grub_saved_entry, sizeof(p->grub_saved_entry));
			hv_parse_grubenv(t, len, "next_entry", p->grub_next_entry, sizeof(p->grub_next_entry));
			free(t);
		}
	}
	static const char *const dirs[] = {"boot/loader/entries", "efi/loader/entries", "boot/efi/loader/entries", NULL};
	for (int k = 0; dirs[k]; k++) {
		const char *one[] = {dirs[k], NULL};
		struct conf_file *v;
		int n;
		if ((rc = conf_files(r, one, ".conf", p, &v, &n)) < 0)
			return rc;
		for (int i = 0; rc == 0 && i < n; i++) {
			size_t len;
			char *t = read_conf(r, v[i].rel, &len, p);
			if (!t)
				continue;
			p->bls_read = true;
			if (p->nentries < HV_MAX_BOOT_ENTRIES) {
				rc = hv_parse_bls_entry(v[i].rel, t, len, &p->entries[p->nentries]);
				if (rc == 0)
					p->nentries++;
			}
			free(t);
		}
		free(v);
		if (rc < 0)
			return rc;
	}
	p->entry_cl = calloc((size_t)(p->nentries ? p->nentries : 1), sizeof(*p->entry_cl));
	if (!p->entry_cl)
		return hv_fail(ENOMEM, "out of memory");
	for (int i = 0; i < p->nentries; i++) {
		rc = hv_parse_cmdline(p->entries[i].args, strlen(p->entries[i].args), &p->entry_cl[i]);
		if (rc == -ENOMEM)
			return rc;
		hv_clear_error();
	}
	return 0;
}

/* The record apply --persist keeps for the kernel-install plug-in, and
 * whether the plug-in is there: kernel-install takes /etc/kernel/install.d
 * over /usr/lib/kernel/install.d for a name, a link to /dev/null masking. */
static int read_boot_record(const struct hv_root *r, struct hv_persisted *p)
{
	static const char *const plugin[] = {"etc/kernel/install.d/95-hvoplan.install",
					     "usr/lib/kernel/install.d/95-hvoplan.install"};
	for (size_t i = 0; i < 2 && p->ki_plugin == HV_PLUGIN_NONE; i++) {
		char target[64];
		int fd = hv_root_openat(r, plugin[i], O_PATH | O_NOFOLLOW);
		if (fd < 0) {
			hv_clear_error();
			continue;
		}
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		struct stat st;
		/* a snapshot keeps a masking link as the empty file it reads */
		bool empty = n < 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0;
		close(fd);
		bool masked = empty || (n == 9 && !memcmp(target, "/dev/null", 9));
		p->ki_plugin = masked ? HV_PLUGIN_MASKED : HV_PLUGIN_INSTALLED;
		hv_copy(p->ki_plugin_where, sizeof(p->ki_plugin_where), plugin[i]);
	}
	size_t len;
	char *t = read_conf(r, HV_BOOT_RECORD, &len, p);
	if (!t)
		return 0;
	struct hv_desired *d = calloc(1, sizeof(*d));
	if (!d) {
		free(t);
		return hv_fail(ENOMEM, "out of memory");
	}
	int rc = 0;
	if (strlen(t) != len || hv_boot_record_desired(HV_BOOT_RECORD, t, d) < 0) {
		p->boot_record.present = p->boot_record_flat.present = true;
		p->boot_record.unknown = p->boot_record_flat.unknown = true;
		hv_copy(p->boot_record.where, sizeof(p->boot_record.where),
			strlen(t) != len ? HV_BOOT_RECORD ": holds a NUL byte" : hv_last_error());
		hv_clear_error();
	} else {
		char params[2048];
		bool dropped;
		p->record_hvo = d->hvo >= 0;
		for (int i = 0; i < d->npools; i++) {
			bool seen = false;
			for (int k = 0; k < p->nrecord_sizes; k++)
				seen |= p->record_sizes[k] == d->pools[i].size;
			if (!seen && p->nrecord_sizes < HV_MAX_CMDLINE_POOLS)
				p->record_sizes[p->nrecord_sizes++] = d->pools[i].size;
		}
		if ((rc = hv_bootparams(d, 5, 16, params, sizeof(params), &dropped)) == 0 &&
		    (rc = set_source(&p->boot_record, HV_BOOT_RECORD, params)) == 0 &&
		    (rc = hv_bootparams(d, 5, 15, params, sizeof(params), &dropped)) == 0)
			rc = set_source(&p->boot_record_flat, HV_BOOT_RECORD, params);
	}
	free(d);
	free(t);
	return rc;
}

int hv_probe_persisted(const struct hv_root *r, struct hv_persisted *p)
{
	memset(p, 0, sizeof(*p));
	int rc;
	if ((rc = each_conf(r, sysctl_dirs, p, sysctl_file)) < 0 || (rc = each_conf(r, tmpfiles_dirs, p, tmpfiles_file)) < 0 ||
	    (rc = read_grub_defaults(r, p)) < 0)
		return rc;
	size_t len;
	/* kernel-install's 90-loaderentry takes /etc/kernel/cmdline, else the
	 * vendor's /usr/lib/kernel/cmdline */
	const char *kc = HV_KERNEL_CMDLINE;
	char *t = read_conf(r, kc, &len, p);
	if (!t && !hv_root_exists(r, kc))
		t = read_conf(r, kc = HV_KERNEL_CMDLINE_VENDOR, &len, p);
	if (t) {
		/* kernel-install takes the file's first line, as the kernel's
		 * command line, for every entry it makes */
		t[strcspn(t, "\n")] = '\0';
		rc = set_source(&p->kernel_cmdline, kc, t);
		free(t);
		if (rc < 0)
			return rc;
	}
	if ((rc = read_boot_record(r, p)) < 0)
		return rc;
	rc = read_entries(r, p);
	hv_clear_error();
	return rc;
}

void hv_persisted_free(struct hv_persisted *p)
{
	for (int i = 0; i < p->nentries; i++)
		free(p->entries[i].args);
	free(p->grub_linux.text);
	free(p->grub_default.text);
	free(p->kernel_cmdline.text);
	free(p->boot_record.text);
	free(p->boot_record_flat.text);
	free(p->entry_cl);
	memset(p, 0, sizeof(*p));
}

/* Every file hv_probe_persisted() reads, for the snapshot: the winning
 * file of each name (a masked one is none), and of the sysctl.d and
 * tmpfiles.d ones only those that name hugepages (the rest set nothing
 * verify reads). */
int hv_persisted_files(const struct hv_root *r, hv_persisted_file_fn fn, void *arg)
{
	struct hv_persisted *p = calloc(1, sizeof(*p)); /* for conf_files()' notes only */
	if (!p)
		return hv_fail(ENOMEM, "out of memory");
	static const char *const grub_dirs[] = {HV_GRUB_DIR, NULL};
	static const char *const bls[][2] = {{"boot/loader/entries", NULL}, {"efi/loader/entries", NULL},
					     {"boot/efi/loader/entries", NULL}};
	struct {
		const char *const *dirs;
		const char *suffix;
		enum hv_persisted_kind kind;
	} sets[] = {{sysctl_dirs, ".conf", HV_PF_HUGEPAGES_ONLY}, {tmpfiles_dirs, ".conf", HV_PF_HUGEPAGES_ONLY},
		    {grub_dirs, ".cfg", HV_PF_WHOLE},		 {bls[0], ".conf", HV_PF_WHOLE},
		    {bls[1], ".conf", HV_PF_WHOLE},		 {bls[2], ".conf", HV_PF_WHOLE}};
	static const char *const fixed[] = {HV_GRUB_MAIN,
					    HV_KERNEL_CMDLINE,
					    HV_KERNEL_CMDLINE_VENDOR,
					    HV_BOOT_RECORD,
					    "boot/grub/grubenv",
					    "boot/grub2/grubenv",
					    "etc/kernel/install.d/95-hvoplan.install",
					    "usr/lib/kernel/install.d/95-hvoplan.install",
					    NULL};
	int rc = 0;
	for (int i = 0; rc == 0 && fixed[i]; i++)
		rc = fn(arg, fixed[i], HV_PF_WHOLE);
	if (rc == 0)
		rc = fn(arg, "boot/grub/grub.cfg", HV_PF_GRUB_CFG);
	if (rc == 0)
		rc = fn(arg, "boot/grub2/grub.cfg", HV_PF_GRUB_CFG);
	for (size_t k = 0; rc == 0 && k < sizeof(sets) / sizeof(sets[0]); k++) {
		struct conf_file *v;
		int n;
		if ((rc = conf_files(r, sets[k].dirs, sets[k].suffix, p, &v, &n)) < 0)
			break;
		for (int i = 0; rc == 0 && i < n; i++)
			if (!v[i].masked)
				rc = fn(arg, v[i].rel, sets[k].kind);
		free(v);
	}
	free(p);
	hv_clear_error();
	return rc;
}
