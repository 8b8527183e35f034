/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan fleet: the report of many hosts at once, one row each.
 * Each host is read by its own worker process, a few at a time (--jobs):
 * the probe and the model keep per-process state (notes, the last error,
 * one extraction per archive), and a process that crashes or hangs on a
 * hostile host takes only that host with it. The worker runs the same
 * path as `report --root PATH` (hv_root_open, hv_probe_host,
 * hv_model_report) and hands the row back through a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "fleet.h"
#include "fsutil.h"
#include "hv_error.h"
#include "model.h"
#include "parse.h"
#include "probe.h"
#include "render.h"
#include "strutil.h"

/* A host that takes longer is stopped and reported (a hung network mount). */
#define FLEET_HOST_TIMEOUT 120
#define FLEET_MAX_JOBS 256

static void usage(FILE *out)
{
	fprintf(out,
		"Usage:\n hvoplan fleet [options] PATH...\n\n"
		"Report many hosts at once: one row per host (snapshot directory, snapshot\n"
		"archive FILE.tar or extracted sosreport; a directory holding them is read one\n"
		"level deep) and the totals. A host that cannot be read is named with the\n"
		"reason and skipped.\n\n"
		"Options:\n"
		"     --format FORMAT      table (default), json or csv\n"
		" -J, --json               same as --format json\n"
		" -o, --output LIST        columns to print, table and csv (see below)\n"
		" -r, --raw                raw table output, no alignment, no totals\n"
		" -n, --noheadings         don't print table or csv headings\n"
		" -b, --bytes              print sizes in bytes rather than in human-readable form\n"
		"     --summary[=WHEN]     print the totals: always (default), never or only\n"
		"     --sort COLUMN        order the hosts by COLUMN: text A to Z, figures largest\n"
		"                          first, unknown last (default: the order of the PATHs)\n"
		"     --reverse            the other way round\n"
		" -j, --jobs N             hosts read at once (default: the CPUs available)\n"
		"     --fail-on SEVERITY   exit 1 if a host has a finding of at least info,\n"
		"                          warning or error\n"
		"     --struct-page-size N sizeof(struct page) in bytes, for every host\n"
		"     --page-size SIZE     base page size, for hosts whose snapshot lacks it\n"
		"     --color[=WHEN]       colorize the table: auto, always or never\n"
		" -h, --help               display this help\n"
		" -V, --version            display version\n\n"
		"Available output columns:\n");
	hv_fleet_list_columns(out);
	fprintf(out, "\nExit status: 0 every host read, 1 a finding at or above --fail-on, 2 usage\n"
		     "error, 3 a host could not be read (the others are shown). See hvoplan-fleet(8).\n");
}

struct fleet_opts {
	struct hv_table_opts t;
	struct hv_model_opts mo;
	enum hv_fleet_format fmt;
	bool fail_on_set;
	enum hv_severity fail_on;
	int sort; /* -1: input order */
	bool reverse;
	int jobs;
};

static int fleet_option(int c, char *arg, void *ctx)
{
	struct fleet_opts *o = ctx;
	uint64_t v;
	switch (c) {
	case OPT_FORMAT:
		if (!strcmp(arg, "table"))
			o->fmt = HV_FLEET_TABLE;
		else if (!strcmp(arg, "json"))
			o->fmt = HV_FLEET_JSON;
		else if (!strcmp(arg, "csv"))
			o->fmt = HV_FLEET_CSV;
		else
			return hv_usage_error("fleet", "unknown format '%s' (table, json or csv)", arg);
		break;
	case 'J': o->fmt = HV_FLEET_JSON; break;
	case OPT_SORT:
		if ((o->sort = hv_fleet_column(arg)) < 0)
			return hv_usage_error("fleet", "unknown column '%s' for --sort (see hvoplan fleet --help)", arg);
		break;
	case OPT_REVERSE: o->reverse = true; break;
	case 'j':
		if (hv_parse_u64(arg, &v) < 0 || v < 1 || v > FLEET_MAX_JOBS)
			return hv_usage_error("fleet", "--jobs takes a number from 1 to %d, not '%s'", FLEET_MAX_JOBS, arg);
		o->jobs = (int)v;
		break;
	case OPT_FAIL_ON:
		if (hv_parse_severity(arg, &o->fail_on) < 0)
			return hv_usage_error("fleet", "unknown severity '%s' (info, warning or error)", arg);
		o->fail_on_set = true;
		break;
	case OPT_STRUCT_PAGE:
		if (hv_parse_u64(arg, &v) < 0 || v < 16 || v > 1024)
			return hv_usage_error("fleet", "--struct-page-size takes a byte count from 16 to 1024, not '%s'",
					      arg);
		o->mo.struct_page_size = (long)v;
		break;
	case OPT_PAGE_SIZE:
		if (hv_parse_size(arg, &v) < 0 || v < 4096 || v > (1 << 18) || !hv_is_pow2(v))
			return hv_usage_error("fleet", "--page-size takes 4K, 16K, 64K or 256K, not '%s'", arg);
		o->mo.page_size = (long)v;
		break;
	default: return hv_table_option("fleet", c, arg, &o->t);
	}
	return 0;
}

