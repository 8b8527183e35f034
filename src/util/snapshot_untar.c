/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a snapshot archive back (--root FILE.tar): a ustar archive
 * extracted, with its names checked, into one private directory that is
 * removed at exit or on a signal.  The writer is snapshot_write.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fsutil.h"
#include "hv_error.h"
#include "snapshot.h"

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
/* A snapshot of a 64 TiB host has some 40000 files (one per memory block);
 * each member costs an inode in $TMPDIR. */
#define UNTAR_MAX_MEMBERS (1 << 17)

/* The archive, opened for reading if it is a regular file of a size a
 * snapshot can have. */
static int open_archive(const char *tar, FILE **out)
{
	int fd = open(tar, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hv_fail(errno, "%s: %s", tar, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hv_fail(EINVAL, "%s: not a regular file", tar);
	}
	/* the archive's size bounds what it can hold: refuse at once rather
	 * than after writing a gigabyte into $TMPDIR */
	if ((unsigned long long)st.st_size > UNTAR_MAX_TOTAL + (unsigned long long)UNTAR_MAX_MEMBERS * 1024) {
		close(fd);
		return hv_fail(EFBIG, "%s: %lld bytes, larger than a snapshot can be: not extracting", tar,
			       (long long)st.st_size);
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		close(fd);
		return hv_fail(errno, "%s: %s", tar, strerror(errno));
	}
	*out = f;
	return 0;
}

/* A member header: its checksum, its size (in size), and the limits on
 * what all members together may hold. */
static int check_header(const char *tar, const char h[512], unsigned long long *size, unsigned long long *total,
			int *members)
{
	unsigned long long sum;
	unsigned calc = 0;
	for (int i = 0; i < 512; i++)
		calc += (i >= 148 && i < 156) ? ' ' : (unsigned char)h[i];
	if (parse_octal(h + 148, 8, &sum) < 0 || sum != calc)
		return hv_fail(EINVAL, "%s: not a tar archive (bad header checksum)", tar);
	if (parse_octal(h + 124, 12, size) < 0)
		return hv_fail(EINVAL, "%s: bad member size", tar);
	if (*size > (256ULL << 20) || (*total += *size) > UNTAR_MAX_TOTAL)
		return hv_fail(EFBIG, "%s: members larger than a snapshot can be: not extracting", tar);
	if (++*members > UNTAR_MAX_MEMBERS)
		return hv_fail(EFBIG, "%s: more than %d members, more than a snapshot has: not extracting", tar,
			       UNTAR_MAX_MEMBERS);
	if (h[156] == 'L' && *size >= PATH_MAX)
		return hv_fail(ENAMETOOLONG, "%s: a long name of %llu bytes: not extracting", tar, *size);
	return 0;
}

/* The member's name: a GNU long name read before it, else the ustar
 * prefix and name, else the old name field. */
static void member_name(const char h[512], char *longname, char name[PATH_MAX])
{
	if (longname[0]) {
		snprintf(name, PATH_MAX, "%s", longname);
		longname[0] = '\0';
	} else if (h[345] && !memcmp(h + 257, "ustar", 5)) {
		snprintf(name, PATH_MAX, "%.155s/%.100s", h + 345, h);
	} else {
		snprintf(name, PATH_MAX, "%.100s", h);
	}
}

static int untar_into(const char *tar, int dfd)
{
	FILE *f = NULL;
	int rc = open_archive(tar, &f);
	if (rc < 0)
		return rc;
	char h[512], longname[PATH_MAX] = "", name[PATH_MAX], clean[PATH_MAX];
	unsigned long long total = 0;
	int zeros = 0, members = 0;
	while (rc == 0) {
		size_t got = fread(h, 1, 512, f);
		if (got != 512) {
			if (!members)
				rc = hv_fail(EINVAL, "%s: not a tar archive (too short)", tar);
			else if (got)
				rc = hv_fail(EINVAL, "%s: truncated archive (a partial header at its end)", tar);
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
		unsigned long long size;
		if ((rc = check_header(tar, h, &size, &total, &members)) < 0)
			return fclose(f), rc;
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
		member_name(h, longname, name);
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
			rc = hv_write_temp_at(dfd, clean, data, (size_t)size, 0644);
		free(data);
		if (rc == -EEXIST)
			rc = hv_fail(EEXIST, "%s: member '%.200s' appears twice", tar, clean);
		else if (rc < 0)
			rc = hv_fail(-rc, "%s: member '%.200s': %s", tar, clean, hv_last_error() ? hv_last_error() : "");
	}
	fclose(f);
	return rc;
}

/* The private extraction must not outlive the run: not when descriptors
 * run out (EMFILE), not on SIGTERM, SIGINT or SIGHUP. So its removal holds
 * one descriptor at a time (one is kept in reserve for it from the start)
 * and makes only system calls, which lets the signal handler run it too.
 * There is one extraction per run. */
static char priv_path[PATH_MAX + 256];
static size_t priv_len;
static volatile sig_atomic_t priv_active;
static int priv_reserve = -1;
static const int priv_signals[] = {SIGTERM, SIGINT, SIGHUP};
static struct sigaction priv_old[sizeof(priv_signals) / sizeof(priv_signals[0])];
static char priv_dents[16384] __attribute__((aligned(8)));

struct dent64 {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

/* Depth first with a path instead of a descriptor per level: remove what
 * can be unlinked, descend into the first directory, climb back when a
 * directory is empty. Each pass reopens the directory it works on. */
static void remove_private(void)
{
	size_t len = priv_len;
	priv_path[len] = '\0';
	for (long pass = 0; pass < (1L << 22); pass++) {
		int fd = open(priv_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && len == priv_len)
			return;
		int others = 0, descend = 0;
		long n = 0;
		while (fd >= 0 && !descend && (n = syscall(SYS_getdents64, fd, priv_dents, sizeof(priv_dents))) > 0) {
			for (long off = 0; off < n && !descend;) {
				struct dent64 *d = (struct dent64 *)(priv_dents + off);
				off += d->reclen;
				if (d->name[0] == '.' && (!d->name[1] || (d->name[1] == '.' && !d->name[2])))
					continue;
				others++;
				if (unlinkat(fd, d->name, 0) == 0 || errno != EISDIR ||
				    unlinkat(fd, d->name, AT_REMOVEDIR) == 0)
					continue;
				size_t l = strlen(d->name);
				if (len + 1 + l < sizeof(priv_path)) {
					priv_path[len] = '/';
					memcpy(priv_path + len + 1, d->name, l + 1);
					len += 1 + l;
					descend = 1;
				}
			}
		}
		if (fd >= 0)
			close(fd);
		if (descend || (others && n == 0 && fd >= 0))
			continue; /* into a subdirectory, or another pass over this one */
		rmdir(priv_path);
		if (len == priv_len)
			return;
		while (len > priv_len && priv_path[len] != '/')
			len--;
		priv_path[len] = '\0';
	}
}

static void on_signal(int sig)
{
	if (priv_active) {
		priv_active = 0;
		remove_private();
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void block_signals(sigset_t *old)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(priv_signals) / sizeof(priv_signals[0]); i++)
		sigaddset(&set, priv_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

void hv_snapshot_untar_remove(const char *dir)
{
	if (!dir || !dir[0] || !priv_active || strcmp(dir, priv_path))
		return;
	sigset_t old;
	block_signals(&old);
	if (priv_reserve >= 0)
		close(priv_reserve);
	priv_reserve = -1;
	remove_private();
	priv_active = 0;
	for (size_t i = 0; i < sizeof(priv_signals) / sizeof(priv_signals[0]); i++)
		sigaction(priv_signals[i], &priv_old[i], NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int hv_snapshot_untar(const char *tar, char *dir, size_t cap)
{
	const char *tmp = secure_getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (priv_active)
		return hv_fail(EBUSY, "%s: another archive is already extracted", tar);
	if (snprintf(dir, cap, "%s/hvoplan-root-XXXXXX", tmp) >= (int)cap || strlen(dir) >= PATH_MAX)
		return hv_fail(ENAMETOOLONG, "%s: path too long", tmp);
	priv_reserve = open("/", O_PATH | O_CLOEXEC);
	if (priv_reserve < 0)
		return hv_fail(errno, "%s: %s", tar, strerror(errno));
	sigset_t old;
	block_signals(&old);
	if (!mkdtemp(dir)) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(priv_reserve);
		priv_reserve = -1;
		return hv_fail(e, "%s: cannot create a private directory: %s", tmp, strerror(e));
	}
	snprintf(priv_path, sizeof(priv_path), "%s", dir);
	priv_len = strlen(priv_path);
	priv_active = 1;
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(priv_signals) / sizeof(priv_signals[0]); i++) {
		sigaction(priv_signals[i], NULL, &priv_old[i]);
		if (priv_old[i].sa_handler != SIG_IGN) /* nohup's SIGHUP stays ignored */
			sigaction(priv_signals[i], &sa, NULL);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = dfd < 0 ? hv_fail(errno, "%s: %s", dir, strerror(errno)) : untar_into(tar, dfd);
	if (dfd >= 0)
		close(dfd);
	if (rc < 0) {
		char saved[1024];
		snprintf(saved, sizeof(saved), "%s", hv_last_error() ? hv_last_error() : "");
		hv_snapshot_untar_remove(dir);
		dir[0] = '\0';
		return hv_fail(-rc, "%s", saved);
	}
	return 0;
}
