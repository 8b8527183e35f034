/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan verify: the boot configuration parsers on real output of
 * grub-mkconfig and kernel-install (tests/fixtures/boot, SOURCE there),
 * sysctl.d and tmpfiles.d lines, and the model's checks. */
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

#include "hv_error.h"
#include "model.h"
#include "parse.h"
#include "verify.h"

#define FIX "tests/fixtures/boot/"
#define M2 (2ull << 20)
#define G1 (1ull << 30)


static void free_entries(struct hv_boot_entry *v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i].args);
}

static void test_grub_cfg(void **state)
{
	(void)state;
	size_t len;
	char *t = slurp_file(FIX "grub.cfg-debian12", &len);
	struct hv_boot_entry v[HV_MAX_BOOT_ENTRIES];
	int n = 0;
	char def[64];
	assert_int_equal(hv_parse_grub_cfg("boot/grub/grub.cfg", t, len, v, &n, HV_MAX_BOOT_ENTRIES, def, sizeof(def)), 0);
	/* the simple entry, then the submenu's four; the firmware entry has no kernel */
	assert_int_equal(n, 5);
	assert_string_equal(def, "0");
	assert_string_equal(v[0].title, "Debian GNU/Linux");
	assert_true(v[0].top);
	assert_false(v[0].recovery);
	assert_string_equal(v[0].release, "6.12.12-amd64");
	assert_string_equal(v[0].where, "boot/grub/grub.cfg:92"); /* its menuentry line */
	assert_string_equal(v[0].args, "root=/dev/vda1 ro  hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64 quiet");
	assert_string_equal(v[1].title, "Debian GNU/Linux, with Linux 6.12.12-amd64");
	assert_false(v[1].top);
	assert_true(v[2].recovery);
	assert_string_equal(v[2].args, "root=/dev/vda1 ro single  hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64");
	assert_string_equal(v[4].release, "6.1.0-28-amd64");
	assert_true(v[4].recovery);
	free_entries(v, n);

	/* a cap: entries past it are left out, never written past the array */
	n = 0;
	assert_int_equal(hv_parse_grub_cfg("g", t, len, v, &n, 2, def, sizeof(def)), 0);
	assert_int_equal(n, 2);
	free_entries(v, n);
	free(t);

	/* braces of functions and groups do not close an entry; a saved default */
	const char *cfg = "function f {\n  true\n}\nif [ x ]; then\n  set default=\"${saved_entry}\"\nfi\n"
			  "menuentry 'A'\\''s' {\n  if x; then\n    y\n  fi\n  linux /vmlinuz-9.9 a=1 $vt_handoff\n}\n"
			  "menuentry \"No kernel\" {\n  chainloader +1\n}\n";
	n = 0;
	assert_int_equal(hv_parse_grub_cfg("g", cfg, strlen(cfg), v, &n, 8, def, sizeof(def)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(def, "${saved_entry}");
	assert_string_equal(v[0].title, "A's");
	assert_string_equal(v[0].release, "9.9");
	assert_string_equal(v[0].args, "a=1 $vt_handoff");
	free_entries(v, n);
}

static void test_bls(void **state)
{
	(void)state;
	size_t len;
	char *t = slurp_file(FIX "bls-kernel-install-252.conf", &len);
	struct hv_boot_entry e;
	assert_int_equal(hv_parse_bls_entry("boot/loader/entries/x.conf", t, len, &e), 0);
	assert_string_equal(e.title, "Debian GNU/Linux 12 (bookworm)");
	assert_string_equal(e.release, "6.12.12-amd64");
	assert_false(e.args_unknown);
	struct hv_cmdline cl;
	assert_int_equal(hv_parse_cmdline(e.args, strlen(e.args), &cl), 0);
	assert_true(cl.hvo_param_present);
	assert_int_equal(cl.npools, 2);
	assert_int_equal(cl.pools[0].size, G1);
	assert_int_equal(cl.pools[0].count, 4);
	assert_int_equal(cl.pools[1].size, M2);
	assert_int_equal(cl.pools[1].count, 512);
	assert_int_equal(cl.pools[1].nnode_counts, 2);
	free(e.args);
	free(t);

	const char *old = "title RHEL\nversion 5.14.0-70.el9\noptions $kernelopts\noptions  extra=1\n";
	assert_int_equal(hv_parse_bls_entry("x.conf", old, strlen(old), &e), 0);
	assert_true(e.args_unknown);
	assert_string_equal(e.args, "$kernelopts extra=1");
	free(e.args);
}

static void test_sysctl_tmpfiles(void **state)
{
	(void)state;
	char val[32];
	int line;
	const char *t = "# c\n; c\nvm.hugetlb_optimize_vmemmap = 1\n-vm/hugetlb_optimize_vmemmap=0  \n"
			"vm.hugetlb_optimize_vmemmapX = 7\nnet/ipv4.conf/x=1\n";
	assert_int_equal(hv_sysctl_conf_get(t, strlen(t), "vm.hugetlb_optimize_vmemmap", val, sizeof(val), &line), 1);
	assert_string_equal(val, "0");
	assert_int_equal(line, 4);
	assert_int_equal(hv_sysctl_conf_get(t, strlen(t), "net.ipv4/conf.x", val, sizeof(val), &line), 1);
	assert_int_equal(hv_sysctl_conf_get(t, strlen(t), "vm.nr_hugepages", val, sizeof(val), &line), 0);

	const char *tf = "# hvoplan\n"
			 "w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 512\n"
			 "w+ \"/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages\" - - - - 4\n"
			 "w /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages - - - - 100\n"
			 "w /sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_overcommit_hugepages - - - - 1\n"
			 "d /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages - - - - 9\n"
			 "w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages - - - - lots\n"
			 "wX /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages - - - - 3\n";
	struct hv_tmpfiles_write w[8];
	int n = 0;
	assert_int_equal(hv_tmpfiles_hugepage_writes("etc/tmpfiles.d/a.conf", tf, strlen(tf), w, &n, 8), 0);
	assert_int_equal(n, 4);
	assert_true(w[0].overcommit);
	assert_int_equal(w[0].size, M2);
	assert_int_equal(w[0].value, 512);
	assert_string_equal(w[0].where, "etc/tmpfiles.d/a.conf:2");
	assert_int_equal(w[1].size, G1);
	assert_int_equal(w[1].value, 4);
	assert_int_equal(w[2].node, 1);
	assert_int_equal(w[2].value, 100);
	assert_int_equal(w[3].value, -1); /* "lots" is not a count */
}

/* A 6.18 host with a 2M pool of nr pages (surplus 0), HVO sysctl hvo. */
static struct hv_host *host(int64_t nr, int hvo, const char *cmdline)
{
	struct hv_host *h = calloc(1, sizeof(*h));
	strcpy(h->release, "6.12.12-amd64");
	strcpy(h->arch, "x86_64");
	strcpy(h->root, "/");
	h->kver_major = 6;
	h->kver_minor = 12;
	h->page_size = 4096;
	h->page_size_source = HV_SRC_LIVE;
	h->btf_struct_page_size = 64;
	h->memblocks.block_size = 128 << 20;
	h->memblocks.present = 192;
	h->nr_memmap_pages = 12288;
	h->nr_memmap_boot_pages = 86016;
	h->cpu_gbpages = HV_YES;
	h->sysctl_hvo = hvo;
	h->memmap_on_memory_now = 0;
	hv_parse_cmdline(cmdline, strlen(cmdline), &h->cmdline);
	h->kconfig.present = true;
	h->kconfig.hvo = HV_YES;
	h->kconfig.hvo_default_on = HV_NO;
	h->meminfo.hugepagesize_kib = 2048;
	h->nhstates = 1;
	h->hstates[0].size = M2;
	h->hstates[0].nr = nr;
	h->hstates[0].free = nr;
	h->hstates[0].nnodes = 1;
	h->hstates[0].nodes[0] = (struct hv_hstate_node){0, nr, nr, 0};
	h->bootlog.nhstates = 1;
	h->bootlog.hstates[0].size = M2;
	h->bootlog.hstates[0].preallocated = nr;
	h->bootlog.hstates[0].optimizable_kib = HV_UNKNOWN;
	h->bootlog.hstates[0].freeable_pages = HV_UNKNOWN;
	return h;
}

static void pool(struct hv_host *h, int64_t nr)
{
	h->hstates[0].nr = h->hstates[0].free = nr;
	h->hstates[0].nodes[0] = (struct hv_hstate_node){0, nr, nr, 0};
}

static const struct hv_check *find(const struct hv_verify *v, const char *id, const char *subject)
{
	for (int i = 0; i < v->nchecks; i++)
		if (!strcmp(v->checks[i].id, id) && (!subject || !strcmp(v->checks[i].subject, subject)))
			return &v->checks[i];
	fail_msg("no check %s %s", id, subject ? subject : "");
	return NULL;
}

/* persisted: the real grub.cfg (2M:64, HVO on) and a sysctl.d setting */
static void persisted(struct hv_persisted *p, const char *hvo_where, const char *hvo)
{
	memset(p, 0, sizeof(*p));
	size_t len;
	char *t = slurp_file(FIX "grub.cfg-debian12", &len);
	assert_int_equal(hv_parse_grub_cfg("boot/grub/grub.cfg", t, len, p->entries, &p->nentries, HV_MAX_BOOT_ENTRIES,
					   p->grub_default_entry, sizeof(p->grub_default_entry)),
			 0);
	free(t);
	p->grub_cfg_read = true;
	p->entry_cl = calloc((size_t)p->nentries, sizeof(*p->entry_cl));
	for (int i = 0; i < p->nentries; i++)
		hv_parse_cmdline(p->entries[i].args, strlen(p->entries[i].args), &p->entry_cl[i]);
	const char *lin = " hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64", *def = "quiet";
	p->grub_linux = (struct hv_cmdline_source){.present = true, .text = strdup(lin)};
	strcpy(p->grub_linux.where, "etc/default/grub, etc/default/grub.d/90-hvoplan.cfg");
	hv_parse_cmdline(lin, strlen(lin), &p->grub_linux.cl);
	p->grub_default = (struct hv_cmdline_source){.present = true, .text = strdup(def)};
	hv_parse_cmdline(def, strlen(def), &p->grub_default.cl);
	if (hvo) {
		p->hvo.set = true;
		strcpy(p->hvo.value, hvo);
		strcpy(p->hvo.where, hvo_where);
		p->hvo_ours = (struct hv_sysctl_setting){.set = true, .value = "1"};
		strcpy(p->hvo_ours.where, "etc/sysctl.d/90-hvoplan.conf:3");
	}
}

static void run(const struct hv_host *h, const struct hv_persisted *p, struct hv_verify *v)
{
	struct hv_report *r = calloc(1, sizeof(*r));
	int rc = hv_model_report(h, NULL, r);
	if (rc < 0)
		fail_msg("model: %s", hv_last_error());
	hv_model_verify(h, r, p, v);
	free(r);
}

static void test_model_holds_then_drifts(void **state)
{
	(void)state;
	static const char booted[] = "BOOT_IMAGE=/boot/vmlinuz-6.12.12-amd64 root=/dev/vda1 ro  "
				     "hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64 quiet";
	struct hv_host *h = host(64, 1, booted);
	struct hv_persisted p;
	persisted(&p, "etc/sysctl.d/90-hvoplan.conf:3", "1");
	struct hv_verify *v = calloc(1, sizeof(*v));
	run(h, &p, v);
	/* after the reboot that persisted state asked for: everything holds */
	assert_int_equal(v->ndrift + v->nfailed, 0);
	assert_non_null(strstr(v->entry_basis, "GRUB's default, the first menu entry: entry 'Debian GNU/Linux'"));
	assert_int_equal(find(v, "hvo", NULL)->state, HV_CHECK_OK);
	assert_string_equal(find(v, "hvo", NULL)->source, "etc/sysctl.d/90-hvoplan.conf:3");
	const struct hv_check *c = find(v, "pool", "2M");
	assert_int_equal(c->state, HV_CHECK_OK);
	assert_string_equal(c->next, "64");
	assert_int_equal(find(v, "boot-params", NULL)->state, HV_CHECK_OK);
	int entries = 0;
	for (int i = 0; i < v->nchecks; i++)
		if (!strcmp(v->checks[i].id, "boot-entry")) {
			assert_int_equal(v->checks[i].state, HV_CHECK_OK);
			entries++;
		}
	assert_int_equal(entries, 5); /* recovery entries get GRUB_CMDLINE_LINUX only, and have it */

	/* the pool grown by hand, HVO turned off by hand: both drift */
	pool(h, 100);
	h->sysctl_hvo = 0;
	run(h, &p, v);
	c = find(v, "pool", "2M");
	assert_int_equal(c->state, HV_CHECK_DRIFT);
	assert_string_equal(c->now, "100");
	assert_string_equal(c->fix, "hvoplan apply --pages 2M:100 --persist --yes keeps the running pool");
	assert_int_equal(find(v, "hvo", NULL)->state, HV_CHECK_DRIFT);
	assert_int_equal(v->ndrift, 2);

	/* a boot that got fewer pages than it asked: failed, not drift */
	pool(h, 40);
	h->bootlog.hstates[0].preallocated = 40;
	h->sysctl_hvo = 1;
	run(h, &p, v);
	c = find(v, "pool", "2M");
	assert_int_equal(c->state, HV_CHECK_FAILED);
	assert_non_null(strstr(c->message, "the kernel allocated only 40"));
	hv_persisted_free(&p);

	/* another file read after hvoplan's sets it back */
	persisted(&p, "etc/sysctl.d/99-local.conf:1", "0");
	run(h, &p, v);
	assert_int_equal(find(v, "sysctl-overridden", NULL)->state, HV_CHECK_DRIFT);
	assert_string_equal(find(v, "hvo", NULL)->next, "0");
	hv_persisted_free(&p);
	free(v);
	free(h);
}

static void test_model_pending_and_stale_entry(void **state)
{
	(void)state;
	/* before the reboot: this boot had no hugepage parameter */
	struct hv_host *h = host(0, 1, "BOOT_IMAGE=/boot/vmlinuz-6.12.12-amd64 root=/dev/vda1 ro quiet");
	struct hv_persisted p;
	persisted(&p, "etc/sysctl.d/90-hvoplan.conf:3", "1");
	struct hv_verify *v = calloc(1, sizeof(*v));
	run(h, &p, v);
	const struct hv_check *c = find(v, "boot-params", NULL);
	assert_int_equal(c->state, HV_CHECK_DRIFT);
	assert_non_null(strstr(c->message, "(hugetlb_free_vmemmap=on hugepagesz=2M hugepages=64, entry"));
	assert_non_null(strstr(c->message, "differ from this boot's (none)"));
	assert_int_equal(find(v, "pool", "2M")->state, HV_CHECK_DRIFT);

	/* the defaults changed after grub.cfg was written: every entry drifts */
	free(p.grub_linux.text);
	const char *lin = " hugetlb_free_vmemmap=on hugepages=128";
	p.grub_linux.text = strdup(lin);
	hv_parse_cmdline(lin, strlen(lin), &p.grub_linux.cl);
	run(h, &p, v);
	int drift = 0;
	for (int i = 0; i < v->nchecks; i++)
		if (!strcmp(v->checks[i].id, "boot-entry")) {
			assert_int_equal(v->checks[i].state, HV_CHECK_DRIFT);
			assert_non_null(strstr(v->checks[i].fix, "update-grub"));
			drift++;
		}
	assert_int_equal(drift, 5);
	/* "hugepages=128" with a 2M default is "hugepagesz=2M hugepages=128" */
	free(p.grub_linux.text);
	lin = " hugetlb_free_vmemmap=on hugepages=64";
	p.grub_linux.text = strdup(lin);
	hv_parse_cmdline(lin, strlen(lin), &p.grub_linux.cl);
	run(h, &p, v);
	assert_int_equal(find(v, "boot-entry", "6.1.0-28-amd64")->state, HV_CHECK_OK);
	hv_persisted_free(&p);

	/* no boot entry at all: the running command line stands in */
	memset(&p, 0, sizeof(p));
	run(h, &p, v);
	assert_non_null(strstr(v->entry_basis, "none: the running command line"));
	assert_int_equal(find(v, "hvo", NULL)->state, HV_CHECK_DRIFT); /* 1 now, the kernel's default is off */
	free(v);
	free(h);
}

/* tmpfiles.d: the first line for a path counts; against a sysctl.d value
 * of the same pool the boot may end with either */
static void test_model_tmpfiles_and_sysctl(void **state)
{
	(void)state;
	struct hv_host *h = host(32, 1, "BOOT_IMAGE=/boot/vmlinuz-6.12.12-amd64 root=/dev/vda1 ro");
	struct hv_persisted p;
	memset(&p, 0, sizeof(p));
	const char *tf = "w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages - - - - 32\n"
			 "w /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages - - - - 64\n";
	assert_int_equal(hv_tmpfiles_hugepage_writes("etc/tmpfiles.d/a.conf", tf, strlen(tf), p.writes, &p.nwrites,
						     HV_MAX_TMPFILES_WRITES),
			 0);
	struct hv_verify *v = calloc(1, sizeof(*v));
	run(h, &p, v);
	const struct hv_check *c = find(v, "pool", "2M");
	assert_int_equal(c->state, HV_CHECK_OK);
	assert_string_equal(c->source, "etc/tmpfiles.d/a.conf:1");
	p.nr_hugepages = (struct hv_sysctl_setting){.set = true, .value = "16", .where = "etc/sysctl.conf:7"};
	run(h, &p, v);
	c = find(v, "pool", "2M");
	assert_int_equal(c->state, HV_CHECK_DRIFT);
	assert_non_null(strstr(c->message, "run in no fixed order at boot, so the boot ends with either"));
	assert_string_equal(c->fix, "keep one of them: remove the line at etc/tmpfiles.d/a.conf:1 or at etc/sysctl.conf:7");
	/* the same value in both: no race */
	strcpy(p.nr_hugepages.value, "32");
	run(h, &p, v);
	assert_int_equal(find(v, "pool", "2M")->state, HV_CHECK_OK);
	free(v);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grub_cfg),
		cmocka_unit_test(test_bls),
		cmocka_unit_test(test_sysctl_tmpfiles),
		cmocka_unit_test(test_model_holds_then_drifts),
		cmocka_unit_test(test_model_pending_and_stale_entry),
		cmocka_unit_test(test_model_tmpfiles_and_sysctl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
