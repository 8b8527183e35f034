/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-process hugetlb usage (see include/procs.h for the cost model).
 * Everything is read under the root with hv_root_openat(), so a tree with
 * proc/PID/ directories under --root is read exactly like the live /proc. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fsutil.h"
#include "hv_error.h"
#include "procs.h"
#include "strutil.h"

struct hv_procs_ctx {
	const struct hv_root *root;
	DIR *proc; /* NULL: the root has no proc/ directory */
	char *passwd; /* a snapshot's etc/passwd, for user names; NULL on a live host */
};

static const char *const sort_names[HV_PSORT_N] = {
	[HV_PSORT_HUGETLB] = "hugetlb", [HV_PSORT_PRIVATE] = "private", [HV_PSORT_SHARED] = "shared",
	[HV_PSORT_PID] = "pid",		[HV_PSORT_USER] = "user",	[HV_PSORT_COMMAND] = "command",
};

const char *hv_proc_sort_name(enum hv_proc_sort s)
{
	return s < HV_PSORT_N ? sort_names[s] : "?";
}

int hv_parse_proc_sort(const char *s, enum hv_proc_sort *out)
{
	for (int i = 0; i < HV_PSORT_N; i++)
		if (!strcmp(s, sort_names[i])) {
			*out = (enum hv_proc_sort)i;
			return 0;
		}
	return -EINVAL;
}

