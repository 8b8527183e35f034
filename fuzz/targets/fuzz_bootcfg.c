/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The boot configuration hvoplan verify reads (src/parse/bootcfg.c): the
 * same bytes as a grub.cfg, its grubenv, a Boot Loader Specification entry,
 * a sysctl.d and a tmpfiles.d file, then the checks over what was parsed
 * (src/model/verify.c) on a fixed 2M host. Beyond no crash: entries within
 * their cap with arguments, NUL-terminated strings and a place in one menu,
 * writes within bounds, checks with valid states whose drift and failed
 * counts add up. */
#include "fuzz_common.h"
#include "model.h"
#include "parse.h"
#include "verify.h"

static void check_entry(const struct hv_boot_entry *e)
{
	FUZZ_ASSERT(e->args != NULL);
	FUZZ_ASSERT(memchr(e->where, '\0', sizeof(e->where)) && memchr(e->title, '\0', sizeof(e->title)) &&
		    memchr(e->release, '\0', sizeof(e->release)) && memchr(e->id, '\0', sizeof(e->id)) &&
		    memchr(e->submenu, '\0', sizeof(e->submenu)) && memchr(e->submenu_id, '\0', sizeof(e->submenu_id)));
	/* a place in a menu: the top one (sub -1), or one submenu of it */
	FUZZ_ASSERT(e->item >= -1 && e->sub >= -1 && (e->sub < 0 || e->item >= 0));
	FUZZ_ASSERT(!(e->sub >= 0 && e->top));
}

static struct hv_host *host(void)
{
	static struct hv_host h;
	memset(&h, 0, sizeof(h));
	strcpy(h.release, "6.12.12-amd64");
	strcpy(h.arch, "x86_64");
	strcpy(h.root, "/");
	h.kver_major = 6;
	h.kver_minor = 12;
	h.page_size = 4096;
	h.page_size_source = HV_SRC_LIVE;
	h.btf_struct_page_size = 64;
	h.memblocks.block_size = 128 << 20;
	h.memblocks.present = 192;
	h.nr_memmap_pages = 12288;
	h.nr_memmap_boot_pages = 86016;
	h.sysctl_hvo = 1;
	h.cmdline.present = true;
	h.cmdline.sysctl_hvo = HV_UNKNOWN;
	h.cmdline.memmap_on_memory = HV_UNKNOWN;
	h.kconfig.present = true;
	h.kconfig.hvo = HV_YES;
	h.kconfig.hvo_default_on = HV_NO;
	h.meminfo.hugepagesize_kib = 2048;
	h.nhstates = 1;
	h.hstates[0].size = 2ull << 20;
	h.hstates[0].nr = h.hstates[0].free = 64;
	h.hstates[0].nnodes = 1;
	h.hstates[0].nodes[0] = (struct hv_hstate_node){0, 64, 64, 0};
	return &h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_buf(data, size);
	struct hv_persisted *p = calloc(1, sizeof(*p));
	FUZZ_ASSERT(p);
	hv_clear_error();
	int rc = hv_parse_grub_cfg("boot/grub/grub.cfg", buf, size, p->entries, &p->nentries, HV_MAX_BOOT_ENTRIES / 2,
				   p->grub_default_entry, sizeof(p->grub_default_entry));
	fuzz_check_error(rc, "hv_parse_grub_cfg");
	FUZZ_ASSERT(p->nentries >= 0 && p->nentries <= HV_MAX_BOOT_ENTRIES / 2);
	FUZZ_ASSERT(memchr(p->grub_default_entry, '\0', sizeof(p->grub_default_entry)));
	p->grub_cfg_read = true;
	rc = hv_parse_bls_entry("boot/loader/entries/x.conf", buf, size, &p->entries[p->nentries]);
	fuzz_check_error(rc, "hv_parse_bls_entry");
	if (rc == 0)
		p->nentries++;
	p->entry_cl = calloc((size_t)p->nentries + 1, sizeof(*p->entry_cl));
	FUZZ_ASSERT(p->entry_cl);
	for (int i = 0; i < p->nentries; i++) {
		check_entry(&p->entries[i]);
		hv_parse_cmdline(p->entries[i].args, strlen(p->entries[i].args), &p->entry_cl[i]);
	}

