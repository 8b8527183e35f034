/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The executor: carries a plan out under the root, with a backup of every
 * file it touches (and a manifest that --revert reads), an undo log, and a
 * rollback when a step fails. Boot loader tools are run with a fixed argv
 * (posix_spawn, never a shell); under a root other than "/" they are only
 * named, unless HVOPLAN_TOOL_DIR points at fakes (the tests). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "probe.h"
#include "fsutil.h"
#include "hv_error.h"
#include "manifest.h"

extern char **environ;

#define MAX_CREATED 32

int hv_lock(const struct hv_root *root, int *fdout)
{
	int dfd;
	const char *base;
	int rc = hv_open_parent(root, HV_LOCK_REL, true, &dfd, &base, NULL, NULL, 0);
	if (rc < 0)
		return rc == -ENOENT ? hv_fail(ENOENT, "%s/%s: cannot create", root->path, HV_LOCK_REL) : rc;
	int fd = openat(dfd, base, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	int e = errno;
	close(dfd);
	if (fd < 0)
		return hv_fail(e, "%s/%s: %s", root->path, HV_LOCK_REL, strerror(e));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return hv_fail(EBUSY, "%s/%s: another 'hvoplan apply' is running; try again when it is done", root->path,
				       HV_LOCK_REL);
		return hv_fail(e, "%s/%s: cannot lock: %s", root->path, HV_LOCK_REL, strerror(e));
	}
	*fdout = fd;
	return 0;
}

/* What is done, as it is done, on o->out; nothing with --format json,
 * whose document records it instead. */
static void say(const struct hv_exec_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct hv_exec_opts *o, const char *fmt, ...)
{
	if (!o->out)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(o->out, fmt, ap);
	va_end(ap);
}

static void show_argv(FILE *out, const char *prefix, char *const argv[])
{
	if (!out)
		return;
	fprintf(out, "%s", prefix);
	for (int i = 0; argv[i]; i++)
		fprintf(out, strchr(argv[i], ' ') ? " '%s'" : " %s", argv[i]);
	fprintf(out, "\n");
}

int hv_run_tool(const struct hv_exec_opts *o, const char *tool, char *const argv[])
{
	char path[4200];
	path[0] = '\0';
	if (o->tool_dir && *o->tool_dir) {
		snprintf(path, sizeof(path), "%s/%s", o->tool_dir, argv[0]);
	} else if (!o->root->live) {
		show_argv(o->out, "  not run under --root (set HVOPLAN_TOOL_DIR to run a fake); would run:", argv);
		return 0;
	} else {
		static const char *const dirs[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};
		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && !path[0]; i++) {
			char cand[512];
			snprintf(cand, sizeof(cand), "%s/%s", dirs[i], argv[0]);
			if (access(cand, X_OK) == 0)
				snprintf(path, sizeof(path), "%s", cand);
		}
		if (!path[0])
			return hv_fail(ENOENT, "%s: not found in /usr/sbin, /usr/bin, /sbin or /bin", argv[0]);
	}
	/* the child's environment: ours, the root it works on, and that we hold
	 * the lock (the kernel-install plug-in's `hvoplan boot-entry` runs
	 * under it, hvoplan-boot-entry(8)) */
	size_t n = 0;
	while (environ[n])
		n++;
	char **envp = calloc(n + 3, sizeof(char *));
	char rootvar[4200], lockvar[48];
	if (!envp)
		return hv_fail(ENOMEM, "out of memory");
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "HVOPLAN_ROOT=", 13) && strncmp(environ[i], "HVOPLAN_LOCKED=", 15))
			envp[k++] = environ[i];
	snprintf(rootvar, sizeof(rootvar), "HVOPLAN_ROOT=%s", o->root->live ? "/" : o->root->path);
	envp[k++] = rootvar;
	snprintf(lockvar, sizeof(lockvar), "HVOPLAN_LOCKED=%d", (int)getpid());
	envp[k++] = lockvar;
	envp[k] = NULL;
	fflush(NULL);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	/* tools chatter on stdout; keep ours for the report */
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	pid_t pid;
	show_argv(o->out, "  running:", argv);
	int rc = posix_spawn(&pid, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	if (rc != 0)
		return hv_fail(rc, "%s: cannot run: %s", path, strerror(rc));
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return hv_fail(errno, "%s: wait failed: %s", path, strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st))
		return hv_fail(EIO, "%s (%s) failed with exit status %d", tool, path, WEXITSTATUS(st));
	return hv_fail(EIO, "%s (%s) was killed by signal %d", tool, path, WTERMSIG(st));
}

