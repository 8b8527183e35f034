/* SPDX-License-Identifier: GPL-2.0-or-later */
/* File access under a root directory. openat2(RESOLVE_IN_ROOT) keeps every
 * path, symlinks included, inside the root; without it the live root "/" uses
 * plain openat() (escaping "/" is meaningless) and snapshots refuse symlinks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hv_error.h"
#include "fsutil.h"
#include "probe.h"
#include "probe_util.h"
#include "snapshot.h"

/* A snapshot archive (FILE.tar, a regular file) is extracted once, into a
 * private directory; messages (r->path) name the archive, not the
 * extraction. */
int hv_root_open(struct hv_root *r, const char *root)
{
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	snprintf(r->given, sizeof(r->given), "%s", root && *root ? root : "/");
	r->given_arg = root && *root;
	const char *path = r->given;
	size_t n = strlen(r->given);
	struct stat st;
	if (n > 4 && !strcmp(r->given + n - 4, ".tar") && stat(r->given, &st) == 0 && S_ISREG(st.st_mode)) {
		int rc = hv_snapshot_untar(r->given, r->dir, sizeof(r->dir));
		if (rc < 0)
			return rc;
		r->archive = 1;
		path = r->dir;
	}
	char real[PATH_MAX];
	if (!realpath(path, real)) {
		int e = errno;
		hv_root_close(r);
		return hv_fail(e, "%s: %s", path, strerror(e));
	}
	r->fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->fd < 0) {
		int e = errno;
		hv_root_close(r);
		return hv_fail(e, "%s: %s", path, strerror(e));
	}
	r->live = strcmp(real, "/") == 0;
	snprintf(r->path, sizeof(r->path), "%s", r->live ? "" : real);
	if (r->archive)
		snprintf(r->path, sizeof(r->path), "%s", realpath(r->given, real) ? real : r->given);
	return 0;
}

void hv_root_close(struct hv_root *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->archive)
		hv_snapshot_untar_remove(r->dir);
	r->archive = 0;
	r->dir[0] = '\0';
}

int hv_root_fail(const struct hv_root *r, int rc)
{
	if (!r->archive || rc >= 0)
		return rc;
	char saved[1024];
	snprintf(saved, sizeof(saved), "%s", hv_last_error() ? hv_last_error() : strerror(-rc));
	return hv_fail(-rc, "%s (in %s)", saved, r->given);
}

const char *hv_root_name(const struct hv_root *r, const char *rel)
{
	static char buf[2][4200];
	static int which;
	which ^= 1;
	snprintf(buf[which], sizeof(buf[which]), "%s/%s", r->path, rel);
	return buf[which];
}

/* Without openat2 (before 5.6, or under tools such as valgrind that do not
 * know it) a snapshot is walked one component at a time and any symlink is
 * refused (ELOOP): never resolved against the host's own root. */
