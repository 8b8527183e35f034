/* SPDX-License-Identifier: GPL-2.0-or-later */
/* procfs: meminfo, vmstat, cmdline, sysctl, cpuinfo, release. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hv_error.h"
#include "parse.h"
#include "probe.h"
#include "probe_util.h"
#include "strutil.h"

/* One processor block is under 4 KiB today (a flags line of some 1.5 KiB);
 * room for a kernel that lists many more. */
#define CPUINFO_BLOCK_MAX (64 << 10)

int hv_read_num(const struct hv_root *r, const char *rel, int64_t *out)
{
	char buf[64];
	int rc = hv_root_read_small(r, rel, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	rc = hv_parse_i64_nonneg(buf, out);
	if (rc < 0)
		return hv_fail(-rc, "%s: %s", hv_root_name(r, rel), hv_last_error());
	return 0;
}

int hv_read_parsed(const struct hv_root *r, const char *rel, size_t max, int (*parse)(const char *, size_t, void *),
		   void *ctx)
{
	char *buf;
	size_t len;
	int rc = hv_root_read(r, rel, max, &buf, &len);
	if (rc < 0)
		return rc;
	rc = parse(buf, len, ctx);
	free(buf);
	if (rc < 0)
		return hv_fail(-rc, "%s: %s", hv_root_name(r, rel), hv_last_error());
	return 0;
}

int hv_read_parsed_optional(const struct hv_root *r, const char *rel, size_t max,
			    int (*parse)(const char *, size_t, void *), void *ctx)
{
	int rc = hv_read_parsed(r, rel, max, parse, ctx);
	return rc == -ENOENT || rc == -EACCES || rc == -EPERM ? 0 : rc;
}

static int meminfo_cb(const char *b, size_t l, void *c)
{
	return hv_parse_meminfo(b, l, c);
}

int hv_probe_counters(const struct hv_root *r, struct hv_host *h)
{
	int rc = hv_read_parsed(r, "proc/meminfo", 1 << 20, meminfo_cb, &h->meminfo);
	if (rc < 0)
		return rc;
	static const char vmstat[] = "proc/vmstat";
	char *buf;
	size_t len;
	h->nr_memmap_pages = h->nr_memmap_boot_pages = HV_UNKNOWN;
	rc = hv_root_read(r, vmstat, 1 << 20, &buf, &len);
	if (rc == -ENOENT) {
		hv_note("%s is missing: realized savings cannot be measured", hv_root_name(r, vmstat));
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = hv_parse_vmstat(buf, len, &h->nr_memmap_pages, &h->nr_memmap_boot_pages);
	if (rc < 0) {
		free(buf);
		return hv_fail(-rc, "%s: %s", hv_root_name(r, vmstat), hv_last_error());
	}
	/* Without the counters the savings fall back to "assumed": fine for a
	 * kernel older than 6.11, but a file that is no vmstat at all, or a
	 * 6.11+ vmstat without them, must not pass for that quietly. */
	if (h->nr_memmap_pages == HV_UNKNOWN) {
		int is_vmstat = (len >= 14 && !strncmp(buf, "nr_free_pages ", 14)) || memmem(buf, len, "\nnr_free_pages ", 15);
		if (!is_vmstat) {
			char start[41];
			size_t n = 0;
			for (; n < len && n < sizeof(start) - 1 && buf[n] != '\n'; n++)
				start[n] = buf[n];
			start[n] = '\0';
			free(buf);
			return hv_fail(EINVAL, "%s: not a vmstat file (no nr_free_pages line; it begins '%s')",
				       hv_root_name(r, vmstat), start);
		}
		if (h->kver_major > 6 || (h->kver_major == 6 && h->kver_minor >= 11))
			hv_note("%s: no nr_memmap_pages or nr_memmap_boot_pages, which a %s kernel always has: "
				"damaged or edited; savings are assumed, not measured",
				hv_root_name(r, vmstat), h->release);
	}
	free(buf);
	return 0;
}

/* "Linux host 6.1.0-13-amd64 #1 SMP ... x86_64 GNU/Linux" (uname -a) */
static void from_uname_a(const char *s, struct hv_host *h)
{
	char copy[1024];
	snprintf(copy, sizeof(copy), "%s", s);
	char *tok[64];
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, " \t\n", &save); t && n < 64; t = strtok_r(NULL, " \t\n", &save))
		tok[n++] = t;
	if (n >= 3 && !h->release[0])
		snprintf(h->release, sizeof(h->release), "%s", tok[2]);
	/* The machine field is the last one before the OS name. */
	if (n >= 5 && !h->arch[0] && strcmp(tok[n - 1], "GNU/Linux") == 0)
		snprintf(h->arch, sizeof(h->arch), "%s", tok[n - 2]);
}

