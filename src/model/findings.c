/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What blocks or wastes savings, each with a concrete fix. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "holders.h"
#include "model.h"
#include "parse.h"
#include "strutil.h"

static struct hv_finding *add(struct hv_report *r, const char *id, enum hv_severity sev, bool blocker)
{
	if (r->nfindings >= HV_MAX_FINDINGS)
		return NULL;
	struct hv_finding *f = &r->findings[r->nfindings++];
	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "%s", id);
	f->severity = sev;
	f->blocker = blocker;
	return f;
}

__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

#define MSG(f, ...) say((f)->message, sizeof((f)->message), __VA_ARGS__)
#define FIX(f, ...) say((f)->fix, sizeof((f)->fix), __VA_ARGS__)

/* "1 hugepage", "2 hugepages" */
static const char *plural(int64_t n)
{
	return n == 1 ? "" : "s";
}

static void sz(uint64_t v, char *buf)
{
	hv_fmt_size(v, buf, 16);
}

static const struct hv_hstate_result *find_hstate(const struct hv_report *r, uint64_t size)
{
	for (int i = 0; i < r->nhstates; i++)
		if (r->hstates[i].size == size)
			return &r->hstates[i];
	return NULL;
}

static void blockers(const struct hv_host *h, struct hv_report *r, bool pools)
{
	struct hv_finding *f;
	enum hv_severity sev = pools ? HV_SEV_ERROR : HV_SEV_INFO;
	if (r->gen == HV_GEN_NONE) {
		if ((f = add(r, "kernel-too-old", sev, true))) {
			MSG(f, "kernel %s predates HVO (added in 5.14): every hugepage keeps its full vmemmap", h->release);
			FIX(f, "boot a 5.19 or later kernel built with CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP=y (5.14-5.18: "
			       "CONFIG_HUGETLB_PAGE_FREE_VMEMMAP=y and hugetlb_free_vmemmap=on)");
		}
		return;
	}
	if (r->hvo_compiled == HV_NO) {
		enum hv_tristate arch = hv_arch_supports_hvo(h->arch, h->kver_major, h->kver_minor, h->kver_patch);
		if (arch == HV_NO) {
			if ((f = add(r, "arch-unsupported", sev, true))) {
				MSG(f, "HVO is not available on %s with kernel %s", h->arch, h->release);
				FIX(f, "none on this architecture and release; plan pools without HVO savings");
			}
		} else if ((f = add(r, "hvo-not-built", sev, true))) {
			MSG(f, "HVO is not built into this kernel (CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP is not set%s)",
			    h->kconfig.present ? "" : ", inferred");
			FIX(f, "use a kernel built with CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP=y");
		}
		return;
	}
	if (!hv_is_pow2((uint64_t)r->struct_page_size) || h->bootlog.struct_page_crosses) {
		if ((f = add(r, "struct-page-not-pow2", sev, true))) {
			MSG(f, "struct page is %ld bytes, not a power of two: the kernel disables HVO", r->struct_page_size);
			FIX(f, "rebuild the kernel without the options that grow struct page (KMSAN, WANT_PAGE_VIRTUAL, "
			       "last_cpupid outside page flags)");
		}
	}
}

static void hvo_off(const struct hv_host *h, struct hv_report *r, bool pools)
{
	struct hv_finding *f;
	char a[16];
	if (r->hvo_compiled != HV_YES || r->hvo_active)
		return;
	sz(r->total_savings_possible, a);
	if (h->sysctl_hvo == 0) {
		if ((f = add(r, "hvo-off", pools && r->total_savings_possible ? HV_SEV_WARNING : HV_SEV_INFO, true))) {
			/* Turning the sysctl on frees nothing by itself: only pages
			 * allocated afterwards are optimized. */
			bool gain = pools && r->total_savings_possible;
			MSG(f, "vm.hugetlb_optimize_vmemmap is 0: hugepages allocated from now on keep their full vmemmap%s%s%s",
			    gain ? " (the pools would free " : "", gain ? a : "", gain ? " once re-allocated with HVO on)" : "");
			if (pools)
				FIX(f, "hvoplan apply --hvo on --persist --yes (vm.hugetlb_optimize_vmemmap=1 now and at every "
				       "boot), then re-allocate the free pages: hvoplan apply --reoptimize --yes");
			else
				FIX(f, "hvoplan apply --hvo on --persist --yes (vm.hugetlb_optimize_vmemmap=1 now and at every "
				       "boot): pools allocated afterwards are optimized");
		}
	} else if (h->sysctl_hvo == HV_UNKNOWN && r->gen >= HV_GEN_5_19) {
		if ((f = add(r, "hvo-sysctl-absent", pools ? HV_SEV_WARNING : HV_SEV_INFO, true))) {
			MSG(f, "vm.hugetlb_optimize_vmemmap does not exist: the kernel found no hugepage size it can "
			       "optimize%s", r->gen == HV_GEN_5_19 ? " (or memory_hotplug.memmap_on_memory is on)" : "");
			FIX(f, "check the struct page size and memmap_on_memory findings");
		}
	} else if (r->gen < HV_GEN_5_19) {
		if ((f = add(r, "hvo-off", pools ? HV_SEV_WARNING : HV_SEV_INFO, true))) {
			MSG(f, "HVO is off: kernels before 5.19 enable it only with hugetlb_free_vmemmap=on at boot");
			FIX(f, "hvoplan apply --persist --hvo on --yes, then reboot");
		}
	}
}