/* ---- progress ---- */

static void progress(const struct hv_exec_opts *o, const char *label, int64_t done, int64_t total)
{
	if (!o->progress || total <= 0)
		return;
	int w = 30, fill = (int)(done * w / total);
	char bar[64];
	for (int i = 0; i < w; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[w] = '\0';
	fprintf(stderr, "\r%s [%s] %lld/%lld pages%s", label, bar, (long long)done, (long long)total, done >= total ? "\n" : "");
	fflush(stderr);
}

/* ---- backup ---- */

struct backup {
	bool made;
	int dfd;
	char rel[160];	 /* under the root */
	struct hv_root at; /* the backup directory for the file API: fd dfd, path rel under the root's name */
	struct hv_mf_writer mf;
	int ndirs; /* directories recorded as missing before the run */
	char dirs[MAX_CREATED][256];
};

/* Records the directories on the way to rel that do not exist yet (apply
 * will make them), so that the first manifest, written before any change,
 * already tells --revert to remove them: a run stopped at any later point
 * (a failed rewrite, kill -9) leaves no directory the backup forgot. */
static int record_missing_dirs(const struct hv_exec_opts *o, struct backup *b, const char *rel)
{
	int fd = fcntl(o->root->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return hv_fail(errno, "%s: %s", o->root->path, strerror(errno));
	bool missing = false;
	int rc = 0;
	for (const char *slash = strchr(rel, '/'); slash && rc == 0; slash = strchr(slash + 1, '/')) {
		char dir[256];
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - rel), rel);
		if (!missing) {
			const char *base = strrchr(dir, '/');
			int nfd = openat(fd, base ? base + 1 : dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nfd >= 0) {
				close(fd);
				fd = nfd;
				continue;
			}
			if (errno != ENOENT)
				break; /* a symlink or a file on the way: the write refuses it */
			missing = true;
		}
		bool seen = false;
		for (int i = 0; i < b->ndirs && !seen; i++)
			seen = !strcmp(b->dirs[i], dir);
		if (seen)
			continue;
		if (b->ndirs >= MAX_CREATED) {
			rc = hv_fail(E2BIG, "/%s: more than %d directories to create", rel, MAX_CREATED);
			break;
		}
		snprintf(b->dirs[b->ndirs++], sizeof(b->dirs[0]), "%s", dir);
		rc = hv_mf_mkdir(&b->mf, dir);
	}
	close(fd);
	return rc;
}