	/* the same bytes as grubenv: a value never runs past its line */
	if (hv_parse_grubenv(buf, size, "saved_entry", p->grub_saved_entry, sizeof(p->grub_saved_entry))) {
		FUZZ_ASSERT(memchr(p->grub_saved_entry, '\0', sizeof(p->grub_saved_entry)));
		FUZZ_ASSERT(!strchr(p->grub_saved_entry, '\n'));
		p->grubenv_read = true;
	}
	hv_parse_grubenv(buf, size, "next_entry", p->grub_next_entry, sizeof(p->grub_next_entry));
	FUZZ_ASSERT(!strchr(p->grub_next_entry, '\n'));

	char val[32];
	int line = 0;
	if (hv_sysctl_conf_get(buf, size, "vm.hugetlb_optimize_vmemmap", val, sizeof(val), &line)) {
		FUZZ_ASSERT(line >= 1 && memchr(val, '\0', sizeof(val)));
		p->hvo.set = true;
		memcpy(p->hvo.value, val, sizeof(val));
		snprintf(p->hvo.where, sizeof(p->hvo.where), "etc/sysctl.d/99-x.conf:%d", line);
	}
	if (hv_sysctl_conf_get(buf, size, "vm.nr_hugepages", val, sizeof(val), &line)) {
		p->nr_hugepages.set = true;
		memcpy(p->nr_hugepages.value, val, sizeof(val));
	}
	FUZZ_ASSERT(hv_tmpfiles_hugepage_writes("etc/tmpfiles.d/x.conf", buf, size, p->writes, &p->nwrites,
						HV_MAX_TMPFILES_WRITES) == 0);
	FUZZ_ASSERT(p->nwrites >= 0 && p->nwrites <= HV_MAX_TMPFILES_WRITES);
	for (int i = 0; i < p->nwrites; i++) {
		const struct hv_tmpfiles_write *w = &p->writes[i];
		FUZZ_ASSERT(w->size >= 1024 && w->size % 1024 == 0 && w->value >= -1);
		FUZZ_ASSERT(w->node >= -1 && w->node < HV_MAX_NODES && !(w->overcommit && w->node >= 0));
	}

	struct hv_host *h = host();
	struct hv_report *r = calloc(1, sizeof(*r));
	struct hv_verify *v = calloc(1, sizeof(*v));
	FUZZ_ASSERT(r && v);
	FUZZ_ASSERT(hv_model_report(h, NULL, r) == 0);
	hv_model_verify(h, r, p, v);
	FUZZ_ASSERT(v->nchecks >= 0 && v->nchecks <= HV_MAX_CHECKS);
	int drift = 0, failed = 0;
	for (int i = 0; i < v->nchecks; i++) {
		const struct hv_check *c = &v->checks[i];
		FUZZ_ASSERT(c->state >= HV_CHECK_OK && c->state <= HV_CHECK_FAILED);
		FUZZ_ASSERT(memchr(c->message, '\0', sizeof(c->message)) && c->message[0]);
		FUZZ_ASSERT(memchr(c->fix, '\0', sizeof(c->fix)) && memchr(c->source, '\0', sizeof(c->source)));
		drift += c->state == HV_CHECK_DRIFT;
		failed += c->state == HV_CHECK_FAILED;
		/* a check that does not hold says how to make it hold */
		FUZZ_ASSERT(c->state != HV_CHECK_DRIFT || c->fix[0]);
	}
	FUZZ_ASSERT(drift == v->ndrift && failed == v->nfailed);
	FUZZ_ASSERT(memchr(v->entry_basis, '\0', sizeof(v->entry_basis)));
	free(r);
	free(v);
	for (int i = 0; i < p->nentries; i++)
		free(p->entries[i].args);
	free(p->entry_cl);
	free(p);
	free(buf);
	return 0;
}
