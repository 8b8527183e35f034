/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The boot cache: facts that cannot change until the next boot (the kernel
 * config, the boot log's HugeTLB figures, sizeof(struct page) from BTF)
 * kept in one file per boot, so a report does not inflate and parse
 * /proc/config.gz, read /dev/kmsg record by record and walk BTF every time.
 *
 * Where: /run/hvoplan/boot.cache for root, $XDG_RUNTIME_DIR/hvoplan/ for
 * other users (none without it), HVOPLAN_CACHE_DIR over both; the live host
 * only, never for --root. HVOPLAN_NO_CACHE=1 bypasses it (neither read nor
 * written).
 *
 * A cache can only save work, never change a figure: an entry is used only
 * when the file is ours (owner the running uid, a regular file in a
 * directory neither group- nor world-writable), its checksum (FNV-1a over
 * everything before it) matches, it was written by this hvoplan (format,
 * version and the entries' struct sizes) for this boot (boot_id) and kernel
 * release, and the entry's source files have the identity they had then
 * (hv_cache_ident). Anything else is a miss: the fact is read from the
 * kernel as without a cache, and the file rewritten (temporary file, fsync,
 * rename). The cache is silent: it adds no note, so the report with and
 * without it is the same (tests/cli/cache.bats). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fsutil.h"
#include "hv_error.h"
#include "probe_util.h"

#define CACHE_FILE "boot.cache"
#define CACHE_MAX (1 << 20)
#define CACHE_FORMAT 1u
#define IDENT_MAX 1024

struct entry {
	bool have;
	char ident[IDENT_MAX];
	size_t len;
	unsigned char *data;
};

static struct {
	bool opened; /* the cache was looked for (once a run) */
	int dirfd;   /* -1: no usable cache directory */
	bool dirty;  /* an entry was learned: rewrite the file */
	char boot_id[40];
	char release[128];
	struct entry e[HV_CACHE_N];
} cache = {.dirfd = -1};

/* The sizes of what each kind stores: a layout change is a miss. */
static const uint32_t kind_size[HV_CACHE_N] = {
	[HV_CACHE_KCONFIG] = sizeof(struct hv_kconfig),
	[HV_CACHE_BOOTLOG] = sizeof(struct hv_bootlog),
	[HV_CACHE_BTF] = sizeof(int64_t),
};

struct header {
	char magic[8];
	uint32_t format;
	uint32_t sizes[HV_CACHE_N];
	char version[32];
	char boot_id[40];
	char release[128];
	uint32_t nentries;
};

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* Ours and not writable by anyone else: a directory or file another user
 * could write (or swap) would let them choose our figures. */
static bool owned(const struct stat *st, uid_t uid)
{
	return st->st_uid == uid && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

bool hv_cache_usable(const struct hv_root *r)
{
	const char *v = getenv("HVOPLAN_NO_CACHE");
	return r->live && !r->given_arg && !(v && v[0] && strcmp(v, "0") != 0);
}

static int open_dir(uid_t uid)
{
	char dir[4096];
	const char *env = getenv("HVOPLAN_CACHE_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (env && env[0] == '/')
		snprintf(dir, sizeof(dir), "%s", env);
	else if (env && env[0])
		return -1; /* a relative directory would depend on where we run */
	else if (uid == 0)
		snprintf(dir, sizeof(dir), "/run/hvoplan");
	else if (xdg && xdg[0] == '/')
		snprintf(dir, sizeof(dir), "%s/hvoplan", xdg);
	else
		return -1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && mkdir(dir, 0700) == 0)
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) || !owned(&st, uid))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void parse(const unsigned char *buf, size_t len)
{
	struct header hd;
	if (len < sizeof(hd) + sizeof(uint64_t))
		return;
	uint64_t sum;
	memcpy(&sum, buf + len - sizeof(sum), sizeof(sum));
	if (sum != fnv1a(buf, len - sizeof(sum)))
		return;
	memcpy(&hd, buf, sizeof(hd));
	if (memcmp(hd.magic, "HVOCACHE", 8) || hd.format != CACHE_FORMAT ||
	    memcmp(hd.sizes, kind_size, sizeof(kind_size)) || strncmp(hd.version, HV_VERSION, sizeof(hd.version)) ||
	    strncmp(hd.boot_id, cache.boot_id, sizeof(hd.boot_id)) ||
	    strncmp(hd.release, cache.release, sizeof(hd.release)) || hd.nentries > HV_CACHE_N)
		return;
	size_t pos = sizeof(hd), end = len - sizeof(sum);
	struct entry got[HV_CACHE_N] = {0};
	for (uint32_t i = 0; i < hd.nentries; i++) {
		uint32_t f[3]; /* kind, ident length, data length */
		if (end - pos < sizeof(f))
			goto bad;
		memcpy(f, buf + pos, sizeof(f));
		pos += sizeof(f);
		if (f[0] >= HV_CACHE_N || got[f[0]].have || f[1] >= IDENT_MAX || f[2] != kind_size[f[0]] ||
		    end - pos < (size_t)f[1] + f[2])
			goto bad;
		struct entry *e = &got[f[0]];
		memcpy(e->ident, buf + pos, f[1]);
		e->ident[f[1]] = '\0';
		if (strlen(e->ident) != f[1] || !(e->data = malloc(f[2])))
			goto bad;
		memcpy(e->data, buf + pos + f[1], f[2]);
		e->len = f[2];
		e->have = true;
		pos += (size_t)f[1] + f[2];
	}
	if (pos != end)
		goto bad;
	memcpy(cache.e, got, sizeof(got));
	return;
bad:
	for (int k = 0; k < HV_CACHE_N; k++)
		free(got[k].data);
}

/* A small kernel file of the live host, NUL-terminated. */
static int read_small_abs(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

void hv_cache_begin(const struct hv_root *r, const char *release)
{
	if (cache.opened)
		return;
	cache.opened = true;
	if (!hv_cache_usable(r) || !release[0] || strlen(release) >= sizeof(cache.release))
		return;
	/* the boot this cache belongs to */
	char id[40];
	if (read_small_abs("/proc/sys/kernel/random/boot_id", id, sizeof(id)) < 0 || strlen(id) < 32)
		return;
	id[strcspn(id, "\n")] = '\0';
	snprintf(cache.boot_id, sizeof(cache.boot_id), "%s", id);
	snprintf(cache.release, sizeof(cache.release), "%s", release);
	uid_t uid = geteuid();
	if ((cache.dirfd = open_dir(uid)) < 0)
		return;
	int fd = openat(cache.dirfd, CACHE_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && owned(&st, uid) && st.st_size > 0 &&
	    st.st_size <= CACHE_MAX) {
		/* one read: a file that is not st_size bytes now is being replaced */
		size_t len = (size_t)st.st_size;
		unsigned char *buf = malloc(len + 1);
		ssize_t n = buf ? read(fd, buf, len + 1) : -1;
		if (n == (ssize_t)len)
			parse(buf, len);
		free(buf);
	}
	close(fd);
}

int hv_cache_get(const struct hv_root *r, enum hv_cache_kind k, const char *ident, void *data, size_t len)
{
	(void)r;
	const struct entry *e = &cache.e[k];
	if (cache.dirfd < 0 || !e->have || e->len != len || len != kind_size[k] || strcmp(e->ident, ident))
		return 0;
	memcpy(data, e->data, len);
	return 1;
}

void hv_cache_put(const struct hv_root *r, enum hv_cache_kind k, const char *ident, const void *data, size_t len)
{
	(void)r;
	struct entry *e = &cache.e[k];
	if (cache.dirfd < 0 || len != kind_size[k] || strlen(ident) >= IDENT_MAX)
		return;
	unsigned char *copy = malloc(len);
	if (!copy)
		return;
	memcpy(copy, data, len);
	free(e->data);
	e->data = copy;
	e->len = len;
	snprintf(e->ident, sizeof(e->ident), "%s", ident);
	e->have = true;
	cache.dirty = true;
}

void hv_cache_flush(void)
{
	if (cache.dirfd < 0 || !cache.dirty)
		return;
	struct header hd;
	memset(&hd, 0, sizeof(hd));
	memcpy(hd.magic, "HVOCACHE", 8);
	hd.format = CACHE_FORMAT;
	memcpy(hd.sizes, kind_size, sizeof(kind_size));
	snprintf(hd.version, sizeof(hd.version), "%s", HV_VERSION);
	memcpy(hd.boot_id, cache.boot_id, sizeof(hd.boot_id));
	memcpy(hd.release, cache.release, sizeof(hd.release));
	size_t cap = sizeof(hd) + sizeof(uint64_t);
	for (int k = 0; k < HV_CACHE_N; k++)
		if (cache.e[k].have) {
			hd.nentries++;
			cap += 3 * sizeof(uint32_t) + strlen(cache.e[k].ident) + cache.e[k].len;
		}
	unsigned char *buf = malloc(cap);
	if (!buf)
		return;
	memcpy(buf, &hd, sizeof(hd));
	size_t pos = sizeof(hd);
	for (int k = 0; k < HV_CACHE_N; k++) {
		const struct entry *e = &cache.e[k];
		if (!e->have)
			continue;
		uint32_t f[3] = {(uint32_t)k, (uint32_t)strlen(e->ident), (uint32_t)e->len};
		memcpy(buf + pos, f, sizeof(f));
		pos += sizeof(f);
		memcpy(buf + pos, e->ident, f[1]);
		memcpy(buf + pos + f[1], e->data, e->len);
		pos += f[1] + e->len;
	}
	uint64_t sum = fnv1a(buf, pos);
	memcpy(buf + pos, &sum, sizeof(sum));
	/* a cache that cannot be written is only a slower next run */
	hv_atomic_replace_at(cache.dirfd, CACHE_FILE, CACHE_FILE, buf, pos + sizeof(sum), 0600);
	hv_clear_error();
	free(buf);
	cache.dirty = false;
}

/* Appends rel's identity to out: device, inode and size, and for a file on a
 * real file system (not the kernel's /proc and /sys, fixed for the boot)
 * its modification and change times; "rel=-" when it is missing. */
void hv_cache_ident(const struct hv_root *r, const char *rel, char *out, size_t cap)
{
	struct stat st;
	size_t n = strlen(out);
	if (n >= cap)
		return;
	if (fstatat(r->fd, rel, &st, 0) < 0) {
		snprintf(out + n, cap - n, "%s=-;", rel);
		return;
	}
	bool kernel = !strncmp(rel, "proc/", 5) || !strncmp(rel, "sys/", 4);
	snprintf(out + n, cap - n, "%s=%ju:%ju:%jd", rel, (uintmax_t)st.st_dev, (uintmax_t)st.st_ino,
		 (intmax_t)st.st_size);
	n = strlen(out);
	if (!kernel && n < cap)
		snprintf(out + n, cap - n, ":%jd.%09ld:%jd.%09ld", (intmax_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			 (intmax_t)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
	n = strlen(out);
	if (n < cap)
		snprintf(out + n, cap - n, ";");
}