static int backup_start(const struct hv_actions *p, const struct hv_exec_opts *o, struct backup *b)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char stamp[64];
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	snprintf(b->rel, sizeof(b->rel), "%s/%s.%09ldZ", HV_BACKUP_DIR, stamp, (long)ts.tv_nsec);
	snprintf(b->at.path, sizeof(b->at.path), "%.3900s/%s", o->root->path, b->rel); /* PATH_MAX bounds both */
	char mrel[256];
	snprintf(mrel, sizeof(mrel), "%s/manifest", b->rel);
	const char *base;
	int rc = hv_open_parent(o->root, mrel, true, &b->dfd, &base, NULL, NULL, 0);
	if (rc < 0)
		return rc;
	b->made = true;
	b->at.fd = b->dfd;
	if ((rc = hv_mf_begin(&b->mf)) < 0)
		return rc;
	for (int i = 0; i < p->n; i++) {
		const struct hv_action *a = &p->a[i];
		char frel[300];
		switch (a->kind) {
		case HV_ACT_FILE:
			if (a->existed) {
				snprintf(frel, sizeof(frel), "files/%s", a->rel);
				if ((rc = hv_replace_file_at(&b->at, frel, a->old_data, a->old_len, a->mode, NULL,
							     NULL, 0)) < 0)
					return rc;
				rc = hv_mf_file_present(&b->mf, (unsigned)a->mode, a->rel);
			} else {
				rc = hv_mf_file_absent(&b->mf, a->rel);
				if (rc == 0 && !a->remove)
					rc = record_missing_dirs(o, b, a->rel);
			}
			break;
		case HV_ACT_SYSCTL:
		case HV_ACT_POOL:
		case HV_ACT_OVERCOMMIT:
			rc = hv_mf_value(&b->mf, a->from, a->rel);
			break;
		case HV_ACT_EXEC:
			if (!strcmp(a->tool, "grubby"))
				rc = hv_mf_grubby(&b->mf, p->bootparams, p->removed);
			else if (!strcmp(a->tool, "kernel-install") && a->argc >= 4)
				rc = hv_mf_kernel_install(&b->mf, a->argv[2], a->argv[3]);
			else
				rc = hv_mf_tool(&b->mf, a->tool);
			break;
		default:
			break;
		}
		if (rc < 0)
			return rc;
	}
	return hv_replace_file_at(&b->at, "manifest", b->mf.buf, b->mf.len, 0600, NULL, NULL, 0);
}

/* ---- execution with an undo log ---- */

struct undo {
	int nfiles_created;
	char created[MAX_CREATED][256];
};

static int do_file(const struct hv_action *a, const struct hv_exec_opts *o, struct undo *u)
{
	if (a->remove)
		return hv_remove_file_at(o->root, a->rel);
	return hv_replace_file_at(o->root, a->rel, a->new_data, a->new_len, a->mode, u->created,
				  &u->nfiles_created, MAX_CREATED);
}

static int undo_file(const struct hv_action *a, const struct hv_exec_opts *o)
{
	if (!a->existed)
		return hv_remove_file_at(o->root, a->rel);
	return hv_replace_file_at(o->root, a->rel, a->old_data, a->old_len, a->mode, NULL, NULL, 0);
}

/* A pool's nr_hugepages counts its surplus pages too, but a write to it
 * sets the persistent pages (nr - surplus): that is what every pool value
 * here means, read from nr_hugepages and surplus_hugepages side by side. */
static bool is_pool(const char *rel)
{
	size_t l = strlen(rel), k = strlen("/nr_hugepages");
	return l > k && !strcmp(rel + l - k, "/nr_hugepages");
}

static int pool_read(const struct hv_exec_opts *o, const char *rel, int64_t *nr, int64_t *surplus)
{
	char srel[300];
	snprintf(srel, sizeof(srel), "%.*ssurplus_hugepages", (int)(strlen(rel) - strlen("nr_hugepages")), rel);
	int rc = hv_read_value_at(o->root, rel, nr);
	if (rc < 0)
		return rc;
	if ((rc = hv_read_value_at(o->root, srel, surplus)) < 0)
		return rc;
	if (*surplus > *nr)
		return hv_fail(EINVAL, "%s/%s: %lld surplus pages in a pool of %lld (%s/%s)", o->root->path, srel,
			       (long long)*surplus, (long long)*nr, o->root->path, rel);
	return 0;
}

static int pool_set(const struct hv_exec_opts *o, const char *rel, int64_t v, int64_t *nr, int64_t *surplus)
{
	int rc = hv_write_value_at(o->root, rel, v);
	return rc < 0 ? rc : pool_read(o, rel, nr, surplus);
}

