/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan boot-entry: Boot Loader Specification entries get the hugepage
 * boot parameters `apply --persist` recorded (HV_BOOT_RECORD). What the
 * kernel-install plug-in runs for each kernel installed, after the plug-in
 * that wrote the entry; by hand, it fixes an entry `verify` flags. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "hv_error.h"
#include "model.h"
#include "probe.h"

#define MAX_ENTRY (256 << 10)
#define ENTRY_BACKUP_DIR "var/lib/hvoplan/boot-entry"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage:\n hvoplan boot-entry [options] ENTRY...\n\n"
		"Give Boot Loader Specification entries (loader/entries/*.conf) the hugepage\n"
		"boot parameters that 'hvoplan apply' recorded in /etc/kernel/hvoplan.conf when\n"
		"it persisted them, in place of the ones they replace; the other parameters are\n"
		"kept. The kernel-install plug-in 95-hvoplan.install runs it for every kernel\n"
		"installed. Without --yes the changes are only shown.\n\n"
		"Options:\n"
		" -y, --yes                write the entries (atomically, a copy of each kept\n"
		"                          in /var/lib/hvoplan/boot-entry)\n"
		"     --record FILE        the parameters to give (default /etc/kernel/hvoplan.conf)\n"
		"     --root DIR           ENTRY and FILE are inside DIR instead of /\n"
		"     --color[=WHEN]       accepted for symmetry; boot-entry prints no color\n"
		" -h, --help               display this help\n"
		" -V, --version            display version\n\n"
		"Exit status: 0 the entries have the parameters (or, without --yes, would get\n"
		"them), 2 usage error, 3 a file is missing, unreadable or malformed, not root,\n"
		"or locked, 4 writing an entry failed (that entry is unchanged). See\n"
		"hvoplan-boot-entry(8).\n");
}

enum { OPT_RECORD = 0x200 };

struct be_opts {
	bool yes;
	const char *record;
};

static int be_option(int c, char *arg, void *ctx)
{
	struct be_opts *o = ctx;
	switch (c) {
	case 'y': o->yes = true; break;
	case OPT_RECORD: o->record = arg; break;
	default: return HV_OPT_UNKNOWN;
	}
	return 0;
}

/* An operand as a path under the root: absolute, or on the live host
 * relative to the working directory. */
static int rel_of(const struct hv_root *root, const char *arg, char *rel, size_t cap)
{
	char buf[4096];
	if (arg[0] != '/') {
		if (!root->live)
			return hv_fail(EINVAL, "%s: give the path inside --root as an absolute path", arg);
		if (!getcwd(buf, sizeof(buf)))
			return hv_fail(errno, "%s: cannot resolve the working directory: %s", arg, strerror(errno));
		size_t l = strlen(buf);
		if (snprintf(buf + l, sizeof(buf) - l, "/%s", arg) >= (int)(sizeof(buf) - l))
			return hv_fail(ENAMETOOLONG, "%s: path too long", arg);
		arg = buf;
	}
	while (*arg == '/')
		arg++;
	if (snprintf(rel, cap, "%s", arg) >= (int)cap || !hv_rel_ok(rel))
		return hv_fail(EINVAL, "%s: not a usable path (no '..', at most %zu bytes)", arg, cap - 1);
	return 0;
}

/* The lock apply takes; held by an ancestor (apply running kernel-install,
 * which runs the plug-in, which runs us) it is ours already. Another run
 * holding it is waited for a while: a kernel package installed during an
 * apply should not fail for it. */
