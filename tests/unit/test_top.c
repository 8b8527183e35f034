/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan top: status parsing, units, process sorting and frames built from
 * synthetic reports (figures, change marks, "no access" vs 0). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit_util.h"

#include "model.h"
#include "procs.h"
#include "tui.h"

#define M (1024ll * 1024)
#define G (1024 * M)

static void test_status_hugetlb(void **state)
{
	(void)state;
	static const char st[] = "Name:\tqemu\nUmask:\t0022\nVmRSS:\t 100 kB\nHugetlbPages:\t 4194304 kB\nThreads:\t4\n";
	int64_t v = -5;
	assert_int_equal(hv_parse_status_hugetlb(st, sizeof(st) - 1, &v), 0);
	assert_int_equal(v, 4194304);
	static const char kthread[] = "Name:\tkworker/0:1\nThreads:\t1\n";
	assert_int_equal(hv_parse_status_hugetlb(kthread, sizeof(kthread) - 1, &v), -ENOENT);
	static const char bad[] = "Name:\tx\nHugetlbPages:\t kB\n";
	assert_int_equal(hv_parse_status_hugetlb(bad, sizeof(bad) - 1, &v), -EINVAL);
	static const char huge[] = "x\nHugetlbPages:\t99999999999999999999999 kB\n";
	assert_int_equal(hv_parse_status_hugetlb(huge, sizeof(huge) - 1, &v), -EINVAL);
	/* the key must start a line: "XHugetlbPages:" is not it */
	static const char other[] = "Name:\tx\nXHugetlbPages:\t1 kB\n";
	assert_int_equal(hv_parse_status_hugetlb(other, sizeof(other) - 1, &v), -ENOENT);
}

static void test_units(void **state)
{
	(void)state;
	char b[32];
	hv_fmt_units(2 * M, HV_UNITS_BYTES, b, sizeof(b));
	assert_string_equal(b, "2097152");
	hv_fmt_units(2 * M, HV_UNITS_KIB, b, sizeof(b));
	assert_string_equal(b, "2048K");
	hv_fmt_units(3 * M / 2, HV_UNITS_MIB, b, sizeof(b));
	assert_string_equal(b, "1.5M");
	hv_fmt_units(G, HV_UNITS_GIB, b, sizeof(b));
	assert_string_equal(b, "1.00G");
	hv_fmt_units(HV_UNKNOWN, HV_UNITS_HUMAN, b, sizeof(b));
	assert_string_equal(b, "?");
	enum hv_units u;
	assert_int_equal(hv_parse_units("mib", &u), 0);
	assert_int_equal(u, HV_UNITS_MIB);
	assert_int_equal(hv_parse_units("furlongs", &u), -EINVAL);
}

static void test_sort(void **state)
{
	(void)state;
	struct hv_proc v[3] = {
		{.pid = 30, .hugetlb_kib = 2048, .private_kib = 0, .shared_kib = 2048, .user = "b", .comm = "zz"},
		{.pid = 10, .hugetlb_kib = 8192, .private_kib = 8192, .shared_kib = 0, .user = "c", .comm = "aa"},
		{.pid = 20, .hugetlb_kib = 4096, .private_kib = HV_PROC_NOACCESS, .shared_kib = HV_PROC_NOACCESS,
		 .user = "a", .comm = "mm"},
	};
	struct hv_procs p = {.available = true, .n = 3, .cap = 3, .v = v};
	hv_procs_sort(&p, HV_PSORT_HUGETLB);
	assert_int_equal(v[0].pid, 10);
	assert_int_equal(v[2].pid, 30);
	hv_procs_sort(&p, HV_PSORT_PID);
	assert_int_equal(v[0].pid, 10);
	assert_int_equal(v[1].pid, 20);
	hv_procs_sort(&p, HV_PSORT_COMMAND);
	assert_string_equal(v[0].comm, "aa");
	hv_procs_sort(&p, HV_PSORT_USER);
	assert_string_equal(v[0].user, "a");
	/* no access sorts below every readable value, 0 included */
	hv_procs_sort(&p, HV_PSORT_PRIVATE);
	assert_int_equal(v[0].pid, 10);
	assert_int_equal(v[2].pid, 20);
	hv_procs_sort(&p, HV_PSORT_SHARED);
	assert_int_equal(v[0].pid, 30);
	enum hv_proc_sort s;
	assert_int_equal(hv_parse_proc_sort("command", &s), 0);
	assert_int_equal(s, HV_PSORT_COMMAND);
	assert_int_equal(hv_parse_proc_sort("cpu", &s), -EINVAL);
}