/* *got: the value read back; for a pool its persistent pages */
static int set_value(const struct hv_exec_opts *o, const char *rel, int64_t v, int64_t *got)
{
	if (is_pool(rel)) {
		int64_t nr, surplus;
		int rc = pool_set(o, rel, v, &nr, &surplus);
		if (rc == 0)
			*got = nr - surplus;
		return rc;
	}
	int rc = hv_write_value_at(o->root, rel, v);
	if (rc < 0)
		return rc;
	return hv_read_value_at(o->root, rel, got);
}

/* Where one re-optimization stands, passed from the releasing to the
 * growing back to the verdict: start is the persistent size the pool must
 * end with, p its persistent size now. */
struct reopt {
	char label[64];
	int64_t start, p;
	int64_t surp; /* surplus after the last write: more after the next are pages the kernel converted */
	int64_t freed, done, total;
	int64_t asked, converted; /* a release the kernel met with surplus pages */
	int rc;			  /* a release write that failed, with its message in err */
	char err[1024];
};

/* Releases down to a->count pages below the start, a->batch per write,
 * and stops at the first write that failed or that the kernel met with
 * surplus pages or a pool of another size than asked. */
static void release_free_pages(const struct hv_action *a, const struct hv_exec_opts *o, struct reopt *s)
{
	int64_t low = s->start - a->count;
	if (low < 0)
		low = 0;
	if (!o->progress)
		say(o, "  %s: releasing %lld free pages\n", s->label, (long long)a->count);
	while (s->p > low) {
		int64_t next = s->p - a->batch < low ? low : s->p - a->batch, nr2, s2;
		if ((s->rc = pool_set(o, a->rel, next, &nr2, &s2)) < 0) {
			snprintf(s->err, sizeof(s->err), "%s", hv_last_error() ? hv_last_error() : strerror(-s->rc));
			/* the write may have half-happened: grow back from what is there */
			if (pool_read(o, a->rel, &nr2, &s2) == 0)
				s->p = nr2 - s2;
			break;
		}
		int64_t p2 = nr2 - s2, c = s2 > s->surp ? s2 - s->surp : 0;
		/* pages that left the persistent pool without being freed became surplus */
		int64_t gone = s->p - p2 - c;
		s->freed += gone > 0 ? gone : 0;
		s->done += gone > 0 ? gone : 0;
		progress(o, s->label, s->done, s->total);
		s->surp = s2;
		if (c > 0 || p2 != next) {
			s->asked = s->p - next;
			s->converted = c;
			s->p = p2;
			break;
		}
		s->p = p2;
	}
}

/* Grows the pool back to its start, a->batch per write, until a write
 * fails (returned) or the kernel allocates fewer pages than asked. */
static int grow_back(const struct hv_action *a, const struct hv_exec_opts *o, struct reopt *s)
{
	if (!o->progress)
		say(o, "  %s: allocating %lld pages again\n", s->label, (long long)(s->start - s->p));
	s->total = s->done + (s->start - s->p);
	int grc = 0;
	while (s->p < s->start) {
		int64_t next = s->p + a->batch > s->start ? s->start : s->p + a->batch, nr2, s2;
		if ((grc = pool_set(o, a->rel, next, &nr2, &s2)) < 0)
			break;
		int64_t p2 = nr2 - s2;
		s->done += p2 > s->p ? p2 - s->p : 0;
		progress(o, s->label, s->done, s->total);
		if (p2 < next) {
			s->p = p2;
			break;
		}
		s->p = p2;
	}
	if (o->progress && s->done < s->total)
		fprintf(stderr, "\n");
	return grc;
}

/* The failure, worst first: a pool not grown back, one grown back short,
 * a release write that failed, a release the kernel cut short. */