static void boot_pools(const struct hv_host *h, struct hv_report *r)
{
	struct hv_finding *f;
	const struct hv_cmdline *cl = &h->cmdline;
	bool any = false;
	for (int i = 0; i < cl->npools; i++) {
		uint64_t size = cl->pools[i].size ? cl->pools[i].size : hv_default_hugepage_size(h);
		char n[16];
		hv_hstate_name(size, n, sizeof(n));
		if (cl->pools[i].count > 0)
			any = true;
		const struct hv_bootlog_hstate *b = NULL;
		for (int j = 0; j < h->bootlog.nhstates; j++)
			if (h->bootlog.hstates[j].size == size)
				b = &h->bootlog.hstates[j];
		if (b && b->preallocated >= 0 && b->preallocated < cl->pools[i].count &&
		    (f = add(r, "boot-pool-short", HV_SEV_WARNING, false))) {
			MSG(f, "the command line asks for %lld %s page%s at boot but the kernel allocated %lld",
			    (long long)cl->pools[i].count, n, plural(cl->pools[i].count), (long long)b->preallocated);
			FIX(f, "free memory is fragmented or too small at boot: lower hugepages= for %s, use the node form "
			       "hugepages=NODE:COUNT, or reserve gigantic pages with hugetlb_cma=", n);
		}
		if (!find_hstate(r, size) && (f = add(r, "boot-size-unknown", HV_SEV_WARNING, false))) {
			MSG(f, "the command line asks for %s pages but the kernel has no such hugepage size", n);
			FIX(f, "use a size the CPU supports (see /sys/kernel/mm/hugepages)");
		}
	}
	if (any && r->hvo_compiled == HV_YES && !r->hvo_at_boot && r->kept_pages > 0 &&
	    (f = add(r, "boot-pools-unoptimized", HV_SEV_WARNING, true))) {
		MSG(f, "boot-time pools (hugepages= on the command line) are allocated before any sysctl applies, and "
		       "HVO is off at boot: those pages are never optimized");
		FIX(f, "hvoplan apply --persist --hvo on --yes adds hugetlb_free_vmemmap=on; reboot");
	}
}

/* Pages in use or reserved cannot be released to re-allocate them. */
static int64_t busy_pages(const struct hv_hstate_result *o)
{
	/* counters come from files: absurd values must saturate, not wrap */
	int64_t b;
	if (__builtin_sub_overflow(o->nr, o->free, &b))
		b = o->free < 0 ? INT64_MAX : INT64_MIN;
	else if (__builtin_add_overflow(b, o->resv, &b))
		b = o->resv > 0 ? INT64_MAX : INT64_MIN;
	return b < 0 ? 0 : b > o->nr ? o->nr : b;
}

static void stale(const struct hv_host *h, struct hv_report *r)
{
	struct hv_finding *f;
	char a[16], part[200], list[400] = "", busy[400] = "";
	(void)h;
	if (r->unoptimized_bytes <= 0 || r->total_savings_basis != HV_BASIS_MEASURED)
		return;
	int64_t pages = 0;
	bool known = true;
	for (int i = 0; i < r->nhstates; i++) {
		const struct hv_hstate_result *o = &r->hstates[i];
		if (o->unoptimized_pages == HV_UNKNOWN && o->nr > 0 && o->optimizable_bytes_per_page)
			known = false;
		if (o->unoptimized_pages > 0) {
			if (__builtin_add_overflow(pages, o->unoptimized_pages, &pages))
				pages = INT64_MAX;
			snprintf(part, sizeof(part), "%s%lld x %s", list[0] ? ", " : "", (long long)o->unoptimized_pages,
				 o->name);
			strncat(list, part, sizeof(list) - strlen(list) - 1);
		}
		bool maybe_stale = o->unoptimized_pages > 0 ||
				   (o->unoptimized_pages == HV_UNKNOWN && o->nr > 0 && o->optimizable_bytes_per_page);
		int64_t b = busy_pages(o);
		if (maybe_stale && b > 0) {
			snprintf(part, sizeof(part), "%s%lld of the %lld %s page%s", busy[0] ? ", " : "", (long long)b,
				 (long long)o->nr, o->name, plural(o->nr));
			strncat(busy, part, sizeof(busy) - strlen(busy) - 1);
		}
	}
	sz((uint64_t)r->unoptimized_bytes, a);
	if (!(f = add(r, "stale-pages", HV_SEV_WARNING, false)))
		return;
	char tail[sizeof(busy) + 128] = "";
	if (busy[0])
		snprintf(tail, sizeof(tail), "; in use or reserved (nr - free + resv): %s, and stale pages among them "
					     "can only be re-optimized once freed", busy);
	if (known)
		MSG(f, "%lld hugepage%s (%s) %s allocated while HVO was off and %s not optimized: %s of vmemmap "
		       "not freed%s", (long long)pages, plural(pages), list, pages == 1 ? "was" : "were",
		    pages == 1 ? "is" : "are", a, tail);
	else
		MSG(f, "pages allocated while HVO was off hold %s of vmemmap that is not freed (the counters do not "
		       "tell which sizes)%s", a, tail);
	FIX(f, "hvoplan apply --reoptimize --yes (releases and re-allocates the free pages with HVO on; pages in use "
	       "are re-optimized only after they are freed)");
}

