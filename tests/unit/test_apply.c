/* SPDX-License-Identifier: GPL-2.0-or-later */
/* apply's pure parts: boot parameters, conflict removal on command lines
 * and GRUB files, the unified diff, desired-state checks and the planner on
 * synthetic hosts. */
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

#define M (1024ull * 1024)
#define G (1024ull * M)

static struct hv_desired desired(int hvo, const char *pages)
{
	struct hv_apply_settings s;
	hv_settings_init(&s);
	if (pages)
		assert_int_equal(hv_parse_pages("t", pages, &s, true), 0);
	struct hv_desired d;
	memset(&d, 0, sizeof(d));
	d.hvo = hvo;
	d.npools = s.npools;
	memcpy(d.pools, s.pools, sizeof(s.pools));
	return d;
}

static void test_bootparams(void **state)
{
	(void)state;
	char out[512];
	bool dropped;
	struct hv_desired d = desired(1, "2M:8@1 2M:4@0 1G:2");
	assert_int_equal(hv_bootparams(&d, 6, 18, out, sizeof(out), &dropped), 0);
	assert_string_equal(out, "hugetlb_free_vmemmap=on hugepagesz=2M hugepages=0:4,1:8 hugepagesz=1G hugepages=2");
	assert_false(dropped);
	/* node form only from 5.16 */
	assert_int_equal(hv_bootparams(&d, 5, 15, out, sizeof(out), &dropped), 0);
	assert_string_equal(out, "hugetlb_free_vmemmap=on hugepagesz=2M hugepages=12 hugepagesz=1G hugepages=2");
	assert_true(dropped);
	d = desired(0, "2M:0");
	assert_int_equal(hv_bootparams(&d, 6, 1, out, sizeof(out), &dropped), 0);
	assert_string_equal(out, "hugetlb_free_vmemmap=off");
}

static void test_cmdline_filter(void **state)
{
	(void)state;
	char out[512], removed[512];
	struct hv_desired d = desired(1, "2M:8");
	removed[0] = '\0';
	int n = hv_cmdline_filter("root=/dev/sda hugetlb_free_vmemmap=off hugepagesz=1G hugepages=2 "
				  "hugepagesz=2M hugepages=0:1,1:1 sysctl.vm.hugetlb_optimize_vmemmap=0 quiet",
				  &d, 2 * M, out, sizeof(out), removed, sizeof(removed));
	assert_int_equal(n, 4);
	assert_string_equal(out, "root=/dev/sda hugepagesz=1G hugepages=2 quiet");
	assert_string_equal(removed, "hugetlb_free_vmemmap=off hugepagesz=2M hugepages=0:1,1:1 "
				     "sysctl.vm.hugetlb_optimize_vmemmap=0");
	/* a bare hugepages= means the default size; default_hugepagesz= is kept */
	removed[0] = '\0';
	n = hv_cmdline_filter("hugepages=100 quiet", &d, 2 * M, out, sizeof(out), removed, sizeof(removed));
	assert_int_equal(n, 1);
	assert_string_equal(out, "quiet");
	n = hv_cmdline_filter("default_hugepagesz=1G hugepages=4", &d, 2 * M, out, sizeof(out), NULL, 0);
	assert_int_equal(n, 0);
	assert_string_equal(out, "default_hugepagesz=1G hugepages=4");
	n = hv_cmdline_filter("default_hugepagesz=2M hugepages=4", &d, 0, out, sizeof(out), NULL, 0);
	assert_int_equal(n, 1);
	assert_string_equal(out, "default_hugepagesz=2M");
	/* the kernel's splitting: a quoted value is one parameter, '-' is '_',
	 * words after "--" are init's, a second hugepages= keeps the size */
	removed[0] = '\0';
	n = hv_cmdline_filter("foo=\"a hugepages=8 b\" hugetlb-free-vmemmap=off hugepagesz=1G hugepages=1 hugepages=2 "
			      "-- hugepages=9",
			      &d, 2 * M, out, sizeof(out), removed, sizeof(removed));
	assert_int_equal(n, 1);
	assert_string_equal(out, "foo=\"a hugepages=8 b\" hugepagesz=1G hugepages=1 hugepages=2 -- hugepages=9");
	assert_string_equal(removed, "hugetlb-free-vmemmap=off");
	/* next_arg() drops the closing quote of a quoted flag, and memparse()
	 * reads hugepagesz=: hex, octal, a lower-case unit and anything after
	 * the unit are the kernel's 1G and 2M; without digits it is 0, no size
	 * of ours, and the hugepages= after it (the kernel ignores) stays */
	removed[0] = '\0';
	n = hv_cmdline_filter("\"hugetlb_free_vmemmap\" hugepagesz=0x40000000 hugepages=1 hugepagesz=2m\"x\" hugepages=3 "
			      "\"hugepagesz=010000000\" hugepages=4 hugepagesz=2MB hugepages=5 hugepagesz=M hugepages=6",
			      &d, 2 * M, out, sizeof(out), removed, sizeof(removed));
	assert_int_equal(n, 7);
	assert_string_equal(out, "hugepagesz=0x40000000 hugepages=1 hugepagesz=M hugepages=6");
	assert_string_equal(removed, "\"hugetlb_free_vmemmap\" hugepagesz=2m\"x\" hugepages=3 \"hugepagesz=010000000\" "
				     "hugepages=4 hugepagesz=2MB hugepages=5");
	/* the kernel's isspace() takes Latin-1's no-break space for a blank */
	n = hv_cmdline_filter("ro\xa0hugepages=16", &d, 2 * M, out, sizeof(out), NULL, 0);
	assert_int_equal(n, 1);
	assert_string_equal(out, "ro");
	/* too small a buffer is an error, not a cut parameter */
	char small[8];
	assert_int_equal(hv_cmdline_filter("root=/dev/sda1 quiet", &d, 2 * M, small, sizeof(small), NULL, 0), -E2BIG);
	/* hvo not managed: its parameter stays */
	d = desired(-1, "1G:1");
	n = hv_cmdline_filter("hugetlb_free_vmemmap=on", &d, 2 * M, out, sizeof(out), NULL, 0);
	assert_int_equal(n, 0);
}