static int reoptimize_verdict(const struct reopt *s, int grc)
{
	const char *err = s->err, *label = s->label;
	const int64_t start = s->start, p = s->p, freed = s->freed;
	if (grc < 0) {
		char gerr[1024];
		snprintf(gerr, sizeof(gerr), "%s", hv_last_error() ? hv_last_error() : strerror(-grc));
		return hv_fail(-grc, "%s%s%s: growing the pool back to %lld pages stopped at %lld: %s (%lld pages had been "
				     "released)",
			       err, err[0] ? "; " : "", label, (long long)start, (long long)p, gerr, (long long)freed);
	}
	if (p < start)
		return hv_fail(ENOMEM, "%s%s%s: the pool came back with %lld persistent pages, %lld fewer than the %lld it "
				       "started with: the kernel could not allocate them again (memory is fragmented or in "
				       "use); %lld pages were re-optimized",
			       err, err[0] ? "; " : "", label, (long long)p, (long long)(start - p), (long long)start,
			       (long long)(freed > start - p ? freed - (start - p) : 0));
	if (err[0])
		return hv_fail(-s->rc, "%s; %s: the pool was grown back to %lld pages; %lld pages were re-optimized", err,
			       label, (long long)start, (long long)freed);
	if (s->asked)
		return hv_fail(EBUSY, "%s: the kernel released %lld of the %lld pages asked for and turned %lld persistent "
				      "pages into surplus ones instead: pages were taken or reserved meanwhile; stopped "
				      "releasing and grown back to %lld pages; %lld pages were re-optimized",
			       label, (long long)(s->asked - s->converted), (long long)s->asked, (long long)s->converted,
			       (long long)start, (long long)freed);
	return 0;
}

/* Releases a->count free pages and allocates them again, a->batch per
 * write. The kernel never frees a reserved page nor one in use: asked to
 * go below them it turns persistent pages into surplus ones, which vanish
 * when their users let go. So every write is checked: a release that the
 * kernel met with surplus pages stops the releasing, and whatever happens
 * the pool is grown back to the persistent size it started with. Ending
 * below that is a failure (the caller rolls back). */
static int do_reoptimize(struct hv_action *a, const struct hv_exec_opts *o)
{
	struct reopt s = {.total = 2 * a->count};
	char name[16];
	hv_hstate_name(a->size, name, sizeof(name));
	if (a->node >= 0)
		snprintf(s.label, sizeof(s.label), "re-optimizing %s node %d", name, a->node);
	else
		snprintf(s.label, sizeof(s.label), "re-optimizing %s", name);
	int64_t nr;
	int rc = pool_read(o, a->rel, &nr, &s.surp);
	if (rc < 0)
		return rc;
	s.start = s.p = nr - s.surp;
	release_free_pages(a, o, &s);
	int grc = grow_back(a, o, &s);
	a->got = s.p; /* the persistent pages it ended with */
	if ((rc = reoptimize_verdict(&s, grc)) < 0)
		return rc;
	say(o, "  %s: %lld pages released and allocated again\n", s.label, (long long)s.freed);
	if (a->left > 0)
		say(o, "  %s: %lld un-optimized pages cannot be re-optimized now (in use or reserved); "
				"run --reoptimize again once they are freed\n",
			name, (long long)a->left);
	return 0;
}

static int rerun_tool(const struct hv_actions *p, const struct hv_action *a, const struct hv_exec_opts *o)
{
	if (strcmp(a->tool, "grubby") != 0)
		return hv_run_tool(o, a->tool, a->argv);
	/* inverse: take ours out, put back what was removed */
	char rm[2100], ad[2100];
	char *argv[5] = {"grubby", "--update-kernel=ALL"};
	int k = 2;
	if (p->bootparams[0]) {
		snprintf(rm, sizeof(rm), "--remove-args=%s", p->bootparams);
		argv[k++] = rm;
	}
	if (p->removed[0]) {
		snprintf(ad, sizeof(ad), "--args=%s", p->removed);
		argv[k++] = ad;
	}
	argv[k] = NULL;
	return k == 2 ? 0 : hv_run_tool(o, "grubby", argv);
}

/* Whether the target of a file step is still as it was before the run: a
 * step that failed before its rename changed nothing, and undoing it
 * anyway can only fail (the same fault) and call an unchanged tree
 * half-changed. */