static void counters_unexplained(const struct hv_host *h, struct hv_report *r)
{
	struct hv_finding *f;
	char a[16], b[16];
	if (r->total_savings_basis != HV_BASIS_MEASURED ||
	    r->realized_savings_bytes <= (int64_t)r->total_savings_possible)
		return;
	sz((uint64_t)r->realized_savings_bytes, a);
	sz(r->total_savings_possible, b);
	if (h->counters_moving && (f = add(r, "counters-unexplained", HV_SEV_INFO, false))) {
		MSG(f, "hugepages are being freed right now: the kernel is still restoring their vmemmap, so the memmap "
		       "counters show %s freed, more than the %s the pools explain, and kept changing for 3 s", a, b);
		FIX(f, "none needed; run the report again once the pools have settled");
	} else if ((f = add(r, "counters-unexplained", HV_SEV_INFO, false))) {
		MSG(f, "the memmap counters show %s freed, more than the %s the pools can explain (hugepages being freed "
		       "right now, whose vmemmap the kernel restores in the background; memory whose memmap the counters "
		       "leave out; or a kernel this tool does not know)", a, b);
		FIX(f, "none needed; per-size current savings are left unknown");
	}
}

static void memmap_on_memory(const struct hv_host *h, struct hv_report *r)
{
	struct hv_finding *f;
	int mom = h->memmap_on_memory_now != HV_UNKNOWN ? h->memmap_on_memory_now : h->cmdline.memmap_on_memory;
	if (mom <= 0 || r->hvo_compiled != HV_YES)
		return;
	if (r->gen >= HV_GEN_6_0) {
		if ((f = add(r, "memmap-on-memory", HV_SEV_WARNING, true))) {
			MSG(f, "memory_hotplug.memmap_on_memory is on: hugepages on hot-plugged memory whose memmap lives on "
			       "that memory are never optimized");
			FIX(f, "boot with memory_hotplug.memmap_on_memory=0 (or set memmap_on_memory=0 on dax devices) "
			       "where HVO matters more than hot-plug memmap placement");
		}
	} else if ((f = add(r, "memmap-on-memory", r->gen == HV_GEN_5_19 ? HV_SEV_ERROR : HV_SEV_INFO,
			    r->gen == HV_GEN_5_19))) {
		MSG(f, "memory_hotplug.memmap_on_memory is on: %s",
		    r->gen == HV_GEN_5_19 ? "on 5.19 the HVO sysctl is then not registered"
					  : "before 5.19 HVO disables it when hugetlb_free_vmemmap=on");
		FIX(f, "boot with memory_hotplug.memmap_on_memory=0");
	}
}

static void gigantic(const struct hv_host *h, struct hv_report *r)
{
	struct hv_finding *f;
	const struct hv_hstate_result *g = find_hstate(r, 1ull << 30), *m = find_hstate(r, 2ull << 20);
	if (h->cpu_gbpages != HV_YES || !g || !m || g->nr > 0 || m->nr < 512)
		return;
	int64_t n1g = m->nr / 512;
	uint64_t kept2m = (uint64_t)(n1g * 512) * (m->vmemmap_bytes_per_page - m->optimizable_bytes_per_page);
	uint64_t kept1g = (uint64_t)n1g * (g->vmemmap_bytes_per_page - g->optimizable_bytes_per_page);
	char a[16], b[16];
	sz(kept2m, a);
	sz(kept1g, b);
	if ((f = add(r, "gigantic-possible", HV_SEV_INFO, false))) {
		MSG(f, "this CPU supports 1G pages but the 1G pool is empty: %lld x 1G instead of %lld x 2M would keep %s "
		       "of vmemmap instead of %s", (long long)n1g, (long long)(n1g * 512), b, a);
		FIX(f, "if the workload can use 1G pages: hvoplan plan --from-host --pool 1G:%lld, then boot with "
		       "hugepagesz=1G hugepages=%lld", (long long)n1g, (long long)n1g);
	}
}