#define LOCK_WAIT_MS 10000
static int take_lock(const struct hv_root *root, int *fd)
{
	const char *held = getenv("HVOPLAN_LOCKED");
	char *end;
	long pid = held ? strtol(held, &end, 10) : 0;
	bool ancestor = held && *end == '\0' && pid > 1 && hv_is_ancestor((pid_t)pid);
	int rc;
	for (int waited = 0;; waited += 100) {
		if ((rc = hv_lock(root, fd)) != -EBUSY)
			return rc;
		if (ancestor) {
			hv_clear_error();
			*fd = -1;
			return 0;
		}
		if (waited >= LOCK_WAIT_MS)
			return rc;
		if (waited == 0)
			fprintf(stderr, "hvoplan: waiting up to %d s for another hvoplan run to finish\n", LOCK_WAIT_MS / 1000);
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
}

struct be_run {
	const struct hv_root *root;
	const struct hv_desired *d;
	const struct hv_host *h;
	uint64_t defsz;
	const char *record_shown;
	bool yes;
	int lockfd; /* -2: not taken yet */
};

static int backup_entry(const struct be_run *x, const char *rel, const struct hv_file *f)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	char stamp[32], brel[512];
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	snprintf(brel, sizeof(brel), "%s/%.200s.%s.%09ldZ", ENTRY_BACKUP_DIR, base, stamp, (long)ts.tv_nsec);
	char created[8][256];
	int ncreated = 0;
	return hv_replace_file_at(x->root, brel, f->data, f->len, f->mode, created, &ncreated, 8);
}

static int one_entry(struct be_run *x, const char *arg)
{
	char rel[256], shown[4400], *out = NULL, removed[2048] = "", params[2048];
	int rc = rel_of(x->root, arg, rel, sizeof(rel));
	if (rc < 0)
		return hv_report_error(rc, HV_EXIT_ENV);
	snprintf(shown, sizeof(shown), "%s/%s", x->root->path, rel);
	struct hv_file f;
	if ((rc = hv_read_file_at(x->root, rel, MAX_ENTRY, &f)) < 0)
		return hv_report_error(rc, HV_EXIT_ENV);
	if (!f.exists)
		return hv_report_error(hv_fail(ENOENT, "%s: no such file", shown), HV_EXIT_ENV);
	int code = HV_EXIT_OK;
	if (strlen(f.data) != f.len) {
		code = hv_report_error(hv_fail(EINVAL, "%s: holds a NUL byte: not a boot entry", shown), HV_EXIT_ENV);
		goto out;
	}
	/* the node form of hugepages= is for 5.16+: the entry's kernel decides */
	int major = x->h->kver_major, minor = x->h->kver_minor;
	hv_entry_version(f.data, &major, &minor);
	bool dropped;
	if ((rc = hv_bootparams(x->d, major, minor, params, sizeof(params), &dropped)) < 0 ||
	    (rc = hv_entry_with_params(shown, f.data, x->d, x->defsz, params, &out, removed, sizeof(removed))) < 0) {
		code = hv_report_error(rc, HV_EXIT_ENV);
		goto out;
	}
	if (dropped)
		printf("%s: kernel %d.%d has no per-node hugepages= (5.16+): the boot pools get the node totals\n", shown,
		       major, minor);
	if (rc == 0) {
		printf("%s: has %s\n", shown, params[0] ? params : "no hugepage parameter, as recorded");
		goto out;
	}
	if (!x->yes) {
		printf("%s: would get %s%s%s\n", shown, params[0] ? params : "no hugepage parameter",
		       removed[0] ? " in place of " : "", removed);
		hv_udiff(stdout, shown, f.data, f.len, shown, out, strlen(out));
		goto out;
	}
	if (x->lockfd == -2 && (rc = take_lock(x->root, &x->lockfd)) < 0) {
		code = hv_report_error(rc, HV_EXIT_ENV);
		goto out;
	}
	if ((rc = backup_entry(x, rel, &f)) < 0) {
		code = hv_report_error(hv_fail(-rc, "cannot keep a copy of %s, so it is unchanged: %s", shown,
					       hv_last_error() ? hv_last_error() : strerror(-rc)),
				       HV_EXIT_APPLY);
		goto out;
	}
	char created[8][256];
	int ncreated = 0;
	if ((rc = hv_replace_file_at(x->root, rel, out, strlen(out), f.mode, created, &ncreated, 8)) < 0) {
		code = hv_report_error(rc, HV_EXIT_APPLY);
		goto out;
	}
	/* read back: what the boot loader will read */
	struct hv_file back;
	if ((rc = hv_read_file_at(x->root, rel, MAX_ENTRY, &back)) < 0 || !back.exists || back.len != strlen(out) ||
	    memcmp(back.data, out, back.len)) {
		code = hv_report_error(rc < 0 ? rc : hv_fail(EIO, "%s: reads back other than written", shown),
				       HV_EXIT_APPLY);
	} else {
		printf("%s: set %s%s%s (from %s)\n", shown, params[0] ? params : "no hugepage parameter",
		       removed[0] ? " in place of " : "", removed, x->record_shown);
	}
	free(back.data);
out:
	free(out);
	free(f.data);
	return code;
}

