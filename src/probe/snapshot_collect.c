/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a snapshot holds: exactly the files the probe reads (the layout of
 * hvoplan-snapshot(8), DESCRIPTION), plus the kernel log and the facts only the running
 * system knows (base page size, architecture). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "cli.h"
#include "hv_error.h"
#include "parse.h"
#include "probe_util.h"
#include "snapshot.h"
#include "verify.h"

static int add(struct hv_snapshot *s, const char *path, char *data, size_t len)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		struct hv_snap_file *nf = realloc(s->files, nc * sizeof(*nf));
		if (!nf)
			return hv_fail(ENOMEM, "out of memory");
		s->files = nf;
		s->cap = nc;
	}
	struct hv_snap_file *f = &s->files[s->n];
	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	if (!f->path)
		return hv_fail(ENOMEM, "out of memory");
	f->data = data;
	f->len = len;
	s->n++;
	return 0;
}

/* Reads one file under the root (binary-safe); missing files are skipped,
 * unreadable ones counted (write-only sysfs knobs such as "demote"). */
static int grab(const struct hv_root *r, struct hv_snapshot *s, const char *rel, size_t max)
{
	int fd = hv_root_open_file(r, rel);
	if (fd == -HV_ENOTREG) {
		/* a FIFO or device in the source is left out, and said so: the
		 * copy must not look complete */
		hv_note("%s", hv_last_error());
		return 0;
	}
	if (fd < 0) {
		if (fd != -ENOENT)
			s->skipped++;
		return 0;
	}
	char *buf;
	size_t len;
	int rc = hv_read_fd(fd, max, &buf, &len);
	close(fd);
	if (rc == -EFBIG)
		return hv_fail(EFBIG, "%s: larger than %zu bytes", hv_root_name(r, rel), max);
	if (rc == -ENOMEM)
		return hv_fail(ENOMEM, "out of memory");
	if (rc < 0) {
		s->skipped++; /* unreadable, as write-only knobs are */
		return 0;
	}
	rc = add(s, rel, buf, len);
	if (rc < 0)
		free(buf);
	return rc;
}

typedef int (*entry_fn)(const struct hv_root *r, struct hv_snapshot *s, const char *rel, const char *name, int isdir);

static int each_entry(const struct hv_root *r, struct hv_snapshot *s, const char *dir, entry_fn fn)
{
	int fd = hv_root_openat(r, dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd == -ENOENT ? 0 : hv_fail(-fd, "%s: %s", hv_root_name(r, dir), strerror(-fd));
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return hv_fail(errno, "%s: %s", hv_root_name(r, dir), strerror(errno));
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d)) && rc == 0) {
		if (e->d_name[0] == '.')
			continue;
		char rel[1024];
		snprintf(rel, sizeof(rel), "%s/%s", dir, e->d_name);
		struct stat st;
		int isdir = fstatat(dirfd(d), e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode);
		rc = fn(r, s, rel, e->d_name, isdir);
	}
	closedir(d);
	return rc;
}

static int all_files(const struct hv_root *r, struct hv_snapshot *s, const char *rel, const char *name, int isdir)
{
	(void)name;
	return isdir ? each_entry(r, s, rel, all_files) : grab(r, s, rel, 1 << 20);
}

static int node_entry(const struct hv_root *r, struct hv_snapshot *s, const char *rel, const char *name, int isdir)
{
	if (strncmp(name, "node", 4) != 0 || !isdir || name[4] < '0' || name[4] > '9')
		return 0;
	static const char *const files[] = {"meminfo", "vmstat", "numastat", "cpulist"};
	char p[1100];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", rel, files[i]);
		int rc = grab(r, s, p, 1 << 20);
		if (rc < 0)
			return rc;
	}
	snprintf(p, sizeof(p), "%s/hugepages", rel);
	return each_entry(r, s, p, all_files);
}

static int memory_entry(const struct hv_root *r, struct hv_snapshot *s, const char *rel, const char *name, int isdir)
{
	if (strncmp(name, "memory", 6) != 0 || !isdir || name[6] < '0' || name[6] > '9')
		return 0;
	char p[1100];
	snprintf(p, sizeof(p), "%s/state", rel);
	return grab(r, s, p, 4096);
}

/* sys/bus/nd/devices/DEV: what tells a namespace's memmap (memmap.c) */
static int nd_entry(const struct hv_root *r, struct hv_snapshot *s, const char *rel, const char *name, int isdir)
{
	static const char *const files[] = {"mode", "size", "namespace", "align"};
	(void)name;
	if (!isdir)
		return 0;
	char p[1100];
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", rel, files[i]);
		rc = grab(r, s, p, 4096);
	}
	return rc;
}

/* sys/firmware/memmap/N/{start,end,type} */
static int firmware_entry(const struct hv_root *r, struct hv_snapshot *s, const char *rel, const char *name,
			  int isdir)
{
	(void)name;
	return isdir ? each_entry(r, s, rel, all_files) : 0;
}