/* hugeadm --explain's "No hugetlbfs mount points found", and a mount whose
 * size has no pages to give. */
static void mounts(struct hv_report *r, bool pools)
{
	struct hv_finding *f;
	if (!r->mounts_read)
		return;
	const char *sized = NULL; /* the first size with pages */
	for (int i = 0; i < r->nhstates && !sized; i++)
		if (r->hstates[i].nr > 0)
			sized = r->hstates[i].name;
	if (sized && r->nmounts == 0 && (f = add(r, "no-hugetlbfs-mount", HV_SEV_INFO, false))) {
		MSG(f, "no hugetlbfs is mounted: pool pages reach programs only through mmap(MAP_HUGETLB), memfd and "
		       "shmget(SHM_HUGETLB); DPDK, QEMU's -mem-path and libhugetlbfs need a mount");
		FIX(f, "mount -t hugetlbfs -o pagesize=%s none /dev/hugepages (systemd: dev-hugepages.mount)", sized);
	}
	for (int i = 0; i < r->nmounts; i++) {
		const struct hv_mount_result *m = &r->mounts[i];
		char a[16];
		/* without any pool, no-pools says it for every mount */
		if (!pools || !m->no_pool || !m->page_size)
			continue;
		hv_hstate_name(m->page_size, a, sizeof(a));
		if ((f = add(r, "hugetlbfs-no-pool", HV_SEV_INFO, false))) {
			MSG(f, "hugetlbfs at %s serves %s pages, but the %s pool is empty and nr_overcommit_hugepages is 0: "
			       "a file there gets no page (mmap fails with ENOMEM)", m->path, a, a);
			FIX(f, "hvoplan apply --pages %s:COUNT (or mount it with another pagesize=)", a);
		}
	}
}

static void thp(struct hv_report *r)
{
	struct hv_finding *f;
	if (!r->thp_bytes)
		return;
	char a[16], b[16];
	sz(r->thp_bytes, a);
	sz(r->thp_bytes / (uint64_t)r->page_size * (uint64_t)r->struct_page_size, b);
	if ((f = add(r, "thp-not-eligible", HV_SEV_INFO, false))) {
		MSG(f, "%s of transparent hugepages keep their full memmap (%s): HVO applies to HugeTLB pages only", a,
		    b);
		FIX(f, "move long-lived large mappings (VM memory, databases) to hugetlbfs pools to save memmap");
	}
}

/* hugeadm --explain's check, with the kernel's own figure: the pools grow
 * at run time (apply --pages, overcommit) only while free memory is not
 * fragmented, which the reserve of free pageblocks defends. */
static void reserve(struct hv_report *r)
{
	struct hv_finding *f;
	int64_t now = r->reserve.min_free_kbytes, want = r->reserve.recommended_kbytes;
	if (now == HV_UNKNOWN || want == HV_UNKNOWN || now >= want || r->reserve.pageblock_bytes <= 0)
		return;
	char a[16], b[16], blk[16];
	sz((uint64_t)now * 1024, a);
	sz((uint64_t)want * 1024, b);
	sz((uint64_t)r->reserve.pageblock_bytes, blk);
	bool never = !strcmp(r->reserve.thp, "never");
	if (!(f = add(r, "min-free-kbytes-low", HV_SEV_INFO, false)))
		return;
	char why[120];
	if (r->reserve.capped)
		say(why, sizeof(why), "5%% of the low zones' free memory");
	else
		say(why, sizeof(why), "11 free %s pageblocks in each of the %d populated low zones", blk,
		    r->reserve.low_zones);
	MSG(f, "vm.min_free_kbytes is %lld kB (%s), below the %lld kB (%s) the kernel keeps free against "
	       "fragmentation while THP is enabled (%s, set_recommended_min_free_kbytes()); %s: growing a pool at "
	       "run time finds fewer free hugepages as memory fragments",
	    (long long)now, a, (long long)want, b, why,
	    never ? "THP is never here, so the kernel keeps its smaller default" : "it was lowered since");
	FIX(f, "sysctl -w vm.min_free_kbytes=%lld, and the same line in /etc/sysctl.d/ to keep it", (long long)want);
}

/* hugeadm --explain's hugetlb_shm_group check, where it bites: a gid that
 * no group has leaves SysV hugepage segments (shmget SHM_HUGETLB: Oracle,
 * SAP, PostgreSQL's shared_memory_type=sysv) to root and CAP_IPC_LOCK
 * (fs/hugetlbfs/inode.c can_do_hugetlb_shm()); mmap, memfd and hugetlbfs
 * files need no group. */
