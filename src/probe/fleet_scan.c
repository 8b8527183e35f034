/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan fleet's inputs: which hosts a PATH holds, and each host's name.
 * A PATH is a host (a snapshot directory, a snapshot archive FILE.tar, an
 * extracted sosreport, or another tree with proc/meminfo), or a directory
 * whose entries are, one level deep. Entries are looked at without
 * following symlinks: a directory of snapshots from elsewhere must not send
 * us to the machine's own files. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet.h"
#include "hv_error.h"
#include "probe.h"
#include "probe_util.h"
#include "strutil.h"

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n > t && !strcmp(s + n - t, tail);
}

static bool compressed_archive(const char *name)
{
	static const char *const tails[] = {".tar.xz", ".tar.gz", ".tar.bz2", ".tar.zst", ".tgz", ".txz", NULL};
	for (size_t i = 0; tails[i]; i++)
		if (ends_with(name, tails[i]))
			return true;
	return false;
}

static bool is_type(int dfd, const char *rel, mode_t type)
{
	struct stat st;
	return fstatat(dfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) == type;
}

/* 0 a host of *kind, -1 none of them */
static int classify_dir(int dfd, enum hv_fleet_kind *kind)
{
	if (is_type(dfd, "hvoplan-snapshot.txt", S_IFREG))
		*kind = HV_FLEET_SNAPSHOT;
	else if (is_type(dfd, "sos_commands", S_IFDIR))
		*kind = HV_FLEET_SOSREPORT;
	/* any proc/meminfo: one that is a FIFO or a symlink is the probe's to refuse, by name */
	else if (is_type(dfd, "proc", S_IFDIR) && fstatat(dfd, "proc/meminfo", &(struct stat){0}, AT_SYMLINK_NOFOLLOW) == 0)
		*kind = HV_FLEET_TREE;
	else
		return -1;
	return 0;
}

static struct hv_fleet_host *push(struct hv_fleet_host **v, size_t *n, size_t *cap, const char *path)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct hv_fleet_host *nv = realloc(*v, nc * sizeof(**v));
		if (!nv)
			return NULL;
		*v = nv;
		*cap = nc;
	}
	struct hv_fleet_host *h = &(*v)[*n];
	memset(h, 0, sizeof(*h));
	hv_copy(h->path, sizeof(h->path), path);
	h->order = (*n)++;
	h->ok = true;
	return h;
}

__attribute__((format(printf, 2, 3))) static void refuse(struct hv_fleet_host *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->reason, sizeof(h->reason), fmt, ap);
	va_end(ap);
	hv_sanitize(h->reason);
	h->ok = false;
}

static const char *type_name(mode_t m)
{
	return S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
	       : S_ISSOCK(m) ? "a socket" : S_ISLNK(m) ? "a symbolic link" : "special";
}

#define NOT_A_HOST "neither a snapshot, a sosreport nor a root tree (no hvoplan-snapshot.txt, sos_commands/ or proc/meminfo)"

/* One entry of a scanned directory; nothing added for a plain file that is
 * no archive (a README, a sosreport's .md5 beside it). */
static int scan_entry(int dfd, const char *dir, const char *name, struct hv_fleet_host **v, size_t *n, size_t *cap)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", name);
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		struct hv_fleet_host *h = push(v, n, cap, path);
		if (!h)
			return -ENOMEM;
		refuse(h, "%s", strerror(errno));
		return 0;
	}
	if (S_ISREG(st.st_mode) && !ends_with(name, ".tar") && !compressed_archive(name))
		return 0;
	struct hv_fleet_host *h = push(v, n, cap, path);
	if (!h)
		return -ENOMEM;
	if (S_ISREG(st.st_mode)) {
		h->kind = HV_FLEET_ARCHIVE;
		if (compressed_archive(name))
			refuse(h, "a compressed archive: extract it (tar -xf) and name the directory");
	} else if (S_ISDIR(st.st_mode)) {
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			refuse(h, "%s", strerror(errno));
		else if (classify_dir(fd, &h->kind) < 0)
			refuse(h, NOT_A_HOST);
		if (fd >= 0)
			close(fd);
	} else if (S_ISLNK(st.st_mode)) {
		refuse(h, "a symbolic link in a scanned directory: not followed (name it as a PATH to read it)");
	} else {
		refuse(h, "%s, not a directory or a snapshot archive", type_name(st.st_mode));
	}
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int scan_dir(int dfd, const char *path, struct hv_fleet_host **v, size_t *n, size_t *cap)
{
	struct dirent **names;
	size_t before = *n;
	/* by descriptor: the directory that was classified, not its name again */
	int k = scandirat(dfd, ".", &names, visible, by_name);
	if (k < 0) {
		struct hv_fleet_host *h = push(v, n, cap, path);
		if (!h)
			return -ENOMEM;
		refuse(h, "cannot list the directory: %s", strerror(errno));
		return 0;
	}
	int rc = 0;
	for (int i = 0; i < k; i++) {
		if (!rc)
			rc = scan_entry(dfd, path, names[i]->d_name, v, n, cap);
		free(names[i]);
	}
	free(names);
	if (!rc && *n == before) {
		struct hv_fleet_host *h = push(v, n, cap, path);
		if (!h)
			return -ENOMEM;
		refuse(h, "%s, and holds none one level deep", NOT_A_HOST);
	}
	return rc;
}

