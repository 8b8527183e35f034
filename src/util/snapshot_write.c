/* A snapshot to disk: a directory, or a ustar archive any tar extracts. */
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

/* ---- reading an archive back (--root FILE.tar) ---- */

static int parse_octal(const char *f, size_t width, unsigned long long *out)
{
	unsigned long long v = 0;
	size_t i = 0;
	while (i < width && f[i] == ' ')
		i++;
	if (i == width || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < width && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (ULLONG_MAX >> 3))
			return -1;
		v = v << 3 | (unsigned long long)(f[i] - '0');
	}
	for (; i < width; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

/* A member name we are willing to create under the private directory:
 * relative, no "..", no empty result.  "./" prefixes and "." components are
 * dropped.  Returns 0 and the cleaned name in out. */
static int safe_name(const char *tar, const char *name, char *out, size_t cap)
{
	if (name[0] == '/')
		return hv_fail(EINVAL, "%s: member '%.200s' has an absolute name: not extracting", tar, name);
	size_t n = 0;
	const char *p = name;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l == 2 && p[0] == '.' && p[1] == '.')
			return hv_fail(EINVAL, "%s: member '%.200s' leaves the archive (..): not extracting", tar, name);
		if (l && !(l == 1 && p[0] == '.')) {
			if (n + l + 2 > cap)
				return hv_fail(ENAMETOOLONG, "%s: member '%.200s': name too long", tar, name);
			if (n)
				out[n++] = '/';
			memcpy(out + n, p, l);
			n += l;
		}
		p += l;
		if (*p == '/')
			p++;
	}
	out[n] = '\0';
	return n ? 0 : 1; /* 1: nothing to create (".", "./") */
}

#define UNTAR_MAX_TOTAL (1ULL << 30)

static int untar_into(const char *tar, int dfd)
{
	int fd = open(tar, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hv_fail(errno, "%s: %s", tar, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hv_fail(EINVAL, "%s: not a regular file", tar);
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		close(fd);
		return hv_fail(errno, "%s: %s", tar, strerror(errno));
	}
	char h[512], longname[PATH_MAX] = "", name[PATH_MAX], clean[PATH_MAX];
	unsigned long long total = 0;
	int rc = 0, zeros = 0, members = 0;
	while (rc == 0) {
		if (fread(h, 1, 512, f) != 512) {
			if (!members)
				rc = hv_fail(EINVAL, "%s: not a tar archive (too short)", tar);
			break; /* a missing end-of-archive marker is tolerated */
		}
		int empty = 1;
		for (int i = 0; i < 512 && empty; i++)
			empty = h[i] == 0;
		if (empty) {
			if (++zeros == 2)
				break;
			continue;
		}
		zeros = 0;
		unsigned long long sum, size;
		unsigned calc = 0;
		for (int i = 0; i < 512; i++)
			calc += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
		if (parse_octal(h + 148, 8, &sum) < 0 || sum != calc)
			return fclose(f), hv_fail(EINVAL, "%s: not a tar archive (bad header checksum)", tar);
		if (parse_octal(h + 124, 12, &size) < 0)
			return fclose(f), hv_fail(EINVAL, "%s: bad member size", tar);
		if (size > (256ULL << 20) || (total += size) > UNTAR_MAX_TOTAL)
			return fclose(f), hv_fail(EFBIG, "%s: members larger than a snapshot can be: not extracting", tar);
		members++;
		char type = h[156];
		size_t padded = (size_t)((size + 511) / 512 * 512);
		char *data = NULL;
		if (type == '0' || type == '\0' || type == 'L' || type == 'x' || type == 'g') {
			data = malloc(padded + 1);
			if (!data)
				return fclose(f), hv_fail(ENOMEM, "out of memory");
			if (fread(data, 1, padded, f) != padded) {
				free(data);
				return fclose(f), hv_fail(EINVAL, "%s: truncated archive", tar);
			}
			data[size] = '\0';
		}
		if (type == 'L') { /* GNU long name for the next member */
			snprintf(longname, sizeof(longname), "%s", data);
			free(data);
			continue;
		}
		if (type == 'x' || type == 'g') { /* pax attributes: the ustar name below is still checked */
			free(data);
			continue;
		}
		if (longname[0]) {
			snprintf(name, sizeof(name), "%s", longname);
			longname[0] = '\0';
		} else if (h[345] && !memcmp(h + 257, "ustar", 5)) {
			snprintf(name, sizeof(name), "%.155s/%.100s", h + 345, h);
		} else {
			snprintf(name, sizeof(name), "%.100s", h);
		}
		if (type != '0' && type != '\0' && type != '5') {
			free(data);
			return fclose(f), hv_fail(EINVAL, "%s: member '%.200s' is a %s: only files and directories are extracted",
						 tar, name, type == '1' || type == '2' ? "link" : "special file");
		}
		int s = safe_name(tar, name, clean, sizeof(clean));
		if (s < 0) {
			free(data);
			return fclose(f), s;
		}
		if (s == 0 && type == '5')
			rc = hv_mkdirs_at(dfd, clean, 0755);
		else if (s == 0)
			rc = hv_write_new_at(dfd, clean, data, (size_t)size, 0644);
		free(data);
		if (rc == -EEXIST)
			rc = hv_fail(EEXIST, "%s: member '%.200s' appears twice", tar, clean);
		else if (rc < 0)
			rc = hv_fail(-rc, "%s: member '%.200s': %s", tar, clean, hv_last_error() ? hv_last_error() : "");
	}
	fclose(f);
	return rc;
}

int hv_snapshot_untar(const char *tar, char *dir, size_t cap)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (snprintf(dir, cap, "%s/hvoplan-root-XXXXXX", tmp) >= (int)cap)
		return hv_fail(ENAMETOOLONG, "%s: path too long", tmp);
	if (!mkdtemp(dir))
		return hv_fail(errno, "%s: cannot create a private directory: %s", tmp, strerror(errno));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = dfd < 0 ? hv_fail(errno, "%s: %s", dir, strerror(errno)) : untar_into(tar, dfd);
	if (dfd >= 0)
		close(dfd);
	if (rc < 0) {
		char saved[1024];
		snprintf(saved, sizeof(saved), "%s", hv_last_error() ? hv_last_error() : "");
		hv_remove_tree(dir);
		dir[0] = '\0';
		return hv_fail(-rc, "%s", saved);
	}
	return 0;
}