static void shm_group(struct hv_report *r)
{
	struct hv_finding *f;
	if (r->reserve.shm_group == HV_UNKNOWN || r->reserve.shm_group == 0 || r->reserve.shm_group_found != 0)
		return;
	if (!(f = add(r, "shm-group-unknown", HV_SEV_WARNING, false)))
		return;
	MSG(f, "vm.hugetlb_shm_group is %lld, a gid no group of /etc/group has: only root and processes with "
	       "CAP_IPC_LOCK can make SysV hugepage segments (shmget with SHM_HUGETLB fails with EPERM for the rest); "
	       "mmap, memfd and hugetlbfs files need no group",
	    (long long)r->reserve.shm_group);
	FIX(f, "sysctl -w vm.hugetlb_shm_group=GID with the gid of the database's group (getent group NAME), and the "
	       "same line in /etc/sysctl.d/ to keep it");
}

static void shrink_cost(struct hv_report *r)
{
	struct hv_finding *f;
	int64_t opt = r->total_savings_current;
	if (opt == HV_UNKNOWN || opt <= 0)
		return;
	char a[16];
	sz((uint64_t)opt, a);
	if ((f = add(r, "shrink-needs-memory", HV_SEV_INFO, false))) {
		MSG(f, "freeing the optimized pools needs %s of free memory to rebuild their vmemmap; without it the "
		       "kernel keeps the pages as surplus", a);
		FIX(f, "shrink pools while that much memory is free, or in steps");
	}
}

static void bootlog_mismatch(const struct hv_host *h, struct hv_report *r)
{
	struct hv_finding *f;
	int kept = r->kept_pages > 0 ? r->kept_pages : 1;
	for (int i = 0; i < r->nhstates; i++) {
		const struct hv_hstate_result *o = &r->hstates[i];
		if (!o->optimizable_from_bootlog || r->hvo_compiled != HV_YES)
			continue;
		uint64_t model = hv_optimizable_bytes(o->size, (uint64_t)r->page_size, (uint64_t)r->struct_page_size, kept);
		/* 5.14-5.18 log the line only when HVO was on at boot, else nothing to compare. */
		if (model == o->optimizable_bytes_per_page)
			continue;
		if ((f = add(r, "model-mismatch", HV_SEV_WARNING, false))) {
			MSG(f, "the boot log says %llu KiB of vmemmap can be freed per %s page, the rules for kernel %s "
			       "give %llu KiB; the boot log's figure is used",
			    (unsigned long long)(o->optimizable_bytes_per_page / 1024), o->name,
			    h->release[0] ? h->release : "(unknown)", (unsigned long long)(model / 1024));
			FIX(f, "report this kernel to the hvoplan developers");
		}
	}
}

static void assumed(const struct hv_host *h, struct hv_report *r)
{
	struct hv_finding *f;
	(void)h;
	/* Only the kernel's lack of counters is beyond the user's reach; a
	 * snapshot missing files can be taken again. */
	bool kernel = r->memmap_pages == HV_UNKNOWN && (r->gen < HV_GEN_6_11 || r->gen_assumed);
	const char *fix = kernel ? "none; on 6.11+ kernels hvoplan measures them"
				 : "run the report on the host itself, or capture it with hvoplan snapshot (it copies "
				   "proc/vmstat and sys/devices/system/memory)";
	if (r->total_savings_basis == HV_BASIS_ASSUMED) {
		if ((f = add(r, "savings-assumed", HV_SEV_INFO, false))) {
			MSG(f, "current savings are assumed, not measured: %s; pages allocated while HVO was %s cannot be "
			       "told apart", r->savings_note[0] ? r->savings_note : "nothing measures them",
			    r->hvo_active ? "off" : "on");
			FIX(f, "%s", fix);
		}
	} else if (r->total_savings_current == HV_UNKNOWN && r->total_savings_basis == HV_BASIS_NONE) {
		if ((f = add(r, "savings-unknown", HV_SEV_INFO, false))) {
			MSG(f, "current savings are unknown: %s", r->savings_note[0] ? r->savings_note : "nothing measures them");
			FIX(f, "%s", fix);
		}
	}
}

/* hugetlb_free_vmemmap= with a value this generation's kernel rejects: it
 * logged an error at boot and kept its default (doc/kernel-rules.md,
 * "hugetlb_free_vmemmap="). */