static void test_grub_filter(void **state)
{
	(void)state;
	struct hv_desired d = desired(1, "2M:8");
	char removed[512] = "";
	char *out = NULL;
	const char *in = "GRUB_DEFAULT=0\n"
			 "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet hugetlb_free_vmemmap=off\"\n"
			 "export GRUB_CMDLINE_LINUX='a=b hugepagesz=2M hugepages=3 c' # keep\n"
			 "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX splash\\\n"
			 "  more\"\n"
			 "GRUB_CMDLINE_LINUX=hugetlb_free_vmemmap=off; GRUB_X=1\n";
	assert_int_equal(hv_grub_file_filter("etc/default/grub", in, &d, 2 * M, removed, sizeof(removed), &out), 0);
	assert_non_null(out);
	assert_string_equal(out, "GRUB_DEFAULT=0\n"
				 "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
				 "export GRUB_CMDLINE_LINUX='a=b c' # keep\n"
				 "GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX splash\\\n" /* nothing of ours: left */
				 "  more\"\n"
				 "GRUB_CMDLINE_LINUX=; GRUB_X=1\n");
	assert_string_equal(removed, "hugetlb_free_vmemmap=off hugepagesz=2M hugepages=3 hugetlb_free_vmemmap=off");
	free(out);
	/* nothing to remove: same bytes */
	in = "GRUB_CMDLINE_LINUX=\"quiet\"";
	assert_int_equal(hv_grub_file_filter("etc/default/grub", in, &d, 2 * M, NULL, 0, &out), 0);
	assert_string_equal(out, in);
	free(out);
	/* a conflict apply cannot edit safely is refused, naming file and line */
	static const char *const refused[] = {
		"GRUB_CMDLINE_LINUX=hugepages=64\\ cmd\n",
		"GRUB_CMDLINE_LINUX=hugepages=64\" quiet\"\n",
		"GRUB_CMDLINE_LINUX=hugetlb_free_vmemmap=off' quiet'\n",
		"GRUB_CMDLINE_LINUX=\"${EXTRA:- hugepages=64}\"\n",
		"GRUB_CMDLINE_LINUX=\"quiet \\\"x\\\" hugepages=64\"\n",
		"GRUB_CMDLINE_LINUX=\"quiet\n hugepages=64\"\n",
		"if true; then\n GRUB_CMDLINE_LINUX=\"hugepages=64\"\nfi\n",
		"GRUB_CMDLINE_LINUX=$'hugepages=64'\n",
		"GRUB_CMDLINE_LINUX=\"$GRUB_CMDLINE_LINUX hugepages=64\"\n",
		"[ -e /x ] && GRUB_CMDLINE_LINUX=\"hugepages=64\"\n",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char text[256];
		snprintf(text, sizeof(text), "# x\n%s", refused[i]);
		int rc = hv_grub_file_filter("etc/default/grub", text, &d, 2 * M, NULL, 0, &out);
		if (rc != -ENOTSUP)
			fail_msg("%s: %d", refused[i], rc);
		assert_null(out);
		char where[64];
		snprintf(where, sizeof(where), "/etc/default/grub:%d: ", strncmp(refused[i], "if", 2) ? 2 : 3);
		if (!strstr(hv_last_error(), where) || !strstr(hv_last_error(), "huge"))
			fail_msg("%s: %s", refused[i], hv_last_error());
	}
	char *t = hv_grub_dropin_text("hugetlb_free_vmemmap=on");
	assert_non_null(strstr(t, "GRUB_CMDLINE_LINUX=\"${GRUB_CMDLINE_LINUX:+$GRUB_CMDLINE_LINUX }hugetlb_free_vmemmap=on\"\n"));
	free(t);
}

