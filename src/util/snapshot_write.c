/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A snapshot to disk: a directory, or a ustar archive any tar extracts.
 * Reading an archive back is snapshot_untar.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "hv_error.h"
#include "snapshot.h"

/* An existing target is replaced only with --force, and only when it is an
 * earlier snapshot: --force must never delete an arbitrary directory. */
static int check_target(const char *path, int force, int isdir)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : hv_fail(errno, "%s: %s", path, strerror(errno));
	if (!force)
		return hv_fail(EEXIST, "%s already exists (use --force to replace it)", path);
	if (isdir) {
		char marker[PATH_MAX];
		snprintf(marker, sizeof(marker), "%s/hvoplan-snapshot.txt", path);
		if (!S_ISDIR(st.st_mode) || access(marker, F_OK) < 0)
			return hv_fail(EEXIST, "%s exists and is not an hvoplan snapshot: not replacing it", path);
	} else if (!S_ISREG(st.st_mode)) {
		return hv_fail(EEXIST, "%s exists and is not a regular file: not replacing it", path);
	}
	return 1;
}

int hv_snapshot_write_dir(const struct hv_snapshot *s, const char *dir, int force)
{
	int exists = check_target(dir, force, 1);
	if (exists < 0)
		return exists;
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", dir) >= (int)sizeof(tmp))
		return hv_fail(ENAMETOOLONG, "%s: path too long", dir);
	if (!mkdtemp(tmp))
		return hv_fail(errno, "%s: cannot create a directory next to it: %s", dir, strerror(errno));
	int dfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = dfd < 0 ? hv_fail(errno, "%s: %s", tmp, strerror(errno)) : 0;
	for (size_t i = 0; rc == 0 && i < s->n; i++)
		rc = hv_write_new_at(dfd, s->files[i].path, s->files[i].data, s->files[i].len, 0644);
	if (dfd >= 0) {
		if (rc == 0 && fsync(dfd) < 0)
			rc = hv_fail(errno, "%s: %s", tmp, strerror(errno));
		close(dfd);
	}
	if (rc == 0 && exists == 1)
		rc = hv_remove_tree(dir);
	if (rc == 0 && rename(tmp, dir) < 0)
		rc = hv_fail(errno, "%s: %s", dir, strerror(errno));
	if (rc < 0) {
		char saved[1024];
		snprintf(saved, sizeof(saved), "%s", hv_last_error() ? hv_last_error() : "");
		hv_remove_tree(tmp);
		return hv_fail(-rc, "%s", saved);
	}
	hv_fsync_parent(dir);
	return 0;
}

static void octal(char *field, size_t width, unsigned long long v)
{
	snprintf(field, width, "%0*llo", (int)width - 1, v);
}

static int tar_header(char h[512], const char *path, size_t len, time_t now)
{
	memset(h, 0, 512);
	size_t n = strlen(path);
	if (n <= 100) {
		memcpy(h, path, n);
	} else {
		/* ustar: split at a '/' into prefix (155) and name (100) */
		const char *cut = NULL;
		for (const char *p = path; *p; p++)
			if (*p == '/' && (size_t)(p - path) <= 155 && n - (size_t)(p - path) - 1 <= 100)
				cut = p;
		if (!cut)
			return hv_fail(ENAMETOOLONG, "%s: path too long for a tar header", path);
		memcpy(h + 345, path, (size_t)(cut - path));
		memcpy(h, cut + 1, n - (size_t)(cut - path) - 1);
	}
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, len);
	octal(h + 136, 12, (unsigned long long)now);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	return 0;
}

int hv_snapshot_write_tar(const struct hv_snapshot *s, const char *file, int force)
{
	int exists = check_target(file, force, 0);
	if (exists < 0)
		return exists;
	size_t total = 1024;
	for (size_t i = 0; i < s->n; i++)
		total += 512 + (s->files[i].len + 511) / 512 * 512;
	char *buf = calloc(1, total);
	if (!buf)
		return hv_fail(ENOMEM, "out of memory");
	size_t off = 0;
	time_t now = time(NULL);
	for (size_t i = 0; i < s->n; i++) {
		int rc = tar_header(buf + off, s->files[i].path, s->files[i].len, now);
		if (rc < 0) {
			free(buf);
			return rc;
		}
		off += 512;
		memcpy(buf + off, s->files[i].data, s->files[i].len);
		off += (s->files[i].len + 511) / 512 * 512;
	}
	int rc = hv_atomic_replace(file, buf, total, 0644);
	free(buf);
	return rc;
}