static int sysctl_entry(const struct hv_root *r, struct hv_snapshot *s, const char *rel, const char *name, int isdir)
{
	(void)name;
	return isdir ? 0 : grab(r, s, rel, 1 << 16);
}

struct kmsg_text {
	char *out;
	size_t len, cap;
};

/* One record as dmesg prints it: "[seconds.micro] message". */
static int kmsg_line(const char *msg, size_t mlen, uint64_t us, void *ctx)
{
	struct kmsg_text *k = ctx;
	char line[8300];
	int l = snprintf(line, sizeof(line), "[%5" PRIu64 ".%06" PRIu64 "] %.*s\n", us / 1000000, us % 1000000,
			 (int)mlen, msg);
	if (l < 0)
		return 0;
	if (k->len + (size_t)l > k->cap) {
		char *nb = realloc(k->out, k->cap * 2 + (size_t)l);
		if (!nb)
			return 1; /* keep what fitted */
		k->out = nb;
		k->cap = k->cap * 2 + (size_t)l;
	}
	memcpy(k->out + k->len, line, (size_t)l);
	k->len += (size_t)l;
	return 0;
}

static int kmsg(struct hv_snapshot *s)
{
	struct kmsg_text k = {.cap = 1 << 16};
	if (!(k.out = malloc(k.cap)))
		return hv_fail(ENOMEM, "out of memory");
	int rc = hv_kmsg_each(kmsg_line, &k);
	if (rc < 0) {
		free(k.out);
		hv_note("kernel log not captured (/dev/kmsg: %s)", strerror(-rc));
		return 0;
	}
	rc = add(s, "dmesg.txt", k.out, k.len);
	if (rc < 0)
		free(k.out);
	return rc;
}

/* The arch=, page_size= and uname= lines of the source's own metadata, when
 * the source is itself a snapshot.  Returns the bytes written to out. */
static int carry_meta(const struct hv_root *r, char *out, size_t cap)
{
	char *src;
	size_t len;
	int n = 0;
	if (hv_root_read(r, "hvoplan-snapshot.txt", 1 << 16, &src, &len) < 0) {
		hv_clear_error();
		return 0;
	}
	char *save = NULL;
	for (char *line = strtok_r(src, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "arch=", 5) && strncmp(line, "page_size=", 10) && strncmp(line, "uname=", 6))
			continue;
		int l = snprintf(out + n, cap - (size_t)n, "%.300s\n", line);
		if (l < 0 || (size_t)l >= cap - (size_t)n)
			break;
		n += l;
	}
	free(src);
	return n;
}

static int meta(const struct hv_root *r, struct hv_snapshot *s)
{
	char *buf = malloc(1024);
	if (!buf)
		return hv_fail(ENOMEM, "out of memory");
	struct utsname u;
	uname(&u);
	time_t now = time(NULL);
	struct tm tm;
	char when[64];
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	int n = snprintf(buf, 1024,
			 "# hvoplan snapshot: the files hvoplan reads; use with hvoplan report --root DIR\n"
			 "hvoplan_version=%s\ncaptured=%s\nsource=%s\n",
			 HV_VERSION, when, r->live ? "/" : r->path);
	/* Only a live capture knows the running kernel's page size and machine;
	 * a snapshot of a snapshot carries the first capture's values along. */
	if (r->live && n > 0 && n < 1024) {
		n += snprintf(buf + n, 1024 - (size_t)n, "arch=%s\npage_size=%ld\nuname=%s %s %s %s %s\n", u.machine,
			      sysconf(_SC_PAGESIZE), u.sysname, u.nodename, u.release, u.version, u.machine);
	} else if (n > 0 && n < 1024)
		n += carry_meta(r, buf + n, 1024 - (size_t)n);
	if (n < 0 || n >= 1024)
		n = 0;
	int rc = add(s, "hvoplan-snapshot.txt", buf, (size_t)n);
	if (rc < 0)
		free(buf);
	return rc;
}

/* statfs() of the hugetlbfs mounts, which a copy cannot answer: measured
 * on a live host, carried along from a snapshot. */
static int statfs_record(const struct hv_root *r, struct hv_snapshot *s)
{
	if (!r->live)
		return grab(r, s, "hvoplan-hugetlbfs-statfs.txt", 1 << 20);
	struct hv_mounts *m = malloc(sizeof(*m));
	if (!m)
		return hv_fail(ENOMEM, "out of memory");
	int rc = hv_probe_mount_list(r, m);
	char *rec = NULL;
	size_t len = 0;
	if (rc == 0 && m->read && m->n > 0)
		rc = hv_format_mount_statfs(m, &rec, &len);
	free(m);
	if (rc == 0 && rec && (rc = add(s, "hvoplan-hugetlbfs-statfs.txt", rec, len)) < 0)
		free(rec);
	return rc;
}

struct persisted_ctx {
	const struct hv_root *r;
	struct hv_snapshot *s;
};