static void param_rejected(const struct hv_host *h, struct hv_report *r)
{
	struct hv_finding *f;
	if (!r->hvo_param_rejected || !(f = add(r, "hvo-param-rejected", HV_SEV_WARNING, false)))
		return;
	const char *rule = r->gen <= HV_GEN_5_18 ? "5.14-5.18 accept only 'on' and 'off'"
			   : r->hvo_param_bare	  ? "only 6.0-6.14 take a bare flag as on"
						  : "the kernel accepts y/n, 1/0 and on/off";
	char val[80];
	snprintf(val, sizeof(val), r->hvo_param_bare ? "hugetlb_free_vmemmap" : "hugetlb_free_vmemmap=%s",
		 r->hvo_param_text);
	MSG(f, "the command line has %s, which kernel %s rejects (%s): HVO at boot follows the kernel's default, "
	       "%s", val, h->release[0] ? h->release : "(unknown release)", rule,
	    r->hvo_default_on == HV_YES ? "on" : r->hvo_default_on == HV_NO ? "off" : "unknown here");
	FIX(f, "hvoplan apply --hvo on --persist --yes writes hugetlb_free_vmemmap=on in its place (--hvo off: "
	       "=off); reboot");
}

/* A release number that the host's own features contradict: a
 * distribution kernel with backports (doc/kernel-rules.md, "Generations"). */
static void generation_basis(const struct hv_host *h, struct hv_report *r)
{
	struct hv_finding *f;
	if (r->gen_basis != HV_GEN_BY_FEATURES || !(f = add(r, "generation-from-features", HV_SEV_INFO, false)))
		return;
	MSG(f, "kernel %s shows %s: it is treated as the %s generation, not %s as its release says",
	    h->release[0] ? h->release : "(unknown release)", r->gen_evidence, hv_gen_name(r->gen),
	    r->release_gen == HV_GEN_UNKNOWN ? "unknown" : hv_gen_name(r->release_gen));
	FIX(f, "none needed; if the figures look wrong for this kernel, give --struct-page-size or compare with "
	       "its boot log");
}

/* What the running kernel holds that the next boot will not set again. The
 * boot state is what the command line (and the kernel's default) gives;
 * /etc/sysctl.d is not read, so a setting there is not seen. */
static void not_persistent(const struct hv_host *h, struct hv_report *r)
{
	struct hv_finding *f;
	const struct hv_cmdline *cl = &h->cmdline;
	if (!cl->present)
		return;
	static const char caveat[] = "hvoplan compares with the boot command line only; it does not read "
				     "/etc/sysctl.d or other boot-time services, which may set it too";
	if (r->hvo_compiled == HV_YES && r->gen >= HV_GEN_5_19 && h->sysctl_hvo != HV_UNKNOWN) {
		int boot = HV_UNKNOWN;
		const char *from = "";
		if (cl->sysctl_hvo != HV_UNKNOWN) {
			boot = cl->sysctl_hvo ? 1 : 0;
			from = "sysctl.vm.hugetlb_optimize_vmemmap= on the command line";
		} else if (r->hvo_boot_param != HV_UNKNOWN) {
			boot = r->hvo_boot_param ? 1 : 0;
			from = r->hvo_boot_param ? "hugetlb_free_vmemmap=on" : "hugetlb_free_vmemmap=off";
		} else if (h->kconfig.hvo_default_on != HV_TRI_UNKNOWN) {
			boot = h->kconfig.hvo_default_on == HV_YES;
			from = "the kernel's default (no boot parameter)";
		}
		if (boot != HV_UNKNOWN && boot != (h->sysctl_hvo != 0) &&
		    (f = add(r, "hvo-not-persistent", HV_SEV_INFO, false))) {
			MSG(f, "vm.hugetlb_optimize_vmemmap is %d now but %s sets %d at boot: the running value lasts until the "
			       "next reboot (%s)", h->sysctl_hvo, from, boot, caveat);
			FIX(f, "hvoplan apply --hvo %s --persist --yes", h->sysctl_hvo ? "on" : "off");
		}
	}
	char list[400] = "", pages[200] = "", part[120];
	for (int i = 0; i < r->nhstates; i++) {
		const struct hv_hstate_result *o = &r->hstates[i];
		int64_t at_boot = 0, allocated = HV_UNKNOWN;
		const struct hv_cmdline_pool *per_node = NULL;
		for (int j = 0; j < cl->npools; j++) {
			uint64_t size = cl->pools[j].size ? cl->pools[j].size : hv_default_hugepage_size(h);
			/* saturated: a command line can hold absurd counts */
			if (size == o->size && cl->pools[j].count > 0)
				at_boot = cl->pools[j].count > INT64_MAX - at_boot ? INT64_MAX : at_boot + cl->pools[j].count;
			if (size == o->size && cl->pools[j].nnode_counts > 0)
				per_node = &cl->pools[j];
		}
		for (int j = 0; j < h->bootlog.nhstates; j++)
			if (h->bootlog.hstates[j].size == o->size)
				allocated = h->bootlog.hstates[j].preallocated;
		int64_t now = o->nr - o->surplus; /* surplus pages go when freed */
		/* a boot pool the kernel could not fill is boot-pool-short's */
		if (now == at_boot && per_node) {
			/* hugepages=NODE:COUNT: the same total on other nodes is
			 * put back where the command line says at the next boot */
			for (int j = 0; j < o->nnodes; j++) {
				const struct hv_node_result *nd = &o->nodes[j];
				int64_t want = 0, have = nd->nr - nd->surplus;
				for (int k = 0; k < per_node->nnode_counts; k++)
					if (per_node->node_counts[k].node == nd->node)
						want = per_node->node_counts[k].count;
				if (have == want)
					continue;
				snprintf(part, sizeof(part), "%s%s on node %d has %lld page%s now, %lld at boot",
					 list[0] ? "; " : "", o->name, nd->node, (long long)have, plural(have), (long long)want);
				strncat(list, part, sizeof(list) - strlen(list) - 1);
				snprintf(part, sizeof(part), "%s%s:%lld@%d", pages[0] ? "," : "", o->name, (long long)have,
					 nd->node);
				strncat(pages, part, sizeof(pages) - strlen(pages) - 1);
			}
			continue;
		}
		if (now == at_boot || (allocated >= 0 && now == allocated && at_boot > 0))
			continue;
		snprintf(part, sizeof(part), "%s%s has %lld page%s now, %lld at boot", list[0] ? "; " : "", o->name,
			 (long long)now, plural(now), (long long)at_boot);
		strncat(list, part, sizeof(list) - strlen(list) - 1);
		snprintf(part, sizeof(part), "%s%s:%lld", pages[0] ? "," : "", o->name, (long long)now);
		strncat(pages, part, sizeof(pages) - strlen(pages) - 1);
	}
	if (list[0] && (f = add(r, "pools-not-persistent", HV_SEV_INFO, false))) {
		MSG(f, "pools differ from what hugepages= on the boot command line allocates (%s): they last until the "
		       "next reboot (%s)", list, caveat);
		FIX(f, "hvoplan apply --pages %s --persist --yes", pages);
	}
}