static char *diff_of(const char *a, const char *b)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(hv_udiff(f, a ? "a/x" : "/dev/null", a, a ? strlen(a) : 0, b ? "b/x" : "/dev/null", b,
				  b ? strlen(b) : 0),
			 0);
	fclose(f);
	return buf;
}

/* A GRUB_CMDLINE_* assignment after another statement on its line is
 * edited only when that statement is one literal assignment: anything else
 * (an expansion, an escape, a command, two words) may change how the shell
 * splits the rest of the line. (Found by fuzz_grub_filter.) */
static void test_grub_filter_shared_line(void **state)
{
	(void)state;
	struct hv_desired d = desired(1, "2M:8");
	char removed[512] = "";
	char *out = NULL;
	assert_int_equal(hv_grub_file_filter("etc/default/grub", "A=\"x y\"; GRUB_CMDLINE_LINUX=\"hugepages=3 q\"\n", &d,
					     2 * M, removed, sizeof(removed), &out),
			 0);
	assert_string_equal(out, "A=\"x y\"; GRUB_CMDLINE_LINUX=\"q\"\n");
	free(out);
	const char *opaque[] = {
		"A=$x; GRUB_CMDLINE_LINUX=\"hugepages=3 q\"\n",
		"A=\"a\\f\";GRUB_CMDLINE_LINUX=\"hugepages=3\"\n",
		"A=1 B=2;GRUB_CMDLINE_LINUX=\"hugepages=3\"\n",
		"true;GRUB_CMDLINE_LINUX=\"hugepages=3\"\n",
		"A=\"it's\";GRUB_CMDLINE_LINUX=\"hugepages=3\"\n",
		"A=\"a\nb\";GRUB_CMDLINE_LINUX=\"hugepages=3\"\n",
	};
	for (size_t i = 0; i < sizeof(opaque) / sizeof(opaque[0]); i++) {
		out = NULL;
		assert_int_equal(hv_grub_file_filter("etc/default/grub", opaque[i], &d, 2 * M, removed, sizeof(removed),
						     &out),
				 -ENOTSUP);
		assert_null(out);
		assert_non_null(strstr(hv_last_error(), "/etc/default/grub:"));
	}
}