int cmd_boot_entry(int argc, char **argv, struct hv_global *g)
{
	static const struct option longopts[] = {
		HV_GLOBAL_LONGOPTS,
		{"yes", no_argument, NULL, 'y'},
		{"record", required_argument, NULL, OPT_RECORD},
		{NULL, 0, NULL, 0},
	};
	struct be_opts o = {0};
	static const struct hv_cmd_spec spec = {"boot-entry", "yhV", longopts, usage};
	int first;
	int parsed = hv_parse_options_operands(argc, argv, g, &spec, be_option, &o, &first);
	if (parsed != HV_OPTS_RUN)
		return parsed;
	if (first >= argc)
		return hv_usage_error("boot-entry", "no ENTRY given (a loader/entries/*.conf file)");

	const struct hv_root *root;
	int rc = hv_global_root(g, &root);
	if (rc < 0)
		return rc; /* main reports it */
	if (o.yes && root->archive)
		return hv_report_error(hv_fail(EROFS, "%s: a snapshot archive cannot be changed; extract it first",
					       root->given),
				       HV_EXIT_ENV);
	if (o.yes && root->live && geteuid() != 0)
		return hv_report_error(hv_fail(EACCES, "changing boot entries needs root: run 'sudo hvoplan boot-entry "
						       "--yes ...' (or drop --yes to see the changes)"),
				       HV_EXIT_ENV);
	char rrel[256], rshown[4400];
	if ((rc = rel_of(root, o.record ? o.record : "/" HV_BOOT_RECORD, rrel, sizeof(rrel))) < 0)
		return hv_report_error(rc, HV_EXIT_ENV);
	snprintf(rshown, sizeof(rshown), "%s/%s", root->path, rrel);
	struct hv_file rec;
	if ((rc = hv_read_file_at(root, rrel, 64 << 10, &rec)) < 0)
		return hv_report_error(rc, HV_EXIT_ENV);
	if (!rec.exists)
		return hv_report_error(hv_fail(ENOENT, "%s: no such file ('hvoplan apply --persist' writes it on hosts "
						       "whose kernels get Boot Loader Specification entries)",
					       rshown),
				       HV_EXIT_ENV);
	struct hv_desired *d = calloc(1, sizeof(*d));
	struct hv_host *h = calloc(1, sizeof(*h));
	int code = HV_EXIT_OK;
	if (!d || !h) {
		code = hv_report_error(hv_fail(ENOMEM, "out of memory"), HV_EXIT_ENV);
		goto out;
	}
	if (strlen(rec.data) != rec.len) {
		code = hv_report_error(hv_fail(EINVAL, "%s: holds a NUL byte", rshown), HV_EXIT_ENV);
		goto out;
	}
	if ((rc = hv_boot_record_desired(rshown, rec.data, d)) < 0 || (rc = hv_probe_host(root, h)) < 0) {
		code = hv_report_error(rc, HV_EXIT_ENV);
		goto out;
	}
	struct be_run x = {.root = root, .d = d, .h = h, .defsz = hv_default_hugepage_size(h),
			   .record_shown = rshown, .yes = o.yes, .lockfd = -2};
	for (int i = first; i < argc; i++) {
		int c = one_entry(&x, argv[i]);
		if (c > code)
			code = c;
	}
	if (x.lockfd >= 0)
		close(x.lockfd);
out:
	free(rec.data);
	free(d);
	free(h);
	return code;
}