static struct hv_host *host(int64_t nr2m, int64_t free2m)
{
	struct hv_host *h = calloc(1, sizeof(*h));
	strcpy(h->release, "6.18.44");
	strcpy(h->arch, "x86_64");
	strcpy(h->root, "/");
	h->live = true;
	h->kver_major = 6;
	h->kver_minor = 18;
	h->kver_patch = 44;
	h->page_size = 4096;
	h->page_size_source = HV_SRC_LIVE;
	h->btf_struct_page_size = 64;
	h->memblocks.block_size = 128 * M;
	h->memblocks.present = 192;
	h->nr_memmap_pages = 12288;
	h->nr_memmap_boot_pages = 86016;
	h->sysctl_hvo = 0;
	h->memmap_on_memory_now = 0;
	h->cmdline.present = true;
	h->cmdline.hvo_param_present = false;
	h->cmdline.memmap_on_memory = HV_UNKNOWN;
	h->cmdline.sysctl_hvo = HV_UNKNOWN;
	h->kconfig.present = true;
	h->kconfig.hvo = HV_YES;
	h->kconfig.hvo_default_on = HV_NO;
	h->cpu_gbpages = HV_YES;
	h->meminfo.hugepagesize_kib = 2048;
	h->nhstates = 1;
	h->hstates[0].size = 2 * M;
	h->hstates[0].nr = nr2m;
	h->hstates[0].free = free2m;
	h->hstates[0].nnodes = 2;
	h->hstates[0].nodes[0] = (struct hv_hstate_node){0, nr2m / 2, free2m / 2, 0};
	h->hstates[0].nodes[1] = (struct hv_hstate_node){1, nr2m - nr2m / 2, free2m - free2m / 2, 0};
	return h;
}

static const struct hv_fline *line_starting(const struct hv_frame *f, const char *prefix)
{
	for (int i = 0; i < f->n; i++)
		if (!strncmp(f->lines[i].text, prefix, strlen(prefix)))
			return &f->lines[i];
	return NULL;
}

static const char *txt(const struct hv_fline *l)
{
	if (!l)
		fail_msg("line not found");
	return l ? l->text : "";
}

static bool frame_has(const struct hv_frame *f, const char *needle)
{
	for (int i = 0; i < f->n; i++)
		if (strstr(f->lines[i].text, needle))
			return true;
	return false;
}

static void test_frame_pools_and_changes(void **state)
{
	(void)state;
	struct hv_host *h0 = host(256, 256), *h1 = host(512, 500);
	struct hv_report *r0 = calloc(1, sizeof(*r0)), *r1 = calloc(1, sizeof(*r1));
	assert_int_equal(hv_model_report(h0, NULL, r0), 0);
	assert_int_equal(hv_model_report(h1, NULL, r1), 0);
	struct hv_top_view v = {.procs = false, .delay = 2, .units = HV_UNITS_BYTES};
	struct hv_top_info info = {"box", "12:00:00", false};
	struct hv_frame f = {0};

	/* first frame: no previous report, nothing marked */
	assert_int_equal(hv_top_build(&f, r1, NULL, NULL, &v, &info), 0);
	assert_true(frame_has(&f, "hvoplan top - box  12:00:00"));
	assert_true(frame_has(&f, "HVO: compiled yes, sysctl 0, boot param not set, inactive"));
	const struct hv_fline *l = line_starting(&f, "    2M    -      512      500        0        0");
	assert_non_null(l);
	for (int i = 0; i < l->len; i++)
		assert_int_not_equal(l->attr[i], HV_A_CHANGED);
	assert_null(line_starting(&f, "          0")); /* nodes collapsed */
	assert_true(frame_has(&f, "FINDINGS ("));
	assert_true(frame_has(&f, "hvo-off"));
	assert_false(frame_has(&f, "PROCESSES"));

	/* second frame: 256 -> 512 pages is marked and listed under CHANGE */
	v.nodes = true;
	assert_int_equal(hv_top_build(&f, r1, r0, NULL, &v, &info), 0);
	l = line_starting(&f, "    2M    -      512");
	assert_non_null(l);
	assert_non_null(strstr(txt(l), "pages+256 free+244"));
	const char *p = strstr(txt(l), "512");
	assert_int_equal(l->attr[p - txt(l)], HV_A_CHANGED);
	assert_non_null(line_starting(&f, "          0      256      250        -"));
	assert_non_null(line_starting(&f, "          1      256      250        -"));

	/* the header's figures are the report's, in the chosen unit */
	char want[128];
	snprintf(want, sizeof(want), "Hugetlb: %llu in 1 pool", (unsigned long long)r1->total_hugetlb_bytes);
	assert_true(frame_has(&f, want));
	hv_frame_free(&f);
	free(h0);
	free(h1);
	free(r0);
	free(r1);
}