static void test_udiff(void **state)
{
	(void)state;
	char *d = diff_of("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n");
	assert_string_equal(d, "--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
	free(d);
	d = diff_of(NULL, "new\n");
	assert_string_equal(d, "--- /dev/null\n+++ b/x\n@@ -0,0 +1,1 @@\n+new\n");
	free(d);
	d = diff_of("old", NULL);
	assert_string_equal(d, "--- a/x\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-old\n\\ No newline at end of file\n");
	free(d);
	/* two distant changes: two hunks */
	d = diff_of("a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n", "A\nb\nc\nd\ne\nf\ng\nh\ni\nJ\n");
	assert_string_equal(d, "--- a/x\n+++ b/x\n@@ -1,4 +1,4 @@\n-a\n+A\n b\n c\n d\n"
			       "@@ -7,4 +7,4 @@\n g\n h\n i\n-j\n+J\n");
	free(d);
}

static void host(struct hv_host *h, struct hv_report *r)
{
	memset(h, 0, sizeof(*h));
	memset(r, 0, sizeof(*r));
	snprintf(h->release, sizeof(h->release), "6.18.0");
	h->kver_major = 6;
	h->kver_minor = 18;
	h->sysctl_hvo = 0;
	h->meminfo.mem_total_kib = 64ll << 20; /* 64 GiB */
	h->meminfo.hugepagesize_kib = 2048;
	h->nhstates = 2;
	h->hstates[0] = (struct hv_hstate){.size = 2 * M, .nr = 10, .free = 6, .nnodes = 2};
	h->hstates[0].nodes[0] = (struct hv_hstate_node){.node = 0, .nr = 5, .free = 3};
	h->hstates[0].nodes[1] = (struct hv_hstate_node){.node = 1, .nr = 5, .free = 3};
	h->hstates[1] = (struct hv_hstate){.size = G, .nnodes = 2};
	h->hstates[1].nodes[0].node = 0;
	h->hstates[1].nodes[1].node = 1;
	r->hvo_compiled = HV_YES;
	r->nhstates = 2;
	r->hstates[0] = (struct hv_hstate_result){.size = 2 * M, .name = "2M", .nr = 10, .free = 6,
						  .optimizable_bytes_per_page = 28672, .unoptimized_pages = 10};
	r->hstates[1] = (struct hv_hstate_result){.size = G, .name = "1G", .optimizable_bytes_per_page = 16380 * 1024};
}

static void test_desired_checks(void **state)
{
	(void)state;
	struct hv_host *h = calloc(1, sizeof(*h));
	struct hv_report *r = calloc(1, sizeof(*r));
	host(h, r);
	struct hv_apply_settings s;
	struct hv_desired d;
	static const struct {
		const char *pages;
		int hvo, reopt, err;
	} cases[] = {
		{"2M:8", 1, 0, 0},	   {"1G:1@1", -1, 0, 0},	{"16M:1", -1, 0, -EINVAL},
		{"2M:1@7", -1, 0, -EINVAL}, {"1G:65", -1, 0, -EINVAL}, {"2M:1 2M:1@0", -1, 0, -EINVAL},
		{NULL, -1, 1, -EINVAL}, /* reoptimize with HVO off */
		{NULL, 1, 1, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hv_settings_init(&s);
		if (cases[i].pages)
			assert_int_equal(hv_parse_pages("t", cases[i].pages, &s, true), 0);
		s.hvo = cases[i].hvo;
		s.reoptimize = cases[i].reopt;
		int rc = hv_desired_from_settings(&s, h, r, &d);
		if (rc != cases[i].err)
			fail_msg("case %zu: %d (%s)", i, rc, hv_last_error() ? hv_last_error() : "");
	}
	/* HVO not built: environment error */
	r->hvo_compiled = HV_NO;
	hv_settings_init(&s);
	s.hvo = 1;
	assert_int_equal(hv_desired_from_settings(&s, h, r, &d), -ENOTSUP);
	r->hvo_compiled = HV_YES;
	h->sysctl_hvo = HV_UNKNOWN;
	assert_int_equal(hv_desired_from_settings(&s, h, r, &d), -ENOTSUP);
	free(h);
	free(r);
}

static void test_plan(void **state)
{
	(void)state;
	struct hv_host *h = calloc(1, sizeof(*h));
	struct hv_report *r = calloc(1, sizeof(*r));
	struct hv_actions *p = calloc(1, sizeof(*p));
	struct hv_apply_inputs in;
	memset(&in, 0, sizeof(in));
	snprintf(in.sysctl_dropin.rel, sizeof(in.sysctl_dropin.rel), HV_SYSCTL_DROPIN);
	snprintf(in.grub_dropin.rel, sizeof(in.grub_dropin.rel), HV_GRUB_DROPIN);
	snprintf(in.grub_main.rel, sizeof(in.grub_main.rel), HV_GRUB_MAIN);
	in.grub_main.exists = true;
	in.grub_main.data = strdup("GRUB_CMDLINE_LINUX=\"quiet hugepages=3\"\n");
	in.grub_main.len = strlen(in.grub_main.data);
	in.grub_main.mode = 0644;
	snprintf(in.update_grub, sizeof(in.update_grub), "usr/sbin/update-grub");
	in.detected = HV_BL_GRUB;
	host(h, r);

	struct hv_desired d = desired(1, "2M:7@0 2M:5@1");
	d.reoptimize = true;
	d.persist = true;
	assert_int_equal(hv_actions_build(&d, h, r, &in, p), 0);
	/* sysctl drop-in, grub, grub drop-in, update-grub, sysctl, 2 x reoptimize, pool node 0 */
	assert_int_equal(p->n, 8);
	assert_int_equal(p->a[0].kind, HV_ACT_FILE);
	assert_string_equal(p->a[1].rel, HV_GRUB_MAIN);
	assert_string_equal(p->a[1].new_data, "GRUB_CMDLINE_LINUX=\"quiet\"\n");
	assert_string_equal(p->a[2].rel, HV_GRUB_DROPIN);
	assert_int_equal(p->a[3].kind, HV_ACT_EXEC);
	assert_string_equal(p->a[3].argv[0], "update-grub");
	assert_int_equal(p->a[4].kind, HV_ACT_SYSCTL);
	assert_int_equal(p->a[5].kind, HV_ACT_REOPTIMIZE);
	assert_int_equal(p->a[5].count, 3);
	assert_int_equal(p->a[5].node, 0);
	assert_int_equal(p->a[5].batch, 512);
	assert_int_equal(p->a[7].kind, HV_ACT_POOL);
	assert_string_equal(p->a[7].rel, "sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages");
	assert_int_equal(p->a[7].from, 5);
	assert_int_equal(p->a[7].to, 7);
	assert_string_equal(p->bootparams, "hugetlb_free_vmemmap=on hugepagesz=2M hugepages=0:7,1:5");
	assert_false(p->gigantic_release);
	hv_actions_free(p);

	/* already there: nothing to do */
	h->sysctl_hvo = 1;
	d = desired(1, "2M:5@1");
	assert_int_equal(hv_actions_build(&d, h, r, &in, p), 0);
	assert_int_equal(p->n, 0);
	hv_actions_free(p);
	free(in.grub_main.data);
	free(h);
	free(r);
	free(p);
}

static void file_set(struct hv_file *f, const char *rel, const char *data)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->rel, sizeof(f->rel), "%s", rel);
	f->exists = data != NULL;
	f->data = data ? strdup(data) : NULL;
	f->len = data ? strlen(data) : 0;
	f->mode = 0644;
}