/* What hvoplan verify reads of the boot configuration (hv_persisted_files()):
 * grub.cfg without its password lines, sysctl.d and tmpfiles.d files only
 * when they name hugepages. */
static int persisted_file(void *arg, const char *rel, enum hv_persisted_kind kind)
{
	struct persisted_ctx *c = arg;
	size_t before = c->s->n;
	int rc = grab(c->r, c->s, rel, 1 << 20);
	if (rc < 0 || c->s->n == before)
		return rc;
	struct hv_snap_file *f = &c->s->files[c->s->n - 1];
	if (kind == HV_PF_HUGEPAGES_ONLY && !memmem(f->data, f->len, "hugepages", 9) &&
	    !memmem(f->data, f->len, "hugetlb", 7)) {
		free(f->path);
		free(f->data);
		c->s->n--;
	} else if (kind == HV_PF_GRUB_CFG) {
		size_t o = 0;
		for (size_t i = 0; i < f->len;) {
			const char *nl = memchr(f->data + i, '\n', f->len - i);
			size_t l = nl ? (size_t)(nl - (f->data + i)) + 1 : f->len - i;
			if (!memmem(f->data + i, l, "password", 8)) {
				memmove(f->data + o, f->data + i, l);
				o += l;
			}
			i += l;
		}
		f->len = o;
	}
	return 0;
}

/* Of etc/group only the line of vm.hugetlb_shm_group's gid (the report
 * names that group and its members; the others are none of its business),
 * or an empty file when no group has it, which the report tells too. */
static int shm_group_line(const struct hv_root *r, struct hv_snapshot *s)
{
	int64_t gid;
	char *buf = NULL;
	size_t len;
	if (hv_read_num(r, "proc/sys/vm/hugetlb_shm_group", &gid) < 0 ||
	    hv_root_read(r, "etc/group", 4 << 20, &buf, &len) < 0) {
		hv_clear_error();
		return 0;
	}
	char name[64], members[256], *line = malloc(400);
	int found = hv_parse_group(buf, len, gid, name, sizeof(name), members, sizeof(members));
	free(buf);
	if (!line)
		return hv_fail(ENOMEM, "out of memory");
	size_t n = found ? (size_t)snprintf(line, 400, "%s:x:%lld:%s\n", name, (long long)gid, members) : 0;
	int rc = add(s, "etc/group", line, n);
	if (rc < 0)
		free(line);
	return rc;
}

int hv_snapshot_collect(const struct hv_root *r, struct hv_snapshot *s)
{
	int rc;
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; hv_probe_files[i].rel; i++)
		if ((rc = grab(r, s, hv_probe_files[i].rel, hv_probe_files[i].max)) < 0)
			return rc;
	for (size_t i = 0; hv_uname_files[i]; i++)
		if ((rc = grab(r, s, hv_uname_files[i], 16 << 20)) < 0)
			return rc;
	if ((rc = each_entry(r, s, "proc/sys/vm", sysctl_entry)) < 0 ||
	    (rc = each_entry(r, s, "sys/kernel/mm/hugepages", all_files)) < 0 ||
	    (rc = each_entry(r, s, "sys/devices/system/node", node_entry)) < 0 ||
	    (rc = each_entry(r, s, "sys/devices/system/memory", memory_entry)) < 0 ||
	    (rc = each_entry(r, s, "sys/firmware/memmap", firmware_entry)) < 0 ||
	    (rc = each_entry(r, s, "sys/bus/nd/devices", nd_entry)) < 0)
		return rc;
	char rel[300], release[200] = "";
	rc = hv_root_read_small(r, "proc/sys/kernel/osrelease", release, sizeof(release));
	if (rc == 0)
		release[strcspn(release, "\n")] = '\0';
	else if (rc != -ENOENT && rc != -HV_ENOTREG) /* (a FIFO was named above) */
		hv_note("%s: the matching boot/config-RELEASE is not captured", hv_last_error());
	/* every config the probe may fall back to: a damaged first one makes
	 * it read the next */
	for (int i = 0; hv_kconfig_path(i, release, rel, sizeof(rel)); i++)
		if ((rc = grab(r, s, rel, 16 << 20)) < 0)
			return rc;
	if (r->live)
		rc = kmsg(s);
	else
		for (size_t i = 0; rc == 0 && hv_bootlog_files[i]; i++)
			rc = grab(r, s, hv_bootlog_files[i], 64 << 20);
	if (rc < 0)
		return rc;
	if ((rc = statfs_record(r, s)) < 0)
		return rc;
	struct persisted_ctx pc = {r, s};
	if ((rc = hv_persisted_files(r, persisted_file, &pc)) < 0 || (rc = shm_group_line(r, s)) < 0)
		return rc;
	rc = meta(r, s);
	hv_clear_error();
	return rc;
}

void hv_snapshot_free(struct hv_snapshot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->files[i].path);
		free(s->files[i].data);
		free(s->files[i].link);
	}
	free(s->files);
	memset(s, 0, sizeof(*s));
}
