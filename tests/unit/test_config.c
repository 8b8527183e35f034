/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan.conf and the settings layers: keys, values, errors naming file,
 * line and key, and command line > environment > file precedence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "hv_error.h"

#define M (1024ull * 1024)
#define G (1024ull * M)

static void test_all_keys(void **state)
{
	(void)state;
	struct hv_apply_settings s;
	hv_settings_init(&s);
	const char *text = "# comment\n[report]\nanything = 1\n[apply]\nhvo = on\npages = 1G:4 2M:16@1\n"
			   "pages = 2M:8@0\npersist = yes\nreoptimize = no\nbootloader = kernel-install\nbatch = 32\n";
	assert_int_equal(hv_config_parse_string("t.conf", text, &s), 0);
	assert_int_equal(s.hvo, 1);
	assert_int_equal(s.persist, 1);
	assert_int_equal(s.reoptimize, 0);
	assert_int_equal(s.bootloader, HV_BL_KERNEL_INSTALL);
	assert_int_equal(s.batch, 32);
	assert_int_equal(s.npools, 3);
	assert_true(s.pools[0].size == G && s.pools[0].node == -1 && s.pools[0].count == 4);
	assert_true(s.pools[1].size == 2 * M && s.pools[1].node == 1 && s.pools[1].count == 16);
	assert_true(s.pools[2].size == 2 * M && s.pools[2].node == 0 && s.pools[2].count == 8);
}

static void expect_error(const char *text, const char *needle)
{
	struct hv_apply_settings s;
	hv_settings_init(&s);
	hv_clear_error();
	assert_int_not_equal(hv_config_parse_string("t.conf", text, &s), 0);
	const char *e = hv_last_error();
	assert_non_null(e);
	if (!strstr(e, needle))
		fail_msg("error '%s' lacks '%s'", e, needle);
}

static void test_errors_name_file_line_key(void **state)
{
	(void)state;
	expect_error("[apply]\nhvo = on\nbogus = 1\n", "t.conf:3: bogus: unknown key");
	expect_error("[apply]\nhvo = maybe\n", "t.conf:2: hvo: 'maybe' is not on or off");
	expect_error("[apply]\nhvo = on\nhvo = off\n", "t.conf:3: hvo: given twice");
	expect_error("[apply]\npages = 2M:1;reboot\n", "t.conf:2: pages:");
	expect_error("[apply]\npages = 2M:1 2M:3\n", "already given");
	expect_error("[apply]\nbatch = 0\n", "t.conf:2: batch:");
	expect_error("[apply]\nbootloader = lilo\n", "t.conf:2: bootloader:");
	expect_error("[aply]\nhvo = on\n", "t.conf:2: [aply]: unknown section");
	expect_error("hvo = on\n", "t.conf:1: hvo: key outside the [apply] section");
	expect_error("[apply]\nthis is not ini\n", "t.conf:2: syntax error");
	char longline[400];
	memset(longline, 'x', sizeof(longline));
	memcpy(longline, "[apply]\npages = ", 16);
	longline[sizeof(longline) - 1] = '\0';
	expect_error(longline, "t.conf:2: line longer than");
}

static void test_pages_values(void **state)
{
	(void)state;
	static const char *const bad[] = {"",	  "2M",	       "2M:",	"2M:-1",  "2M:1e3", "3M:1",	"2M:1@",
					  "2M:1@x", "2M:1@2000", ":4",	 "2M:1:2", "2M:$(id)", "2M:1 | x", "2M:9999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hv_apply_settings s;
		hv_settings_init(&s);
		if (hv_parse_pages("--pages", bad[i], &s, false) == 0)
			fail_msg("accepted '%s'", bad[i]);
	}
	/* changes are the command line's; sizes must be whole pages */
	static const char *const bad_rel[] = {"2M:+", "2M:+-1", "2M:--1", "2M:1.5M", "1G:1536M", "2M:+1.5M",
					      "2M:5X", "2M:+5G@", "2M:9999999999999G"};
	for (size_t i = 0; i < sizeof(bad_rel) / sizeof(bad_rel[0]); i++) {
		struct hv_apply_settings s;
		hv_settings_init(&s);
		if (hv_parse_pages("--pages", bad_rel[i], &s, true) == 0)
			fail_msg("accepted '%s'", bad_rel[i]);
	}
	struct hv_apply_settings s;
	hv_settings_init(&s);
	assert_int_equal(hv_parse_pages("--pages", "1G:64,2M:1024@1 2048kB:2@0", &s, false), 0);
	assert_int_equal(s.npools, 3);
	assert_true(s.pools[2].size == 2 * M && s.pools[2].node == 0);
	hv_settings_init(&s);
	assert_int_equal(hv_parse_pages("--pages", "1G:64G,2M:+512@1 2M:-1G@0 64K:+2M", &s, true), 0);
	assert_int_equal(s.npools, 4);
	assert_true(s.pools[0].count == 64 && !s.pools[0].relative);
	assert_true(s.pools[1].count == 512 && s.pools[1].relative && s.pools[1].node == 1);
	assert_true(s.pools[2].count == -512 && s.pools[2].relative);
	assert_true(s.pools[3].count == 32 && s.pools[3].relative);
	assert_string_equal(s.pools[2].amount, "-1G");
	/* a file or the environment would change the pool again on every run */
	hv_settings_init(&s);
	assert_true(hv_parse_pages("pages", "2M:+8", &s, false) < 0);
	assert_non_null(strstr(hv_last_error(), "only --pages takes a change"));
}

