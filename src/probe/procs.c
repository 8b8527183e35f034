/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-process hugetlb usage (see include/procs.h for the cost model).
 * Everything is read under the root with hv_root_openat(), so a tree with
 * proc/PID/ directories under --root is read exactly like the live /proc. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fsutil.h"
#include "holders.h"
#include "hv_error.h"
#include "procs.h"
#include "strutil.h"

/* What the incremental scan remembers of one process between refreshes. */
enum track_state { T_NEW, T_NOMM, T_NOACCESS, T_IDLE, T_CONSUMER };

struct track {
	int pid;
	unsigned phase;	     /* re-read when the refresh count % rescan is this */
	uint64_t ino;	     /* d_ino of proc/PID: a new one is a new process */
	int pidfd;	     /* consumers on a live host: -1 without */
	enum track_state state;
	int64_t kib;	     /* HugetlbPages when last read */
	long uid;
	char user[33];
	char comm[64];
};

struct hv_procs_ctx {
	const struct hv_root *root;
	DIR *proc; /* NULL: the root has no proc/ directory */
	char *passwd; /* a snapshot's etc/passwd, for user names; NULL on a live host */
	int rescan;	   /* every process is re-read at least every rescan refreshes */
	int epfd;	   /* the consumers' pidfds (live hosts); -1 without */
	unsigned refresh;  /* incremental scans so far */
	unsigned next_phase;
	bool walk_next;	   /* the next scan reads every process (first, or after idle) */
	struct track *t;   /* the processes of the last scan, by ascending PID */
	int nt, capt;
	struct track *nt_buf; /* the next scan's list, swapped with t */
	int capnt;
	struct {
		long uid;
		char name[33];
	} users[32]; /* user names resolved so far (a host has few) */
	int nusers;
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
	c->rescan = HV_PROCS_RESCAN_DEFAULT;
	c->walk_next = true;
	c->epfd = -1;
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
	if (r->live) {
		c->epfd = epoll_create1(EPOLL_CLOEXEC);
		/* one pidfd per consumer (scan_incremental): a host with thousands
		 * of them needs more than the usual soft limit of 1024 files.
		 * Without, the consumers past it are read every refresh. */
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max && rl.rlim_cur < (1 << 16)) {
			rl.rlim_cur = rl.rlim_max < (1 << 16) ? rl.rlim_max : (1 << 16);
			setrlimit(RLIMIT_NOFILE, &rl);
		}
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
	for (int i = 0; i < c->nt; i++)
		if (c->t[i].pidfd >= 0)
			close(c->t[i].pidfd);
	if (c->epfd >= 0)
		close(c->epfd);
	free(c->t);
	free(c->nt_buf);
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

/* HugetlbPages, euid and (when name is not NULL) the command name of one
 * process: 0, -EACCES, -ENOENT (gone) or -ENODATA (a kernel thread or a
 * zombie: no address space). */
static int read_status(struct hv_procs_ctx *c, const char *pid, int64_t *kib, long *uid, char *name,
		       size_t cap)
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
		/* Name, Uid and HugetlbPages sit in the first KiB; stop as soon as
		 * the last of them is complete. */
		const char *k = memmem(buf, len, "\nHugetlbPages:", 14);
		if (k && memchr(k + 1, '\n', len - (size_t)(k + 1 - buf)))
			break;
		if (len >= sizeof(buf) - 1)
			break;
	}
	close(fd);
	if (hv_parse_status_hugetlb(buf, len, kib) < 0)
		return -ENODATA;
	if (hv_parse_status_euid(buf, len, uid) < 0)
		*uid = -1;
	if (name && hv_parse_status_name(buf + 1, len - 1, name, cap) < 0)
		hv_copy(name, cap, "?");
	return 0;
}

static void lookup_user(struct hv_procs_ctx *c, long uid, char *buf, size_t cap);

/* Names by uid, remembered: a host with thousands of processes has a few
 * users, and getpwuid_r reads the user database on every call. */
static void user_name(struct hv_procs_ctx *c, long uid, char *buf, size_t cap)
{
	for (int i = 0; i < c->nusers; i++)
		if (c->users[i].uid == uid) {
			hv_copy(buf, cap, c->users[i].name);
			return;
		}
	lookup_user(c, uid, buf, cap);
	if (c->nusers < (int)(sizeof(c->users) / sizeof(c->users[0]))) {
		c->users[c->nusers].uid = uid;
		hv_copy(c->users[c->nusers++].name, sizeof(c->users[0].name), buf);
	}
}

static void lookup_user(struct hv_procs_ctx *c, long uid, char *buf, size_t cap)
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

/* The hugetlb mappings of one process's smaps (malloc'ed *v): 0, -EACCES,
 * -ENOENT (gone), -ENOMEM, or -EINVAL when the text is malformed (a damaged
 * tree under --root). */