#define OC_LINE(kb, n) "w /sys/kernel/mm/hugepages/hugepages-" #kb "kB/nr_overcommit_hugepages - - - - " #n "\n"

static void test_overcommit(void **state)
{
	(void)state;
	struct hv_host *h = calloc(1, sizeof(*h));
	struct hv_report *r = calloc(1, sizeof(*r));
	struct hv_actions *p = calloc(1, sizeof(*p));
	host(h, r);
	h->hstates[0].overcommit = 4;
	h->hstates[0].surplus = 3;
	h->hstates[1].overcommit = 0;

	/* a change is made to the limit as found; below none is refused */
	struct hv_apply_settings s;
	struct hv_desired d;
	hv_settings_init(&s);
	assert_int_equal(hv_parse_overcommit("--overcommit", "2M:-2 1G:2G", &s, true), 0);
	assert_int_equal(hv_desired_from_settings(&s, h, r, &d), 0);
	assert_int_equal(d.novercommit, 2);
	assert_true(d.overcommit[0].count == 2 && !d.overcommit[0].relative);
	assert_int_equal(d.overcommit[1].count, 2);
	hv_settings_init(&s);
	assert_int_equal(hv_parse_overcommit("--overcommit", "2M:-5", &s, true), 0);
	assert_int_equal(hv_desired_from_settings(&s, h, r, &d), -EINVAL);
	assert_non_null(strstr(hv_last_error(), "limit is 4: it cannot go down by 5"));
	hv_settings_init(&s);
	assert_int_equal(hv_parse_overcommit("--overcommit", "16M:1", &s, true), 0);
	assert_int_equal(hv_desired_from_settings(&s, h, r, &d), -EINVAL);

	/* the steps: 2M 4 -> 2 (below the 3 surplus in use: a note), 1G 0 -> 2;
	 * persisted as tmpfiles.d lines, keeping a size not named */
	struct hv_apply_inputs in;
	memset(&in, 0, sizeof(in));
	file_set(&in.sysctl_dropin, HV_SYSCTL_DROPIN, NULL);
	file_set(&in.tmpfiles_dropin, HV_TMPFILES_DROPIN, "# ours\n" OC_LINE(64, 9) OC_LINE(2048, 4));
	hv_overcommit_writers("etc/sysctl.d/50-x.conf", "# x\n; y\nvm.swappiness=1\n -vm/nr_overcommit_hugepages = 7 \n",
			      true, in.oc_writers, &in.noc_writers, HV_MAX_OC_WRITERS);
	hv_overcommit_writers("usr/lib/tmpfiles.d/a.conf",
			      "w- /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_overcommit_hugepages - - - - 1\n"
			      "w /sys/kernel/mm/hugepages/hugepages-*/nr_overcommit_hugepages - - - - 5\n"
			      "f /tmp/x 0644 - - - nr_overcommit_hugepages\n",
			      false, in.oc_writers, &in.noc_writers, HV_MAX_OC_WRITERS);
	assert_int_equal(in.noc_writers, 3);
	assert_string_equal(in.oc_writers[0].where, "/etc/sysctl.d/50-x.conf:4");
	assert_true(in.oc_writers[0].size == 0);
	assert_string_equal(in.oc_writers[0].value, "7");
	assert_true(in.oc_writers[1].size == G);
	assert_true(in.oc_writers[2].size == UINT64_MAX);
	assert_true(in.oc_writers[0].sysctl && !in.oc_writers[1].sysctl);
	/* "a.conf" sorts after "90-hvoplan.conf": the exact line is ignored, the glob wins */
	assert_true(in.oc_writers[1].exact && !in.oc_writers[1].before_ours);
	assert_true(!in.oc_writers[2].exact && !in.oc_writers[2].before_ours);
	hv_overcommit_writers("usr/lib/tmpfiles.d/00-early.conf",
			      "w /sys/kernel/mm/hugepages/hugepages-002048kB/nr_overcommit_hugepages - - - - 1\n", false,
			      in.oc_writers, &in.noc_writers, HV_MAX_OC_WRITERS);
	assert_true(in.oc_writers[3].size == 2 * M && !in.oc_writers[3].exact && in.oc_writers[3].before_ours);
	in.noc_writers = 3;
	hv_settings_init(&s);
	assert_int_equal(hv_parse_overcommit("--overcommit", "2M:-2 1G:2", &s, true), 0);
	assert_int_equal(hv_desired_from_settings(&s, h, r, &d), 0);
	d.persist = true;
	assert_int_equal(hv_actions_build(&d, h, r, &in, p), 0);
	assert_int_equal(p->n, 3);
	assert_int_equal(p->a[0].kind, HV_ACT_FILE);
	assert_string_equal(p->a[0].new_data, "# Written by `hvoplan apply --overcommit ... --persist`; `hvoplan apply --revert`\n"
					      "# undoes it. systemd-tmpfiles writes each hugepage size's overcommit limit\n"
					      "# (surplus pages the kernel may allocate beyond the pool) at boot.\n" OC_LINE(64, 9)
						      OC_LINE(2048, 2) OC_LINE(1048576, 2));
	assert_int_equal(p->a[1].kind, HV_ACT_OVERCOMMIT);
	assert_string_equal(p->a[1].rel, "sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages");
	assert_true(p->a[1].from == 4 && p->a[1].to == 2);
	assert_int_equal(p->a[2].to, 2);
	assert_string_equal(hv_act_kind_name(p->a[2].kind), "overcommit");
	assert_int_equal(hv_value_kind(p->a[2].rel), HV_ACT_OVERCOMMIT);
	/* notes: the surplus in use, the default size's sysctl, the 1G line and the glob (once each) */
	int surplus = 0, sysctl = 0, other = 0, glob = 0, dup = 0;
	for (int i = 0; i < p->nnotes; i++) {
		surplus += strstr(p->notes[i], "3 surplus pages are in use, more than the new limit of 2") != NULL;
		sysctl += strstr(p->notes[i], "/etc/sysctl.d/50-x.conf:4 also sets the 2M overcommit limit") != NULL;
		other += strstr(p->notes[i], "/usr/lib/tmpfiles.d/a.conf:") != NULL;
		glob += strstr(p->notes[i], "a.conf:2 also sets the 2M overcommit limit at boot, to '5' (its path names "
					    "several sizes): systemd-tmpfiles writes it after hvoplan's line") != NULL;
		dup += strstr(p->notes[i], "a.conf:1 also sets the 1G overcommit limit at boot, to '1': systemd-tmpfiles "
					   "keeps hvoplan's line") != NULL;
	}
	assert_int_equal(glob, 1);
	assert_int_equal(dup, 1);
	assert_int_equal(surplus, 1);
	assert_int_equal(sysctl, 1);
	assert_int_equal(other, 2);
	hv_actions_free(p);

	/* 0 is the kernel's default: its line goes, and with no line left the file */
	free(in.tmpfiles_dropin.data);
	file_set(&in.tmpfiles_dropin, HV_TMPFILES_DROPIN, OC_LINE(2048, 4));
	in.noc_writers = 0;
	hv_settings_init(&s);
	assert_int_equal(hv_parse_overcommit("--overcommit", "2M:0", &s, true), 0);
	assert_int_equal(hv_desired_from_settings(&s, h, r, &d), 0);
	d.persist = true;
	assert_int_equal(hv_actions_build(&d, h, r, &in, p), 0);
	assert_int_equal(p->n, 2);
	assert_true(p->a[0].kind == HV_ACT_FILE && p->a[0].remove);
	hv_actions_free(p);

	/* the file is hvoplan's own: a line it does not write is refused, by line */
	static const char *const foreign[] = {
		OC_LINE(2048, 4) "w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages - - - - 4\n",
		OC_LINE(2048, 4) OC_LINE(2048, 5),
		"w  /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 4\n",
		"w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - +4\n",
		"w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 4 \n",
		"w /sys/kernel/mm/hugepages/hugepages-0kB/nr_overcommit_hugepages - - - - 4\n",
	};
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		char *t = NULL;
		free(in.tmpfiles_dropin.data);
		file_set(&in.tmpfiles_dropin, HV_TMPFILES_DROPIN, foreign[i]);
		if (hv_tmpfiles_text(&in.tmpfiles_dropin, &d, &t) != -ENOTSUP)
			fail_msg("case %zu accepted", i);
		assert_null(t);
	}
	assert_non_null(strstr(hv_last_error(), "/etc/tmpfiles.d/90-hvoplan.conf:1:"));
	free(in.tmpfiles_dropin.data);
	free(h);
	free(r);
	free(p);
}