static bool file_unchanged(const struct hv_action *a, const struct hv_exec_opts *o)
{
	struct hv_file cur;
	if (hv_read_file_at(o->root, a->rel, 1 << 20, &cur) < 0)
		return false;
	bool same = a->existed ? cur.exists && cur.len == a->old_len && !memcmp(cur.data, a->old_data, cur.len) &&
					 cur.mode == a->mode
			       : !cur.exists;
	free(cur.data);
	return same;
}

/* a pool's value is its persistent pages, as set_value reads it back */
static bool value_unchanged(const struct hv_action *a, const struct hv_exec_opts *o, int64_t want)
{
	int64_t got, nr, surplus;
	if (a->kind == HV_ACT_SYSCTL || !is_pool(a->rel))
		return hv_read_value_at(o->root, a->rel, &got) == 0 && got == want;
	return pool_read(o, a->rel, &nr, &surplus) == 0 && nr - surplus == want;
}

static void rollback_failed(struct hv_action *a)
{
	const char *why = hv_last_error() ? hv_last_error() : "failed";
	hv_warn("could not undo '%s': %s", a->text, why);
	size_t l = strlen(a->error);
	if (a->state == HV_ST_FAILED) /* the failed step half-happened and stays so */
		snprintf(a->error + l, sizeof(a->error) - l, "; undoing it failed: %s", why);
	else
		snprintf(a->error, sizeof(a->error), "could not undo: %s", why);
	a->state = HV_ST_ROLLBACK_FAILED;
}

static int rollback(struct hv_actions *p, int done, const int64_t *before, const struct hv_exec_opts *o,
		    const struct undo *u)
{
	int bad = 0;
	bool files = false;
	/* every step done before the failed one is undone, or says why not */
	for (int i = 0; i < done - 1; i++)
		if (p->a[i].state == HV_ST_DONE)
			p->a[i].state = HV_ST_ROLLED_BACK;
	for (int i = done - 1; i >= 0; i--) {
		struct hv_action *a = &p->a[i];
		int64_t got;
		switch (a->kind) {
		case HV_ACT_FILE:
			if (file_unchanged(a, o))
				break;
			files = true;
			if (undo_file(a, o) < 0) {
				rollback_failed(a);
				bad++;
			}
			break;
		case HV_ACT_SYSCTL:
		case HV_ACT_POOL:
		case HV_ACT_REOPTIMIZE:
		case HV_ACT_OVERCOMMIT:
			if (before[i] < 0 || value_unchanged(a, o, before[i]))
				break;
			int vrc = set_value(o, a->rel, before[i], &got);
			/* a pool left smaller than it was is not rolled back */
			if (vrc == 0 && (a->kind == HV_ACT_POOL || a->kind == HV_ACT_REOPTIMIZE) && got < before[i])
				vrc = hv_fail(ENOMEM, "%s/%s: the kernel gave back %lld of the %lld persistent pages",
					      o->root->path, a->rel, (long long)got, (long long)before[i]);
			if (vrc < 0) {
				rollback_failed(a);
				bad++;
			}
			break;
		default:
			break;
		}
	}
	/* an empty directory left is said, not counted: the files are back */
	for (int i = u->nfiles_created - 1; i >= 0; i--)
		if (hv_remove_dir_at(o->root, u->created[i]) < 0)
			hv_warn("%s", hv_last_error());
	/* the boot loader saw the new files: let it see the old ones */
	for (int i = 0; files && i < done - 1; i++) /* the failed step itself changed nothing */
		if (p->a[i].kind == HV_ACT_EXEC && rerun_tool(p, &p->a[i], o) < 0) {
			rollback_failed(&p->a[i]);
			bad++;
		}
	return bad;
}

/* A backup that could not be made whole is removed, so that --revert never
 * finds a partial one; nothing was changed yet. */