/* A whole proc/PID/FILE (smaps, numa_maps: the kernel walks the page
 * tables as it is read) into a malloc'ed *buf: 0, -EACCES, -ENOENT (gone),
 * -ENOMEM. */
static int read_pid_file(struct hv_procs_ctx *c, const char *pid, const char *file, char **buf, size_t *len)
{
	int fd = open_pid(c, pid, file);
	if (fd < 0)
		return fd == -EACCES || fd == -EPERM ? -EACCES : -ENOENT;
	int rc = hv_read_fd(fd, (size_t)1 << 30, buf, len);
	close(fd);
	if (rc == -EACCES || rc == -EPERM)
		return -EACCES;
	return rc == 0 ? 0 : rc == -ENOMEM ? -ENOMEM : -ENOENT;
}

static int smaps_vmas(struct hv_procs_ctx *c, const char *pid, struct hv_htlb_vma **v, int *n)
{
	char *buf;
	size_t len;
	int rc = read_pid_file(c, pid, "smaps", &buf, &len);
	if (rc < 0)
		return rc;
	rc = hv_parse_smaps_hugetlb(buf, len, v, n);
	free(buf);
	return rc == -ENOMEM ? -ENOMEM : rc < 0 ? -EINVAL : 0;
}

/* Reads smaps of one process: 0 with its sums, -EACCES, -ENOENT (gone), or
 * -EINVAL when the text is malformed (a damaged tree under --root). */
static int read_smaps(struct hv_procs_ctx *c, const char *pid, struct hv_proc *e, struct scan_state *s)
{
	struct hv_htlb_vma *v;
	int n;
	int rc = smaps_vmas(c, pid, &v, &n);
	if (rc == -ENOMEM)
		return hv_fail(ENOMEM, "out of memory");
	if (rc < 0)
		return rc;
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
	if (s->nsh == 0)
		return; /* (no array at all: qsort() must not see NULL) */
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

/* Incremental scan (without smaps). Each refresh lists proc/ (one
 * getdents pass, which the kernel answers from the task list) and reads
 * proc/PID/status only of: processes not seen before (a PID with a new
 * directory inode is a new process), every process whose turn it is (a
 * K-th of them each refresh, K = rescan, so each is re-read at least every
 * K refreshes and a process that starts mapping hugepages shows within K),
 * and the known consumers: all of them each refresh while they are at most
 * CONSUMERS_EVERY or a K-th of the processes, else in turn like the rest.
 * A consumer that exits leaves at once: it is gone from proc/, or on a live
 * host its pidfd says it exited. Reading status costs the kernel about as
 * much as procps top's reads of a process; this is what keeps top's cost
 * below theirs on a host where every process maps hugepages. */
#define CONSUMERS_EVERY 64

static int pidfd_of(int pid)
{
	long fd = syscall(SYS_pidfd_open, pid, 0);
	return fd < 0 ? -1 : (int)fd;
}

static bool has_exited(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	return poll(&p, 1, 0) > 0; /* readable once the process has exited */
}

static void untrack(struct track *e)
{
	if (e->pidfd >= 0)
		close(e->pidfd);
	e->pidfd = -1;
}

static int cmp_track(const void *a, const void *b)
{
	const struct track *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* proc/ now into c->nt_buf, by ascending PID (the live /proc lists them so;
 * a tree under --root may not). */
static int list_pids(struct hv_procs_ctx *c, int *np)
{
	int n = 0;
	bool sorted = true;
	rewinddir(c->proc);
	struct dirent *d;
	while ((d = readdir(c->proc))) {
		if (!is_pid(d->d_name))
			continue;
		if (n == c->capnt) {
			int cap = c->capnt ? c->capnt * 2 : 1024;
			struct track *v = realloc(c->nt_buf, (size_t)cap * sizeof(*v));
			if (!v)
				return hv_fail(ENOMEM, "out of memory");
			c->nt_buf = v;
			c->capnt = cap;
		}
		struct track *e = &c->nt_buf[n];
		e->pid = atoi(d->d_name);
		e->ino = d->d_ino;
		if (n > 0 && e->pid <= c->nt_buf[n - 1].pid)
			sorted = false;
		n++;
	}
	if (!sorted)
		qsort(c->nt_buf, (size_t)n, sizeof(c->nt_buf[0]), cmp_track);
	*np = n;
	return 0;
}

/* The new list keeps what is known of each process still there (same PID,
 * same directory inode); the rest is dropped. One merge of two sorted
 * lists: O(processes). */
static void merge_known(struct hv_procs_ctx *c, int n)
{
	int j = 0;
	for (int i = 0; i < n; i++) {
		struct track *e = &c->nt_buf[i];
		while (j < c->nt && c->t[j].pid < e->pid)
			untrack(&c->t[j++]);
		if (j < c->nt && c->t[j].pid == e->pid && c->t[j].ino == e->ino) {
			*e = c->t[j++];
			continue;
		}
		if (j < c->nt && c->t[j].pid == e->pid)
			untrack(&c->t[j++]); /* the PID was reused */
		int pid = e->pid;
		uint64_t ino = e->ino;
		*e = (struct track){.pid = pid, .ino = ino, .pidfd = -1, .state = T_NEW, .phase = c->next_phase++};
	}
	while (j < c->nt)
		untrack(&c->t[j++]);
	struct track *t = c->t;
	int cap = c->capt;
	c->t = c->nt_buf;
	c->capt = c->capnt;
	c->nt = n;
	c->nt_buf = t;
	c->capnt = cap;
}

/* One status read into e. On a live host a consumer's figures are of the
 * one process its pidfd names: the pidfd is taken before a read and
 * checked after it (a PID is not reused while its process lives); for a
 * process found mapping hugepages for the first time, status is read again
 * once its pidfd is open. Others need none: a figure of 0 is 0 whoever
 * has the PID. */
static void reread(struct hv_procs_ctx *c, struct track *e)
{
	char pid[16], comm[sizeof(e->comm)];
	snprintf(pid, sizeof(pid), "%d", e->pid);
	int64_t kib = 0;
	long uid = -1;
	int pfd = e->pidfd;
	int rc = read_status(c, pid, &kib, &uid, comm, sizeof(comm));
	if (rc == 0 && kib > 0 && pfd < 0 && c->root->live && (pfd = pidfd_of(e->pid)) >= 0)
		rc = read_status(c, pid, &kib, &uid, comm, sizeof(comm));
	if (rc == 0 && pfd >= 0 && has_exited(pfd))
		rc = -ENOENT;
	if (rc == 0 && kib > 0) {
		if (e->state != T_CONSUMER || e->uid != uid)
			user_name(c, uid, e->user, sizeof(e->user));
		hv_copy(e->comm, sizeof(e->comm), comm);
		e->uid = uid;
		e->kib = kib;
		e->state = T_CONSUMER;
		if (pfd >= 0 && pfd != e->pidfd) {
			/* unwatched, it would hide an exit: without, read every refresh */
			struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)e->pid};
			if (c->epfd < 0 || epoll_ctl(c->epfd, EPOLL_CTL_ADD, pfd, &ev) < 0) {
				close(pfd);
				pfd = -1;
			}
		}
		e->pidfd = pfd;
		return;
	}
	if (pfd >= 0 && pfd != e->pidfd)
		close(pfd);
	untrack(e);
	e->kib = 0;
	e->state = rc == 0 ? T_IDLE : rc == -EACCES ? T_NOACCESS : T_NOMM;
}

