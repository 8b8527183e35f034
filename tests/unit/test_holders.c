/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who holds the pages: /proc/sysvipc/shm and smaps parsing (captures in
 * tests/fixtures/holders, SOURCE there), and the model's sums, orphans and
 * the unit of a SysV segment's rss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unit_util.h"

#include "holders.h"
#include "model.h"
#include "procs.h"

#define FIX "tests/fixtures/holders/"
#define M2 (2ull << 20)
#define G1 (1ull << 30)


static void test_sysvipc_parse(void **state)
{
	(void)state;
	size_t len;
	char *buf = slurp_file(FIX "sysvipc-shm-6.18", &len);
	struct hv_shm_seg *v;
	int n = -1;
	assert_int_equal(hv_parse_sysvipc_shm(buf, len, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].shmid, 1);
	assert_int_equal(v[0].mode, 0600);
	assert_int_equal(v[0].size, 4194304);
	assert_int_equal(v[0].nattch, 0);
	assert_int_equal(v[0].rss, 2147483648ull);
	assert_int_equal(v[1].shmid, 2);
	assert_int_equal(v[1].nattch, 1);
	assert_int_equal(v[1].rss, 1073741824ull);
	free(v);
	free(buf);

	/* no segment: the header alone */
	static const char empty[] = "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  "
				    "cuid  cgid      atime      dtime      ctime                   rss                  swap\n";
	assert_int_equal(hv_parse_sysvipc_shm(empty, sizeof(empty) - 1, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
	/* a key_t is an int: negative keys print signed */
	static const char neg[] = "key\n -559038737 7 1666 100 1 1 3 1000 1000 1000 1000 0 0 0 4096 0\n";
	assert_int_equal(hv_parse_sysvipc_shm(neg, sizeof(neg) - 1, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].key, -559038737);
	assert_int_equal(v[0].mode, 01666);
	assert_int_equal(v[0].uid, 1000);
	free(v);
	/* damaged: no header, a short line (before 2.6.30 there was no rss),
	 * perms not octal, a field too large, text after the last field */
	static const char *const bad[] = {
		"0 1 600 4 1 1 0 0 0 0 0 0 0 0 0 0\n",
		"key\n0 1 600 4 1 1 0 0 0 0 0 0 0 0\n",
		"key\n0 1 690 4 1 1 0 0 0 0 0 0 0 0 0 0\n",
		"key\n0 1 600 99999999999999999999999 1 1 0 0 0 0 0 0 0 0 0 0\n",
		"key\n0 1 600 4 1 1 0 0 0 0 0 0 0 0 0 0 x\n",
		"key\n0 99999999999 600 4 1 1 0 0 0 0 0 0 0 0 0 0\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = (void *)1;
		assert_true(hv_parse_sysvipc_shm(bad[i], strlen(bad[i]), &v, &n) < 0);
		assert_null(v);
	}
}

/* The segment's mapping in smaps: named /SYSV..., its shmid as inode, its
 * page size. */
static void test_smaps_sysv(void **state)
{
	(void)state;
	size_t len;
	char *buf = slurp_file(FIX "smaps-sysv-6.18", &len);
	struct hv_htlb_vma *v;
	int n = -1;
	assert_int_equal(hv_parse_smaps_hugetlb(buf, len, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_true(v[0].sysv);
	assert_int_equal(v[0].ino, 2);
	assert_int_equal(v[0].dev_minor, 0x11);
	assert_int_equal(v[0].page_kib, 2048);
	assert_int_equal(v[0].private_kib, 2048);
	free(v);
	free(buf);
	static const char notsysv[] = "7f00-7f10 rw-s 00000000 00:10 5 /SYSVxyz\nVmFlags: rd ht\n"
				      "7f10-7f20 rw-s 00000000 00:10 6 /memfd:SYSV00000000 (deleted)\nVmFlags: ht\n";
	assert_int_equal(hv_parse_smaps_hugetlb(notsysv, sizeof(notsysv) - 1, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_false(v[0].sysv);
	assert_false(v[1].sysv);
	free(v);
}

static struct hv_host *host(int64_t nr2m, int64_t free2m, int major, int minor)
{
	struct hv_host *h = calloc(1, sizeof(*h));
	h->page_size = 4096;
	h->kver_major = major;
	h->kver_minor = minor;
	h->nhstates = 2;
	h->hstates[0] = (struct hv_hstate){.size = M2, .nr = nr2m, .free = free2m};
	h->hstates[1] = (struct hv_hstate){.size = G1, .nr = 1, .free = 1};
	return h;
}

/* The live test's scene worked by hand: an orphan file of 3 pages, a file of
 * 2 pages that one process maps, a detached segment of 2 pages, an
 * attached one of 1, 2 anonymous pages, a memfd of 2 pages shared by two
 * processes, and 1 page a descriptor holds: 13 in use. */
static void test_model_scene(void **state)
{
	(void)state;
	struct hv_host *h = host(16, 3, 6, 18);
	struct hv_htlb_file files[] = {
		{.path = "/mnt/orph", .dev_minor = 0x40, .ino = 10, .page_size = M2, .bytes = 3 * M2},
		{.path = "/mnt/live", .dev_minor = 0x40, .ino = 11, .page_size = M2, .bytes = 2 * M2},
	};
	struct hv_shm_seg segs[] = {
		{.shmid = 1, .size = 4 << 20, .nattch = 0, .rss = 2 * M2 * 512},
		{.shmid = 2, .size = 2 << 20, .nattch = 1, .rss = 1 * M2 * 512},
		{.shmid = 3, .size = 8192, .nattch = 0, .rss = 8192}, /* plain shmem */
	};
	struct hv_pid_vma vmas[] = {
		{.pid = 5, .dev_minor = 0x40, .ino = 11, .page_size = M2, .private_kib = 1024 * 2}, /* maps live, touched 1 */
		{.pid = 6, .dev_minor = 0x11, .ino = 2, .page_size = M2, .private_kib = 2048, .sysv = true},
		{.pid = 7, .dev_minor = 0x11, .ino = 90, .page_size = M2, .private_kib = 4096}, /* anon */
		{.pid = 8, .dev_minor = 0x11, .ino = 91, .page_size = M2, .shared_kib = 4096},	/* memfd */
		{.pid = 9, .dev_minor = 0x11, .ino = 91, .page_size = M2, .shared_kib = 4096},
	};
	struct hv_holders_input in = {.scanned = true, .shm_read = true, .nseg = 3, .seg = segs, .nfiles = 2,
				      .files = files, .nvma = 5, .vma = vmas};
	struct hv_holders o;
	hv_model_holders(h, &in, &o);
	assert_true(o.scanned);
	assert_int_equal(o.shm_rss, HV_SHM_RSS_SCALED);
	assert_string_equal(o.shm_rss_basis, "attached segment");
	assert_int_equal(o.sizes[0].in_use, 13);
	assert_int_equal(o.sizes[0].files, 5);
	assert_int_equal(o.sizes[0].sysv, 3);
	assert_int_equal(o.sizes[0].mapped, 4);
	assert_int_equal(o.sizes[0].unattributed, 1);
	assert_int_equal(o.sizes[0].orphaned, 5);
	assert_false(o.sizes[0].lower_bound);
	assert_int_equal(o.sizes[1].in_use, 0);
	assert_int_equal(o.norphans, 2);
	assert_int_equal(o.orphans[0].kind, HV_ORPHAN_FILE);
	assert_string_equal(o.orphans[0].path, "/mnt/orph");
	assert_int_equal(o.orphans[0].pages, 3);
	assert_int_equal(o.orphans[1].kind, HV_ORPHAN_SHM);
	assert_int_equal(o.orphans[1].shmid, 1);
	assert_int_equal(o.orphans[1].pages, 2);

	/* the same in a report: one warning naming both, with their fixes */
	struct hv_report *r = calloc(1, sizeof(*r));
	hv_report_holders(h, &in, r);
	int warn = -1, info = -1;
	for (int i = 0; i < r->nfindings; i++) {
		if (!strcmp(r->findings[i].id, "orphaned-hugepages"))
			warn = i;
		if (!strcmp(r->findings[i].id, "hugepages-unattributed"))
			info = i;
	}
	assert_true(warn >= 0 && info >= 0);
	assert_int_equal(r->findings[warn].severity, HV_SEV_WARNING);
	assert_non_null(strstr(r->findings[warn].message, "5 hugepages (10M)"));
	assert_non_null(strstr(r->findings[warn].fix, "rm /mnt/orph; ipcrm -m 1"));
	assert_non_null(strstr(r->findings[info].message, "1 hugepage (2M)"));
	free(r);

	/* a process that could not be read: what is left is an upper bound */
	in.nprocs_unreadable = 1;
	hv_model_holders(h, &in, &o);
	assert_true(o.sizes[0].lower_bound);
	free(h);
}

/* The unit of rss without an attached segment to tell it. */
static void test_model_rss_unit(void **state)
{
	(void)state;
	struct hv_shm_seg seg = {.shmid = 4, .size = 4 << 20, .nattch = 0, .rss = 2 * M2};
	struct hv_holders_input in = {.scanned = true, .shm_read = true, .nseg = 1, .seg = &seg};
	struct hv_holders o;
	/* 6.6: unscaled by version; rss 4M of a 4M segment fits plain shmem
	 * too, so it may hold 2 pages */
	struct hv_host *h = host(4, 2, 6, 6);
	hv_model_holders(h, &in, &o);
	assert_int_equal(o.shm_rss, HV_SHM_RSS_BYTES);
	assert_string_equal(o.shm_rss_basis, "kernel version");
	assert_int_equal(o.sizes[0].sysv, 0);
	assert_int_equal(o.norphans, 1);
	assert_int_equal(o.orphans[0].kind, HV_ORPHAN_SHM_MAYBE);
	assert_int_equal(o.orphans[0].pages, 2);
	assert_true(o.sizes[0].lower_bound);
	/* a 3M segment holding 4M can only be hugetlb */
	seg.size = 3 << 20;
	hv_model_holders(h, &in, &o);
	assert_int_equal(o.orphans[0].kind, HV_ORPHAN_SHM);
	assert_int_equal(o.sizes[0].sysv, 2);
	assert_int_equal(o.sizes[0].unattributed, 0);
	/* a backport: rss larger than the segment could hold unscaled says
	 * scaled, whatever the version */
	seg.size = 4 << 20;
	seg.rss = 2 * M2 * 512;
	hv_model_holders(h, &in, &o);
	assert_int_equal(o.shm_rss, HV_SHM_RSS_SCALED);
	assert_string_equal(o.shm_rss_basis, "segment size");
	assert_int_equal(o.sizes[0].sysv, 2);
	/* no version, nothing else: unknown, and the segment only maybe */
	free(h);
	h = host(4, 2, -1, -1);
	seg.rss = 2 * M2;
	hv_model_holders(h, &in, &o);
	assert_int_equal(o.shm_rss, HV_SHM_RSS_UNKNOWN);
	assert_int_equal(o.sizes[0].sysv, 0);
	assert_int_equal(o.orphans[0].kind, HV_ORPHAN_SHM_MAYBE);
	assert_int_equal(o.orphans[0].pages, HV_UNKNOWN);
	free(h);
}

/* Not scanned: nothing but why. More orphans than are listed: the largest. */
static void test_model_limits(void **state)
{
	(void)state;
	struct hv_host *h = host(200, 0, 6, 18);
	struct hv_holders_input in = {.scanned = false};
	snprintf(in.why, sizeof(in.why), "no hugepage is in use");
	struct hv_holders o;
	hv_model_holders(h, &in, &o);
	assert_false(o.scanned);
	assert_string_equal(o.why, "no hugepage is in use");
	assert_int_equal(o.nsizes, 0);

	struct hv_htlb_file files[HV_MAX_ORPHANS + 8];
	memset(files, 0, sizeof(files));
	for (int i = 0; i < HV_MAX_ORPHANS + 8; i++) {
		snprintf(files[i].path, sizeof(files[i].path), "/mnt/f%02d", i);
		files[i].ino = (uint64_t)i + 1;
		files[i].page_size = M2;
		files[i].bytes = (uint64_t)(i % 5 + 1) * M2;
	}
	in = (struct hv_holders_input){.scanned = true, .shm_read = true, .nfiles = HV_MAX_ORPHANS + 8, .files = files};
	hv_model_holders(h, &in, &o);
	assert_int_equal(o.norphans, HV_MAX_ORPHANS);
	assert_int_equal(o.norphans_total, HV_MAX_ORPHANS + 8);
	int64_t sum = 0;
	for (int i = 0; i < HV_MAX_ORPHANS + 8; i++)
		sum += i % 5 + 1;
	assert_int_equal(o.sizes[0].files, sum);
	for (int i = 1; i < o.norphans; i++)
		assert_true(o.orphans[i - 1].pages >= o.orphans[i].pages);
	assert_int_equal(o.orphans[o.norphans - 1].pages, 2); /* all 8 of 1 page left out */
	assert_int_equal(o.sizes[0].orphaned, sum); /* every orphan counts, listed or not */
	/* and the finding says so too, not only the listed ones' pages */
	struct hv_report *r = calloc(1, sizeof(*r));
	hv_report_holders(h, &in, r);
	assert_true(r->nfindings >= 1);
	assert_string_equal(r->findings[0].id, "orphaned-hugepages");
	char want[64];
	snprintf(want, sizeof(want), "%lld hugepages (", (long long)sum);
	assert_memory_equal(r->findings[0].message, want, strlen(want));
	free(r);
	free(h);
}

/* Thousands of files and mappings, in an order unrelated to the files':
 * every mapped file is matched (and only those), every segment finds its
 * own mappings, and a file and a mapping that share an inode on another
 * device are told apart. */
static void test_model_many(void **state)
{
	(void)state;
	enum { NF = HV_HOLDER_FILES_MAX, NV = 3 * HV_HOLDER_FILES_MAX };
	struct hv_host *h = host(NF + 4, 0, 6, 18);
	struct hv_htlb_file *files = calloc(NF, sizeof(*files));
	struct hv_pid_vma *vma = calloc(NV, sizeof(*vma));
	assert_non_null(files);
	assert_non_null(vma);
	for (int i = 0; i < NF; i++) {
		snprintf(files[i].path, sizeof(files[i].path), "/mnt/f%04d", i);
		files[i].dev_major = 0;
		files[i].dev_minor = 60;
		files[i].ino = (uint64_t)(NF - i) * 7;
		files[i].page_size = M2;
		files[i].bytes = M2;
	}
	int nv = 0;
	for (int i = 0; i < NF; i += 2) /* even files, mapped by two processes each */
		for (int p = 0; p < 2; p++)
			vma[nv++] = (struct hv_pid_vma){.pid = 100 + p, .dev_minor = 60, .ino = files[i].ino,
							.page_size = M2, .shared_kib = 2048};
	for (int i = 1; i < NF && nv < NV - 3; i += 2) /* same inode, other device: not the file */
		vma[nv++] = (struct hv_pid_vma){.pid = 300, .dev_minor = 61, .ino = files[i].ino,
						.page_size = M2, .private_kib = 0};
	vma[nv++] = (struct hv_pid_vma){.pid = 400, .dev_minor = 1, .ino = 77, .page_size = M2,
					.shared_kib = 4096, .sysv = true};
	vma[nv++] = (struct hv_pid_vma){.pid = 401, .dev_minor = 1, .ino = 77, .page_size = M2,
					.shared_kib = 2048, .sysv = true};
	struct hv_shm_seg seg = {.key = 1, .shmid = 77, .size = 2 * M2, .rss = 2 * M2 * 512, .nattch = 2};
	/* shuffle the mappings so no order is assumed */
	for (int i = nv - 1; i > 0; i--) {
		int j = (int)(((unsigned)i * 2654435761u) % (unsigned)(i + 1));
		struct hv_pid_vma t = vma[i];
		vma[i] = vma[j];
		vma[j] = t;
	}
	struct hv_holders_input in = {.scanned = true, .shm_read = true, .nfiles = NF, .files = files,
				      .nvma = nv, .vma = vma, .nseg = 1, .seg = &seg};
	struct hv_holders o;
	hv_model_holders(h, &in, &o);
	assert_int_equal(o.sizes[0].files, NF);
	assert_int_equal(o.sizes[0].orphaned, NF / 2);
	assert_int_equal(o.norphans_total, NF / 2);
	assert_int_equal(o.sizes[0].sysv, 2);
	assert_int_equal(o.shm_rss, HV_SHM_RSS_SCALED);
	assert_string_equal(o.shm_rss_basis, "attached segment");
	assert_int_equal(o.sizes[0].mapped, 0); /* the other device's mappings hold no page */
	assert_int_equal(o.sizes[0].unattributed, 2);
	for (int i = 0; i < o.norphans; i++)
		assert_int_equal(atoi(o.orphans[i].path + 6) % 2, 1); /* only unmapped files */
	free(files);
	free(vma);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sysvipc_parse),
		cmocka_unit_test(test_smaps_sysv),
		cmocka_unit_test(test_model_scene),
		cmocka_unit_test(test_model_rss_unit),
		cmocka_unit_test(test_model_limits),
		cmocka_unit_test(test_model_many),
	};
	return cmocka_run_group_tests_name("holders", tests, NULL, NULL);
}