static int open_nofollow(int rootfd, const char *rel, int flags)
{
	char buf[4096];
	if (strlen(rel) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, rel);
	int dir = rootfd;
	char *save = NULL, *next;
	char *comp = strtok_r(buf, "/", &save);
	while (comp) {
		next = strtok_r(NULL, "/", &save);
		if (!strcmp(comp, "..") || !strcmp(comp, ".")) {
			if (dir != rootfd)
				close(dir);
			return -EINVAL;
		}
		int fd = openat(dir, comp, (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
		int e = errno;
		if (dir != rootfd)
			close(dir);
		if (fd < 0)
			return -e;
		if (!next)
			return fd;
		dir = fd;
		comp = next;
	}
	return -EINVAL;
}

int hv_root_openat(const struct hv_root *r, const char *rel, int flags)
{
	static int no_openat2;
	if (!no_openat2) {
		struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT};
		int fd = (int)syscall(SYS_openat2, r->fd, rel, &how, sizeof(how));
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
			return fd >= 0 ? fd : -errno;
		no_openat2 = 1; /* seccomp filters sometimes answer EPERM for unknown syscalls */
	}
	if (!r->live)
		return open_nofollow(r->fd, rel, flags);
	int fd = openat(r->fd, rel, flags | O_CLOEXEC);
	return fd >= 0 ? fd : -errno;
}

int hv_root_exists(const struct hv_root *r, const char *rel)
{
	int fd = hv_root_openat(r, rel, O_PATH);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* Only regular files are read. A FIFO blocks open() and read() forever and
 * a character device (/dev/zero) never ends, so outside the live /proc and
 * /sys (kernel files, never FIFOs or devices: their type is not asked, a
 * system call a file saved on every report) the open does not wait for a
 * writer, and everything that is not a regular file is refused by its type. */
int hv_root_open_file(const struct hv_root *r, const char *rel)
{
	int kernel = r->live && (!strncmp(rel, "proc/", 5) || !strncmp(rel, "sys/", 4));
	int fd = hv_root_openat(r, rel, O_RDONLY | O_NOCTTY | (kernel ? 0 : O_NONBLOCK));
	if (fd < 0 || kernel)
		return fd;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return hv_fail(e, "%s: %s", hv_root_name(r, rel), strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		const char *what = S_ISFIFO(st.st_mode)  ? "a FIFO"
				   : S_ISCHR(st.st_mode) ? "a character device"
				   : S_ISBLK(st.st_mode) ? "a block device"
				   : S_ISDIR(st.st_mode) ? "a directory"
				   : S_ISSOCK(st.st_mode) ? "a socket"
							  : "special";
		return hv_fail(HV_ENOTREG, "%s: not a regular file (%s): not read", hv_root_name(r, rel), what);
	}
	return fd;
}

int hv_root_read(const struct hv_root *r, const char *rel, size_t max, char **bufp, size_t *lenp)
{
	int fd = hv_root_open_file(r, rel);
	if (fd == -HV_ENOTREG)
		return fd;
	if (fd < 0)
		return hv_fail(-fd, "%s: %s", hv_root_name(r, rel), strerror(-fd));
	char *buf;
	size_t len;
	int rc = hv_read_fd(fd, max, &buf, &len);
	close(fd);
	if (rc == -ENOMEM)
		return hv_fail(ENOMEM, "out of memory");
	if (rc == -EFBIG)
		return hv_fail(EFBIG, "%s: larger than %zu bytes", hv_root_name(r, rel), max);
	if (rc < 0)
		return hv_fail(-rc, "%s: %s", hv_root_name(r, rel), strerror(-rc));
	if (memchr(buf, '\0', len)) {
		/* /proc/cmdline is the one text file allowed NULs (none today);
		 * anything else with a NUL is damaged. */
		free(buf);
		return hv_fail(EINVAL, "%s: contains a NUL byte (binary or damaged)", hv_root_name(r, rel));
	}
	*bufp = buf;
	*lenp = len;
	return 0;
}

int hv_root_read_small(const struct hv_root *r, const char *rel, char *buf, size_t cap)
{
	/* buf is a C string on every return: callers that go on after an
	 * error must not read past it */
	buf[0] = '\0';
	int fd = hv_root_open_file(r, rel);
	if (fd == -HV_ENOTREG)
		return fd;
	if (fd < 0)
		return hv_fail(-fd, "%s: %s", hv_root_name(r, rel), strerror(-fd));
	ssize_t n;
	do
		n = read(fd, buf, cap - 1);
	while (n < 0 && errno == EINTR);
	int e = errno;
	char extra;
	ssize_t more = n >= 0 && (size_t)n == cap - 1 ? read(fd, &extra, 1) : 0;
	close(fd);
	if (n < 0) {
		buf[0] = '\0';
		return hv_fail(e, "%s: %s", hv_root_name(r, rel), strerror(e));
	}
	buf[n] = '\0';
	if (more > 0) {
		buf[0] = '\0';
		return hv_fail(EFBIG, "%s: value longer than %zu bytes", hv_root_name(r, rel), cap - 1);
	}
	if (memchr(buf, '\0', (size_t)n)) {
		buf[0] = '\0';
		return hv_fail(EINVAL, "%s: contains a NUL byte", hv_root_name(r, rel));
	}
	return 0;
}

/* A directory read with getdents64 straight into one buffer: fdopendir()
 * would add an fstat and two fcntl per directory, and a report lists
 * several (each system call counts against `numastat -m`'s cost). */
struct hv_dir {
	int fd;
	size_t pos, len;
	/* sysfs of the live kernel: kernfs_fop_readdir() stops early only when
	 * the buffer is full, so a read that left room for the longest entry
	 * (a 255-byte name: 280 bytes) was the last, and the getdents64 that
	 * would return 0 is not made (one system call per directory) */
	bool kernfs, eof;
	_Alignas(struct dirent64) char buf[32768];
};
#define HV_DIRENT_MAX 280

struct hv_dir *hv_dir_open(const struct hv_root *r, const char *rel, int *err)
{
	struct hv_dir *d = malloc(sizeof(*d));
	if (!d) {
		*err = -ENOMEM;
		return NULL;
	}
	if ((d->fd = hv_root_openat(r, rel, O_RDONLY | O_DIRECTORY)) < 0) {
		*err = d->fd;
		free(d);
		return NULL;
	}
	d->pos = d->len = 0;
	d->kernfs = r->live && strncmp(rel, "sys/", 4) == 0;
	d->eof = false;
	return d;
}

const char *hv_dir_next(struct hv_dir *d)
{
	for (;;) {
		if (d->pos >= d->len) {
			if (d->eof)
				return NULL;
			ssize_t n = getdents64(d->fd, d->buf, sizeof(d->buf));
			if (n <= 0)
				return NULL; /* the end, or an error: as readdir() */
			d->pos = 0;
			d->len = (size_t)n;
			d->eof = d->kernfs && d->len + HV_DIRENT_MAX <= sizeof(d->buf);
		}
		struct dirent64 *e = (struct dirent64 *)(void *)(d->buf + d->pos);
		d->pos += e->d_reclen;
		if (e->d_reclen == 0)
			return NULL;
		return e->d_name;
	}
}

void hv_dir_rewind(struct hv_dir *d)
{
	lseek(d->fd, 0, SEEK_SET);
	d->pos = d->len = 0;
	d->eof = false;
}

void hv_dir_close(struct hv_dir *d)
{
	if (!d)
		return;
	close(d->fd);
	free(d);
}
