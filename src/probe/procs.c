/* Per-process hugetlb usage (see include/procs.h for the cost model).
 * Live hosts only: libproc2 has /proc compiled in, and a snapshot has no
 * processes anyway. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libproc2/pids.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hv_error.h"
#include "procs.h"
#include "strutil.h"

struct hv_procs_ctx {
	bool live;
	DIR *proc;
	struct pids_info *ids;	 /* PID, user, command */
	struct pids_info *smaps; /* + smaps_rollup hugetlb split, created on first use */
};

/* Positions in the items arrays below (PIDS_VAL takes the relative index). */
enum { IT_PID, IT_USER, IT_CMD, IT_PRV, IT_SHR };
static enum pids_item items[] = {PIDS_ID_PID, PIDS_ID_EUSER, PIDS_CMD, PIDS_SMAP_HUGE_TLBPRV,
				 PIDS_SMAP_HUGE_TLBSHR};
/* libproc2 4.0.2 refuses more PIDs than this in one select. */
#define SELECT_CHUNK 128

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

int hv_parse_status_hugetlb(const char *buf, size_t len, int64_t *out)
{
	static const char key[] = "\nHugetlbPages:";
	const char *p = memmem(buf, len, key, sizeof(key) - 1);
	if (!p)
		return -ENOENT;
	p += sizeof(key) - 1;
	const char *end = buf + len;
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
	*out = v;
	return 0;
}

int hv_procs_open(struct hv_procs_ctx **ctx, const struct hv_root *r)
{
	struct hv_procs_ctx *c = calloc(1, sizeof(*c));
	if (!c)
		return hv_fail(ENOMEM, "out of memory");
	c->live = r->live;
	if (c->live) {
		c->proc = opendir("/proc");
		if (!c->proc) {
			int e = errno;
			free(c);
			return hv_fail(e, "/proc: %s", strerror(e));
		}
		int rc = procps_pids_new(&c->ids, items, 3);
		if (rc < 0) {
			closedir(c->proc);
			free(c);
			return hv_fail(-rc, "libproc2: cannot create a process context: %s", strerror(-rc));
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
	if (c->ids)
		procps_pids_unref(&c->ids);
	if (c->smaps)
		procps_pids_unref(&c->smaps);
	free(c);
	*ctx = NULL;
}

void hv_procs_free(struct hv_procs *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* HugetlbPages of one process: 0 and *kib, -EACCES, or -ENOENT (gone, or a
 * kernel thread without an address space). */
static int read_status(int procfd, const char *pid, int64_t *kib)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "%s/status", pid);
	int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == EACCES || errno == EPERM ? -EACCES : -ENOENT;
	size_t len = 0;
	buf[0] = '\n'; /* so the key can match "\nHugetlbPages:" on any line */
	len = 1;
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
		/* The line sits in the first KiB; stop as soon as it is complete. */
		const char *k = memmem(buf, len, "\nHugetlbPages:", 14);
		if (k && memchr(k + 1, '\n', len - (size_t)(k + 1 - buf)))
			break;
		if (len >= sizeof(buf) - 1)
			break;
	}
	close(fd);
	return hv_parse_status_hugetlb(buf, len, kib) < 0 ? -ENOENT : 0;
}

static int add(struct hv_procs *p, int pid, int64_t kib)
{
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 64;
		struct hv_proc *v = realloc(p->v, (size_t)cap * sizeof(*v));
		if (!v)
			return hv_fail(ENOMEM, "out of memory");
		p->v = v;
		p->cap = cap;
	}
	struct hv_proc *e = &p->v[p->n++];
	memset(e, 0, sizeof(*e));
	e->pid = pid;
	e->hugetlb_kib = kib;
	e->private_kib = e->shared_kib = HV_UNKNOWN;
	hv_copy(e->user, sizeof(e->user), "?");
	hv_copy(e->comm, sizeof(e->comm), "(exited)");
	return 0;
}

static struct hv_proc *find(struct hv_procs *p, int pid)
{
	for (int i = 0; i < p->n; i++)
		if (p->v[i].pid == pid)
			return &p->v[i];
	return NULL;
}

/* smaps_rollup denies access at open time (ptrace check), where libproc2
 * would silently hand back zeros: ask the kernel ourselves first. */
static bool smaps_readable(int procfd, int pid)
{
	char path[64];
	snprintf(path, sizeof(path), "%d/smaps_rollup", pid);
	int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int fill_ids(struct hv_procs_ctx *c, struct hv_procs *p, bool smaps)
{
	struct pids_info *info = c->ids;
	if (smaps) {
		if (!c->smaps) {
			int rc = procps_pids_new(&c->smaps, items, 5);
			if (rc < 0)
				return hv_fail(-rc, "libproc2: cannot create a process context: %s", strerror(-rc));
		}
		info = c->smaps;
	}
	int procfd = dirfd(c->proc);
	unsigned pids[SELECT_CHUNK];
	for (int i = 0; i < p->n; i += SELECT_CHUNK) {
		int n = 0;
		for (int j = i; j < p->n && n < SELECT_CHUNK; j++) {
			pids[n++] = (unsigned)p->v[j].pid;
			if (smaps)
				p->v[j].private_kib = p->v[j].shared_kib =
					smaps_readable(procfd, p->v[j].pid) ? HV_UNKNOWN : HV_PROC_NOACCESS;
		}
		struct pids_fetch *f = procps_pids_select(info, pids, n, PIDS_SELECT_PID);
		if (!f)
			continue; /* all of them exited in between */
		for (int k = 0; k < f->counts->total; k++) {
			struct pids_stack *s = f->stacks[k];
			struct hv_proc *e = find(p, PIDS_VAL(IT_PID, s_int, s, info));
			if (!e)
				continue;
			const char *u = PIDS_VAL(IT_USER, str, s, info);
			const char *cmd = PIDS_VAL(IT_CMD, str, s, info);
			hv_copy(e->user, sizeof(e->user), u && *u ? u : "?");
			hv_copy(e->comm, sizeof(e->comm), cmd && *cmd ? cmd : "?");
			if (smaps && e->private_kib != HV_PROC_NOACCESS) {
				e->private_kib = (int64_t)PIDS_VAL(IT_PRV, ul_int, s, info);
				e->shared_kib = (int64_t)PIDS_VAL(IT_SHR, ul_int, s, info);
			}
		}
	}
	return 0;
}

int hv_procs_scan(struct hv_procs_ctx *c, struct hv_procs *p, bool smaps, int64_t pages_in_use)
{
	p->n = 0;
	p->nscanned = p->nunreadable = 0;
	p->total_kib = 0;
	p->smaps = false;
	p->idle = false;
	if (!c->live) {
		p->available = false;
		hv_copy(p->why, sizeof(p->why), "processes: live host only (not with --root)");
		return 0;
	}
	p->available = true;
	p->why[0] = '\0';
	if (pages_in_use == 0) {
		p->idle = true;
		return 0;
	}
	rewinddir(c->proc);
	int procfd = dirfd(c->proc);
	struct dirent *e;
	while ((e = readdir(c->proc))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		int64_t kib;
		int rc = read_status(procfd, e->d_name, &kib);
		if (rc == -EACCES) {
			p->nscanned++;
			p->nunreadable++;
			continue;
		}
		if (rc < 0)
			continue;
		p->nscanned++;
		p->total_kib += kib;
		if (kib > 0 && (rc = add(p, atoi(e->d_name), kib)) < 0)
			return rc;
	}
	if (p->n == 0)
		return 0;
	p->smaps = smaps;
	return fill_ids(c, p, smaps);
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
