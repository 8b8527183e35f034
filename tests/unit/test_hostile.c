/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Odd files and strings on the read side: hv_root_read_small's buffer on
 * errors, FIFOs and devices refused without blocking, the sanitizer every
 * snapshot string passes before a terminal, the --root-only environment
 * variables, and removal of a private tar extraction. Real files in a
 * temporary directory; no mocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"
#include "hv_error.h"
#include "probe.h"
#include "snapshot.h"

static char dir[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/hvoplan-unit-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* The snapshot collector went on after EFBIG with an unterminated buffer
 * (a stack over-read under ASan): the buffer must be a string on error. */
static void test_read_small_terminates_on_error(void **state)
{
	(void)state;
	char big[301];
	memset(big, 'a', 300);
	big[300] = '\0';
	put("osrelease", big);
	struct hv_root r;
	assert_int_equal(hv_root_open(&r, dir), 0);
	char buf[200];
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(hv_root_read_small(&r, "osrelease", buf, sizeof(buf)), -EFBIG);
	assert_int_equal(buf[0], '\0');
	assert_non_null(strstr(hv_last_error(), "osrelease: value longer than 199 bytes"));
	/* exactly cap - 1 bytes still fit */
	big[199] = '\0';
	put("osrelease", big);
	assert_int_equal(hv_root_read_small(&r, "osrelease", buf, sizeof(buf)), 0);
	assert_int_equal(strlen(buf), 199);
	hv_root_close(&r);
}

static void test_fifo_and_device_refused(void **state)
{
	(void)state;
	char p[PATH_MAX + 64];
	snprintf(p, sizeof(p), "%s/fifo", dir);
	assert_int_equal(mkfifo(p, 0644), 0);
	mkdir(strcat(strcpy(p, dir), "/adir"), 0755);
	struct hv_root r;
	assert_int_equal(hv_root_open(&r, dir), 0);
	char buf[64], *big;
	size_t len;
	/* a FIFO without a writer would block both calls forever */
	assert_int_equal(hv_root_read_small(&r, "fifo", buf, sizeof(buf)), -HV_ENOTREG);
	assert_non_null(strstr(hv_last_error(), "/fifo: not a regular file (a FIFO)"));
	assert_int_equal(hv_root_read(&r, "fifo", 1 << 20, &big, &len), -HV_ENOTREG);
	assert_int_equal(hv_root_read(&r, "adir", 1 << 20, &big, &len), -HV_ENOTREG);
	assert_non_null(strstr(hv_last_error(), "(a directory)"));
	assert_int_equal(hv_root_open_file(&r, "missing"), -ENOENT);
	hv_root_close(&r);
}

static void test_sanitize(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain text", "plain text"},
		{"a\x1b]0;pwned\x07z", "a?]0;pwned?z"},
		{"csi\x1b[2J", "csi?[2J"},
		{"tab\tnl\ncr\r", "tab?nl?cr?"},
		{"del\x7f", "del?"},
		{"c1 \xc2\x9b" "31m", "c1 ??31m"},		  /* U+009B CSI as UTF-8 */
		{"raw \x9b" "31m", "raw ?31m"},			  /* 8-bit CSI */
		{"caf\xc3\xa9 \xe2\x94\x9c \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x94\x9c \xf0\x9f\x98\x80"}, /* UTF-8 kept */
		{"nbsp\xc2\xa0", "nbsp\xc2\xa0"},
		{"cut \xe2\x94", "cut ??"},
		{"overlong \xc0\xaf \xe0\x80\xaf", "overlong ?? ???"},
		{"surrogate \xed\xa0\x80", "surrogate ???"},
		{"big \xf5\x80\x80\x80", "big ????"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char b[128];
		snprintf(b, sizeof(b), "%s", cases[i].in);
		hv_sanitize(b);
		assert_string_equal(b, cases[i].out);
	}
	/* errors and notes pass through it */
	hv_fail(EINVAL, "member '%s'", "x\x1b[31m");
	assert_string_equal(hv_last_error(), "member 'x?[31m'");
	hv_notes_clear();
	hv_note("model %s", "EVIL\x1b]0;t\x07");
	assert_string_equal(hv_note_get(0), "model EVIL?]0;t?");
	hv_notes_clear();
}

static void test_tree_env_only_under_root(void **state)
{
	(void)state;
	setenv("HVOPLAN_TOOL_DIR", "/tmp/fakes", 1);
	char *msg = NULL;
	size_t msglen = 0;
	FILE *warn = open_memstream(&msg, &msglen);
	assert_non_null(warn);
	assert_null(hv_tree_env("HVOPLAN_TOOL_DIR", true, warn));
	assert_string_equal(hv_tree_env("HVOPLAN_TOOL_DIR", false, warn), "/tmp/fakes");
	fclose(warn);
	assert_non_null(strstr(msg, "HVOPLAN_TOOL_DIR is ignored on the live host"));
	free(msg);
	setenv("HVOPLAN_TOOL_DIR", "", 1);
	assert_null(hv_tree_env("HVOPLAN_TOOL_DIR", false, NULL));
	unsetenv("HVOPLAN_TOOL_DIR");
	assert_null(hv_tree_env("HVOPLAN_TOOL_DIR", false, NULL));
}

/* A ustar header for name (type '0' file of len bytes, or '5' directory). */
static void header(char h[512], const char *name, char type, size_t len)
{
	memset(h, 0, 512);
	snprintf(h, 100, "%s", name);
	snprintf(h + 100, 8, "%07o", 0644);
	snprintf(h + 124, 12, "%011zo", len);
	snprintf(h + 136, 12, "%011o", 0);
	h[156] = type;
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (int i = 0; i < 512; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
}

/* A deep tree (deeper than the descriptors left) is still removed: removal
 * holds one descriptor at a time. */
static void test_untar_remove_deep_tree_without_descriptors(void **state)
{
	(void)state;
	char tar[PATH_MAX + 16], name[100], h[512], zero[1024] = {0};
	snprintf(tar, sizeof(tar), "%s/deep.tar", dir);
	FILE *f = fopen(tar, "w");
	assert_non_null(f);
	/* 30 levels of directories, a file in each */
	size_t n = 0;
	name[0] = '\0';
	for (int i = 0; i < 30; i++) {
		n += (size_t)snprintf(name + n, sizeof(name) - n, "%sd", i ? "/" : "");
		header(h, name, '5', 0);
		fwrite(h, 1, 512, f);
		char file[110];
		snprintf(file, sizeof(file), "%s/f", name);
		header(h, file, '0', 0);
		fwrite(h, 1, 512, f);
	}
	fwrite(zero, 1, sizeof(zero), f);
	fclose(f);
	setenv("TMPDIR", dir, 1);
	char out[PATH_MAX];
	assert_int_equal(hv_snapshot_untar(tar, out, sizeof(out)), 0);
	unsetenv("TMPDIR");
	struct stat st;
	char deepest[PATH_MAX + 128];
	snprintf(deepest, sizeof(deepest), "%s/%s/f", out, name);
	assert_int_equal(stat(deepest, &st), 0);
	/* use up every descriptor but the one hv_snapshot_untar kept */
	struct rlimit old, low;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 256;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	int fds[256], nfds = 0;
	while (nfds < 256 && (fds[nfds] = open("/", O_PATH | O_CLOEXEC)) >= 0)
		nfds++;
	assert_int_equal(errno, EMFILE);
	hv_snapshot_untar_remove(out);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(lstat(out, &st), -1);
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_small_terminates_on_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_and_device_refused, setup, teardown),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_tree_env_only_under_root),
		cmocka_unit_test_setup_teardown(test_untar_remove_deep_tree_without_descriptors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