static void test_frame_processes(void **state)
{
	(void)state;
	struct hv_host *h = host(8, 4);
	struct hv_report *r = calloc(1, sizeof(*r));
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	struct hv_proc v[2] = {
		{.pid = 42, .hugetlb_kib = 8192, .private_kib = HV_PROC_NOACCESS, .shared_kib = HV_PROC_NOACCESS,
		 .mapped_kib = HV_PROC_NOACCESS,
		 .user = "qemu", .comm = "qemu-system-x86"},
		{.pid = 7, .hugetlb_kib = 0, .private_kib = 0, .shared_kib = 0, .user = "root", .comm = "\x1b[2Jevil"},
	};
	struct hv_procs p = {.available = true, .smaps = true, .nscanned = 90, .nunreadable = 3,
			     .total_kib = 8192, .n = 2, .cap = 2, .v = v};
	struct hv_top_view vw = {.procs = true, .delay = 1, .units = HV_UNITS_HUMAN};
	struct hv_top_info info = {"box", "12:00:00", false};
	struct hv_frame f = {0};
	assert_int_equal(hv_top_build(&f, r, NULL, &p, &vw, &info), 0);
	assert_true(frame_has(&f, "PROCESSES 2 using hugetlb of 90, total 8M, sort hugetlb, 3 no access"));
	const struct hv_fline *l = line_starting(&f, "      42 qemu");
	assert_non_null(l);
	assert_non_null(strstr(txt(l), "8M  no access  no access  no access  qemu-system-x86"));
	/* control bytes from a process name never reach the terminal */
	assert_true(frame_has(&f, "?[2Jevil"));
	/* smaps not asked: "-", not 0 */
	p.smaps = false;
	assert_int_equal(hv_top_build(&f, r, NULL, &p, &vw, &info), 0);
	l = line_starting(&f, "      42 qemu");
	assert_non_null(strstr(txt(l), "8M          -          -          -  qemu"));
	/* snapshots: the panel says why it is empty */
	struct hv_procs none = {.available = false, .why = "processes: SNAP/proc has no process directories (a snapshot has none)"};
	assert_int_equal(hv_top_build(&f, r, NULL, &none, &vw, &info), 0);
	assert_true(frame_has(&f, "SNAP/proc has no process directories"));
	/* help screen */
	assert_int_equal(hv_top_build_help(&f, &vw), 0);
	assert_true(frame_has(&f, "hvoplan top - keys"));
	hv_frame_free(&f);
	free(h);
	free(r);
}


#define FIX "tests/fixtures/top-procs/root"

/* The HOLDERS panel: the report's holder figures per size, the five
 * largest orphans and how many more; "not counted" with the reason when
 * pages are in use and the holders were not read. */
static void test_frame_holders(void **state)
{
	(void)state;
	struct hv_host *h = host(16, 4); /* 12 in use */
	struct hv_report *r = calloc(1, sizeof(*r));
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	struct hv_htlb_file files[7];
	memset(files, 0, sizeof(files));
	for (int i = 0; i < 7; i++) {
		snprintf(files[i].path, sizeof(files[i].path), "/dev/hugepages/f%d", i);
		files[i].ino = (uint64_t)i + 10;
		files[i].page_size = 2 * M;
		files[i].bytes = (uint64_t)(i == 6 ? 4 : 1) * 2 * M; /* 10 pages in files, none mapped */
	}
	struct hv_holders_input in = {.scanned = true, .shm_read = true, .nfiles = 7, .files = files};
	hv_report_holders(h, &in, r);
	struct hv_top_view v = {.procs = false, .delay = 2, .units = HV_UNITS_BYTES};
	struct hv_top_info info = {"box", "12:00:00", false};
	struct hv_frame f = {0};
	assert_int_equal(hv_top_build(&f, r, NULL, NULL, &v, &info), 0);
	assert_non_null(line_starting(&f, "HOLDERS"));
	assert_string_equal(txt(line_starting(&f, "    2M  12 in use")),
			    "    2M  12 in use: 10 in files, 0 in SysV segments, 0 only mapped, 2 unattributed, 10 not mapped");
	assert_string_equal(txt(line_starting(&f, "        /dev/hugepages/f6")), "        /dev/hugepages/f6: 4 x 2M, not mapped");
	assert_non_null(line_starting(&f, "        and 2 more (hvoplan report lists 7)"));
	assert_true(frame_has(&f, "orphaned-hugepages"));

	/* not read: the reason, and no figure */
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	snprintf(r->holders.why, sizeof(r->holders.why), "needs the smaps split (m or --smaps)");
	assert_int_equal(hv_top_build(&f, r, NULL, NULL, &v, &info), 0);
	assert_string_equal(txt(line_starting(&f, "HOLDERS")), "HOLDERS  not counted: needs the smaps split (m or --smaps)");
	assert_false(frame_has(&f, "in use:"));
	/* no page in use: no panel at all */
	struct hv_host *idle = host(16, 16);
	assert_int_equal(hv_model_report(idle, NULL, r), 0);
	snprintf(r->holders.why, sizeof(r->holders.why), "needs the smaps split (m or --smaps)");
	assert_int_equal(hv_top_build(&f, r, NULL, NULL, &v, &info), 0);
	assert_null(line_starting(&f, "HOLDERS"));
	hv_frame_free(&f);
	free(idle);
	free(h);
	free(r);
}