static void test_overcommit_values(void **state)
{
	(void)state;
	struct hv_apply_settings s;
	hv_settings_init(&s);
	assert_int_equal(hv_parse_overcommit("--overcommit", "2M:512,1G:4G 64K:+2M", &s, true), 0);
	assert_int_equal(s.novercommit, 3);
	assert_int_equal(s.npools, 0);
	assert_true(s.overcommit[0].size == 2 * M && s.overcommit[0].count == 512 && s.overcommit[0].node == -1);
	assert_true(s.overcommit[1].size == G && s.overcommit[1].count == 4 && !s.overcommit[1].relative);
	assert_true(s.overcommit[2].count == 32 && s.overcommit[2].relative);
	/* one limit per size: a node is refused, and says why */
	hv_settings_init(&s);
	assert_true(hv_parse_overcommit("--overcommit", "2M:8@1", &s, true) < 0);
	assert_non_null(strstr(hv_last_error(), "one overcommit limit per hugepage size"));
	hv_settings_init(&s);
	assert_true(hv_parse_overcommit("--overcommit", "2M:8 2M:9", &s, true) < 0);
	assert_non_null(strstr(hv_last_error(), "names a size already given"));
	hv_settings_init(&s);
	assert_true(hv_parse_overcommit("overcommit", "2M:+8", &s, false) < 0);
	assert_non_null(strstr(hv_last_error(), "only --overcommit takes a change"));
	hv_settings_init(&s);
	assert_true(hv_parse_overcommit("--overcommit", "", &s, true) < 0);
	assert_true(hv_parse_overcommit("--overcommit", "2M", &s, true) < 0);
	assert_non_null(strstr(hv_last_error(), "SIZE:AMOUNT, AMOUNT a page count"));
	/* the file, the environment and the command line layer per size */
	struct hv_apply_settings file, cli;
	hv_settings_init(&file);
	hv_settings_init(&cli);
	assert_int_equal(hv_config_parse_string("t.conf", "[apply]\novercommit = 2M:8 1G:1\novercommit = 64K:3\n", &file),
			 0);
	assert_int_equal(file.novercommit, 3);
	assert_string_equal(file.overcommit[2].from, "t.conf: overcommit");
	assert_int_equal(hv_parse_overcommit("--overcommit", "2M:+4", &cli, true), 0);
	hv_settings_merge(&file, &cli);
	assert_int_equal(file.novercommit, 3);
	assert_true(file.overcommit[2].size == 2 * M && file.overcommit[2].relative && file.overcommit[2].count == 4);
	hv_settings_init(&file);
	assert_true(hv_config_parse_string("t.conf", "[apply]\novercommit = 2M:8@0\n", &file) < 0);
}

static void test_precedence(void **state)
{
	(void)state;
	struct hv_apply_settings file, env, cli;
	hv_settings_init(&file);
	hv_settings_init(&env);
	hv_settings_init(&cli);
	assert_int_equal(hv_config_parse_string("t.conf", "[apply]\nhvo = off\npages = 2M:8@0 2M:8@1 1G:2\nbatch = 5\n",
						&file), 0);
	setenv("HVOPLAN_HVO", "on", 1);
	setenv("HVOPLAN_PAGES", "1G:4", 1);
	assert_int_equal(hv_settings_from_env(&env), 0);
	unsetenv("HVOPLAN_HVO");
	unsetenv("HVOPLAN_PAGES");
	assert_int_equal(hv_parse_pages("--pages", "2M:100", &cli, true), 0);
	hv_settings_merge(&file, &env);
	hv_settings_merge(&file, &cli);
	assert_int_equal(file.hvo, 1);	/* env over file */
	assert_int_equal(file.batch, 5); /* file kept */
	assert_int_equal(file.npools, 2);
	for (int i = 0; i < file.npools; i++) {
		if (file.pools[i].size == G)
			assert_int_equal(file.pools[i].count, 4); /* env over file */
		else
			assert_true(file.pools[i].count == 100 && file.pools[i].node == -1); /* cli replaced both nodes */
	}
	setenv("HVOPLAN_BOOTLOADER", "grub;x", 1);
	hv_settings_init(&env);
	assert_int_not_equal(hv_settings_from_env(&env), 0);
	assert_non_null(strstr(hv_last_error(), "HVOPLAN_BOOTLOADER"));
	unsetenv("HVOPLAN_BOOTLOADER");
}

static void test_missing_files(void **state)
{
	(void)state;
	struct hv_apply_settings s;
	hv_settings_init(&s);
	assert_int_equal(hv_config_load("/nonexistent/hvoplan.conf", false, &s), 0);
	assert_int_not_equal(hv_config_load("/nonexistent/hvoplan.conf", true, &s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_keys),	 cmocka_unit_test(test_errors_name_file_line_key),
		cmocka_unit_test(test_pages_values),	 cmocka_unit_test(test_overcommit_values),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_missing_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