/* Snapshot metadata written by `hvoplan snapshot`: key=value lines. */
static void from_snapshot_meta(const struct hv_root *r, struct hv_host *h)
{
	char *buf;
	size_t len;
	int rc = hv_root_read(r, "hvoplan-snapshot.txt", 1 << 16, &buf, &len);
	if (rc < 0) {
		if (rc != -ENOENT)
			hv_note("%s", hv_last_error());
		return;
	}
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		int64_t v;
		if (!strcmp(line, "arch") && !h->arch[0])
			snprintf(h->arch, sizeof(h->arch), "%s", eq);
		else if (!strcmp(line, "page_size") && hv_parse_i64_nonneg(eq, &v) == 0 && v >= 4096 &&
			 v <= (1 << 18) && !(v & (v - 1)) && !h->page_size) {
			h->page_size = (long)v;
			h->page_size_source = HV_SRC_LIVE;
		}
	}
	free(buf);
}

/* An extracted sosreport (sos 4.x) copies /proc/meminfo, /proc/vmstat,
 * /proc/cmdline, the hugepage and node sysfs trees and the output of dmesg and
 * uname -a, but not what the kernel plugin does not list: say up front which
 * inputs are missing and what stands in for them. */
static void note_sosreport(const struct hv_root *r, const struct hv_host *h)
{
	char cfg[300], missing[512] = "";
	size_t n = 0;
	if (r->live || !hv_root_exists(r, "sos_commands"))
		return;
	snprintf(cfg, sizeof(cfg), "boot/config-%s", h->release);
	if (!hv_root_exists(r, "sys/kernel/btf/vmlinux"))
		n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%sBTF (struct page size from the boot log or assumed)",
				      n ? "; " : "");
	if (n < sizeof(missing) && !hv_root_exists(r, "proc/config.gz") && (!h->release[0] || !hv_root_exists(r, cfg)))
		n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%skernel config (HVO support inferred)",
				      n ? "; " : "");
	if (n < sizeof(missing) && !hv_root_exists(r, "proc/sys/vm/hugetlb_optimize_vmemmap"))
		n += (size_t)snprintf(missing + n, sizeof(missing) - n,
				      "%sproc/sys/vm (vm.hugetlb_optimize_vmemmap is only in sos_commands/kernel/sysctl_-a)",
				      n ? "; " : "");
	if (n < sizeof(missing) && !hv_root_exists(r, "sys/devices/system/memory/block_size_bytes"))
		n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%smemory blocks (no baseline memmap)",
				      n ? "; " : "");
	if (n)
		hv_note("%s is a sosreport without: %s", r->path, missing);
}