static void test_status_euid(void **state)
{
	(void)state;
	static const char st[] = "\nName:\tx\nUid:\t1000\t1001\t1002\t1003\nGid:\t0\t0\t0\t0\n";
	long u = -5;
	assert_int_equal(hv_parse_status_euid(st, sizeof(st) - 1, &u), 0);
	assert_int_equal(u, 1001);
	static const char none[] = "\nName:\tx\n";
	assert_int_equal(hv_parse_status_euid(none, sizeof(none) - 1, &u), -ENOENT);
	static const char bad[] = "\nUid:\t1000\n";
	assert_int_equal(hv_parse_status_euid(bad, sizeof(bad) - 1, &u), -EINVAL);
}

/* The smaps of a real process (fixture SOURCE): only its three hugetlb
 * mappings count, each with its device, inode and split. */
/* numa_maps of a real 6.18 process (tests/live/hugeholder.c memfd 3 and an
 * anonymous MAP_HUGETLB mapping), with a 1G mapping over two nodes added:
 * only "huge" lines count, per size and node, summed. */
static void test_numa_maps_parse(void **state)
{
	(void)state;
	static const char t[] =
		"562eba090000 default file=/work/main/build/tests/hugeholder mapped=1 mapmax=4 N0=1 kernelpagesize_kB=4\n"
		"7fb006000000 default file=/memfd:hugeholder\\040(deleted) huge dirty=3 mapmax=2 N0=3 kernelpagesize_kB=2048\n"
		"7fb007000000 default file=/anon_hugepage\\040(deleted) huge anon=2 dirty=2 N0=2 kernelpagesize_kB=2048\n"
		"7fb040000000 bind:0-1 file=/dev/hugepages1G/x huge dirty=3 N1=2 N0=1 kernelpagesize_kB=1048576\n"
		"7fb080000000 default file=/dev/hugepages/y huge\n"; /* touched none: no N */
	struct hv_numa_use u[8];
	int n;
	bool tr;
	assert_int_equal(hv_parse_numa_maps_hugetlb(t, sizeof(t) - 1, u, 8, &n, &tr), 0);
	assert_int_equal(n, 3);
	assert_false(tr);
	assert_true(u[0].page_kib == 2048 && u[0].node == 0 && u[0].pages == 5);
	assert_true(u[1].page_kib == 1048576 && u[1].node == 0 && u[1].pages == 1);
	assert_true(u[2].page_kib == 1048576 && u[2].node == 1 && u[2].pages == 2);
	/* more than fit: the first ones, and said so */
	assert_int_equal(hv_parse_numa_maps_hugetlb(t, sizeof(t) - 1, u, 2, &n, &tr), 0);
	assert_true(n == 2 && tr);
	static const char bad[] = "7fb0 default huge N0=x kernelpagesize_kB=2048\n";
	assert_int_equal(hv_parse_numa_maps_hugetlb(bad, sizeof(bad) - 1, u, 8, &n, &tr), -EINVAL);
}