static void test_rel_ok(void **state)
{
	(void)state;
	assert_true(hv_rel_ok("etc/default/grub.d/90-hvoplan.cfg"));
	assert_false(hv_rel_ok("/etc/passwd"));
	assert_false(hv_rel_ok("etc/../etc/passwd"));
	assert_false(hv_rel_ok("etc//x"));
	assert_false(hv_rel_ok("etc/x y"));
	assert_false(hv_rel_ok("etc/x\n"));
	assert_false(hv_rel_ok(""));
}

static bool has_note(const struct hv_actions *p, const char *needle)
{
	for (int i = 0; i < p->nnotes; i++)
		if (strstr(p->notes[i], needle))
			return true;
	return false;
}

/* Pools with reservations, pages in use and surplus pages (issue 11). */
static void test_plan_pool_in_use(void **state)
{
	(void)state;
	struct hv_host *h = calloc(1, sizeof(*h));
	struct hv_report *r = calloc(1, sizeof(*r));
	struct hv_actions *p = calloc(1, sizeof(*p));
	struct hv_apply_inputs in;
	memset(&in, 0, sizeof(in));
	host(h, r);
	h->sysctl_hvo = 1;
	r->page_size = 4096;
	/* 512 stale pages, 100 of them reserved by an untouched mapping */
	h->hstates[0] = (struct hv_hstate){.size = 2 * M, .nr = 512, .free = 512, .resv = 100, .nnodes = 1};
	h->hstates[0].nodes[0] = (struct hv_hstate_node){.node = 0, .nr = 512, .free = 512};
	r->hstates[0].nr = r->hstates[0].free = 512;
	r->hstates[0].unoptimized_pages = 512;
	struct hv_desired d = desired(-1, NULL);
	d.reoptimize = true;
	assert_int_equal(hv_actions_build(&d, h, r, &in, p), 0);
	assert_int_equal(p->n, 1);
	assert_int_equal(p->a[0].kind, HV_ACT_REOPTIMIZE);
	assert_int_equal(p->a[0].count, 412);
	assert_int_equal(p->a[0].from, 512);
	assert_int_equal(p->a[0].left, 100);
	assert_non_null(strstr(p->a[0].text, "release 412 of its 512 free pages"));
	assert_non_null(strstr(p->a[0].text, "saves 2884 vmemmap pages"));
	assert_true(has_note(p, "100 un-optimized pages cannot be re-optimized now"));
	hv_actions_free(p);

	/* overcommit: 100 persistent + 40 surplus, all 140 reserved: nothing to release */
	h->hstates[0] = (struct hv_hstate){.size = 2 * M, .nr = 140, .free = 140, .resv = 140, .surplus = 40, .nnodes = 1};
	h->hstates[0].nodes[0] = (struct hv_hstate_node){.node = 0, .nr = 140, .free = 140, .surplus = 40};
	r->hstates[0].nr = r->hstates[0].free = 140;
	r->hstates[0].unoptimized_pages = 100;
	assert_int_equal(hv_actions_build(&d, h, r, &in, p), 0);
	assert_int_equal(p->n, 0);
	assert_true(has_note(p, "100 un-optimized pages cannot be re-optimized now"));
	hv_actions_free(p);

	/* --pages compares persistent pages: 2M:100 with 40 surplus is a no-op */
	d = desired(-1, "2M:100");
	assert_int_equal(hv_actions_build(&d, h, r, &in, p), 0);
	assert_int_equal(p->n, 0);
	hv_actions_free(p);
	d = desired(-1, "2M:50");
	assert_int_equal(hv_actions_build(&d, h, r, &in, p), 0);
	assert_int_equal(p->n, 1);
	assert_int_equal(p->a[0].from, 100);
	assert_int_equal(p->a[0].to, 50);
	assert_true(has_note(p, "leaves 90 as surplus pages"));
	hv_actions_free(p);

	/* growing with HVO off: the new pages are not optimized, now or at boot */
	h->sysctl_hvo = 0;
	d = desired(-1, "2M:108");
	d.persist = true;
	snprintf(in.sysctl_dropin.rel, sizeof(in.sysctl_dropin.rel), HV_SYSCTL_DROPIN);
	assert_int_equal(hv_actions_build(&d, h, r, &in, p), 0);
	assert_true(has_note(p, "the 8 new 2M pages will not be optimized"));
	assert_true(has_note(p, "the boot pools (2M:108) will not be optimized at boot"));
	hv_actions_free(p);
	d = desired(1, "2M:108");
	assert_int_equal(hv_actions_build(&d, h, r, &in, p), 0);
	assert_false(has_note(p, "will not be optimized"));
	hv_actions_free(p);
	free(h);
	free(r);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bootparams), cmocka_unit_test(test_cmdline_filter),
		cmocka_unit_test(test_grub_filter), cmocka_unit_test(test_grub_filter_shared_line),
		cmocka_unit_test(test_udiff),
		cmocka_unit_test(test_desired_checks), cmocka_unit_test(test_plan), cmocka_unit_test(test_plan_pool_in_use),
		cmocka_unit_test(test_rel_ok), cmocka_unit_test(test_overcommit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
