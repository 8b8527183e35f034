/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The text parsers on the exact lines real kernels print. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv_error.h"
#include "parse.h"

#define PARSE_CL(s, cl) hv_parse_cmdline((s), strlen(s), (cl))

static void test_sizes(void **state)
{
	(void)state;
	uint64_t v;
	assert_int_equal(hv_parse_size("2M", &v), 0);
	assert_int_equal(v, 2ull << 20);
	assert_int_equal(hv_parse_size("1G", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(hv_parse_size("2048kB", &v), 0);
	assert_int_equal(v, 2ull << 20);
	assert_int_equal(hv_parse_size("1.00 GiB", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(hv_parse_size("2.00 MiB", &v), 0);
	assert_int_equal(v, 2ull << 20);
	assert_int_equal(hv_parse_size("1.5G", &v), 0);
	assert_int_equal(v, 3ull << 29);
	assert_int_equal(hv_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(hv_parse_size("16E", &v), -ERANGE);
	assert_int_equal(hv_parse_size("2X", &v), -EINVAL);
	assert_int_equal(hv_parse_size("", &v), -EINVAL);
	assert_int_equal(hv_parse_size("-2M", &v), -EINVAL);
	assert_int_equal(hv_parse_size("1.0000001K", &v), -EINVAL);
	assert_int_equal(hv_parse_u64("99999999999999999999999", &v), -ERANGE);
	assert_int_equal(hv_parse_u64("12abc", &v), -EINVAL);
	assert_non_null(strstr(hv_last_error(), "12abc"));
	assert_int_equal(hv_parse_u64(" 42\n", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(hv_parse_hex_u64("8000000\n", &v), 0);
	assert_int_equal(v, 0x8000000);
	assert_int_equal(hv_parse_hstate_dirname("hugepages-1048576kB", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(hv_parse_hstate_dirname("hugepages-3000kB", &v), -EINVAL);
	assert_int_equal(hv_parse_hstate_dirname("hugepages-kB", &v), -EINVAL);
	char buf[16];
	hv_fmt_size(16380 * 1024ull, buf, sizeof(buf));
	assert_string_equal(buf, "16M");
	hv_fmt_size(28 * 1024, buf, sizeof(buf));
	assert_string_equal(buf, "28K");
	hv_fmt_size(3ull << 29, buf, sizeof(buf));
	assert_string_equal(buf, "1.5G");
	hv_fmt_size(0, buf, sizeof(buf));
	assert_string_equal(buf, "0B");
	int n;
	assert_int_equal(hv_parse_nodelist("0-3,5\n", &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(hv_parse_nodelist("3-1", &n), -EINVAL);
	int a, b, c;
	assert_int_equal(hv_parse_release("6.1.0-13-amd64", &a, &b, &c), 0);
	assert_true(a == 6 && b == 1 && c == 0);
	assert_int_equal(hv_parse_release("6.18.44-fc-v669", &a, &b, &c), 0);
	assert_true(a == 6 && b == 18 && c == 44);
	assert_int_equal(hv_parse_release("garbage", &a, &b, &c), -EINVAL);
}

static void test_cmdline(void **state)
{
	(void)state;
	struct hv_cmdline cl;
	assert_int_equal(PARSE_CL("BOOT_IMAGE=/vmlinuz root=/dev/sda1 hugetlb_free_vmemmap=on default_hugepagesz=1G "
				  "hugepages=4 hugepagesz=2M hugepages=0:100,1:28 memory_hotplug.memmap_on_memory=1 quiet\n",
				  &cl),
			 0);
	assert_true(cl.hvo_param_present);
	assert_false(cl.hvo_param_bare);
	assert_string_equal(cl.hvo_param_text, "on");
	assert_int_equal(cl.memmap_on_memory, 1);
	assert_int_equal(cl.default_hugepagesz, 1ull << 30);
	assert_int_equal(cl.npools, 2);
	assert_int_equal(cl.pools[0].size, 1ull << 30);
	assert_int_equal(cl.pools[0].count, 4);
	assert_int_equal(cl.pools[1].size, 2ull << 20);
	assert_int_equal(cl.pools[1].count, 128);
	assert_int_equal(cl.pools[1].nnode_counts, 2);
	assert_int_equal(cl.pools[1].node_counts[1].node, 1);
	assert_int_equal(cl.pools[1].node_counts[1].count, 28);

	/* first hugepages= without a size means the default size */
	assert_int_equal(PARSE_CL("hugepages=16 hugetlb_free_vmemmap=off", &cl), 0);
	assert_int_equal(cl.pools[0].size, 0);
	assert_string_equal(cl.hvo_param_text, "off");
	/* kstrtobool forms, last one wins; after "--" it is init's */
	assert_int_equal(PARSE_CL("hugetlb_free_vmemmap=Y hugetlb_free_vmemmap=0 -- hugetlb_free_vmemmap=on", &cl), 0);
	assert_string_equal(cl.hvo_param_text, "0");
	/* quotes group */
	assert_int_equal(PARSE_CL("foo=\"a b\" hugetlb-free-vmemmap=on", &cl), 0);
	assert_string_equal(cl.hvo_param_text, "on");
	/* garbage is reported, the rest still counts */
	assert_true(PARSE_CL("hugepagesz=banana hugepages=x hugetlb_free_vmemmap=on", &cl) < 0);
	assert_string_equal(cl.hvo_param_text, "on");
	/* kept as written: the model judges it per kernel generation */
	assert_int_equal(PARSE_CL("hugetlb_free_vmemmap=maybe", &cl), 0);
	assert_string_equal(cl.hvo_param_text, "maybe");
	assert_int_equal(PARSE_CL("hugetlb_free_vmemmap", &cl), 0);
	assert_true(cl.hvo_param_present && cl.hvo_param_bare);
	assert_int_equal(PARSE_CL("", &cl), 0);
	assert_false(cl.hvo_param_present);
	/* next_arg(): a quoted flag loses both quotes, a quoted value its own */
	assert_int_equal(PARSE_CL("\"hugetlb_free_vmemmap\"", &cl), 0);
	assert_true(cl.hvo_param_present && cl.hvo_param_bare);
	assert_int_equal(PARSE_CL("hugetlb_free_vmemmap=\"off\"", &cl), 0);
	assert_string_equal(cl.hvo_param_text, "off");
	/* memparse(): hex, octal, lower-case units, trailing bytes ignored */
	assert_int_equal(PARSE_CL("default_hugepagesz=0x40000000 hugepages=2 hugepagesz=010000000 hugepages=3 "
				  "hugepagesz=64kB hugepages=4",
				  &cl),
			 0);
	assert_int_equal(cl.default_hugepagesz, 1ull << 30);
	assert_int_equal(cl.npools, 3);
	assert_int_equal(cl.pools[0].size, 1ull << 30);
	assert_int_equal(cl.pools[0].count, 2);
	assert_int_equal(cl.pools[1].size, 2ull << 20);
	assert_int_equal(cl.pools[1].count, 3);
	assert_int_equal(cl.pools[2].size, 64ull << 10);
	assert_int_equal(cl.pools[2].count, 4);
	/* mm/hugetlb.c's rules: a size given twice is ignored with the
	 * hugepages= after it; a second hugepages= for one size is ignored;
	 * the default size may come once more while it has no count */
	assert_true(PARSE_CL("hugepagesz=1G hugepages=2 hugepages=7 hugepagesz=1G hugepages=9", &cl) < 0);
	assert_int_equal(cl.npools, 1);
	assert_int_equal(cl.pools[0].count, 2);
	assert_int_equal(PARSE_CL("default_hugepagesz=2M hugepagesz=2M hugepages=5", &cl), 0);
	assert_int_equal(cl.npools, 1);
	assert_int_equal(cl.pools[0].size, 2ull << 20);
	assert_int_equal(cl.pools[0].count, 5);
	assert_true(PARSE_CL("default_hugepagesz=2M hugepages=4 hugepagesz=2M hugepages=5", &cl) < 0);
	assert_int_equal(cl.pools[0].count, 4);
	/* a rejected size costs the one hugepages= after it; the next goes
	 * to the size before, unless that size has its count */
	assert_true(PARSE_CL("hugepagesz=1G hugepagesz=3M hugepages=3 hugepages=4", &cl) < 0);
	assert_int_equal(cl.npools, 1);
	assert_int_equal(cl.pools[0].size, 1ull << 30);
	assert_int_equal(cl.pools[0].count, 4);
	assert_true(PARSE_CL("hugepagesz=1G hugepages=2 hugepagesz=3M hugepages=3 hugepages=4", &cl) < 0);
	assert_int_equal(cl.pools[0].count, 2);
	/* a count before any size is the default's, moved to default_hugepagesz=
	 * over what that size had; a second default_hugepagesz= is ignored */
	assert_true(PARSE_CL("hugepages=4 hugepagesz=1G hugepages=3 default_hugepagesz=1G default_hugepagesz=2M "
			     "hugepages=6",
			     &cl) < 0);
	assert_int_equal(cl.default_hugepagesz, 1ull << 30);
	assert_int_equal(cl.npools, 1);
	assert_int_equal(cl.pools[0].size, 1ull << 30);
	assert_int_equal(cl.pools[0].count, 4);
	/* hugepages_setup()'s sscanf("%lu"): the leading number counts */
	assert_int_equal(PARSE_CL("hugepagesz=1G hugepages=4x", &cl), 0);
	assert_int_equal(cl.pools[0].count, 4);
	assert_int_equal(PARSE_CL("hugepagesz=1G hugepages=+3", &cl), 0);
	assert_int_equal(cl.pools[0].count, 3);
	assert_true(PARSE_CL("hugepagesz=1G hugepages=x4", &cl) < 0);
	assert_int_equal(PARSE_CL("hugepagesz=1G hugepages=0:2,1:3", &cl), 0);
	assert_int_equal(cl.pools[0].count, 5);
	/* no digits is 0 to the kernel, which rejects it */
	assert_true(PARSE_CL("hugepagesz=M", &cl) < 0);
	assert_int_equal(hv_kmemparse("1.5G"), 1); /* the unit must follow the digits */
	assert_int_equal(hv_kmemparse("0x"), 0);
	assert_int_equal(hv_kmemparse("08"), 0);
	assert_int_equal(hv_kmemparse("3e"), 3ull << 60);
	assert_int_equal(hv_kmemparse("16e"), 0); /* wraps, unchecked, as the kernel's */
	assert_int_equal(hv_kmemparse("0x1e"), 30);
}

static void test_mounts(void **state)
{
	(void)state;
	static struct hv_mounts m;
	/* as 6.18 writes them (hugetlbfs_show_options()), one path with a blank */
	static const char mounts[] =
		"proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
		"hugetlbfs /dev/hugepages hugetlbfs rw,nosuid,nodev,relatime,pagesize=2M 0 0\n"
		"none /tmp/h\\040m hugetlbfs rw,relatime,uid=1000,gid=100,mode=1770,nr_inodes=8,pagesize=2M,"
		"size=16777216,min_size=4194304 0 0\n"
		"none /mnt/g hugetlbfs ro,relatime,pagesize=1024M 0 0\n"
		"tmpfs /run tmpfs rw,nosuid,nodev,size=1632128k,mode=755 0 0";
	assert_int_equal(hv_parse_mounts(mounts, strlen(mounts), &m), 0);
	assert_true(m.read);
	assert_int_equal(m.n, 3);
	assert_string_equal(m.m[0].path, "/dev/hugepages");
	assert_int_equal(m.m[0].page_size, 2 << 20);
	assert_int_equal(m.m[0].size_limit, HV_UNKNOWN);
	assert_int_equal(m.m[0].mode, 0755);
	assert_string_equal(m.m[1].path, "/tmp/h m");
	assert_int_equal(m.m[1].size_limit, 16 << 20);
	assert_int_equal(m.m[1].min_size, 4 << 20);
	assert_int_equal(m.m[1].nr_inodes, 8);
	assert_int_equal(m.m[1].uid, 1000);
	assert_int_equal(m.m[1].gid, 100);
	assert_int_equal(m.m[1].mode, 01770);
	assert_int_equal(m.m[2].page_size, 1ull << 30);
	assert_true(m.m[2].ro);
	/* the snapshot's statfs record, matched by the escaped path */
	static const char rec[] = "# statfs\n/tmp/h\\040m 2097152 8 4 8 6\n/not/mounted 4096 1 1 1 1\n";
	assert_int_equal(hv_parse_mount_statfs(rec, strlen(rec), &m), 0);
	assert_true(m.m[1].statfs_read);
	assert_int_equal(m.m[1].f_blocks, 8);
	assert_int_equal(m.m[1].f_ffree, 6);
	assert_false(m.m[0].statfs_read);
	/* a bad value names the mount and the option */
	static const char bad[] = "none /x hugetlbfs rw,mode=999 0 0\n";
	assert_true(hv_parse_mounts(bad, strlen(bad), &m) < 0);
	assert_non_null(strstr(hv_last_error(), "/x: option mode=999"));
	static const char bad2[] = "none /x hugetlbfs rw,size=-1 0 0\n";
	assert_true(hv_parse_mounts(bad2, strlen(bad2), &m) < 0);
	static const char badrec[] = "/x 1 2 3\n";
	assert_true(hv_parse_mount_statfs(badrec, strlen(badrec), &m) < 0);
	/* an escape cut short is kept as written */
	char out[16];
	assert_int_equal(hv_mount_unescape("a\\04", 4, out, sizeof(out)), 0);
	assert_string_equal(out, "a\\04");
	assert_true(hv_mount_unescape("a\\000", 5, out, sizeof(out)) < 0);
}

static void test_dmesg(void **state)
{
	(void)state;
	static const char log[] =
		"[    0.275416] HugeTLB: registered 1.00 GiB page size, pre-allocated 0 pages\n"
		"[    0.275435] HugeTLB: 16380 KiB vmemmap can be freed for a 1.00 GiB page\n"
		"[    0.275437] HugeTLB: registered 2.00 MiB page size, pre-allocated 512 pages\n"
		"[    0.275438] HugeTLB: 28 KiB vmemmap can be freed for a 2.00 MiB page\n"
		"6,321,275438,-;HugeTLB: can free 4094 vmemmap pages for hugepages-1048576kB\n"
		"Nov 23 host kernel: HugeTLB registered 64.0 KiB page size, pre-allocated 3 pages\n"
		"[    1.0] HugeTLB: 1.00 GiB page size: 2 invalid page(s) discarded\n"
		"[    1.1] HugeTLB: garbage 1234 nonsense for a page\n"
		"[    1.2] unrelated line\n";
	struct hv_bootlog bl;
	hv_bootlog_init(&bl);
	assert_int_equal(hv_parse_dmesg(log, sizeof(log) - 1, &bl), 0);
	assert_true(bl.present);
	assert_int_equal(bl.nhstates, 3);
	assert_int_equal(bl.hstates[0].size, 1ull << 30);
	assert_int_equal(bl.hstates[0].optimizable_kib, 16380);
	assert_int_equal(bl.hstates[0].freeable_pages, 4094);
	assert_int_equal(bl.hstates[0].preallocated, 0);
	assert_int_equal(bl.hstates[0].discarded, 2);
	assert_int_equal(bl.hstates[1].size, 2ull << 20);
	assert_int_equal(bl.hstates[1].optimizable_kib, 28);
	assert_int_equal(bl.hstates[1].preallocated, 512);
	assert_int_equal(bl.hstates[2].size, 64ull << 10);
	assert_int_equal(bl.hstates[2].preallocated, 3);
	/* a damaged HugeTLB line is an error, the good ones still count */
	static const char bad[] = "HugeTLB: 12x KiB vmemmap can be freed for a 2.00 MiB page\n"
				  "HugeTLB: 28 KiB vmemmap can be freed for a 2.00 MiB page\n";
	hv_bootlog_init(&bl);
	assert_true(hv_parse_dmesg(bad, sizeof(bad) - 1, &bl) < 0);
	assert_int_equal(bl.hstates[0].optimizable_kib, 28);
}

static void test_kconfig(void **state)
{
	(void)state;
	static const char cfg[] = "#\n# Automatically generated file; DO NOT EDIT.\n"
				  "CONFIG_HUGETLB_PAGE=y\n"
				  "CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP=y\n"
				  "# CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON is not set\n"
				  "CONFIG_PAGE_SHIFT=12\n"
				  "CONFIG_LOCALVERSION=\"-fc\"\n";
	struct hv_kconfig kc;
	hv_kconfig_init(&kc);
	assert_int_equal(hv_parse_kconfig(cfg, sizeof(cfg) - 1, &kc), 0);
	assert_int_equal(kc.hugetlb_page, HV_YES);
	assert_int_equal(kc.hvo, HV_YES);
	assert_int_equal(kc.hvo_default_on, HV_NO);
	assert_int_equal(kc.memmap_on_memory, HV_NO); /* absent from a present config */
	assert_int_equal(kc.page_size, 4096);
	/* 5.14-5.18 names */
	static const char old[] = "CONFIG_HUGETLB_PAGE_FREE_VMEMMAP=y\nCONFIG_HUGETLB_PAGE_FREE_VMEMMAP_DEFAULT_ON=y\n"
				  "CONFIG_ARM64_64K_PAGES=y\n";
	hv_kconfig_init(&kc);
	assert_int_equal(hv_parse_kconfig(old, sizeof(old) - 1, &kc), 0);
	assert_int_equal(kc.hvo, HV_YES);
	assert_int_equal(kc.hvo_default_on, HV_YES);
	assert_int_equal(kc.page_size, 65536);
	static const char broken[] = "CONFIG_PAGE_SHIFT=banana\n";
	hv_kconfig_init(&kc);
	assert_true(hv_parse_kconfig(broken, sizeof(broken) - 1, &kc) < 0);
	assert_non_null(strstr(hv_last_error(), "line 1"));
}

static void test_meminfo_vmstat(void **state)
{
	(void)state;
	static const char mi[] = "MemTotal:       24567084 kB\nMemFree:        23000000 kB\n"
				 "AnonHugePages:     51200 kB\nHugePages_Total:     512\nHugepagesize:       2048 kB\n"
				 "Hugetlb:          3145728 kB\nDirectMap1G:    25165824 kB\n";
	struct hv_meminfo m;
	assert_int_equal(hv_parse_meminfo(mi, sizeof(mi) - 1, &m), 0);
	assert_int_equal(m.mem_total_kib, 24567084);
	assert_int_equal(m.hugetlb_kib, 3145728);
	assert_int_equal(m.anon_huge_kib, 51200);
	assert_int_equal(m.shmem_huge_kib, HV_UNKNOWN);
	static const char bad[] = "MemTotal:       banana kB\n";
	assert_true(hv_parse_meminfo(bad, sizeof(bad) - 1, &m) < 0);
	assert_non_null(strstr(hv_last_error(), "MemTotal"));
	static const char nototal[] = "MemFree: 1 kB\n";
	assert_true(hv_parse_meminfo(nototal, sizeof(nototal) - 1, &m) < 0);
	/* unused lines of an unknown shape do not matter */
	static const char odd[] = "MemTotal: 1 kB\nSomethingNew: 1 2 3 MB\n";
	assert_int_equal(hv_parse_meminfo(odd, sizeof(odd) - 1, &m), 0);

	int64_t p, b;
	static const char vs[] = "nr_free_pages 123\nnr_memmap_pages 514\nnr_memmap_boot_pages 83912\n";
	assert_int_equal(hv_parse_vmstat(vs, sizeof(vs) - 1, &p, &b), 0);
	assert_int_equal(p, 514);
	assert_int_equal(b, 83912);
	static const char old[] = "nr_free_pages 123\n";
	assert_int_equal(hv_parse_vmstat(old, sizeof(old) - 1, &p, &b), 0);
	assert_int_equal(p, HV_UNKNOWN);
	static const char half[] = "nr_memmap_pages 514\n";
	assert_true(hv_parse_vmstat(half, sizeof(half) - 1, &p, &b) < 0);
	static const char neg[] = "nr_memmap_pages -5\nnr_memmap_boot_pages 1\n";
	assert_true(hv_parse_vmstat(neg, sizeof(neg) - 1, &p, &b) < 0);
}

/* A minimal raw BTF blob: int, then struct page { int x; } of size 64. */
static void test_btf(void **state)
{
	(void)state;
	uint8_t blob[24 + 16 + 24 + 12];
	memset(blob, 0, sizeof(blob));
	uint32_t hdr[6] = {0, 24, 0, 16 + 24, 16 + 24, 12};
	uint16_t magic = 0xeB9F;
	memcpy(blob, &magic, 2);
	blob[2] = 1;
	memcpy(blob + 4, &hdr[1], 20);
	uint32_t t_int[4] = {1, 1u << 24, 4, 32};	      /* "int", INT, size 4, 32 bits */
	uint32_t t_page[6] = {5, (4u << 24) | 1, 64, 10, 1, 0}; /* "page", STRUCT vlen 1, size 64 */
	memcpy(blob + 24, t_int, 16);
	memcpy(blob + 40, t_page, 24);
	memcpy(blob + 64, "\0int\0page\0x\0", 12);
	uint32_t size = 0;
	assert_int_equal(hv_btf_struct_size(blob, sizeof(blob), "page", &size), 0);
	assert_int_equal(size, 64);
	assert_int_equal(hv_btf_struct_size(blob, sizeof(blob), "folio", &size), -ENOENT);
	/* truncated: the type section runs past the end */
	assert_int_equal(hv_btf_struct_size(blob, 50, "page", &size), -EINVAL);
	/* a vlen that runs past the section */
	t_page[1] = (4u << 24) | 1000;
	memcpy(blob + 40, t_page, 24);
	assert_int_equal(hv_btf_struct_size(blob, sizeof(blob), "x", &size), -EINVAL);
	/* unknown future kind */
	t_int[1] = 31u << 24;
	memcpy(blob + 24, t_int, 16);
	assert_int_equal(hv_btf_struct_size(blob, sizeof(blob), "page", &size), -ENOTSUP);
	blob[0] = 0;
	assert_int_equal(hv_btf_struct_size(blob, sizeof(blob), "page", &size), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),  cmocka_unit_test(test_cmdline), cmocka_unit_test(test_mounts),	      cmocka_unit_test(test_dmesg),
		cmocka_unit_test(test_kconfig), cmocka_unit_test(test_meminfo_vmstat), cmocka_unit_test(test_btf),
	};
	return cmocka_run_group_tests_name("text parsers", tests, NULL, NULL);
}