static void test_smaps_parse(void **state)
{
	(void)state;
	size_t len;
	char *buf = slurp_file(FIX "/proc/2101/smaps", &len);
	struct hv_htlb_vma *v;
	int n = -1;
	assert_int_equal(hv_parse_smaps_hugetlb(buf, len, &v, &n), 0);
	assert_int_equal(n, 3);
	int64_t prv = 0, shr = 0, size = 0;
	for (int i = 0; i < n; i++) {
		assert_int_equal(v[i].dev_major, 0);
		assert_int_equal(v[i].dev_minor, 0x10);
		prv += v[i].private_kib;
		shr += v[i].shared_kib;
		size += v[i].size_kib;
	}
	assert_int_equal(v[0].ino, 1042); /* address order: the anon_hugepage first */
	assert_int_equal(v[0].private_kib, 2048);
	assert_int_equal(v[1].ino, 0); /* the SysV segment: its shmid */
	assert_int_equal(v[1].shared_kib, 4096);
	assert_int_equal(v[2].ino, 25);
	assert_int_equal(prv, 2048);
	assert_int_equal(shr, 8192);
	assert_int_equal(size, 10240);
	free(v);
	free(buf);

	/* a process that never touched its mapping: Size, no pages */
	buf = slurp_file(FIX "/proc/2103/smaps", &len);
	assert_int_equal(hv_parse_smaps_hugetlb(buf, len, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].size_kib, 4096);
	assert_int_equal(v[0].private_kib + v[0].shared_kib, 0);
	free(v);
	free(buf);

	static const char badhdr[] = "7f00-7e00 rw-p 00000000 00:10 5 /x\nVmFlags: rd ht\n";
	assert_int_equal(hv_parse_smaps_hugetlb(badhdr, sizeof(badhdr) - 1, &v, &n), -EINVAL);
	static const char badval[] = "7f00-7f10 rw-p 00000000 00:10 5 /x\nShared_Hugetlb: 99999999999999999999 kB\n";
	assert_int_equal(hv_parse_smaps_hugetlb(badval, sizeof(badval) - 1, &v, &n), -EINVAL);
	/* "ht" must be a whole flag; a mapping cut before VmFlags is not counted */
	static const char other[] = "7f00-7f10 rw-p 00000000 00:10 5 /x\nSize: 4 kB\nVmFlags: rd htx\n"
				    "7f10-7f20 rw-p 00000000 00:10 6 /y\nSize: 8 kB\nPrivate_Hugetlb: 8 kB\n";
	assert_int_equal(hv_parse_smaps_hugetlb(other, sizeof(other) - 1, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
}

static const struct hv_proc *pid_of(const struct hv_procs *p, int pid)
{
	for (int i = 0; i < p->n; i++)
		if (p->v[i].pid == pid)
			return &p->v[i];
	return NULL;
}

/* procs.c reads proc/ under the root: the fixture's processes, their split,
 * the shared objects counted once and the holder of reservations only. */
static void test_scan_root(void **state)
{
	(void)state;
	struct hv_root r = {.fd = -1};
	assert_int_equal(hv_root_open(&r, FIX), 0);
	struct hv_procs_ctx *c = NULL;
	assert_int_equal(hv_procs_open(&c, &r), 0);
	struct hv_procs p = {0};

	assert_int_equal(hv_procs_scan(c, &p, true, 6, 2), 0);
	assert_true(p.available);
	assert_true(p.smaps && p.all_smaps);
	assert_int_equal(p.nscanned, 4); /* PID 2 is a kernel thread: no address space */
	assert_int_equal(p.n, 3);
	assert_int_equal(p.total_kib, 20480);
	assert_int_equal(p.distinct_kib, 12288); /* = the 6 pages in use */
	assert_false(p.distinct_at_least);
	assert_int_equal(p.nshared_objects, 2);
	assert_int_equal(p.nreserved_only, 1);
	const struct hv_proc *x = pid_of(&p, 2102);
	assert_non_null(x);
	assert_int_equal(x->hugetlb_kib, 10240);
	assert_int_equal(x->private_kib, 2048);
	assert_int_equal(x->shared_kib, 8192);
	assert_int_equal(x->mapped_kib, 10240);
	assert_string_equal(x->user, "hvdb-replication");
	assert_string_equal(x->comm, "hvdb-worker");
	x = pid_of(&p, 2103);
	assert_non_null(x);
	assert_true(x->reserved_only);
	assert_int_equal(x->hugetlb_kib, 0);
	assert_int_equal(x->mapped_kib, 4096);
	assert_string_equal(x->user, "root");
	assert_null(pid_of(&p, 2104)); /* no hugetlb mapping at all */

	/* without smaps: the consumers only, split unknown (not 0) */
	assert_int_equal(hv_procs_scan(c, &p, false, 6, 2), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(p.distinct_kib, HV_UNKNOWN);
	assert_int_equal(pid_of(&p, 2101)->private_kib, HV_UNKNOWN);
	/* smaps but no reservation: nobody else is read */
	assert_int_equal(hv_procs_scan(c, &p, true, 6, 0), 0);
	assert_int_equal(p.n, 2);
	assert_false(p.all_smaps);
	/* nothing in use or reserved: no walk */
	assert_int_equal(hv_procs_scan(c, &p, true, 0, 0), 0);
	assert_true(p.idle);
	assert_int_equal(p.n, 0);
	hv_procs_free(&p);
	hv_procs_close(&c);
	hv_root_close(&r);

	/* a snapshot without processes says so */
	assert_int_equal(hv_root_open(&r, "tests/fixtures/vm/6.12-stale"), 0);
	assert_int_equal(hv_procs_open(&c, &r), 0);
	assert_int_equal(hv_procs_scan(c, &p, true, 6, 2), 0);
	assert_false(p.available);
	assert_non_null(strstr(p.why, "no process directories"));
	hv_procs_close(&c);
	hv_root_close(&r);
}

static void test_status_name(void **state)
{
	(void)state;
	char out[16];
	static const char st[] = "Name:\tpostgres\nUmask:\t0022\n";
	assert_int_equal(hv_parse_status_name(st, sizeof(st) - 1, out, sizeof(out)), 0);
	assert_string_equal(out, "postgres");
	/* the kernel escapes backslash and newline only */
	static const char esc[] = "Name:\ta\\nb\\\\c d\nState:\tS\n";
	assert_int_equal(hv_parse_status_name(esc, sizeof(esc) - 1, out, sizeof(out)), 0);
	assert_string_equal(out, "a\nb\\c d");
	/* cut to fit; absent */
	static const char lng[] = "Name:\tabcdefghijklmnopqrstuvwxyz\n";
	assert_int_equal(hv_parse_status_name(lng, sizeof(lng) - 1, out, 8), 0);
	assert_string_equal(out, "abcdefg");
	static const char none[] = "State:\tS\nUid:\t0\t0\t0\t0\n";
	assert_int_equal(hv_parse_status_name(none, sizeof(none) - 1, out, sizeof(out)), -ENOENT);
	static const char later[] = "Umask:\t0022\nName:\tx\n";
	assert_int_equal(hv_parse_status_name(later, sizeof(later) - 1, out, sizeof(out)), 0);
	assert_string_equal(out, "x");
}

static void write_status(const char *dir, const char *pid, const char *name, long kib)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/proc/%s", dir, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/%s/status", dir, pid);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fprintf(fp, "Name:\t%s\nUmask:\t0022\nUid:\t0\t0\t0\t0\nVmRSS:\t100 kB\nHugetlbPages:\t%ld kB\n", name, kib);
	fclose(fp);
}

static void rm_pid(const char *dir, const char *pid)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/proc/%s/status", dir, pid);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/proc/%s", dir, pid);
	assert_int_equal(rmdir(path), 0);
}

