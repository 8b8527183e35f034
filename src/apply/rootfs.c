/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading and writing files under the root for `apply`. Every component is
 * opened with O_NOFOLLOW, so a symlink planted at a target path (or at any
 * directory on the way) is refused instead of followed: a test tree or a
 * hostile /etc cannot make us write outside what the dry run showed. */
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
#include "parse.h"

int hv_rel_ok(const char *rel)
{
	size_t n = strlen(rel);
	if (n == 0 || n >= 256 || rel[0] == '/' || rel[n - 1] == '/' || strstr(rel, "//"))
		return 0;
	for (const char *c = rel; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '/' ||
		      *c == '.' || *c == '-' || *c == '_' || *c == ':' || *c == '@' || *c == '+'))
			return 0;
	/* no "." or ".." component */
	const char *p = rel;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += l + (e ? 1 : 0);
	}
	return 1;
}

int hv_open_parent(const struct hv_root *root, const char *rel, bool create, int *dirfd, const char **base,
		   char (*created)[256], int *ncreated, int maxcreated)
{
	if (!hv_rel_ok(rel))
		return hv_fail(EINVAL, "%s/%s: refusing an unusual path", root->path, rel);
	/* a readable descriptor of the root itself (its fd is O_PATH): the
	 * parent of a top-level rel is read and fsync'ed */
	int fd = openat(root->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return hv_fail(errno, "%s: %s", root->path, strerror(errno));
	char comp[256];
	const char *p = rel;
	for (;;) {
		const char *slash = strchr(p, '/');
		if (!slash)
			break;
		size_t l = (size_t)(slash - p);
		memcpy(comp, p, l);
		comp[l] = '\0';
		int nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST) {
				int e = errno;
				close(fd);
				return hv_fail(e, "%s/%.*s: cannot create directory: %s", root->path, (int)(slash - rel), rel,
					       strerror(e));
			}
			if (created && ncreated && *ncreated < maxcreated)
				snprintf(created[(*ncreated)++], 256, "%.*s", (int)(slash - rel), rel);
			nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		int e = errno;
		close(fd);
		if (nfd < 0) {
			if (e == ELOOP || e == ENOTDIR)
				return hv_fail(ELOOP, "%s/%.*s: is a symbolic link or not a directory; refusing to go through it",
					       root->path, (int)(slash - rel), rel);
			return -e; /* ENOENT: the caller decides */
		}
		fd = nfd;
		p = slash + 1;
	}
	*dirfd = fd;
	*base = p;
	return 0;
}

int hv_read_file_at(const struct hv_root *root, const char *rel, size_t max, struct hv_file *f)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->rel, sizeof(f->rel), "%s", rel);
	int dfd;
	const char *base;
	int rc = hv_open_parent(root, rel, false, &dfd, &base, NULL, NULL, 0);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	struct stat st;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		int e = errno;
		close(dfd);
		return e == ENOENT ? 0 : hv_fail(e, "%s/%s: %s", root->path, rel, strerror(e));
	}
	if (S_ISLNK(st.st_mode)) {
		close(dfd);
		return hv_fail(ELOOP, "%s/%s: is a symbolic link; refusing to read or replace it (remove it or make it a file)",
			       root->path, rel);
	}
	if (!S_ISREG(st.st_mode)) {
		close(dfd);
		return hv_fail(ENXIO, "%s/%s: not a regular file", root->path, rel);
	}
	/* the file can be swapped for a FIFO after the check above: the open
	 * must not wait for a writer, and the type is checked again on what
	 * was opened */
	int fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return hv_fail(errno, "%s/%s: %s", root->path, rel, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hv_fail(ENXIO, "%s/%s: not a regular file", root->path, rel);
	}
	char *buf;
	size_t len;
	rc = hv_read_fd(fd, max, &buf, &len);
	close(fd);
	if (rc == -EFBIG)
		return hv_fail(EFBIG, "%s/%s: larger than %zu bytes", root->path, rel, max);
	if (rc == -ENOMEM)
		return hv_fail(ENOMEM, "out of memory");
	if (rc < 0)
		return hv_fail(-rc, "%s/%s: %s", root->path, rel, strerror(-rc));
	f->exists = true;
	f->data = buf;
	f->len = len;
	f->mode = st.st_mode & 07777;
	return 0;
}

int hv_replace_file_at(const struct hv_root *root, const char *rel, const void *data, size_t len, mode_t mode,
		       char (*created)[256], int *ncreated, int maxcreated)
{
	int dfd;
	const char *base;
	int rc = hv_open_parent(root, rel, true, &dfd, &base, created, ncreated, maxcreated);
	if (rc < 0)
		return rc == -ENOENT ? hv_fail(ENOENT, "%s/%s: parent directory missing", root->path, rel) : rc;
	struct stat st;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		close(dfd);
		return hv_fail(ELOOP, "%s/%s: is a symbolic link or not a regular file; refusing to replace it", root->path,
			       rel);
	}
	char shown[4400];
	snprintf(shown, sizeof(shown), "%s/%s", root->path, rel);
	rc = hv_atomic_replace_at(dfd, base, shown, data, len, mode);
	close(dfd);
	return rc;
}