/* Consumers that exited since the last scan leave now: their pidfds are
 * in c->epfd, which reports those that became readable (exited), so the
 * cost follows the exits, not the consumers. */
static void drop_exited(struct hv_procs_ctx *c)
{
	struct epoll_event ev[64];
	int n;
	if (c->epfd < 0)
		return;
	while ((n = epoll_wait(c->epfd, ev, 64, 0)) > 0) {
		for (int k = 0; k < n; k++) {
			struct track key = {.pid = (int)ev[k].data.u32};
			struct track *e = bsearch(&key, c->t, (size_t)c->nt, sizeof(c->t[0]), cmp_track);
			if (e && e->pidfd >= 0) {
				untrack(e); /* closing the pidfd takes it out of epfd */
				e->state = T_NOMM; /* a zombie until reaped */
			}
		}
		if (n < 64)
			break;
	}
}

/* Which processes this refresh reads (true in want). */
static void choose(struct hv_procs_ctx *c, bool *want)
{
	unsigned k = (unsigned)c->rescan, slot = c->refresh % k;
	int ncons = 0;
	for (int i = 0; i < c->nt; i++)
		ncons += c->t[i].state == T_CONSUMER;
	bool consumers = ncons <= CONSUMERS_EVERY || (int64_t)ncons * k <= (int64_t)c->nt;
	for (int i = 0; i < c->nt; i++) {
		const struct track *e = &c->t[i];
		want[i] = c->walk_next || e->state == T_NEW || e->phase % k == slot ||
			  (e->state == T_CONSUMER && (consumers || e->pidfd < 0));
	}
}