int hv_fleet_scan(const char *path, struct hv_fleet_host **v, size_t *n, size_t *cap)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		int e = errno;
		struct hv_fleet_host *h = push(v, n, cap, path);
		if (!h)
			return -ENOMEM;
		refuse(h, "%s", strerror(e));
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		struct hv_fleet_host *h = push(v, n, cap, path);
		if (!h)
			return -ENOMEM;
		h->kind = HV_FLEET_ARCHIVE;
		if (S_ISREG(st.st_mode) && compressed_archive(path))
			refuse(h, "a compressed archive: extract it (tar -xf) and name the directory");
		else if (!S_ISREG(st.st_mode))
			refuse(h, "%s, not a directory or a snapshot archive", type_name(st.st_mode));
		else if (!ends_with(path, ".tar"))
			refuse(h, "not a directory or a snapshot archive (FILE.tar)");
		return 0;
	}
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		int e = errno;
		struct hv_fleet_host *h = push(v, n, cap, path);
		if (!h)
			return -ENOMEM;
		refuse(h, "%s", strerror(e));
		return 0;
	}
	enum hv_fleet_kind kind;
	int rc = 0;
	if (classify_dir(dfd, &kind) == 0) {
		struct hv_fleet_host *h = push(v, n, cap, path);
		if (!h)
			rc = -ENOMEM;
		else
			h->kind = kind;
	} else {
		rc = scan_dir(dfd, path, v, n, cap);
	}
	close(dfd);
	return rc;
}

/* The node name of a `uname -a` line: its second word. */
static bool uname_node(const char *s, char *buf, size_t cap)
{
	const char *p = strchr(s, ' ');
	if (!p)
		return false;
	p++;
	size_t l = strcspn(p, " \n");
	if (!l || l >= cap)
		return false;
	memmove(buf, p, l);
	buf[l] = '\0';
	return true;
}

static bool usable(char *s)
{
	s[strcspn(s, "\n")] = '\0';
	return s[0] && strcmp(s, "(none)") != 0;
}

void hv_probe_fleet_hostname(const struct hv_root *r, char *buf, size_t cap)
{
	static const char *const files[] = {"proc/sys/kernel/hostname", "hostname", "sos_commands/host/hostname",
					    "etc/hostname", NULL};
	char tmp[256];
	buf[0] = '\0';
	for (size_t i = 0; files[i]; i++)
		if (hv_root_read_small(r, files[i], tmp, sizeof(tmp)) == 0 && usable(tmp))
			goto found;
	char *meta;
	size_t len;
	for (size_t i = 0; hv_uname_files[i]; i++) {
		if (hv_root_read(r, hv_uname_files[i], 1 << 16, &meta, &len) < 0)
			continue;
		bool ok = uname_node(meta, tmp, sizeof(tmp)) && usable(tmp);
		free(meta);
		if (ok)
			goto found;
	}
	if (hv_root_read(r, "hvoplan-snapshot.txt", 1 << 16, &meta, &len) == 0) {
		char *u = strstr(meta, "\nuname=");
		bool ok = u && uname_node(u + 7, tmp, sizeof(tmp)) && usable(tmp);
		free(meta);
		if (ok)
			goto found;
	}
	hv_clear_error();
	return;
found:
	hv_clear_error();
	hv_sanitize(tmp);
	hv_copy(buf, cap, tmp);
}