static int refuse_without_backup(struct hv_actions *p, struct backup *b, const struct hv_exec_opts *o, int rc,
				 enum hv_exec_result *res)
{
	char err[1024];
	snprintf(err, sizeof(err), "%s", hv_last_error() ? hv_last_error() : "backup failed");
	for (int i = 0; i < p->n; i++)
		p->a[i].state = HV_ST_SKIPPED;
	if (b->made) {
		close(b->dfd);
		b->dfd = -1;
		int dfd;
		const char *base;
		if (hv_open_parent(o->root, b->rel, false, &dfd, &base, NULL, NULL, 0) == 0) {
			hv_remove_tree_at(dfd, base, b->rel);
			close(dfd);
		}
	}
	hv_mf_writer_free(&b->mf);
	*res = HV_EXEC_REFUSED;
	return hv_fail(rc < 0 ? -rc : EIO, "cannot make the backup, nothing was changed: %s", err);
}

static int set_pool(struct hv_action *a, const struct hv_exec_opts *o, bool *shortfall)
{
	int64_t nr, surp;
	int rc = pool_set(o, a->rel, a->to, &nr, &surp);
	if (rc < 0)
		return rc;
	int64_t got = nr - surp;
	a->got = got;
	if (got < a->to)
		*shortfall = true;
	if (got != a->to || surp > 0) {
		/* surplus pages are in use; they leave the pool as they are freed */
		char name[16];
		hv_hstate_name(a->size, name, sizeof(name));
		FILE *f = got < a->to ? stderr : o->out; /* a shortfall is a warning, in every format */
		if (f)
			fprintf(f, "%s%s pool%s: asked for %lld, the kernel set %lld persistent + %lld surplus\n",
				got < a->to ? "hvoplan: warning: " : "  ", name, a->node >= 0 ? " (node)" : "",
				(long long)a->to, (long long)got, (long long)surp);
	}
	say(o, "  %s: now %lld\n", a->text, (long long)got);
	return rc;
}

/* *before is the value rollback puts back, -1 for a step without one */
static int run_step(struct hv_action *a, const struct hv_exec_opts *o, struct undo *u, int64_t *before,
		    bool *shortfall)
{
	int rc = 0;
	int64_t got;
	*before = -1;
	switch (a->kind) {
	case HV_ACT_FILE:
		rc = do_file(a, o, u);
		if (rc == 0)
			say(o, "  %s: done\n", a->text);
		break;
	case HV_ACT_EXEC:
		rc = hv_run_tool(o, a->tool, a->argv);
		break;
	case HV_ACT_SYSCTL:
	case HV_ACT_OVERCOMMIT:
		*before = a->from;
		rc = set_value(o, a->rel, a->to, &got);
		a->got = rc == 0 ? got : HV_UNKNOWN;
		if (rc == -EINVAL && a->kind == HV_ACT_OVERCOMMIT && a->size >= (1ull << 30))
			rc = hv_fail(EINVAL, "%s (this kernel refuses an overcommit limit for gigantic pages)",
				     hv_last_error() ? hv_last_error() : "writing it failed");
		if (rc == 0 && got != a->to)
			rc = hv_fail(EIO, "/%s: wrote %lld, reads back %lld", a->rel, (long long)a->to, (long long)got);
		if (rc == 0)
			say(o, "  %s: done\n", a->text);
		break;
	case HV_ACT_POOL:
		*before = a->from;
		rc = set_pool(a, o, shortfall);
		break;
	case HV_ACT_REOPTIMIZE:
		*before = a->from;
		rc = do_reoptimize(a, o);
		break;
	case HV_ACT_MANUAL:
		say(o, "  manual step: %s\n", a->text);
		break;
	}
	return rc;
}

/* The backup is dropped only when the rollback restored everything: with
 * any step left undone it is what --revert needs. */