static int scan_incremental(struct hv_procs_ctx *c, struct hv_procs *p)
{
	int n, rc = list_pids(c, &n);
	if (rc < 0)
		return rc;
	merge_known(c, n);
	bool *want = calloc((size_t)(c->nt ? c->nt : 1), sizeof(*want));
	if (!want)
		return hv_fail(ENOMEM, "out of memory");
	drop_exited(c);
	choose(c, want);
	for (int i = 0; i < c->nt; i++)
		if (want[i])
			reread(c, &c->t[i]);
	free(want);
	c->walk_next = false;
	c->refresh++;
	for (int i = 0; i < c->nt; i++) {
		const struct track *e = &c->t[i];
		if (e->state == T_NOMM)
			continue;
		p->nscanned++;
		if (e->state == T_NOACCESS) {
			p->nunreadable++;
			continue;
		}
		if (e->state != T_CONSUMER)
			continue;
		p->total_kib += e->kib;
		struct hv_proc *x = add(p, e->pid, e->kib);
		if (!x)
			return -ENOMEM;
		hv_copy(x->user, sizeof(x->user), e->user);
		hv_copy(x->comm, sizeof(x->comm), e->comm);
	}
	return 0;
}

void hv_procs_set_rescan(struct hv_procs_ctx *c, int refreshes)
{
	c->rescan = refreshes < 1 ? 1 : refreshes;
}

int hv_procs_scan(struct hv_procs_ctx *c, struct hv_procs *p, bool smaps, int64_t pages_in_use,
		  int64_t pages_reserved)
{
	if (!scan_start(c, p, smaps, pages_in_use, pages_reserved)) {
		c->walk_next = true; /* whoever maps a page next is found at once */
		return 0;
	}
	if (!smaps)
		return scan_incremental(c, p);
	c->walk_next = true; /* the smaps scan keeps no list */
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
		rc = read_status(c, d->d_name, &kib, &uid, NULL, 0);
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

/* Appends the hugetlb mappings of one process's smaps to *v. -EACCES,
 * -ENOENT (gone or damaged), -ENOMEM. */
static int append_vmas(struct hv_procs_ctx *c, const char *pid, struct hv_pid_vma **v, int *n, int *cap)
{
	struct hv_htlb_vma *m;
	int nm;
	int rc = smaps_vmas(c, pid, &m, &nm);
	if (rc < 0)
		return rc == -EINVAL ? -ENOENT : rc;
	if (*n + nm > *cap) {
		int nc = *cap ? *cap : 64;
		while (nc < *n + nm)
			nc *= 2;
		struct hv_pid_vma *nv = realloc(*v, (size_t)nc * sizeof(*nv));
		if (!nv) {
			free(m);
			return -ENOMEM;
		}
		*v = nv;
		*cap = nc;
	}
	for (int i = 0; i < nm; i++)
		(*v)[(*n)++] = (struct hv_pid_vma){
			.pid = atoi(pid),
			.dev_major = m[i].dev_major,
			.dev_minor = m[i].dev_minor,
			.ino = m[i].ino,
			.page_size = m[i].page_kib > 0 ? (uint64_t)m[i].page_kib << 10 : 0,
			.private_kib = m[i].private_kib,
			.shared_kib = m[i].shared_kib,
			.sysv = m[i].sysv,
		};
	free(m);
	return 0;
}

int hv_procs_hugetlb_vmas(struct hv_procs_ctx *c, struct hv_pid_vma **v, int *n, int *nunreadable)
{
	int cap = 0;
	*v = NULL;
	*n = *nunreadable = 0;
	if (!c->proc)
		return 0;
	rewinddir(c->proc);
	struct dirent *d;
	while ((d = readdir(c->proc))) {
		if (!is_pid(d->d_name))
			continue;
		int64_t kib;
		long uid;
		int rc = read_status(c, d->d_name, &kib, &uid, NULL, 0);
		if (rc == -EACCES)
			(*nunreadable)++;
		if (rc < 0 || kib == 0)
			continue; /* a holder of reservations only holds no page in use */
		rc = append_vmas(c, d->d_name, v, n, &cap);
		if (rc == -ENOMEM) {
			free(*v);
			*v = NULL;
			*n = 0;
			return hv_fail(ENOMEM, "out of memory");
		}
		if (rc == -EACCES)
			(*nunreadable)++;
	}
	return 0;
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

int hv_procs_numa(struct hv_procs_ctx *c, int pid, struct hv_numa_use *v, int max, int *n, bool *truncated)
{
	*n = 0;
	*truncated = false;
	char spid[16], *buf;
	size_t len;
	snprintf(spid, sizeof(spid), "%d", pid);
	int rc = read_pid_file(c, spid, "numa_maps", &buf, &len);
	if (rc < 0)
		return rc == -ENOMEM ? hv_fail(ENOMEM, "out of memory") : rc;
	rc = hv_parse_numa_maps_hugetlb(buf, len, v, max, n, truncated);
	free(buf);
	if (rc < 0) {
		char rel[64];
		snprintf(rel, sizeof(rel), "proc/%d/numa_maps", pid);
		return hv_fail(EINVAL, "%s: a malformed N<node>= or kernelpagesize_kB= value", hv_root_name(c->root, rel));
	}
	return 0;
}