/* Decimal at p (after blanks), bounded by end; -EINVAL when absent or too big. */
static int dec(const char **pp, const char *end, int64_t *out)
{
	const char *p = *pp;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	int64_t v = 0;
	const char *start = p;
	while (p < end && *p >= '0' && *p <= '9') {
		if (v > (INT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (*p++ - '0');
	}
	if (p == start)
		return -EINVAL;
	*pp = p;
	*out = v;
	return 0;
}

int hv_parse_status_hugetlb(const char *buf, size_t len, int64_t *out)
{
	static const char key[] = "\nHugetlbPages:";
	const char *p = memmem(buf, len, key, sizeof(key) - 1);
	if (!p)
		return -ENOENT;
	p += sizeof(key) - 1;
	return dec(&p, buf + len, out);
}

int hv_parse_status_euid(const char *buf, size_t len, long *out)
{
	static const char key[] = "\nUid:";
	const char *p = memmem(buf, len, key, sizeof(key) - 1);
	if (!p)
		return -ENOENT;
	p += sizeof(key) - 1;
	int64_t real, eff;
	if (dec(&p, buf + len, &real) < 0 || dec(&p, buf + len, &eff) < 0 || eff > 0xffffffffll)
		return -EINVAL;
	*out = (long)eff;
	return 0;
}

static int hex(const char **pp, const char *end, uint64_t *out)
{
	const char *p = *pp;
	uint64_t v = 0;
	const char *start = p;
	for (; p < end; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
		if (d < 0)
			break;
		if (v >> 60)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	if (p == start)
		return -EINVAL;
	*pp = p;
	*out = v;
	return 0;
}

/* "start-end perms offset MM:mm inode ..." */
static int vma_header(const char *p, const char *end, struct hv_htlb_vma *v)
{
	uint64_t start, stop, off, maj, min;
	int64_t ino;
	if (hex(&p, end, &start) < 0 || p >= end || *p++ != '-' || hex(&p, end, &stop) < 0 || stop < start)
		return -EINVAL;
	if (p >= end || *p++ != ' ')
		return -EINVAL;
	while (p < end && *p != ' ')
		p++; /* perms */
	if (p >= end || *p++ != ' ' || hex(&p, end, &off) < 0 || p >= end || *p++ != ' ')
		return -EINVAL;
	if (hex(&p, end, &maj) < 0 || p >= end || *p++ != ':' || hex(&p, end, &min) < 0 || maj > 0xfff ||
	    min > 0xfffff || dec(&p, end, &ino) < 0)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->dev_major = (unsigned)maj;
	v->dev_minor = (unsigned)min;
	v->ino = (uint64_t)ino;
	v->offset = off;
	return 0;
}

static bool is_vma_header(const char *p, const char *end)
{
	/* Field lines start with a capitalized key; headers with a hex address. */
	const char *q = p;
	while (q < end && ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f')))
		q++;
	return q > p && q < end && *q == '-';
}

/* "Key:   123 kB" -> 123 */
static int kb_field(const char *p, const char *end, const char *key, int64_t *out, bool *hit)
{
	size_t k = strlen(key);
	if ((size_t)(end - p) <= k || memcmp(p, key, k) || p[k] != ':')
		return 0;
	p += k + 1;
	*hit = true;
	return dec(&p, end, out);
}

static bool has_flag(const char *p, const char *end, const char *flag)
{
	for (;;) {
		while (p < end && *p == ' ')
			p++;
		if (p >= end)
			return false;
		const char *w = p;
		while (p < end && *p != ' ')
			p++;
		if ((size_t)(p - w) == strlen(flag) && !memcmp(w, flag, (size_t)(p - w)))
			return true;
	}
}

int hv_parse_smaps_hugetlb(const char *buf, size_t len, struct hv_htlb_vma **vp, int *np)
{
	struct hv_htlb_vma *v = NULL, cur;
	int n = 0, cap = 0;
	bool in_vma = false;
	const char *end = buf + len;
	*vp = NULL;
	*np = 0;
	for (const char *p = buf; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		bool hit = false;
		int rc = 0;
		if (is_vma_header(p, eol)) {
			if ((rc = vma_header(p, eol, &cur)) < 0)
				goto bad;
			in_vma = true;
		} else if (in_vma) {
			if ((rc = kb_field(p, eol, "Size", &cur.size_kib, &hit)) < 0 ||
			    (!hit && (rc = kb_field(p, eol, "Private_Hugetlb", &cur.private_kib, &hit)) < 0) ||
			    (!hit && (rc = kb_field(p, eol, "Shared_Hugetlb", &cur.shared_kib, &hit)) < 0))
				goto bad;
			/* VmFlags closes a mapping; "ht" marks hugetlb (kernel 3.8+). */
			if (!hit && eol - p > 8 && !memcmp(p, "VmFlags:", 8)) {
				in_vma = false;
				if (has_flag(p + 8, eol, "ht")) {
					if (n == cap) {
						int nc = cap ? cap * 2 : 8;
						struct hv_htlb_vma *nv = realloc(v, (size_t)nc * sizeof(*nv));
						if (!nv) {
							free(v);
							return -ENOMEM;
						}
						v = nv;
						cap = nc;
					}
					v[n++] = cur;
				}
			}
		}
		p = eol < end ? eol + 1 : end;
		continue;
	bad:
		free(v);
		return rc;
	}
	*vp = v;
	*np = n;
	return 0;
}

static bool is_pid(const char *s)
{
	return s[0] >= '1' && s[0] <= '9' && strspn(s, "0123456789") == strlen(s);
}

/* Snapshots keep proc/meminfo and friends but no processes. */
static bool has_pid_dir(DIR *d)
{
	struct dirent *e;
	while ((e = readdir(d)))
		if (is_pid(e->d_name))
			return true;
	return false;
}

int hv_procs_open(struct hv_procs_ctx **ctx, const struct hv_root *r)
{
	struct hv_procs_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return hv_fail(ENOMEM, "out of memory");
	c->root = r;
	int fd = hv_root_openat(r, "proc", O_RDONLY | O_DIRECTORY);
	if (fd >= 0 && !(c->proc = fdopendir(fd))) {
		int e = errno;
		close(fd);
		free(c);
		return hv_fail(e, "%s: %s", hv_root_name(r, "proc"), strerror(e));
	}
	if (fd < 0 && r->live) {
		free(c);
		return hv_fail(-fd, "/proc: %s", strerror(-fd));
	}
	if (!r->live && c->proc && !has_pid_dir(c->proc)) {
		closedir(c->proc);
		c->proc = NULL;
	}
	if (!r->live && c->proc) {
		int pfd = hv_root_openat(r, "etc/passwd", O_RDONLY);
		size_t len;
		if (pfd >= 0) {
			if (hv_read_fd(pfd, 1 << 24, &c->passwd, &len) < 0)
				c->passwd = NULL; /* names fall back to numeric uids */
			close(pfd);
		}
	}
	*ctx = c;
	return 0;
}

void hv_procs_close(struct hv_procs_ctx **ctx)
{
	struct hv_procs_ctx *c = *ctx;
	if (!c)
		return;
	if (c->proc)
		closedir(c->proc);
	free(c->passwd);
	free(c);
	*ctx = NULL;
}

void hv_procs_free(struct hv_procs *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

static int open_pid(struct hv_procs_ctx *c, const char *pid, const char *file)
{
	char rel[96];
	snprintf(rel, sizeof(rel), "proc/%s/%s", pid, file);
	return hv_root_openat(c->root, rel, O_RDONLY);
}

/* HugetlbPages and euid of one process: 0, -EACCES, or -ENOENT (gone, or a
 * kernel thread without an address space). */
static int read_status(struct hv_procs_ctx *c, const char *pid, int64_t *kib, long *uid)
{
	char buf[8192];
	int fd = open_pid(c, pid, "status");
	if (fd < 0)
		return fd == -EACCES || fd == -EPERM ? -EACCES : -ENOENT;
	buf[0] = '\n'; /* so the keys match "\nKey:" on any line, the first too */
	size_t len = 1;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return e == EACCES || e == EPERM ? -EACCES : -ENOENT;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/* Both lines sit in the first KiB; stop as soon as they are complete. */
		const char *k = memmem(buf, len, "\nHugetlbPages:", 14);
		if (k && memchr(k + 1, '\n', len - (size_t)(k + 1 - buf)))
			break;
		if (len >= sizeof(buf) - 1)
			break;
	}
	close(fd);
	if (hv_parse_status_hugetlb(buf, len, kib) < 0)
		return -ENOENT;
	if (hv_parse_status_euid(buf, len, uid) < 0)
		*uid = -1;
	return 0;
}

static void user_name(struct hv_procs_ctx *c, long uid, char *buf, size_t cap)
{
	if (uid < 0) {
		hv_copy(buf, cap, "?");
		return;
	}
	if (c->root->live) {
		struct passwd pw, *res = NULL;
		char tmp[4096];
		if (getpwuid_r((uid_t)uid, &pw, tmp, sizeof(tmp), &res) == 0 && res) {
			hv_copy(buf, cap, res->pw_name);
			return;
		}
	} else if (c->passwd) {
		/* name:x:uid:... */
		for (const char *l = c->passwd; *l;) {
			const char *eol = strchr(l, '\n');
			size_t ll = eol ? (size_t)(eol - l) : strlen(l);
			const char *c1 = memchr(l, ':', ll);
			const char *c2 = c1 ? memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - l)) : NULL;
			if (c2) {
				char *e;
				long u = strtol(c2 + 1, &e, 10);
				if (e > c2 + 1 && *e == ':' && u == uid && c1 > l) {
					size_t nl = (size_t)(c1 - l) < cap - 1 ? (size_t)(c1 - l) : cap - 1;
					memcpy(buf, l, nl);
					buf[nl] = '\0';
					return;
				}
			}
			l += ll + (eol ? 1 : 0);
		}
	}
	snprintf(buf, cap, "%ld", uid);
}

static void read_comm(struct hv_procs_ctx *c, const char *pid, char *buf, size_t cap)
{
	int fd = open_pid(c, pid, "comm");
	ssize_t n = fd >= 0 ? read(fd, buf, cap - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		hv_copy(buf, cap, "(exited)");
		return;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

struct shared_rec {
	unsigned maj, min;
	uint64_t ino;
	int pid;
	int64_t shared_kib;
};

struct scan_state {
	struct shared_rec *sh;
	int nsh, capsh;
};

static int add_shared(struct scan_state *s, int pid, const struct hv_htlb_vma *v)
{
	if (s->nsh == s->capsh) {
		int cap = s->capsh ? s->capsh * 2 : 32;
		struct shared_rec *n = realloc(s->sh, (size_t)cap * sizeof(*n));
		if (!n)
			return hv_fail(ENOMEM, "out of memory");
		s->sh = n;
		s->capsh = cap;
	}
	s->sh[s->nsh++] = (struct shared_rec){v->dev_major, v->dev_minor, v->ino, pid, v->shared_kib};
	return 0;
}

/* Reads smaps of one process: 0 with its sums, -EACCES, -ENOENT (gone), or
 * -EINVAL when the text is malformed (a damaged tree under --root). */
static int read_smaps(struct hv_procs_ctx *c, const char *pid, struct hv_proc *e, struct scan_state *s)
{
	int fd = open_pid(c, pid, "smaps");
	if (fd < 0)
		return fd == -EACCES || fd == -EPERM ? -EACCES : -ENOENT;
	char *buf;
	size_t len;
	int rc = hv_read_fd(fd, (size_t)1 << 30, &buf, &len);
	close(fd);
	if (rc == -EACCES || rc == -EPERM)
		return -EACCES;
	if (rc < 0)
		return rc == -ENOMEM ? hv_fail(ENOMEM, "out of memory") : -ENOENT;
	struct hv_htlb_vma *v;
	int n;
	rc = hv_parse_smaps_hugetlb(buf, len, &v, &n);
	free(buf);
	if (rc == -ENOMEM)
		return hv_fail(ENOMEM, "out of memory");
	if (rc < 0)
		return -EINVAL;
	e->private_kib = e->shared_kib = e->mapped_kib = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		e->private_kib += v[i].private_kib;
		e->shared_kib += v[i].shared_kib;
		e->mapped_kib += v[i].size_kib;
		if (v[i].shared_kib > 0)
			rc = add_shared(s, e->pid, &v[i]);
	}
	free(v);
	e->reserved_only = n > 0 && e->private_kib == 0 && e->shared_kib == 0;
	return rc;
}

static struct hv_proc *add(struct hv_procs *p, int pid, int64_t kib)
{
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		struct hv_proc *v = realloc(p->v, (size_t)cap * sizeof(*v));
		if (!v) {
			hv_fail(ENOMEM, "out of memory");
			return NULL;
		}
		p->v = v;
		p->cap = cap;
	}
	struct hv_proc *e = &p->v[p->n++];
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->hugetlb_kib = kib;
	e->private_kib = e->shared_kib = e->mapped_kib = HV_UNKNOWN;
	return e;
}

static int cmp_shared(const void *a, const void *b)
{
	const struct shared_rec *x = a, *y = b;
	if (x->maj != y->maj)
		return x->maj < y->maj ? -1 : 1;
	if (x->min != y->min)
		return x->min < y->min ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* A page of one object (device + inode: a hugetlbfs file, memfd, SysV
 * segment, or the inode behind an anonymous MAP_HUGETLB mapping that fork()
 * shares) that several processes map is Shared_Hugetlb in each of them.
 * Counted once, that is the largest of the mappings' shares: exact when two
 * processes with one mapping each share it (each sees the same pages as
 * shared); with more sharers or mappings the pages each sees may differ,
 * and the largest share is then a lower bound. */
static void count_shared(struct hv_procs *p, struct scan_state *s)
{
	qsort(s->sh, (size_t)s->nsh, sizeof(s->sh[0]), cmp_shared);
	for (int i = 0; i < s->nsh;) {
		int j = i, npids = 0, nmaps = 0, last = -1;
		int64_t max = 0, min = INT64_MAX;
		for (; j < s->nsh && s->sh[j].maj == s->sh[i].maj && s->sh[j].min == s->sh[i].min &&
		       s->sh[j].ino == s->sh[i].ino;
		     j++) {
			if (s->sh[j].pid != last)
				npids++;
			last = s->sh[j].pid;
			nmaps++;
			max = s->sh[j].shared_kib > max ? s->sh[j].shared_kib : max;
			min = s->sh[j].shared_kib < min ? s->sh[j].shared_kib : min;
		}
		p->distinct_kib += max;
		if (npids >= 2)
			p->nshared_objects++;
		if (nmaps > 2 || npids != 2 || min != max)
			p->distinct_at_least = true;
		i = j;
	}
}

/* Resets p for a scan; false when there is nothing to scan: no process
 * directories, or no hugepage in use and not every process asked for. */
static bool scan_start(struct hv_procs_ctx *c, struct hv_procs *p, bool smaps, int64_t pages_in_use,
		       int64_t pages_reserved)
{
	p->n = 0;
	p->nscanned = p->nunreadable = p->nsmaps_noaccess = p->nreserved_only = p->nshared_objects = 0;
	p->total_kib = 0;
	p->distinct_kib = HV_UNKNOWN;
	p->distinct_at_least = false;
	p->smaps = p->all_smaps = false;
	p->idle = false;
	if (!c->proc) {
		p->available = false;
		snprintf(p->why, sizeof(p->why), "processes: %s has no process directories (a snapshot has none)",
			 hv_root_name(c->root, "proc"));
		return false;
	}
	p->available = true;
	p->why[0] = '\0';
	bool all = smaps && pages_reserved != 0;
	if (pages_in_use == 0 && !all) {
		p->idle = true;
		return false;
	}
	p->smaps = smaps;
	p->all_smaps = all;
	if (smaps)
		p->distinct_kib = 0;
	return true;
}

/* One process's smaps into e (kib: its HugetlbPages); 1 when it is left
 * out (no hugepages, none reserved), -errno on a failure that ends the
 * scan. */
static int scan_smaps(struct hv_procs_ctx *c, const char *pid, int64_t kib, struct hv_proc *e, struct scan_state *s,
		      struct hv_procs *p)
{
	int rc = read_smaps(c, pid, e, s);
	if (rc == -EACCES) {
		e->private_kib = e->shared_kib = e->mapped_kib = HV_PROC_NOACCESS;
		p->nsmaps_noaccess++;
		if (kib > 0)
			p->distinct_at_least = true; /* its pages are not in the count */
	} else if (rc == -ENOENT || rc == -EINVAL) {
		/* gone in between, or damaged: the split stays unknown */
		if (kib > 0)
			p->distinct_at_least = true;
	} else if (rc < 0) {
		return rc;
	}
	if (e->private_kib > 0)
		p->distinct_kib += e->private_kib;
	if (kib == 0 && !e->reserved_only)
		return 1;
	if (e->reserved_only && kib == 0)
		p->nreserved_only++;
	return 0;
}

int hv_procs_scan(struct hv_procs_ctx *c, struct hv_procs *p, bool smaps, int64_t pages_in_use,
		  int64_t pages_reserved)
{
	if (!scan_start(c, p, smaps, pages_in_use, pages_reserved))
		return 0;
	bool all = p->all_smaps;
	struct scan_state s = {0};
	int rc = 0;
	rewinddir(c->proc);
	struct dirent *d;
	while ((d = readdir(c->proc))) {
		if (!is_pid(d->d_name))
			continue;
		int64_t kib;
		long uid;
		rc = read_status(c, d->d_name, &kib, &uid);
		if (rc == -EACCES) {
			p->nscanned++;
			p->nunreadable++;
			continue;
		}
		if (rc < 0)
			continue;
		p->nscanned++;
		p->total_kib += kib;
		rc = 0;
		if (kib == 0 && !all)
			continue;
		struct hv_proc e = {.pid = atoi(d->d_name), .hugetlb_kib = kib};
		e.private_kib = e.shared_kib = e.mapped_kib = HV_UNKNOWN;
		if (smaps) {
			rc = scan_smaps(c, d->d_name, kib, &e, &s, p);
			if (rc < 0)
				goto out;
			if (rc > 0) {
				rc = 0;
				continue;
			}
		}
		struct hv_proc *x = add(p, e.pid, kib);
		if (!x) {
			rc = -ENOMEM;
			goto out;
		}
		*x = e;
		user_name(c, uid, x->user, sizeof(x->user));
		read_comm(c, d->d_name, x->comm, sizeof(x->comm));
	}
	rc = 0;
	if (smaps)
		count_shared(p, &s);
out:
	free(s.sh);
	return rc;
}

static enum hv_proc_sort sort_by;

static int cmp64(int64_t a, int64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0; /* descending */
}

static int cmp_proc(const void *a, const void *b)
{
	const struct hv_proc *x = a, *y = b;
	int c = 0;
	switch (sort_by) {
	case HV_PSORT_HUGETLB: c = cmp64(x->hugetlb_kib, y->hugetlb_kib); break;
	case HV_PSORT_PRIVATE: c = cmp64(x->private_kib, y->private_kib); break;
	case HV_PSORT_SHARED: c = cmp64(x->shared_kib, y->shared_kib); break;
	case HV_PSORT_PID: break;
	case HV_PSORT_USER: c = strcmp(x->user, y->user); break;
	case HV_PSORT_COMMAND: c = strcmp(x->comm, y->comm); break;
	case HV_PSORT_N: break;
	}
	if (!c && sort_by != HV_PSORT_HUGETLB)
		c = cmp64(x->hugetlb_kib, y->hugetlb_kib);
	return c ? c : (x->pid > y->pid) - (x->pid < y->pid);
}

void hv_procs_sort(struct hv_procs *p, enum hv_proc_sort by)
{
	sort_by = by; /* qsort has no context argument; `top` is single-threaded */
	if (p->n > 1)
		qsort(p->v, (size_t)p->n, sizeof(p->v[0]), cmp_proc);
}

void hv_probe_hostname(const struct hv_root *r, char *buf, size_t cap)
{
	char tmp[256];
	if (hv_root_read_small(r, "proc/sys/kernel/hostname", tmp, sizeof(tmp)) == 0) {
		tmp[strcspn(tmp, "\n")] = '\0';
		if (tmp[0]) {
			hv_sanitize(tmp); /* shown in the dashboard's title */
			hv_copy(buf, cap, tmp);
			return;
		}
	}
	hv_clear_error();
	struct utsname u;
	if (r->live && uname(&u) == 0) {
		hv_copy(buf, cap, u.nodename);
		return;
	}
	hv_copy(buf, cap, "?");
}