int hv_probe_identity(const struct hv_root *r, struct hv_host *h)
{
	char buf[256];
	bool uname_release = false;
	if (r->live) {
		/* the release uname(2) gives is the one osrelease shows
		 * (init_uts_ns): one system call instead of three */
		struct utsname u;
		if (uname(&u) == 0) {
			hv_copy(h->arch, sizeof(h->arch), u.machine);
			hv_copy(h->release, sizeof(h->release), u.release);
			uname_release = u.release[0] != '\0';
		}
	}
	int rc = uname_release ? 1 : hv_root_read_small(r, "proc/sys/kernel/osrelease", buf, sizeof(buf));
	if (rc == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		hv_copy(h->release, sizeof(h->release), buf);
	} else if (rc < 0 && rc != -ENOENT) {
		hv_note("%s", hv_last_error());
	}
	if (!r->live) /* only a snapshot has one; the live host is measured */
		from_snapshot_meta(r, h);
	/* Snapshots from elsewhere: our own uname.txt, a sosreport's uname. */
	const char *const *unames = hv_uname_files;
	for (size_t i = 0; unames[i] && (!h->release[0] || !h->arch[0]); i++) {
		char *u;
		size_t ul;
		int urc = hv_root_read(r, unames[i], 1 << 16, &u, &ul);
		if (urc == 0) {
			from_uname_a(u, h);
			free(u);
		} else if (urc != -ENOENT) {
			hv_note("%s", hv_last_error());
		}
	}
	if (h->release[0] && hv_parse_release(h->release, &h->kver_major, &h->kver_minor, &h->kver_patch) < 0) {
		hv_note("kernel release '%s' is not a version number; version rules are not applied", h->release);
		h->kver_major = h->kver_minor = h->kver_patch = HV_UNKNOWN;
	}
	if (!h->release[0]) {
		hv_note("kernel release unknown (no %s): version rules are not applied",
			hv_root_name(r, "proc/sys/kernel/osrelease"));
		h->kver_major = h->kver_minor = h->kver_patch = HV_UNKNOWN;
	}
	note_sosreport(r, h);
	return 0;
}

int hv_probe_cmdline(const struct hv_root *r, struct hv_host *h)
{
	/* read here, not through hv_read_parsed(): the text is kept for apply */
	char *buf;
	size_t len;
	int rc = hv_root_read(r, "proc/cmdline", HV_CMDLINE_MAX, &buf, &len);
	if (rc == 0) {
		memcpy(h->cmdline_text, buf, len + 1);
		h->cmdline_read = true;
		rc = hv_parse_cmdline(buf, len, &h->cmdline);
		free(buf);
		if (rc < 0)
			rc = hv_fail(-rc, "%s: %s", hv_root_name(r, "proc/cmdline"), hv_last_error());
	}
	if (rc == -ENOENT) {
		memset(&h->cmdline, 0, sizeof(h->cmdline));
		h->cmdline.memmap_on_memory = h->cmdline.sysctl_hvo = HV_UNKNOWN;
		hv_note("%s is missing: boot parameters unknown", hv_root_name(r, "proc/cmdline"));
		return 0;
	}
	if (rc < 0) /* a bad parameter is the kernel's problem too; report it, keep going */
		hv_note("%s", hv_last_error());
	return 0;
}

/* A sosreport copies no /proc/sys/vm; its "sysctl -a" output has the value. */
static void sysctl_from_sos(const struct hv_root *r, struct hv_host *h)
{
	static const char rel[] = "sos_commands/kernel/sysctl_-a";
	static const char key[] = "vm.hugetlb_optimize_vmemmap = ";
	char *buf;
	size_t len;
	int rc = hv_root_read(r, rel, 4 << 20, &buf, &len);
	if (rc < 0) {
		if (rc != -ENOENT)
			hv_note("%s: vm.hugetlb_optimize_vmemmap unknown", hv_last_error());
		hv_clear_error();
		return;
	}
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int64_t v;
		if (strncmp(line, key, sizeof(key) - 1) == 0) {
			if (hv_parse_i64_nonneg(line + sizeof(key) - 1, &v) == 0)
				h->sysctl_hvo = v != 0;
			else
				hv_note("%s: unexpected value in '%.80s'", hv_root_name(r, rel), line);
			break;
		}
	}
	free(buf);
}