int hv_remove_file_at(const struct hv_root *root, const char *rel)
{
	int dfd;
	const char *base;
	int rc = hv_open_parent(root, rel, false, &dfd, &base, NULL, NULL, 0);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	rc = unlinkat(dfd, base, 0) < 0 && errno != ENOENT ? -errno : 0;
	if (rc == 0)
		fsync(dfd);
	close(dfd);
	return rc < 0 ? hv_fail(-rc, "%s/%s: cannot remove: %s", root->path, rel, strerror(-rc)) : 0;
}

int hv_remove_dir_at(const struct hv_root *root, const char *rel)
{
	/* the same O_NOFOLLOW walk as for files: a directory on the way that
	 * became a symlink is refused, not followed out of the root */
	int dfd;
	const char *base;
	int rc = hv_open_parent(root, rel, false, &dfd, &base, NULL, NULL, 0);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return hv_fail(-rc, "%s; the directory /%s that apply made is left", hv_last_error() ? hv_last_error() : rel,
			       rel);
	rc = unlinkat(dfd, base, AT_REMOVEDIR) < 0 ? -errno : 0;
	if (rc == 0)
		fsync(dfd);
	close(dfd);
	/* not empty: someone put files there since, so it is theirs now */
	if (rc == 0 || rc == -ENOENT || rc == -ENOTEMPTY || rc == -EEXIST)
		return 0;
	return hv_fail(-rc, "%s/%s: cannot remove the directory apply made: %s", root->path, rel, strerror(-rc));
}

int hv_remove_stale_temps_at(const struct hv_root *root, const char *rel)
{
	int dfd;
	const char *base;
	int rc = hv_open_parent(root, rel, false, &dfd, &base, NULL, NULL, 0);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	DIR *d = fdopendir(dfd);
	if (!d) {
		int e = errno;
		close(dfd);
		return hv_fail(e, "%s/%s: %s", root->path, rel, strerror(e));
	}
	/* hv_atomic_replace_at()'s names: ".BASE.hvoplan-PID-NSEC" */
	char prefix[300];
	int pl = snprintf(prefix, sizeof(prefix), ".%.200s.hvoplan-", base);
	struct dirent *e;
	rc = 0;
	while ((e = readdir(d))) {
		const char *n = e->d_name, *t = n + pl;
		if (strncmp(n, prefix, (size_t)pl) != 0)
			continue;
		size_t a = strspn(t, "0123456789");
		if (a == 0 || t[a] != '-' || strspn(t + a + 1, "0123456789") == 0 || t[a + 1 + strspn(t + a + 1, "0123456789")])
			continue;
		struct stat st;
		if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(d), n, 0) < 0 && errno != ENOENT && rc == 0)
			rc = hv_fail(errno, "%s/%.*s%s: cannot remove a temporary file a stopped run left: %s", root->path,
				     (int)(base - rel), rel, n, strerror(errno));
	}
	closedir(d);
	return rc;
}

int hv_write_value_at(const struct hv_root *root, const char *rel, int64_t value)
{
	int dfd;
	const char *base;
	int rc = hv_open_parent(root, rel, false, &dfd, &base, NULL, NULL, 0);
	if (rc < 0)
		return rc == -ENOENT ? hv_fail(ENOENT, "%s/%s: missing", root->path, rel) : rc;
	/* O_TRUNC is ignored by sysfs and procfs; it matters for test trees. */
	int fd = openat(dfd, base, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	int e = errno;
	close(dfd);
	if (fd < 0)
		return hv_fail(e, "%s/%s: cannot open for writing: %s", root->path, rel, strerror(e));
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRId64 "\n", value);
	ssize_t w;
	do
		w = write(fd, buf, (size_t)n);
	while (w < 0 && errno == EINTR);
	e = errno;
	close(fd);
	if (w != n)
		return hv_fail(w < 0 ? e : EIO, "%s/%s: writing %" PRId64 " failed: %s", root->path, rel, value,
			       w < 0 ? strerror(e) : "short write");
	return 0;
}

int hv_read_value_at(const struct hv_root *root, const char *rel, int64_t *value)
{
	struct hv_file f;
	int rc = hv_read_file_at(root, rel, 4096, &f);
	if (rc < 0)
		return rc;
	if (!f.exists)
		return hv_fail(ENOENT, "%s/%s: missing", root->path, rel);
	hv_clear_error();
	rc = hv_parse_i64_nonneg(f.data, value);
	free(f.data);
	return rc < 0 ? hv_fail(EINVAL, "%s/%s: not a number", root->path, rel) : 0;
}