/* The scan without smaps is incremental: a known process that starts
 * mapping hugepages shows within K scans (not at once with a large K), a
 * process that leaves proc/ leaves the list at once, and a PID whose
 * directory is new (reused) is read as the new process it is. */
static void test_scan_incremental(void **state)
{
	(void)state;
	char dir[] = "/tmp/hvinc.XXXXXX", path[600];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/proc", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_status(dir, "10", "db", 2048);
	write_status(dir, "11", "idle", 0);
	write_status(dir, "12", "late", 0);
	write_status(dir, "13", "later", 0);
	struct hv_root r = {.fd = -1};
	assert_int_equal(hv_root_open(&r, dir), 0);
	struct hv_procs_ctx *c = NULL;
	assert_int_equal(hv_procs_open(&c, &r), 0);
	struct hv_procs p = {0};
	hv_procs_set_rescan(c, 1000);
	assert_int_equal(hv_procs_scan(c, &p, false, 1, 0), 0);
	assert_int_equal(p.nscanned, 4);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.v[0].comm, "db");
	assert_string_equal(p.v[0].user, "0");

	/* 12 starts mapping: with K = 1000 the next scan does not read it (the
	 * scans read a K-th in turn: PIDs 10, 11, 12, 13 at scans 1, 2, 3, 4) */
	write_status(dir, "12", "late", 4096);
	assert_int_equal(hv_procs_scan(c, &p, false, 1, 0), 0);
	assert_null(pid_of(&p, 12));
	/* a known consumer is read every scan: its figure follows */
	write_status(dir, "10", "db", 6144);
	assert_int_equal(hv_procs_scan(c, &p, false, 1, 0), 0);
	assert_int_equal(pid_of(&p, 10)->hugetlb_kib, 6144);
	/* with K = 3, within 3 scans */
	hv_procs_set_rescan(c, 3);
	int seen = 0;
	for (int i = 0; i < 3 && !seen; i++) {
		assert_int_equal(hv_procs_scan(c, &p, false, 1, 0), 0);
		seen = pid_of(&p, 12) != NULL;
	}
	assert_true(seen);
	assert_int_equal(pid_of(&p, 12)->hugetlb_kib, 4096);
	assert_int_equal(p.total_kib, 6144 + 4096);

	/* 10 exits: gone at the next scan */
	rm_pid(dir, "10");
	assert_int_equal(hv_procs_scan(c, &p, false, 1, 0), 0);
	assert_null(pid_of(&p, 10));
	assert_int_equal(p.nscanned, 3);

	/* PID 11 reused by another process (a new directory; made before the
	 * old one goes so that the inode differs): read at once, its own name */
	hv_procs_set_rescan(c, 1000);
	write_status(dir, "99", "newcomer", 2048);
	rm_pid(dir, "11");
	char from[700], to[700];
	snprintf(from, sizeof(from), "%s/proc/99", dir);
	snprintf(to, sizeof(to), "%s/proc/11", dir);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(hv_procs_scan(c, &p, false, 1, 0), 0);
	assert_non_null(pid_of(&p, 11));
	assert_string_equal(pid_of(&p, 11)->comm, "newcomer");
	assert_int_equal(pid_of(&p, 11)->hugetlb_kib, 2048);

	/* after a scan with nothing in use, the next one reads everyone */
	write_status(dir, "13", "later", 8192);
	assert_int_equal(hv_procs_scan(c, &p, false, 0, 0), 0);
	assert_true(p.idle);
	assert_int_equal(hv_procs_scan(c, &p, false, 1, 0), 0);
	assert_non_null(pid_of(&p, 13));
	hv_procs_free(&p);
	hv_procs_close(&c);
	hv_root_close(&r);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void copy_to(const char *from, const char *dir, const char *name)
{
	size_t len;
	char *buf = slurp_file(from, &len), path[800];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	fclose(fp);
	free(buf);
}

