/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One pass over a root: fills struct hv_host. Required files (meminfo, the
 * hugepage pools) fail the probe; optional ones degrade with a note. */
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "strutil.h"
#include "hv_error.h"
#include "probe.h"
#include "probe_util.h"

/* What tells the base page; when nothing does, page_size stays 0 and the
 * model assumes one (or takes --page-size). */
static void resolve_page_size(const struct hv_root *r, struct hv_host *h)
{
	if (r->live) {
		h->page_size = sysconf(_SC_PAGESIZE);
		h->page_size_source = HV_SRC_LIVE;
	} else if (h->page_size) {
		/* from hvoplan-snapshot.txt, measured when it was captured */
	} else if (h->kconfig.page_size > 0) {
		h->page_size = h->kconfig.page_size;
		h->page_size_source = HV_SRC_CONFIG;
	} else if (!strcmp(h->arch, "x86_64") || !strcmp(h->arch, "s390x") || !strcmp(h->arch, "riscv64")) {
		h->page_size = 4096; /* the only base page these architectures have */
		h->page_size_source = HV_SRC_ARCH;
	}
}

static int probe_dir(const struct hv_root *r, struct hv_host *h);

int hv_probe_host(const struct hv_root *r, struct hv_host *h)
{
	int rc = hv_root_fail(r, probe_dir(r, h));
	if (rc == 0 && r->archive) { /* as given, as for a directory */
		hv_copy(h->root, sizeof(h->root), r->given);
		hv_sanitize(h->root);
	}
	return rc;
}

void hv_host_copy(struct hv_host *dst, const struct hv_host *src)
{
	memcpy(dst, src, offsetof(struct hv_host, cmdline_text));
	size_t n = strnlen(src->cmdline_text, sizeof(src->cmdline_text) - 1);
	memcpy(dst->cmdline_text, src->cmdline_text, n);
	dst->cmdline_text[n] = '\0';
	for (int i = 0; i < src->nhstates; i++)
		memcpy(&dst->hstates[i], &src->hstates[i],
		       offsetof(struct hv_hstate, nodes) + (size_t)src->hstates[i].nnodes * sizeof(src->hstates[i].nodes[0]));
	memcpy(dst->node_mem, src->node_mem, (size_t)src->nnode_mem * sizeof(src->node_mem[0]));
	memcpy(&dst->ram, &src->ram, offsetof(struct hv_ram_ranges, r) + (size_t)src->ram.n * sizeof(src->ram.r[0]));
	memcpy(&dst->mounts, &src->mounts,
	       offsetof(struct hv_mounts, m) + (size_t)src->mounts.n * sizeof(src->mounts.m[0]));
}

static int probe_dir(const struct hv_root *r, struct hv_host *h)
{
	int rc;
	/* the large arrays at the end are filled as far as they are used: not
	 * clearing them keeps their untouched pages unmapped */
	memset(h, 0, offsetof(struct hv_host, cmdline_text));
	h->cmdline_text[0] = '\0';
	memset(&h->ram, 0, offsetof(struct hv_ram_ranges, r));
	memset(&h->mounts, 0, offsetof(struct hv_mounts, m));
	snprintf(h->root, sizeof(h->root), "%s", r->live ? "/" : r->path);
	h->live = r->live;

	if ((rc = hv_probe_identity(r, h)) < 0)
		return rc;
	hv_cache_begin(r, h->release);
	if ((rc = hv_probe_counters(r, h)) < 0 ||
	    (rc = hv_probe_pools(r, h)) < 0 ||
	    (rc = hv_probe_nodes_online(r, h)) < 0 ||
	    (rc = hv_probe_memblocks(r, h)) < 0 || (rc = hv_probe_sysctl(r, h)) < 0 ||
	    (rc = hv_probe_cmdline(r, h)) < 0 || (rc = hv_probe_cpuinfo(r, h)) < 0 ||
	    (rc = hv_probe_cpuid(r, h)) < 0 ||
	    (rc = hv_probe_kconfig(r, h)) < 0 || (rc = hv_probe_bootlog(r, h)) < 0 ||
	    (rc = hv_probe_btf(r, h)) < 0)
		return rc;
	resolve_page_size(r, h);
	/* the section size it needs depends on the base page (arm64) */
	if ((rc = hv_probe_reserve(r, h)) < 0 || (rc = hv_probe_memmap_extra(r, h)) < 0)
		return rc;
	hv_cache_flush(); /* what was learned of this boot, for the next run */
	/* the strings a snapshot supplies reach the table, top and plans */
	char *const text[] = {h->root, h->release, h->arch, h->cpu_model, h->kconfig.source,
			      h->bootlog.source, h->cmdline.hvo_param_text};
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		hv_sanitize(text[i]);
	return 0;
}

const char *hv_page_src_name(enum hv_page_src s)
{
	switch (s) {
	case HV_SRC_BTF: return "btf";
	case HV_SRC_DMESG: return "dmesg";
	case HV_SRC_VMSTAT: return "vmstat";
	case HV_SRC_CONFIG: return "config";
	case HV_SRC_OVERRIDE: return "override";
	case HV_SRC_LIVE: return "live";
	case HV_SRC_ARCH: return "arch";
	case HV_SRC_ASSUMED: return "assumed";
	case HV_SRC_UNKNOWN: break;
	}
	return "unknown";
}