/* A host without pools: what HVO would free for a workload holding half of
 * memory in the default hugepage size, and the plan that shows it, so the
 * first report on a new host answers "is HVO worth it here". */
static void first_contact(const struct hv_host *h, struct hv_report *r, bool pools)
{
	struct hv_finding *f;
	const struct hv_hstate_result *o = find_hstate(r, hv_default_hugepage_size(h));
	if (pools || r->hvo_compiled == HV_NO || !o || o->size == 0 || o->optimizable_bytes_per_page == 0 ||
	    h->meminfo.mem_total_kib <= 0)
		return;
	uint64_t half = (uint64_t)h->meminfo.mem_total_kib * 1024 / 2;
	uint64_t n = half / o->size;
	if (n == 0)
		return;
	char held[16], full[16], freed[16];
	sz(n * o->size, held);
	sz(n * o->vmemmap_bytes_per_page, full);
	sz(n * o->optimizable_bytes_per_page, freed);
	if ((f = add(r, "no-pools", HV_SEV_INFO, false))) {
		MSG(f, "no hugepage pools yet: with HVO, a workload holding half of MemTotal (%s) in %s pages would free "
		       "%s of the %s of struct pages that describe them",
		    held, o->name, freed, full);
		FIX(f, "hvoplan plan --from-host --pool %s:50%% (what-if for this host), then hvoplan apply --hvo on "
		       "--pages %s:%llu --persist", o->name, o->name, (unsigned long long)n);
	}
}

void hv_model_findings(const struct hv_host *h, struct hv_report *r)
{
	bool pools = false;
	for (int i = 0; i < r->nhstates; i++)
		if (r->hstates[i].nr > 0)
			pools = true;
	generation_basis(h, r);
	blockers(h, r, pools);
	param_rejected(h, r);
	hvo_off(h, r, pools);
	first_contact(h, r, pools);
	memmap_on_memory(h, r);
	boot_pools(h, r);
	stale(h, r);
	counters_unexplained(h, r);
	bootlog_mismatch(h, r);
	assumed(h, r);
	not_persistent(h, r);
	gigantic(h, r);
	mounts(r, pools);
	thp(r);
	shm_group(r);
	reserve(r);
	shrink_cost(r);
}

enum hv_severity hv_report_max_severity(const struct hv_report *r, bool *any)
{
	enum hv_severity m = HV_SEV_INFO;
	*any = r->nfindings > 0;
	for (int i = 0; i < r->nfindings; i++)
		if (r->findings[i].severity > m)
			m = r->findings[i].severity;
	return m;
}

