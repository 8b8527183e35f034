/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reads what the planner needs besides the probed host: the files apply may
 * edit and which boot loader tooling the root has; the running command
 * line and release come from the host the probe read. Symlinks at any of
 * these paths are refused (hv_read_file_at). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apply.h"
#include "probe.h"
#include "hv_error.h"

#define MAX_FILE (1 << 20)

static bool exists_at(const struct hv_root *root, const char *rel)
{
	struct stat st;
	return fstatat(root->fd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static void find_tool(const struct hv_root *root, char *out, size_t cap, const char *const *cands)
{
	out[0] = '\0';
	for (; *cands; cands++)
		if (exists_at(root, *cands)) {
			snprintf(out, cap, "%s", *cands);
			return;
		}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_grub_dir(const struct hv_root *root, struct hv_apply_inputs *in)
{
	int dfd;
	const char *base;
	int rc = hv_open_parent(root, HV_GRUB_DIR "/x", false, &dfd, &base, NULL, NULL, 0);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return hv_fail(errno, "%s/%s: %s", root->path, HV_GRUB_DIR, strerror(errno));
	}
	char *names[HV_MAX_GRUB_FILES];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		/* only what the glob *.cfg of grub-mkconfig matches: no dot files */
		if (l < 5 || e->d_name[0] == '.' || strcmp(e->d_name + l - 4, ".cfg") || !strcmp(e->d_name, "90-hvoplan.cfg"))
			continue;
		if (n >= HV_MAX_GRUB_FILES) {
			closedir(d);
			for (int i = 0; i < n; i++)
				free(names[i]);
			return hv_fail(E2BIG, "%s/%s: more than %d files", root->path, HV_GRUB_DIR, HV_MAX_GRUB_FILES);
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
	rc = 0;
	for (int i = 0; i < n; i++) {
		char rel[256];
		if (rc == 0 && names[i]) {
			snprintf(rel, sizeof(rel), "%s/%.200s", HV_GRUB_DIR, names[i]);
			if (!hv_rel_ok(rel))
				rc = hv_fail(EINVAL, "%s/%s: unusual file name; rename it", root->path, rel);
			else if ((rc = hv_read_file_at(root, rel, MAX_FILE, &in->grub_others[in->ngrub_others])) == 0)
				in->ngrub_others++;
		}
		free(names[i]);
	}
	return rc;
}

/* The *.conf files of the sysctl.d or tmpfiles.d directories, as systemd
 * reads them: a name in an earlier directory masks the same name in later
 * ones (a symlink too: to /dev/null it masks). Only scanned for other
 * writers of an overcommit limit, so what cannot be read is passed over:
 * a lint, not an input apply acts on. */
#define MAX_CONF_NAMES 512
static void scan_conf_dirs(const struct hv_root *root, const char *const *dirs, const char *ours, bool sysctl,
			   struct hv_apply_inputs *in)
{
	char *seen[MAX_CONF_NAMES];
	int nseen = 0;
	for (const char *const *dir = dirs; *dir; dir++) {
		char probe[256];
		int dfd;
		const char *base;
		snprintf(probe, sizeof(probe), "%s/x", *dir);
		if (hv_open_parent(root, probe, false, &dfd, &base, NULL, NULL, 0) < 0)
			continue;
		DIR *d = fdopendir(dfd);
		if (!d) {
			close(dfd);
			continue;
		}
		char *names[MAX_CONF_NAMES];
		int n = 0;
		struct dirent *e;
		while ((e = readdir(d)) && n < MAX_CONF_NAMES) {
			size_t l = strlen(e->d_name);
			if (l < 6 || e->d_name[0] == '.' || strcmp(e->d_name + l - 5, ".conf"))
				continue;
			bool masked = false;
			for (int i = 0; i < nseen; i++)
				masked |= !strcmp(seen[i], e->d_name);
			if (!masked && (names[n] = strdup(e->d_name)))
				n++;
		}
		closedir(d);
		qsort(names, (size_t)n, sizeof(names[0]), cmp_str);
		for (int i = 0; i < n; i++) {
			char rel[256];
			struct hv_file f;
			snprintf(rel, sizeof(rel), "%s/%.200s", *dir, names[i]);
			if (strcmp(rel, ours) && hv_rel_ok(rel) && hv_read_file_at(root, rel, MAX_FILE, &f) == 0) {
				if (f.exists)
					hv_overcommit_writers(rel, f.data, sysctl, in->oc_writers, &in->noc_writers,
							      HV_MAX_OC_WRITERS);
				free(f.data);
			}
			if (nseen < MAX_CONF_NAMES)
				seen[nseen++] = names[i];
			else
				free(names[i]);
		}
	}
	for (int i = 0; i < nseen; i++)
		free(seen[i]);
	hv_clear_error();
}

static void scan_overcommit_writers(const struct hv_root *root, struct hv_apply_inputs *in)
{
	static const char *const sysctl_dirs[] = {"etc/sysctl.d", "run/sysctl.d", "usr/local/lib/sysctl.d",
						  "usr/lib/sysctl.d", "lib/sysctl.d", NULL};
	static const char *const tmpfiles_dirs[] = {"etc/tmpfiles.d", "run/tmpfiles.d", "usr/local/lib/tmpfiles.d",
						    "usr/lib/tmpfiles.d", "lib/tmpfiles.d", NULL};
	struct hv_file f;
	/* read by `sysctl --system` and, through Debian's 99-sysctl.conf link, by systemd-sysctl */
	if (hv_read_file_at(root, "etc/sysctl.conf", MAX_FILE, &f) == 0) {
		if (f.exists)
			hv_overcommit_writers("etc/sysctl.conf", f.data, true, in->oc_writers, &in->noc_writers,
					      HV_MAX_OC_WRITERS);
		free(f.data);
	}
	scan_conf_dirs(root, sysctl_dirs, HV_SYSCTL_DROPIN, true, in);
	scan_conf_dirs(root, tmpfiles_dirs, HV_TMPFILES_DROPIN, false, in);
}

static void file_free(struct hv_file *f)
{
	free(f->data);
	f->data = NULL;
}

int hv_apply_read_inputs(const struct hv_root *root, const struct hv_host *h, struct hv_apply_inputs *in)
{
	memset(in, 0, sizeof(*in));
	int rc;
	if ((rc = hv_read_file_at(root, HV_SYSCTL_DROPIN, MAX_FILE, &in->sysctl_dropin)) < 0 ||
	    (rc = hv_read_file_at(root, HV_GRUB_MAIN, MAX_FILE, &in->grub_main)) < 0 ||
	    (rc = hv_read_file_at(root, HV_GRUB_DROPIN, MAX_FILE, &in->grub_dropin)) < 0 ||
	    (rc = hv_read_file_at(root, HV_KERNEL_CMDLINE, MAX_FILE, &in->kernel_cmdline)) < 0 ||
	    (rc = hv_read_file_at(root, HV_TMPFILES_DROPIN, MAX_FILE, &in->tmpfiles_dropin)) < 0 ||
	    (rc = hv_read_file_at(root, HV_BOOT_RECORD, MAX_FILE, &in->boot_record)) < 0 ||
	    (rc = read_grub_dir(root, in)) < 0)
		return rc;
	/* only what new entries get without /etc/kernel/cmdline: a vendor file
	 * apply cannot read is as none, and the running command line is taken */
	if (!in->kernel_cmdline.exists && hv_read_file_at(root, HV_KERNEL_CMDLINE_VENDOR, MAX_FILE, &in->kernel_cmdline_vendor) < 0) {
		file_free(&in->kernel_cmdline_vendor);
		in->kernel_cmdline_vendor.exists = false;
		hv_clear_error();
	}
	scan_overcommit_writers(root, in);
	if ((rc = hv_probe_free_blocks(root, &in->free)) < 0)
		return rc;
	/* the running command line and release: as the probe read them */
	in->proc_cmdline = h->cmdline_read ? h->cmdline_text : NULL;
	if (h->release[0]) {
		snprintf(in->release, sizeof(in->release), "%.*s", (int)strcspn(h->release, " \n"), h->release);
		char img[200];
		snprintf(img, sizeof(img), "boot/vmlinuz-%s", in->release);
		in->kernel_image = hv_rel_ok(img) && exists_at(root, img);
		if (!hv_rel_ok(img))
			in->release[0] = '\0';
	}
	hv_clear_error();

	static const char *const grubby[] = {"usr/sbin/grubby", "usr/bin/grubby", NULL};
	static const char *const ug[] = {"usr/sbin/update-grub", NULL};
	static const char *const mk[] = {"usr/sbin/grub-mkconfig", "usr/sbin/grub2-mkconfig", NULL};
	static const char *const ki[] = {"usr/bin/kernel-install", NULL};
	find_tool(root, in->grubby, sizeof(in->grubby), grubby);
	find_tool(root, in->update_grub, sizeof(in->update_grub), ug);
	find_tool(root, in->grub_mkconfig, sizeof(in->grub_mkconfig), mk);
	find_tool(root, in->kernel_install, sizeof(in->kernel_install), ki);
	in->grub_cfg_dir = exists_at(root, "boot/grub") || exists_at(root, "boot/grub2");
	bool bls = exists_at(root, "boot/loader/entries") || exists_at(root, "efi/loader/entries") ||
		   exists_at(root, "boot/efi/loader/entries");

	if (in->grubby[0])
		in->detected = HV_BL_GRUBBY;
	else if (in->grub_main.exists)
		in->detected = HV_BL_GRUB;
	else if (in->kernel_cmdline.exists || (in->kernel_install[0] && bls))
		in->detected = HV_BL_KERNEL_INSTALL;
	else
		in->detected = HV_BL_MANUAL;
	return 0;
}

void hv_inputs_free(struct hv_apply_inputs *in)
{
	file_free(&in->sysctl_dropin);
	file_free(&in->grub_main);
	file_free(&in->grub_dropin);
	file_free(&in->kernel_cmdline);
	file_free(&in->kernel_cmdline_vendor);
	file_free(&in->tmpfiles_dropin);
	file_free(&in->boot_record);
	for (int i = 0; i < in->ngrub_others; i++)
		file_free(&in->grub_others[i]);
	in->proc_cmdline = NULL; /* the host's */
	hv_free_blocks_release(&in->free);
}