int hv_probe_sysctl(const struct hv_root *r, struct hv_host *h)
{
	int64_t v;
	h->sysctl_hvo = HV_UNKNOWN;
	int rc = hv_read_num(r, "proc/sys/vm/hugetlb_optimize_vmemmap", &v);
	if (rc == 0)
		h->sysctl_hvo = v != 0;
	else if (rc != -ENOENT)
		return rc;
	else
		sysctl_from_sos(r, h);

	char buf[32];
	h->memmap_on_memory_now = HV_UNKNOWN;
	rc = hv_root_read_small(r, "sys/module/memory_hotplug/parameters/memmap_on_memory", buf, sizeof(buf));
	if (rc == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		if (!strcmp(buf, "Y") || !strcmp(buf, "1"))
			h->memmap_on_memory_now = 1;
		else if (!strcmp(buf, "N") || !strcmp(buf, "0"))
			h->memmap_on_memory_now = 0;
		else if (!strcmp(buf, "force"))
			h->memmap_on_memory_now = 2;
		else
			return hv_fail(EINVAL, "%s: unexpected value '%.20s'",
				       hv_root_name(r, "sys/module/memory_hotplug/parameters/memmap_on_memory"), buf);
	}
	return 0;
}

/* Reads until the first processor block is whole (or the end): a 256-CPU
 * host has megabytes of cpuinfo, all the same blocks, and the kernel formats
 * only what is read. The snapshot still captures the whole file. */
static int read_first_block(const struct hv_root *r, const char *rel, char *buf, size_t cap, size_t *len)
{
	int fd = hv_root_open_file(r, rel);
	if (fd < 0)
		return fd == -HV_ENOTREG ? fd : hv_fail(-fd, "%s: %s", hv_root_name(r, rel), strerror(-fd));
	size_t got = 0;
	while (got < cap && !hv_cpuinfo_block_len(buf, got)) {
		ssize_t n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return hv_fail(e, "%s: %s", hv_root_name(r, rel), strerror(e));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return 0;
}

int hv_probe_cpuinfo(const struct hv_root *r, struct hv_host *h)
{
	static const char rel[] = "proc/cpuinfo";
	h->cpu_gbpages = HV_TRI_UNKNOWN;
	char *buf = malloc(CPUINFO_BLOCK_MAX);
	size_t len = 0;
	int rc = buf ? read_first_block(r, rel, buf, CPUINFO_BLOCK_MAX, &len) : hv_fail(ENOMEM, "out of memory");
	if (rc < 0) {
		free(buf);
		hv_note("%s: 1G page support of the CPU unknown", hv_last_error());
		return 0;
	}
	struct hv_cpuinfo ci;
	hv_parse_cpuinfo_block(buf, len, &ci);
	free(buf);
	hv_copy(h->cpu_model, sizeof(h->cpu_model), ci.model);
	if (ci.model[0])
		hv_copy(h->cpu_model_source, sizeof(h->cpu_model_source), "cpuinfo");
	h->cpu_gbpages = ci.gbpages;
	if (ci.gbpages != HV_TRI_UNKNOWN)
		hv_copy(h->cpu_gbpages_source, sizeof(h->cpu_gbpages_source), "cpuinfo");
	return 0;
}

bool hv_is_ancestor(pid_t pid)
{
	/* up the parent chain from ours: the chain ends at 1 (or 0 in a
	 * namespace whose init has no visible parent); bounded for safety */
	pid_t cur = getppid();
	for (int depth = 0; depth < 64 && cur > 0; depth++) {
		if (cur == pid)
			return true;
		char rel[64], buf[512];
		snprintf(rel, sizeof(rel), "/proc/%d/stat", (int)cur);
		FILE *f = fopen(rel, "re");
		if (!f)
			return false;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		/* "PID (COMM) STATE PPID": COMM may hold blanks and parentheses */
		const char *rp = strrchr(buf, ')');
		int ppid;
		char state;
		if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
			return false;
		cur = ppid;
	}
	return false;
}