/* A path as a shell word, for a fix line the operator may paste. */
static void shell_word(const char *in, char *out, size_t cap)
{
	size_t o = 0;
	bool plain = in[0] != '\0';
	for (const char *p = in; *p; p++)
		plain &= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			 strchr("/._-+:,@%=", *p);
	if (plain) {
		hv_copy(out, cap, in);
		return;
	}
	if (cap < 3)
		return;
	out[o++] = '\'';
	for (const char *p = in; *p && o + 5 < cap; p++) {
		if (*p == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = *p;
		}
	}
	out[o++] = '\'';
	out[o] = '\0';
}

static void append(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	if (n + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

static void orphan_findings(struct hv_report *r)
{
	const struct hv_holders *o = &r->holders;
	/* the model's sums: every orphan, listed or not ("if hugetlb-backed"
	 * segments are not among them) */
	int64_t pages = 0, bytes = 0;
	for (int i = 0; i < o->nsizes; i++) {
		pages += o->sizes[i].orphaned;
		bytes += o->sizes[i].orphaned * (int64_t)o->sizes[i].size;
	}
	struct hv_finding *f;
	if (o->norphans == 0 || !(f = add(r, "orphaned-hugepages", pages ? HV_SEV_WARNING : HV_SEV_INFO, false)))
		return;
	char b[16], w[520];
	sz((uint64_t)bytes, b);
	if (pages)
		MSG(f, "%lld hugepage%s (%s) held where no process maps them:", (long long)pages, plural(pages), b);
	else
		MSG(f, "SysV segments with no process attached may hold hugepages:");
	for (int i = 0; i < o->norphans; i++) {
		const struct hv_orphan *x = &o->orphans[i];
		char ps[16];
		hv_hstate_name(x->page_size, ps, sizeof(ps));
		if (x->kind == HV_ORPHAN_FILE)
			append(f->message, sizeof(f->message), "%s %s (%lld x %s)", i ? "," : "", x->path,
			       (long long)x->pages, ps);
		else if (x->kind == HV_ORPHAN_SHM)
			append(f->message, sizeof(f->message), "%s SysV segment %d (%lld x %s, no process attached)",
			       i ? "," : "", x->shmid, (long long)x->pages, ps);
		else if (x->page_size)
			append(f->message, sizeof(f->message), "%s SysV segment %d (%lld x %s if hugetlb-backed)",
			       i ? "," : "", x->shmid, (long long)x->pages, ps);
		else
			append(f->message, sizeof(f->message), "%s SysV segment %d (hugetlb backing unknown)",
			       i ? "," : "", x->shmid);
		if (x->kind == HV_ORPHAN_FILE) {
			shell_word(x->path, w, sizeof(w));
			append(f->fix, sizeof(f->fix), "%srm %s", f->fix[0] ? "; " : "", w);
		} else {
			append(f->fix, sizeof(f->fix), "%sipcrm -m %d", f->fix[0] ? "; " : "", x->shmid);
		}
	}
	if (o->norphans_total > o->norphans)
		append(f->message, sizeof(f->message), " and %d more", o->norphans_total - o->norphans);
	append(f->fix, sizeof(f->fix), " (once no program will open or attach them again: the pages return to the pool)");
}

void hv_report_holders(const struct hv_host *h, const struct hv_holders_input *in, struct hv_report *r)
{
	hv_model_holders(h, in, &r->holders);
	const struct hv_holders *o = &r->holders;
	if (!o->scanned)
		return;
	if (in->shm_error[0] && r->nnotes < HV_MAX_NOTES)
		snprintf(r->notes[r->nnotes++], sizeof(r->notes[0]), "%s: SysV segments are not counted", in->shm_error);
	orphan_findings(r);
	int64_t pages = 0, bytes = 0;
	bool lower = false;
	for (int i = 0; i < o->nsizes; i++) {
		pages += o->sizes[i].unattributed;
		bytes += o->sizes[i].unattributed * (int64_t)o->sizes[i].size;
		lower |= o->sizes[i].unattributed > 0 && o->sizes[i].lower_bound;
	}
	struct hv_finding *f;
	if (pages == 0 || !(f = add(r, "hugepages-unattributed", HV_SEV_INFO, false)))
		return;
	char b[16];
	sz((uint64_t)bytes, b);
	MSG(f, "%s%lld hugepage%s (%s) in use that no hugetlbfs file, SysV segment or process mapping here accounts "
	       "for: held by a descriptor only (a memfd or deleted hugetlbfs file), by a mount in another mount "
	       "namespace (a container), or being freed right now",
	    lower ? "up to " : "", (long long)pages, plural(pages), b);
	if (o->nprocs_unreadable) {
		append(f->message, sizeof(f->message), "; %d process%s could not be read", o->nprocs_unreadable,
		       o->nprocs_unreadable == 1 ? "" : "es");
		FIX(f, "run hvoplan report as root, which reads every process's mappings");
	} else
		FIX(f, "ls -l /proc/[0-9]*/fd 2>/dev/null | grep -e 'memfd:' -e '(deleted)' (descriptors that keep them)");
}
