/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernels installed later: the record apply --persist keeps (merged with
 * the previous one, as the boot configuration is edited) and BLS entries
 * given its parameters: over the real kernel-install 252 entry
 * (tests/fixtures/boot), several options lines, none, "--", quotes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "apply.h"
#include "hv_error.h"
#include "unit_util.h"

#define M (1024ull * 1024)
#define G (1024ull * M)

static struct hv_desired want(int hvo, int n, const uint64_t *size, const int *node, const int64_t *count)
{
	struct hv_desired d;
	memset(&d, 0, sizeof(d));
	d.hvo = hvo;
	for (int i = 0; i < n; i++) {
		d.pools[i].size = size[i];
		d.pools[i].node = node[i];
		d.pools[i].count = count[i];
	}
	d.npools = n;
	return d;
}

static void test_record_round_trip_and_merge(void **state)
{
	(void)state;
	const uint64_t sz[] = {2 * M, G, 2 * M};
	const int nd[] = {1, -1, 0};
	const int64_t ct[] = {256, 4, 512};
	struct hv_desired d = want(1, 3, sz, nd, ct), back;
	char *t;
	assert_int_equal(hv_boot_record_text("r", NULL, &d, &t), 0);
	/* one pool a line, sorted, parseable as hvoplan.conf */
	assert_non_null(strstr(t, "[apply]\nhvo = on\npages = 2M:512@0\npages = 2M:256@1\npages = 1G:4\n"));
	assert_int_equal(hv_boot_record_desired("r", t, &back), 0);
	assert_int_equal(back.hvo, 1);
	assert_int_equal(back.npools, 3);
	char a[256], b[256];
	bool dropped;
	assert_int_equal(hv_bootparams(&d, 6, 1, a, sizeof(a), &dropped), 0);
	assert_int_equal(hv_bootparams(&back, 6, 1, b, sizeof(b), &dropped), 0);
	assert_string_equal(a, b);
	assert_string_equal(a, "hugetlb_free_vmemmap=on hugepagesz=2M hugepages=0:512,1:256 hugepagesz=1G hugepages=4");

	/* a later run that sets only HVO keeps the pools; one that sets 2M
	 * replaces only 2M's */
	struct hv_desired off = want(0, 0, NULL, NULL, NULL);
	char *t2, *t3;
	assert_int_equal(hv_boot_record_text("r", t, &off, &t2), 0);
	assert_non_null(strstr(t2, "hvo = off\npages = 2M:512@0\npages = 2M:256@1\npages = 1G:4\n"));
	const uint64_t sz2[] = {2 * M};
	const int nd2[] = {-1};
	const int64_t ct2[] = {0};
	struct hv_desired two = want(-1, 1, sz2, nd2, ct2);
	assert_int_equal(hv_boot_record_text("r", t2, &two, &t3), 0);
	assert_non_null(strstr(t3, "hvo = off\npages = 2M:0\npages = 1G:4\n"));
	assert_null(strstr(t3, "@"));
	free(t);
	free(t2);
	free(t3);
}

static void test_record_errors(void **state)
{
	(void)state;
	struct hv_desired d;
	char *t;
	assert_true(hv_boot_record_desired("/etc/kernel/hvoplan.conf", "[apply]\n# nothing\n", &d) < 0);
	assert_non_null(strstr(hv_last_error(), "/etc/kernel/hvoplan.conf: names neither"));
	assert_true(hv_boot_record_desired("/etc/kernel/hvoplan.conf", "[apply]\npages = 2M:x\n", &d) < 0);
	assert_non_null(strstr(hv_last_error(), "/etc/kernel/hvoplan.conf:2"));
	/* a damaged old record is not merged over: the run stops, naming it */
	struct hv_desired on = want(1, 0, NULL, NULL, NULL);
	assert_true(hv_boot_record_text("/etc/kernel/hvoplan.conf", "[apply]\nhvo = maybe\n", &on, &t) < 0);
	assert_non_null(strstr(hv_last_error(), "remove the file or run 'hvoplan apply --revert'"));
}

static const char *params_of(const struct hv_desired *d, char *buf, size_t cap)
{
	bool dropped;
	assert_int_equal(hv_bootparams(d, 6, 12, buf, cap, &dropped), 0);
	return buf;
}

static void test_real_entry(void **state)
{
	(void)state;
	size_t len;
	char *t = slurp_file("tests/fixtures/boot/bls-kernel-install-252.conf", &len);
	int major = 0, minor = 0;
	assert_int_equal(hv_entry_version(t, &major, &minor), 0);
	assert_int_equal(major, 6);
	assert_int_equal(minor, 12);
	/* the entry already has what the record says: unchanged, byte for byte */
	const uint64_t sz[] = {G, 2 * M, 2 * M};
	const int nd[] = {-1, 0, 1};
	const int64_t ct[] = {4, 256, 256};
	struct hv_desired d = want(1, 3, sz, nd, ct);
	char params[512], removed[512], *out;
	params_of(&d, params, sizeof(params));
	assert_int_equal(hv_entry_with_params("e", t, &d, 2 * M, params, &out, removed, sizeof(removed)), 0);
	assert_string_equal(out, t);
	free(out);
	/* other pools and HVO off: ours replace theirs, the rest stays in place */
	const int64_t ct2[] = {8, 0, 0};
	struct hv_desired d2 = want(0, 1, sz, nd, ct2);
	params_of(&d2, params, sizeof(params));
	assert_int_equal(hv_entry_with_params("e", t, &d2, 2 * M, params, &out, removed, sizeof(removed)), 1);
	assert_string_equal(removed, "hugetlb_free_vmemmap=on hugepagesz=1G hugepages=4");
	assert_non_null(strstr(out, "\noptions    root=/dev/vda1 ro quiet hugepagesz=2M hugepages=0:256,1:256 "
				    "systemd.machine_id=3d1219c7c4c5404aaa1f6d2a48adfda4 hugetlb_free_vmemmap=off "
				    "hugepagesz=1G hugepages=8\nlinux      /tmp/ki/"));
	assert_true(strncmp(out, "title      Debian GNU/Linux 12 (bookworm)\nversion    6.12.12-amd64\n", 64) == 0);
	free(out);
	free(t);
}