/* What a worker sends back: the row, or why there is none. */
struct fleet_msg {
	bool ok;
	char reason[1024];
	struct hv_fleet_row row;
};

/* In the worker: report --root PATH, reduced to its row. */
static void read_host(const struct hv_fleet_host *h, const struct hv_model_opts *mo, struct fleet_msg *m)
{
	struct hv_root root;
	struct hv_host *host = calloc(1, sizeof(*host));
	struct hv_report *r = calloc(1, sizeof(*r));
	int rc = !host || !r ? hv_fail(ENOMEM, "out of memory") : hv_root_open(&root, h->path);
	if (rc == 0) {
		hv_probe_fleet_hostname(&root, m->row.hostname, sizeof(m->row.hostname));
		if ((rc = hv_probe_host(&root, host)) == 0 && (rc = hv_model_report(host, mo, r)) == 0)
			hv_fleet_row_from_report(r, &m->row);
		else
			rc = hv_root_fail(&root, rc);
		hv_root_close(&root);
	}
	m->ok = rc == 0;
	if (rc < 0)
		hv_copy(m->reason, sizeof(m->reason), hv_last_error() ? hv_last_error() : strerror(-rc));
	free(host);
	free(r);
}

/* Stopped by SIGTERM, SIGINT or SIGHUP, the run removes what it made in
 * $TMPDIR: each worker is stopped with SIGTERM (an extracting worker then
 * removes its extraction, see hv_snapshot_untar) and waited for, and the
 * run's private directory, empty by then, goes. Only system calls here. */
static char run_tmpdir[4096];
static pid_t run_pids[FLEET_MAX_JOBS];
static const int run_signals[] = {SIGTERM, SIGINT, SIGHUP};

static void on_signal(int sig)
{
	for (size_t i = 0; i < FLEET_MAX_JOBS; i++)
		if (run_pids[i] > 0) {
			kill(run_pids[i], SIGTERM);
			while (waitpid(run_pids[i], NULL, 0) < 0 && errno == EINTR)
				;
		}
	if (run_tmpdir[0])
		rmdir(run_tmpdir);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(bool on)
{
	for (size_t i = 0; i < sizeof(run_signals) / sizeof(run_signals[0]); i++) {
		struct sigaction sa = {.sa_handler = on ? on_signal : SIG_DFL}, old;
		sigemptyset(&sa.sa_mask);
		sigaction(run_signals[i], NULL, &old);
		if (old.sa_handler != SIG_IGN) /* nohup's SIGHUP stays ignored */
			sigaction(run_signals[i], &sa, NULL);
	}
}

static _Noreturn void worker(const struct hv_fleet_host *h, const struct hv_model_opts *mo, int fd,
			     const char *tmpdir)
{
	/* archives are extracted under the run's private directory, which
	 * the parent removes even after a worker that crashed */
	setenv("TMPDIR", tmpdir, 1);
	signal(SIGALRM, SIG_DFL);
	alarm(FLEET_HOST_TIMEOUT);
	struct fleet_msg *m = calloc(1, sizeof(*m));
	if (!m)
		_exit(1);
	read_host(h, mo, m);
	_exit(hv_write_all(fd, m, sizeof(*m)) < 0 ? 1 : 0);
}

struct job {
	pid_t pid;
	int fd;
	struct hv_fleet_host *h;
	size_t got;
	struct fleet_msg m;
};

static int start(struct job *j, struct hv_fleet_host *h, const struct hv_model_opts *mo, const char *tmpdir)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL); /* nothing pending is written twice */
	/* no stop signal between the fork and the worker's pid in run_pids,
	 * nor before the worker has its own handlers */
	sigset_t set, old;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(run_signals) / sizeof(run_signals[0]); i++)
		sigaddset(&set, run_signals[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		catch_signals(false);
		sigprocmask(SIG_SETMASK, &old, NULL);
		worker(h, mo, p[1], tmpdir);
	}
	close(p[1]);
	for (size_t i = 0; i < FLEET_MAX_JOBS; i++)
		if (run_pids[i] <= 0) {
			run_pids[i] = pid;
			break;
		}
	sigprocmask(SIG_SETMASK, &old, NULL);
	j->pid = pid;
	j->fd = p[0];
	j->h = h;
	j->got = 0;
	return 0;
}

