/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hv_error.h"

int hv_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int hv_mkdirs_at(int dirfd, const char *rel, mode_t mode)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", rel);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdirat(dirfd, buf, mode) < 0 && errno != EEXIST)
			return hv_fail(errno, "%s: %s", buf, strerror(errno));
		*p = '/';
	}
	if (mkdirat(dirfd, buf, mode) < 0 && errno != EEXIST)
		return hv_fail(errno, "%s: %s", buf, strerror(errno));
	return 0;
}

static int create_at(int dirfd, const char *rel, const void *data, size_t len, mode_t mode, bool sync)
{
	char parent[PATH_MAX];
	snprintf(parent, sizeof(parent), "%s", rel);
	char *slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		int rc = hv_mkdirs_at(dirfd, parent, 0755);
		if (rc < 0)
			return rc;
	}
	int fd = openat(dirfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return hv_fail(errno, "%s: %s", rel, strerror(errno));
	int rc = hv_write_all(fd, data, len);
	if (rc == 0 && sync && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc < 0 ? hv_fail(-rc, "%s: %s", rel, strerror(-rc)) : 0;
}

int hv_write_new_at(int dirfd, const char *rel, const void *data, size_t len, mode_t mode)
{
	return create_at(dirfd, rel, data, len, mode, true);
}

int hv_write_temp_at(int dirfd, const char *rel, const void *data, size_t len, mode_t mode)
{
	return create_at(dirfd, rel, data, len, mode, false);
}

int hv_fsync_parent(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	int fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

int hv_atomic_replace_at(int dfd, const char *base, const char *shown, const void *data, size_t len, mode_t mode)
{
	char tmp[300];
	int fd = -1;
	for (int i = 0; i < 100 && fd < 0; i++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf(tmp, sizeof(tmp), ".%.200s.hvoplan-%ld-%ld", base, (long)getpid(), (long)ts.tv_nsec + i);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0)
		return hv_fail(errno, "%s: cannot create a temporary file: %s", shown, strerror(errno));
	int rc = fchmod(fd, mode) < 0 ? -errno : 0;
	if (rc == 0)
		rc = hv_write_all(fd, data, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dfd, tmp, dfd, base) < 0)
		rc = -errno;
	if (rc < 0) {
		unlinkat(dfd, tmp, 0);
		return hv_fail(-rc, "%s: %s (left unchanged)", shown, strerror(-rc));
	}
	rc = fsync(dfd) < 0 ? -errno : 0;
	return rc < 0 ? hv_fail(-rc, "%s: written, but syncing its directory failed: %s", shown, strerror(-rc)) : 0;
}

int hv_atomic_replace(const char *path, const void *data, size_t len, mode_t mode)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : path;
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hv_fail(errno, "%s: %s", dir, strerror(errno));
	int rc = hv_atomic_replace_at(dfd, base, path, data, len, mode);
	close(dfd);
	return rc;
}

static int remove_at(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return unlinkat(parent, name, 0) < 0 ? -errno : 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) && rc == 0)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			rc = remove_at(dirfd(d), e->d_name);
	closedir(d);
	if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) < 0)
		rc = -errno;
	return rc;
}

int hv_remove_tree_at(int dfd, const char *name, const char *display)
{
	int rc = remove_at(dfd, name);
	return rc < 0 ? hv_fail(-rc, "%s: cannot remove: %s", display, strerror(-rc)) : 0;
}

int hv_remove_tree(const char *path)
{
	int rc = remove_at(AT_FDCWD, path);
	return rc < 0 ? hv_fail(-rc, "%s: cannot remove: %s", path, strerror(-rc)) : 0;
}

int hv_read_fd(int fd, size_t max, char **bufp, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap >= max) {
				free(buf);
				return -EFBIG;
			}
			cap = cap * 2 > max ? max : cap * 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}