static void test_entry_shapes(void **state)
{
	(void)state;
	const uint64_t sz[] = {G};
	const int nd[] = {-1};
	const int64_t ct[] = {4};
	struct hv_desired d = want(1, 1, sz, nd, ct);
	char params[256], removed[256], *out;
	params_of(&d, params, sizeof(params));
	assert_string_equal(params, "hugetlb_free_vmemmap=on hugepagesz=1G hugepages=4");

	/* two options lines are one command line: a hugepagesz= in the first
	 * names the size of the hugepages= in the second */
	const char *two = "title t\noptions root=/dev/sda1 hugepagesz=1G\noptions hugepages=2 quiet\nlinux /vmlinuz\n";
	assert_int_equal(hv_entry_with_params("e", two, &d, 2 * M, params, &out, removed, sizeof(removed)), 1);
	assert_string_equal(removed, "hugepagesz=1G hugepages=2");
	assert_string_equal(out, "title t\noptions root=/dev/sda1 quiet hugetlb_free_vmemmap=on hugepagesz=1G "
				 "hugepages=4\nlinux /vmlinuz\n");
	free(out);

	/* no options line: one before the kernel's */
	const char *none = "title t\nlinux /vmlinuz\ninitrd /initrd\n";
	assert_int_equal(hv_entry_with_params("e", none, &d, 2 * M, params, &out, removed, sizeof(removed)), 1);
	assert_string_equal(out, "title t\noptions    hugetlb_free_vmemmap=on hugepagesz=1G hugepages=4\nlinux "
				 "/vmlinuz\ninitrd /initrd\n");
	free(out);

	/* words after "--" are init's: ours go before them */
	const char *init = "title t\noptions\troot=/dev/sda1 -- single\nlinux /vmlinuz";
	assert_int_equal(hv_entry_with_params("e", init, &d, 2 * M, params, &out, removed, sizeof(removed)), 1);
	assert_string_equal(out, "title t\noptions\troot=/dev/sda1 hugetlb_free_vmemmap=on hugepagesz=1G "
				 "hugepages=4 -- single\nlinux /vmlinuz");
	free(out);

	/* ours in another order (HVO last) are ours: no change */
	const char *reordered =
		"options foo=\"a hugepages=8 b\" hugepagesz=1G hugepages=4 hugetlb_free_vmemmap=on\nefi /x.efi\n";
	assert_int_equal(hv_entry_with_params("e", reordered, &d, 2 * M, params, &out, removed, sizeof(removed)), 0);
	assert_string_equal(out, reordered);
	free(out);
	/* a quoted value that only looks like ours is kept; a quote left open
	 * would swallow ours: refused, naming the entry */
	const char *quoted = "options foo=\"a hugepages=8 b\" hugepagesz=1G hugepages=5\nefi /x.efi\n";
	assert_int_equal(hv_entry_with_params("e", quoted, &d, 2 * M, params, &out, removed, sizeof(removed)), 1);
	assert_string_equal(out, "options foo=\"a hugepages=8 b\" hugetlb_free_vmemmap=on hugepagesz=1G hugepages=4\n"
				 "efi /x.efi\n");
	free(out);
	const char *open = "options root=/dev/sda1 foo=\"abc\nlinux /vmlinuz\n";
	assert_true(hv_entry_with_params("/boot/loader/entries/x.conf", open, &d, 2 * M, params, &out, removed,
					 sizeof(removed)) == -ENOTSUP);
	assert_non_null(strstr(hv_last_error(), "/boot/loader/entries/x.conf: the kernel would read"));
	assert_null(out);

	/* not an entry at all */
	assert_true(hv_entry_with_params("x", "hello\n", &d, 2 * M, params, &out, removed, sizeof(removed)) == -EINVAL);
	assert_non_null(strstr(hv_last_error(), "x: not a Boot Loader Specification entry"));
	/* "optionsfoo" is another key; "options" alone an empty options line */
	const char *odd = "optionsfoo bar\noptions\nlinux /v\n";
	assert_int_equal(hv_entry_with_params("e", odd, &d, 2 * M, params, &out, removed, sizeof(removed)), 1);
	assert_string_equal(out, "optionsfoo bar\noptions    hugetlb_free_vmemmap=on hugepagesz=1G hugepages=4\n"
				 "linux /v\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_round_trip_and_merge),
		cmocka_unit_test(test_record_errors),
		cmocka_unit_test(test_real_entry),
		cmocka_unit_test(test_entry_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