static int fail_and_roll_back(struct hv_actions *p, int failed, const int64_t *before,
			      const struct hv_exec_opts *o, const struct undo *u, struct backup *b, int rc,
			      enum hv_exec_result *res)
{
	char err[1024];
	snprintf(err, sizeof(err), "%s", hv_last_error() ? hv_last_error() : strerror(-rc));
	p->a[failed].state = HV_ST_FAILED;
	snprintf(p->a[failed].error, sizeof(p->a[failed].error), "%s", err);
	for (int i = failed + 1; i < p->n; i++)
		p->a[i].state = HV_ST_SKIPPED;
	/* the failed step may have half-happened (a pool write): undo it too */
	int bad = rollback(p, failed + 1, before, o, u);
	*res = bad ? HV_EXEC_PARTIAL : HV_EXEC_ROLLED_BACK;
	if (b->made && bad == 0 && hv_discard_backup(o->root, b->rel) < 0)
		hv_warn("%s", hv_last_error());
	if (b->made && bad)
		snprintf(p->backup, sizeof(p->backup), "%s", b->rel);
	if (b->dfd >= 0)
		close(b->dfd);
	hv_mf_writer_free(&b->mf);
	if (!bad)
		return hv_fail(EIO, "%s; every change was rolled back", err);
	if (b->made)
		return hv_fail(EIO, "%s; rolling back failed for some steps (the backup /%s is kept: "
				    "hvoplan apply --revert --yes restores it)",
			       err, b->rel);
	return hv_fail(EIO, "%s; rolling back failed for some steps (see the warnings)", err);
}

/* backup_start() recorded the directories missing then; one made all the
 * same (removed meanwhile) is added now, so --revert removes it too */
static void finish_backup(struct backup *b, const struct undo *u)
{
	int rc = 0;
	bool more = false;
	for (int k = 0; k < u->nfiles_created && rc == 0; k++) {
		bool seen = false;
		for (int j = 0; j < b->ndirs && !seen; j++)
			seen = !strcmp(b->dirs[j], u->created[k]);
		if (!seen && (rc = hv_mf_mkdir(&b->mf, u->created[k])) == 0)
			more = true;
	}
	if (rc == 0 && more)
		rc = hv_replace_file_at(&b->at, "manifest", b->mf.buf, b->mf.len, 0600, NULL, NULL, 0);
	close(b->dfd);
	hv_mf_writer_free(&b->mf);
	if (rc < 0)
		hv_warn("could not record created directories in the backup manifest: %s", hv_last_error());
}

int hv_apply_execute(struct hv_actions *p, const struct hv_exec_opts *o, bool *shortfall, enum hv_exec_result *res)
{
	*shortfall = false;
	p->shortfall = false;
	p->backup[0] = '\0';
	bool tools = hv_tools_run(o->root, o->tool_dir);
	*res = HV_EXEC_DONE;
	struct backup b = {.dfd = -1};
	struct undo u = {0};
	int64_t before[HV_MAX_ACTIONS];
	int rc = 0, i;
	bool need_backup = false;
	for (i = 0; i < p->n; i++)
		need_backup |= p->a[i].kind == HV_ACT_FILE || p->a[i].kind == HV_ACT_EXEC;
	if (need_backup && !o->no_backup && (rc = backup_start(p, o, &b)) < 0)
		return refuse_without_backup(p, &b, o, rc, res);
	if (b.made)
		say(o, "backup: /%s\n", b.rel);
	for (i = 0; i < p->n; i++) {
		struct hv_action *a = &p->a[i];
		hv_clear_error();
		if ((rc = run_step(a, o, &u, &before[i], shortfall)) < 0)
			return fail_and_roll_back(p, i, before, o, &u, &b, rc, res);
		a->state = a->kind == HV_ACT_MANUAL || (a->kind == HV_ACT_EXEC && !tools) ? HV_ST_NOT_RUN : HV_ST_DONE;
	}
	p->shortfall = *shortfall;
	if (b.made) {
		finish_backup(&b, &u);
		snprintf(p->backup, sizeof(p->backup), "%s", b.rel);
	}
	return 0;
}