/* A third process sharing the same objects: which pages each of three sees
 * as shared is not known from the counts, so the total is a lower bound. */
static void test_scan_three_sharers(void **state)
{
	(void)state;
	char dir[] = "/tmp/hvtop.XXXXXX", path[600];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/proc", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	const char *pids[] = {"2101", "2102", "2105"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/proc/%s", dir, pids[i]);
		assert_int_equal(mkdir(path, 0755), 0);
		const char *src = i < 2 ? pids[i] : "2102";
		const char *files[] = {"status", "smaps", "comm"};
		for (int k = 0; k < 3; k++) {
			char from[256], to[16];
			snprintf(from, sizeof(from), FIX "/proc/%s/%s", src, files[k]);
			snprintf(to, sizeof(to), "%s", files[k]);
			copy_to(from, path, to);
		}
	}
	struct hv_root r = {.fd = -1};
	assert_int_equal(hv_root_open(&r, dir), 0);
	struct hv_procs_ctx *c = NULL;
	assert_int_equal(hv_procs_open(&c, &r), 0);
	struct hv_procs p = {0};
	assert_int_equal(hv_procs_scan(c, &p, true, 8, 0), 0);
	assert_int_equal(p.n, 3);
	assert_true(p.distinct_at_least);
	/* private 3 x 2M, then 4M + 4M once */
	assert_int_equal(p.distinct_kib, 3 * 2048 + 8192);
	assert_string_equal(pid_of(&p, 2105)->user, "1001"); /* no etc/passwd here */
	hv_procs_free(&p);
	hv_procs_close(&c);
	hv_root_close(&r);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Every whitespace-separated token of the frame, for "is this number shown
 * whole" checks. */
