/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel log's HugeTLB lines: /dev/kmsg on a live host, dmesg.txt in a
 * snapshot, sos_commands/kernel/dmesg in a sosreport. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv_error.h"
#include "parse.h"
#include "probe.h"
#include "probe_util.h"

/* The one reader of /dev/kmsg: fn gets each record's message (up to its
 * newline) and time stamp; a nonzero return stops the reading. */
int hv_kmsg_each(hv_kmsg_fn fn, void *ctx)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char rec[8192];
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && (errno == EPIPE || errno == EINTR))
			continue; /* overwritten record: the next read gets the following one */
		if (n <= 0)
			break;
		rec[n] = '\0';
		/* "6,123,275435,-;HugeTLB: ...\n": sequence, time stamp, message */
		char *msg = memchr(rec, ';', (size_t)n);
		if (!msg)
			continue;
		uint64_t us = 0;
		sscanf(rec, "%*u,%*u,%" SCNu64, &us);
		msg++;
		char *end = memchr(msg, '\n', (size_t)(rec + n - msg));
		if (fn(msg, end ? (size_t)(end - msg) : (size_t)(rec + n - msg), us, ctx))
			break;
	}
	close(fd);
	return 0;
}

static int parse_record(const char *msg, size_t len, uint64_t usec, void *ctx)
{
	(void)usec;
	hv_parse_dmesg_line(msg, len, ctx);
	return 0;
}

/* A cached boot log must look like one read from /dev/kmsg. */
static bool bootlog_sane(const struct hv_bootlog *bl)
{
	return bl->present && !strcmp(bl->source, "/dev/kmsg") && bl->nhstates >= 0 &&
	       bl->nhstates <= HV_MAX_HSTATES;
}

/* The kernel log's HugeTLB lines are printed at boot: with the boot cache,
 * /dev/kmsg (one read() a record, the kernel's interface) is read once a
 * boot, and later reports keep the figures after the ring buffer has
 * rotated them out. */
static int read_kmsg(const struct hv_root *r, struct hv_bootlog *bl)
{
	static const char ident[] = "dev/kmsg;";
	bool cache = hv_cache_usable(r);
	struct hv_bootlog got;
	if (cache && hv_cache_get(r, HV_CACHE_BOOTLOG, ident, &got, sizeof(got)) && bootlog_sane(&got)) {
		*bl = got;
		return 0;
	}
	int rc = hv_kmsg_each(parse_record, bl);
	if (rc < 0)
		return rc;
	bl->present = true;
	snprintf(bl->source, sizeof(bl->source), "/dev/kmsg");
	if (cache)
		hv_cache_put(r, HV_CACHE_BOOTLOG, ident, bl, sizeof(*bl));
	return 0;
}

int hv_probe_bootlog(const struct hv_root *r, struct hv_host *h)
{
	struct hv_bootlog *bl = &h->bootlog;
	hv_bootlog_init(bl);
	if (r->live) {
		int rc = read_kmsg(r, bl);
		if (rc == -EPERM || rc == -EACCES)
			hv_note("kernel log not readable (kernel.dmesg_restrict=1 needs CAP_SYSLOG): "
				"per-page sizes are computed, not read from the boot log");
		else if (rc < 0)
			hv_note("/dev/kmsg: %s: per-page sizes are computed, not read from the boot log", strerror(-rc));
	} else {
		const char *const *files = hv_bootlog_files;
		for (size_t i = 0; files[i]; i++) {
			char *buf;
			size_t len;
			int rc = hv_root_read(r, files[i], 64 << 20, &buf, &len);
			if (rc == -ENOENT)
				continue;
			if (rc < 0) {
				hv_note("%s", hv_last_error());
				break;
			}
			rc = hv_parse_dmesg(buf, len, bl);
			free(buf);
			snprintf(bl->source, sizeof(bl->source), "%s", hv_root_name(r, files[i]));
			if (rc < 0)
				hv_note("%s: %s", bl->source, hv_last_error());
			break;
		}
		if (!bl->present)
			hv_note("no kernel log in %s (dmesg.txt): per-page sizes are computed, not read from the boot log",
				r->path);
	}
	if (bl->present && bl->nhstates == 0 && h->nhstates > 0) {
		/* Long-running hosts rotate the boot messages out of the ring buffer. */
		hv_note("%s no longer holds the HugeTLB boot lines: per-page sizes are computed", bl->source);
		bl->present = false;
	}
	return 0;
}