__attribute__((format(printf, 2, 3))) static void refuse(struct hv_fleet_host *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->reason, sizeof(h->reason), fmt, ap);
	va_end(ap);
	h->ok = false;
}

/* "PATH: what" -> "what": the reason is shown after the path already */
static const char *strip_path(const char *reason, const char *path)
{
	size_t l = strlen(path);
	return !strncmp(reason, path, l) && !strncmp(reason + l, ": ", 2) ? reason + l + 2 : reason;
}

/* The worker's pipe is at its end: its row, or why there is none. */
static void finish(struct job *j)
{
	int st = 0;
	close(j->fd);
	j->fd = -1;
	while (waitpid(j->pid, &st, 0) < 0 && errno == EINTR)
		;
	for (size_t i = 0; i < FLEET_MAX_JOBS; i++)
		if (run_pids[i] == j->pid)
			run_pids[i] = 0;
	struct hv_fleet_host *h = j->h;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		refuse(h, "not read within %d s: stopped", FLEET_HOST_TIMEOUT);
	else if (WIFSIGNALED(st))
		refuse(h, "the worker reading it was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || j->got != sizeof(j->m))
		refuse(h, "the worker reading it failed (exit status %d)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	else if (!j->m.ok)
		refuse(h, "%s", strip_path(j->m.reason, h->path));
	else
		h->row = j->m.row;
	hv_sanitize(h->reason);
}

/* Reads every readable host, at most jobs at once. */
static void run_workers(struct hv_fleet_host *v, size_t n, const struct fleet_opts *o, const char *tmpdir)
{
	size_t max = (size_t)o->jobs, running = 0;
	struct job *jobs = calloc(max, sizeof(*jobs));
	struct pollfd *pfd = calloc(max, sizeof(*pfd));
	if (!jobs || !pfd) {
		for (size_t i = 0; i < n; i++)
			if (v[i].ok)
				refuse(&v[i], "out of memory");
		goto out;
	}
	size_t next = 0;
	for (;;) {
		while (running < max && next < n) {
			struct hv_fleet_host *h = &v[next++];
			if (!h->ok)
				continue;
			int rc = start(&jobs[running], h, &o->mo, tmpdir);
			if (rc == -EAGAIN && running) {
				next--; /* again once a worker is done */
				break;
			}
			if (rc < 0)
				refuse(h, "cannot start a worker: %s", strerror(-rc));
			else
				running++;
		}
		if (!running)
			break;
		for (size_t i = 0; i < running; i++)
			pfd[i] = (struct pollfd){.fd = jobs[i].fd, .events = POLLIN};
		if (poll(pfd, running, -1) < 0 && errno != EINTR)
			break; /* cannot happen with valid descriptors */
		for (size_t i = running; i-- > 0;) {
			if (!pfd[i].revents)
				continue;
			struct job *j = &jobs[i];
			ssize_t r = read(j->fd, (char *)&j->m + j->got, sizeof(j->m) - j->got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r > 0 && (j->got += (size_t)r) < sizeof(j->m))
				continue;
			finish(j);
			jobs[i] = jobs[--running];
		}
	}
	for (size_t i = 0; i < running; i++) { /* only after a failed poll */
		kill(jobs[i].pid, SIGKILL);
		finish(&jobs[i]);
	}
out:
	free(jobs);
	free(pfd);
}

static int default_jobs(void)
{
	cpu_set_t set;
	int n = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > FLEET_MAX_JOBS ? FLEET_MAX_JOBS : n;
}

static int render(const struct hv_fleet_host *v, size_t n, const struct hv_fleet_totals *t, struct fleet_opts *o)
{
	switch (o->fmt) {
	case HV_FLEET_JSON: return hv_render_fleet_json(stdout, v, n, t);
	case HV_FLEET_CSV: return hv_render_fleet_csv(stdout, v, n, &o->t);
	case HV_FLEET_TABLE: break;
	}
	return hv_render_fleet_table(stdout, v, n, t, &o->t);
}

static int exit_code(const struct hv_fleet_host *v, size_t n, const struct hv_fleet_totals *t,
		     const struct fleet_opts *o)
{
	for (size_t i = 0; i < n; i++)
		if (!v[i].ok) {
			char path[4096];
			hv_copy(path, sizeof(path), v[i].path);
			hv_sanitize(path);
			fprintf(stderr, "hvoplan: %s: not read: %s\n", path, v[i].reason);
		}
	if (t->unreadable)
		return HV_EXIT_ENV;
	for (size_t i = 0; o->fail_on_set && i < n; i++)
		if (v[i].ok && v[i].row.worst >= 0 && v[i].row.worst_severity >= o->fail_on)
			return HV_EXIT_FINDINGS;
	return HV_EXIT_OK;
}

/* The run's private directory for archive extractions, under $TMPDIR. */
static int make_tmpdir(char *dir, size_t cap)
{
	const char *tmp = secure_getenv("TMPDIR");
	snprintf(dir, cap, "%s/hvoplan-fleet-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return hv_fail(errno, "%s: cannot create a private directory: %s", tmp && *tmp ? tmp : "/tmp",
			       strerror(errno));
	return 0;
}

int cmd_fleet(int argc, char **argv, struct hv_global *g)
{
	static const struct option longopts[] = {
		HV_GLOBAL_LONGOPTS,
		{"format", required_argument, NULL, OPT_FORMAT},
		{"json", no_argument, NULL, 'J'},
		HV_TABLE_LONGOPTS,
		{"sort", required_argument, NULL, OPT_SORT},
		{"reverse", no_argument, NULL, OPT_REVERSE},
		{"jobs", required_argument, NULL, 'j'},
		{"fail-on", required_argument, NULL, OPT_FAIL_ON},
		{"struct-page-size", required_argument, NULL, OPT_STRUCT_PAGE},
		{"page-size", required_argument, NULL, OPT_PAGE_SIZE},
		{NULL, 0, NULL, 0},
	};
	struct fleet_opts o = {.t = {.summary = HV_SUMMARY_ALWAYS}, .fail_on = HV_SEV_ERROR, .sort = -1};
	static const struct hv_cmd_spec spec = {"fleet", "Jo:rnbj:hV", longopts, usage};
	int first;
	int parsed = hv_parse_options_operands(argc, argv, g, &spec, fleet_option, &o, &first);
	if (parsed != HV_OPTS_RUN)
		return parsed;
	if (g->root_arg)
		return hv_usage_error("fleet", "--root does not apply: name the snapshots as PATHs");
	if (first >= argc)
		return hv_usage_error("fleet", "no PATH: name snapshots, archives, sosreports or directories of them");
	if (!o.jobs)
		o.jobs = default_jobs();
	int rc = o.t.columns ? hv_fleet_check_columns(o.t.columns) : 0;
	if (rc < 0)
		return hv_report_error(rc, HV_EXIT_USAGE);

	struct hv_fleet_host *v = NULL;
	size_t n = 0, cap = 0;
	for (int i = first; i < argc && rc == 0; i++)
		rc = hv_fleet_scan(argv[i], &v, &n, &cap);
	char tmpdir[4096];
	if (rc < 0 || (rc = make_tmpdir(tmpdir, sizeof(tmpdir))) < 0) {
		free(v);
		return rc == -ENOMEM ? hv_fail(ENOMEM, "out of memory") : rc;
	}
	hv_copy(run_tmpdir, sizeof(run_tmpdir), tmpdir);
	catch_signals(true);
	run_workers(v, n, &o, tmpdir);
	catch_signals(false);
	hv_remove_tree(tmpdir);

	if (o.sort >= 0)
		hv_fleet_sort(v, n, (enum hv_fleet_col)o.sort, o.reverse);
	struct hv_fleet_totals t;
	hv_fleet_totals(v, n, &t);
	o.t.color = hv_use_color(g, stdout);
	rc = render(v, n, &t, &o);
	int code;
	if (rc < 0 && !hv_stdout_failed(rc))
		code = hv_report_error(rc, rc == -EINVAL ? HV_EXIT_USAGE : HV_EXIT_ENV);
	else
		code = exit_code(v, n, &t, &o);
	free(v);
	return code;
}
