/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A `top` session: the full probe once (config, BTF, boot log are costly
 * and do not change), then per refresh only pools and counters, the model,
 * and (when the panel is shown) the processes. Also the batch driver. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "hv_error.h"
#include "strutil.h"
#include "tui.h"

volatile sig_atomic_t hv_top_stop;

static void on_signal(int sig)
{
	(void)sig;
	hv_top_stop = 1;
}

void hv_top_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked getch()/nanosleep() returns at once. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void hv_top_sleep(double seconds)
{
	if (seconds <= 0)
		return;
	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	while (!hv_top_stop && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void stamp(struct hv_top *t)
{
	if (!t->live) {
		snprintf(t->clock, sizeof(t->clock), "snapshot");
		return;
	}
	time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm))
		strftime(t->clock, sizeof(t->clock), "%H:%M:%S", &tm);
}

static int read_procs(struct hv_top *t)
{
	if (!t->view.procs)
		return 0;
	/* Pages in use (allocated, not free) decide whether any process maps
	 * one; reserved pages (counted as free) whether one holds a reservation. */
	int rc = hv_procs_scan(t->pctx, &t->procs, t->view.smaps, t->cur->totals.used_pages,
			       t->cur->totals.resv_pages);
	if (rc < 0)
		return rc;
	hv_procs_sort(&t->procs, t->view.sort);
	return 0;
}

/* Who holds the pages in use, as report counts them. It reads smaps, so
 * only with the smaps split asked for (m, --smaps) and the processes shown;
 * then again only when the pages in use changed (a file removed, a segment
 * freed, a process gone) or every rescan refreshes (a file mapped or
 * unmapped keeps the count): a steady host pays for the mount walk and the
 * smaps reads once per rescan period; the model runs every frame on what
 * was read. */
static int count_holders(struct hv_top *t)
{
	if (!t->live || !t->view.procs || !t->view.smaps) {
		t->holders_read = false; /* asked again later: read afresh */
		snprintf(t->cur->holders.why, sizeof(t->cur->holders.why), "%s",
			 !t->live ? "" : !t->view.procs ? "processes not shown (p)" : "needs the smaps split (m or --smaps)");
		return 0;
	}
	int64_t used = t->cur->totals.used_pages;
	int every = t->rescan > 0 ? t->rescan : HV_PROCS_RESCAN_DEFAULT;
	if (!t->holders_read || used != t->holders_used || ++t->holders_age >= every) {
		hv_holders_input_free(&t->holders);
		/* mounts come and go while top runs: read again with the trees */
		int rc = hv_probe_mounts(t->root, t->host);
		if (rc == 0)
			rc = hv_probe_holders(t->root, t->host, &t->holders);
		if (rc < 0)
			return rc;
		t->holders_read = true;
		t->holders_used = used;
		t->holders_age = 0;
	}
	hv_report_holders(t->host, &t->holders, t->cur);
	return 0;
}

int hv_top_init(struct hv_top *t, const struct hv_root *root)
{
	int rc;
	t->host = calloc(1, sizeof(*t->host));
	t->next_host = calloc(1, sizeof(*t->next_host));
	t->cur = calloc(1, sizeof(*t->cur));
	t->prev = calloc(1, sizeof(*t->prev));
	t->root = root;
	if (!t->host || !t->next_host || !t->cur || !t->prev)
		return hv_fail(ENOMEM, "out of memory");
	/* an archive is extracted once (by main): the frame and the process
	 * scan read the same root */
	/* the mounts too, as report reads them: the same findings, and the
	 * trees the holder count walks */
	if ((rc = hv_probe_host(root, t->host)) < 0 || (rc = hv_probe_mounts(root, t->host)) < 0)
		return rc;
	t->live = root->live;
	hv_probe_hostname(root, t->hostname, sizeof(t->hostname));
	if ((rc = hv_model_report(t->host, &t->model, t->cur)) < 0)
		return rc;
	if ((rc = hv_procs_open(&t->pctx, root)) < 0 || (rc = count_holders(t)) < 0)
		return rc;
	hv_procs_set_rescan(t->pctx, t->rescan > 0 ? t->rescan : HV_PROCS_RESCAN_DEFAULT);
	stamp(t);
	return read_procs(t);
}

int hv_top_refresh(struct hv_top *t)
{
	int rc;
	if (!t->live) /* a snapshot does not change: one frame */
		return read_procs(t);
	/* A fresh host each refresh (a copy of the last, with pools and
	 * counters read again): a failed or partial read leaves the last good
	 * host and its report as they were. */
	struct hv_host *h = t->next_host;
	hv_host_copy(h, t->host);
	if ((rc = hv_probe_pools(t->root, h)) < 0 || (rc = hv_probe_counters(t->root, h)) < 0)
		return rc;
	t->next_host = t->host;
	t->host = h;
	struct hv_report *tmp = t->prev;
	t->prev = t->cur;
	t->cur = tmp;
	t->have_prev = true;
	if ((rc = hv_model_report(t->host, &t->model, t->cur)) < 0)
		return rc;
	/* counters that moved since the last frame while they show more freed
	 * than the pools explain: hugepages being freed right now (see
	 * src/cmd/observe.c; a frame does not wait for them) */
	h->counters_moving = h->nr_memmap_pages != t->next_host->nr_memmap_pages ||
			     h->nr_memmap_boot_pages != t->next_host->nr_memmap_boot_pages;
	if (h->counters_moving && (rc = hv_model_report(t->host, &t->model, t->cur)) < 0)
		return rc;
	if ((rc = count_holders(t)) < 0)
		return rc;
	stamp(t);
	return read_procs(t);
}

void hv_top_close(struct hv_top *t)
{
	hv_procs_close(&t->pctx);
	hv_procs_free(&t->procs);
	hv_holders_input_free(&t->holders);
	t->root = NULL;
	free(t->host);
	free(t->next_host);
	t->next_host = NULL;
	free(t->cur);
	free(t->prev);
	t->host = NULL;
	t->cur = t->prev = NULL;
}

int hv_top_frame(struct hv_top *t, struct hv_frame *f)
{
	if (t->view.help)
		return hv_top_build_help(f, &t->view);
	struct hv_top_info info = {t->hostname, t->clock, !t->live};
	return hv_top_build(f, t->cur, t->have_prev ? t->prev : NULL, &t->procs, &t->view, &info);
}

/* Batch frames fit COLUMNS when it is set, like procps `top -b` (shells do
 * not export it, so a terminal's own width comes next); into a pipe,
 * which has no width, lines are not wrapped. */
static int batch_width(void)
{
	const char *c = getenv("COLUMNS");
	if (c && *c) {
		char *end;
		long w = strtol(c, &end, 10);
		if (w > 0 && w <= 100000 && !*end)
			return (int)w;
	}
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

int hv_top_batch(struct hv_top *t)
{
	struct hv_frame f = {0};
	int rc = 0;
	t->view.width = batch_width();
	for (long i = 0; !hv_top_stop; i++) {
		if (i > 0 && (rc = hv_top_refresh(t)) < 0)
			break;
		if ((rc = hv_top_frame(t, &f)) < 0 || (rc = hv_frame_print(stdout, &f, t->color)) < 0)
			break;
		fputc('\n', stdout);
		if (fflush(stdout) != 0) {
			rc = hv_fail(errno, "cannot write output: %s", strerror(errno));
			break;
		}
		if (!t->live || (t->iterations > 0 && i + 1 >= t->iterations))
			break;
		hv_top_sleep(t->view.delay);
	}
	hv_frame_free(&f);
	return rc;
}
