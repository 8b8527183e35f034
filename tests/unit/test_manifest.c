/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The backup manifest (src/apply/manifest.c): what the writer writes the
 * parser reads back unchanged; what the writer would never write (paths
 * outside the places apply touches, shell characters, malformed numbers)
 * is refused with the file and line named. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "apply.h"
#include "hv_error.h"
#include "manifest.h"

static void test_round_trip(void **state)
{
	(void)state;
	struct hv_mf_writer w = {0};
	assert_int_equal(hv_mf_begin(&w), 0);
	assert_int_equal(hv_mf_file_present(&w, 0644, "etc/default/grub"), 0);
	assert_int_equal(hv_mf_file_absent(&w, "etc/sysctl.d/90-hvoplan.conf"), 0);
	assert_int_equal(hv_mf_mkdir(&w, "etc"), 0);
	assert_int_equal(hv_mf_mkdir(&w, "etc/sysctl.d"), 0);
	assert_int_equal(hv_mf_value(&w, 0, HV_SYSCTL_REL), 0);
	assert_int_equal(hv_mf_value(&w, INT64_MAX, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"), 0);
	assert_int_equal(hv_mf_value(&w, 3, "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_overcommit_hugepages"), 0);
	assert_int_equal(hv_mf_grubby(&w, "hugetlb_free_vmemmap=on hugepagesz=2M hugepages=16", ""), 0);
	assert_int_equal(hv_mf_tool(&w, "grub2-mkconfig"), 0);
	assert_int_equal(hv_mf_kernel_install(&w, "6.18.44-fc-v669", "/boot/vmlinuz-6.18.44-fc-v669"), 0);

	struct hv_manifest m;
	assert_int_equal(hv_manifest_parse("M", w.buf, w.len, &m), 0);
	assert_int_equal(m.n, 10);
	assert_int_equal(m.e[0].kind, HV_MF_FILE_PRESENT);
	assert_int_equal(m.e[0].mode, 0644);
	assert_string_equal(m.e[0].rel, "etc/default/grub");
	assert_int_equal(m.e[0].line, 3);
	assert_int_equal(m.e[1].kind, HV_MF_FILE_ABSENT);
	assert_string_equal(m.e[1].rel, "etc/sysctl.d/90-hvoplan.conf");
	assert_int_equal(m.e[2].kind, HV_MF_MKDIR);
	assert_string_equal(m.e[2].rel, "etc");
	assert_int_equal(m.e[4].kind, HV_MF_VALUE);
	assert_int_equal(m.e[4].value, 0);
	assert_int_equal(m.e[5].value, INT64_MAX);
	assert_int_equal(m.e[6].kind, HV_MF_VALUE);
	assert_int_equal(m.e[6].value, 3);
	assert_string_equal(m.e[6].rel, "sys/kernel/mm/hugepages/hugepages-1048576kB/nr_overcommit_hugepages");
	assert_int_equal(m.e[7].kind, HV_MF_GRUBBY);
	assert_string_equal(m.grubby_added, "hugetlb_free_vmemmap=on hugepagesz=2M hugepages=16");
	assert_string_equal(m.grubby_removed, "");
	assert_int_equal(m.e[8].kind, HV_MF_TOOL);
	assert_string_equal(m.e[8].tool, "grub2-mkconfig");
	assert_int_equal(m.e[9].kind, HV_MF_KERNEL_INSTALL);
	assert_string_equal(m.e[9].tool, "6.18.44-fc-v669");
	assert_string_equal(m.e[9].rel, "/boot/vmlinuz-6.18.44-fc-v669");
	hv_manifest_free(&m);
	hv_mf_writer_free(&w);
}

/* The writer refuses what the parser would refuse: a backup that --revert
 * cannot read must never be made. */
static void test_writer_refuses(void **state)
{
	(void)state;
	struct hv_mf_writer w = {0};
	assert_int_equal(hv_mf_begin(&w), 0);
	size_t len = w.len;
	hv_clear_error();
	assert_int_equal(hv_mf_file_absent(&w, "boot/grub/grub.cfg"), -EINVAL);
	assert_non_null(strstr(hv_last_error(), "boot/grub/grub.cfg"));
	assert_int_equal(hv_mf_file_present(&w, 010000, "etc/x"), -EINVAL);
	assert_int_equal(hv_mf_value(&w, -1, HV_SYSCTL_REL), -EINVAL); /* HV_UNKNOWN */
	assert_int_equal(hv_mf_value(&w, 1, "proc/sys/kernel/modprobe"), -EINVAL);
	/* overcommit limits are per size only: no node file, nothing outside sys/kernel/mm/hugepages */
	assert_int_equal(hv_mf_value(&w, 1, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_overcommit_hugepages"),
			 -EINVAL);
	assert_int_equal(hv_mf_value(&w, 1, "sys/kernel/mm/nr_overcommit_hugepages"), -EINVAL);
	assert_int_equal(hv_mf_mkdir(&w, "var/lib"), -EINVAL);
	assert_int_equal(hv_mf_tool(&w, "sh"), -EINVAL);
	assert_int_equal(hv_mf_grubby(&w, "a=$(reboot)", ""), -EINVAL);
	assert_int_equal(hv_mf_grubby(&w, "a=1\nfile absent - etc/passwd", ""), -EINVAL);
	assert_int_equal(hv_mf_kernel_install(&w, "6.1 x", "/boot/vmlinuz"), -EINVAL);
	assert_int_equal(hv_mf_kernel_install(&w, "6.1", "boot/vmlinuz"), -EINVAL);
	assert_int_equal(w.len, len); /* nothing half-written */
	hv_mf_writer_free(&w);
}

static int parse(const char *text, struct hv_manifest *m)
{
	hv_clear_error();
	return hv_manifest_parse("B/manifest", text, strlen(text), m);
}

static void test_parser_refuses(void **state)
{
	(void)state;
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"", "B/manifest: empty"},
		{"# only a comment\n", "B/manifest: empty"},
		{"hvoplan-backup 2\n", "B/manifest:1: not an hvoplan backup manifest"},
		{"file absent - etc/x\nhvoplan-backup 1\n", "B/manifest:1:"},
		{"hvoplan-backup 1\nfile absent - etc/../../x\n", "B/manifest:2: not a line"},
		{"hvoplan-backup 1\nfile absent - /etc/passwd\n", "B/manifest:2:"},
		{"hvoplan-backup 1\nfile absent - usr/bin/x\n", "B/manifest:2:"},
		{"hvoplan-backup 1\nfile present 0644 etc/x extra\n", "B/manifest:2:"},
		{"hvoplan-backup 1\nfile present 9644 etc/x\n", "B/manifest:2:"},
		{"hvoplan-backup 1\nfile present 17777 etc/x\n", "B/manifest:2:"},
		{"hvoplan-backup 1\nfile present  etc/x\n", "B/manifest:2:"},
		{"hvoplan-backup 1\nvalue -1 " HV_SYSCTL_REL "\n", "B/manifest:2:"},
		{"hvoplan-backup 1\nvalue 99999999999999999999 " HV_SYSCTL_REL "\n", "B/manifest:2:"},
		{"hvoplan-backup 1\nvalue 1 proc/sys/kernel/core_pattern\n", "B/manifest:2:"},
		{"hvoplan-backup 1\nvalue 1x " HV_SYSCTL_REL "\n", "B/manifest:2:"},
		{"hvoplan-backup 1\nmkdir var/lib\n", "B/manifest:2:"},
		{"hvoplan-backup 1\ntool sh\n", "B/manifest:2:"},
		{"hvoplan-backup 1\ntool kernel-install 6.1;x /boot/v\n", "B/manifest:2:"},
		{"hvoplan-backup 1\ntool kernel-install 6.1 boot/v\n", "B/manifest:2:"},
		{"hvoplan-backup 1\ngrubby-added a=1\n", "grubby-added without grubby-removed"},
		{"hvoplan-backup 1\ngrubby-added a=1\nfile absent - etc/x\n", "B/manifest:3:"},
		{"hvoplan-backup 1\ngrubby-added a=`reboot`\ngrubby-removed \n", "B/manifest:2:"},
		{"hvoplan-backup 1\ngrubby-removed a=1\n", "B/manifest:2:"},
		{"hvoplan-backup 1\nfile absent - etc/x\r\n", "B/manifest:2:"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hv_manifest m;
		int rc = parse(bad[i].text, &m);
		if (rc != -EINVAL || !hv_last_error() || !strstr(hv_last_error(), bad[i].msg))
			fail_msg("case %zu: rc %d, '%s' (want '%s')", i, rc, hv_last_error() ? hv_last_error() : "",
				 bad[i].msg);
		assert_int_equal(m.n, 0);
		assert_null(m.e);
	}
	/* a NUL byte in the middle is refused, not read as the end */
	static const char nul[] = "hvoplan-backup 1\nfile absent - etc/x\0\nmkdir etc\n";
	struct hv_manifest m;
	assert_int_equal(hv_manifest_parse("B/manifest", nul, sizeof(nul) - 1, &m), -EINVAL);
	assert_non_null(strstr(hv_last_error(), "B/manifest:2:"));
}

/* What hvoplan wrote before the module existed still reads: "grubby-added "
 * with a trailing space for an empty list, comments, no final newline. */
static void test_older_manifests(void **state)
{
	(void)state;
	struct hv_manifest m;
	assert_int_equal(parse("# hvoplan apply --persist backup; read by hvoplan apply --revert\n"
			       "hvoplan-backup 1\n"
			       "file present 0644 etc/default/grub\n"
			       "grubby-added hugetlb_free_vmemmap=on\n"
			       "grubby-removed \n"
			       "value 0 " HV_SYSCTL_REL "\n"
			       "mkdir etc/default/grub.d",
			       &m),
			 0);
	assert_int_equal(m.n, 4);
	assert_string_equal(m.grubby_added, "hugetlb_free_vmemmap=on");
	assert_string_equal(m.grubby_removed, "");
	assert_int_equal(m.e[3].kind, HV_MF_MKDIR);
	assert_string_equal(m.e[3].rel, "etc/default/grub.d");
	hv_manifest_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_writer_refuses),
		cmocka_unit_test(test_parser_refuses),
		cmocka_unit_test(test_older_manifests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