static bool has_token(const struct hv_frame *f, const char *tok)
{
	size_t n = strlen(tok);
	for (int i = 0; i < f->n; i++)
		for (const char *p = f->lines[i].text; (p = strstr(p, tok)); p++)
			if ((p == f->lines[i].text || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
				return true;
	return false;
}

/* The frame's text with wrapped lines joined, blanks squeezed. */
static char *joined(const struct hv_frame *f)
{
	size_t cap = 1;
	for (int i = 0; i < f->n; i++)
		cap += (size_t)f->lines[i].len + 1;
	char *s = malloc(cap), *o = s;
	for (int i = 0; i < f->n; i++)
		for (int j = 0; j <= f->lines[i].len; j++) {
			char ch = j < f->lines[i].len ? f->lines[i].text[j] : ' ';
			if (ch != ' ' || (o > s && o[-1] != ' '))
				*o++ = ch;
		}
	*o = '\0';
	return s;
}

#define CELL_TOK 64

static int split(const char *line, char tok[][CELL_TOK], int max)
{
	int n = 0;
	for (const char *p = line; *p && n < max;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		int k = 0;
		while (*p && *p != ' ' && k < CELL_TOK - 1)
			tok[n][k++] = *p++;
		tok[n++][k] = '\0';
	}
	return n;
}

static const struct hv_fline *line_with_first(const struct hv_frame *f, const char *first)
{
	char tok[16][CELL_TOK];
	for (int i = 0; i < f->n; i++)
		if (split(f->lines[i].text, tok, 16) > 0 && !strcmp(tok[0], first))
			return &f->lines[i];
	return NULL;
}

/* The table whose heading starts with `head`: its row starting with `row`
 * has, under each heading shown, exactly the expected figure (text may end
 * cut with '>'), and every heading not shown is named in the note. */
static void check_columns(const struct hv_frame *f, const char *head, const char *row, const char *want[][2],
			  int nwant, int width)
{
	char ht[16][CELL_TOK], rt[16][CELL_TOK];
	const struct hv_fline *hl = line_with_first(f, head), *rl = line_with_first(f, row);
	assert_non_null(hl);
	assert_non_null(rl);
	int nh = split(hl->text, ht, 16), nr = split(rl->text, rt, 16);
	char *all = joined(f);
	for (int k = 0; k < nwant; k++) {
		int col = -1;
		for (int i = 0; i < nh; i++)
			if (!strcmp(ht[i], want[k][0]))
				col = i;
		char note[64];
		snprintf(note, sizeof(note), " %s", want[k][0]);
		if (col < 0) {
			const char *ns = strstr(all, "not shown at");
			if (!ns || !strstr(ns, note))
				fail_msg("width %d: %s neither shown nor named as not shown", width, want[k][0]);
			continue;
		}
		if (col >= nr)
			fail_msg("width %d: no figure under %s", width, want[k][0]);
		size_t n = strlen(rt[col]);
		bool same = !strcmp(rt[col], want[k][1]);
		bool cut = n > 1 && rt[col][n - 1] == '>' && !strncmp(rt[col], want[k][1], n - 1) &&
			   (!strcmp(want[k][0], "USER") || !strcmp(want[k][0], "COMMAND"));
		if (!same && !cut)
			fail_msg("width %d: %s shows '%s', not '%s'", width, want[k][0], rt[col], want[k][1]);
	}
	free(all);
}

static void test_frame_width(void **state)
{
	(void)state;
	struct hv_host *h = host(512, 500);
	h->hstates[0].resv = 3;
	struct hv_report *r = calloc(1, sizeof(*r));
	assert_int_equal(hv_model_report(h, NULL, r), 0);
	struct hv_proc v[1] = {{.pid = 4194304, .hugetlb_kib = 24576, .private_kib = 8192, .shared_kib = 16384,
				.mapped_kib = 1073741824, .user = "a-very-long-user-name", .comm = "qemu-system-x86_64"}};
	struct hv_procs p = {.available = true, .smaps = true, .nscanned = 90, .total_kib = 24576,
			     .distinct_kib = 24576, .n = 1, .cap = 1, .v = v};
	struct hv_top_info info = {"box", "12:00:00", false};
	struct hv_frame f = {0};
	static const int widths[] = {0, 200, 100, 80, 60, 40, 30};
	char want[64];
	for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
		struct hv_top_view vw = {.procs = true, .nodes = true, .delay = 1, .units = HV_UNITS_BYTES,
					 .interactive = true, .width = widths[w]};
		assert_int_equal(hv_top_build(&f, r, NULL, &p, &vw, &info), 0);
		for (int i = 0; i < f.n; i++)
			if (widths[w])
				assert_in_range(f.lines[i].len, 0, widths[w]);
		/* the figures that the essential columns show are whole */
		assert_true(has_token(&f, "512"));
		assert_true(has_token(&f, "500"));
		assert_true(has_token(&f, "4194304"));
		snprintf(want, sizeof(want), "%d", 24576 * 1024);
		assert_true(has_token(&f, want));
		/* a wrapped finding reads as the report's message */
		char *all = joined(&f);
		for (int i = 0; i < r->nfindings; i++)
			if (!strstr(all, r->findings[i].message))
				fail_msg("width %d: finding not whole: %s", widths[w], r->findings[i].message);
		snprintf(want, sizeof(want), "Hugetlb: %llu in 1 pool", (unsigned long long)r->total_hugetlb_bytes);
		assert_non_null(strstr(all, want));
		/* every column is shown whole, heading over its full figure, or
		 * named as not shown; text is whole or cut with '>' */
		char stale[32], saved[32], possible[32];
		snprintf(stale, sizeof(stale), "%lld", (long long)r->hstates[0].unoptimized_pages);
		snprintf(saved, sizeof(saved), "%lld", (long long)r->hstates[0].savings_current);
		snprintf(possible, sizeof(possible), "%lld", (long long)r->hstates[0].savings_possible);
		const char *pool_want[][2] = {{"SIZE", "2M"}, {"NODE", "-"}, {"PAGES", "512"}, {"FREE", "500"},
					      {"RESV", "3"}, {"SURP", "0"}, {"USED", "[#.........]"},
					      {"SAVED", saved}, {"POSSIBLE", possible}, {"STALE", stale}};
		check_columns(&f, "SIZE", "2M", pool_want, 10, widths[w]);
		const char *proc_want[][2] = {{"PID", "4194304"}, {"USER", "a-very-long-user-name"},
					      {"HUGETLB", "25165824"}, {"PRIVATE", "8388608"},
					      {"SHARED", "16777216"}, {"MAPPED", "1099511627776"},
					      {"COMMAND", "qemu-system-x86_64"}};
		check_columns(&f, "PID", "4194304", proc_want, 7, widths[w]);
		/* 80 columns fit every column once narrowed; 60 do not */
		if (widths[w] == 0 || widths[w] >= 80)
			assert_null(strstr(all, "not shown at"));
		else
			assert_non_null(strstr(all, "not shown at"));
		free(all);
	}
	hv_frame_free(&f);
	free(h);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_hugetlb),
		cmocka_unit_test(test_numa_maps_parse),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_frame_pools_and_changes),
		cmocka_unit_test(test_frame_processes),
		cmocka_unit_test(test_frame_holders),
		cmocka_unit_test(test_status_euid),
		cmocka_unit_test(test_smaps_parse),
		cmocka_unit_test(test_scan_root),
		cmocka_unit_test(test_scan_three_sharers),
		cmocka_unit_test(test_status_name),
		cmocka_unit_test(test_scan_incremental),
		cmocka_unit_test(test_frame_width),
	};
	return cmocka_run_group_tests_name("top", tests, NULL, NULL);
}
