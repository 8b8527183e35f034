/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The model: pure functions from a probed host (or a hypothetical one) to
 * figures and findings. No I/O, no globals: every rule is a unit test. */
#ifndef HV_MODEL_H
#define HV_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "holders.h"
#include "host.h"
#include "hv_error.h"

/* Kernel generations that differ in what HVO does (doc/kernel-rules.md, "Generations"). */
enum hv_gen {
	HV_GEN_UNKNOWN = 0,
	HV_GEN_NONE,	/* < 5.14: no HVO */
	HV_GEN_5_14,	/* keeps 2 vmemmap pages per hugepage */
	HV_GEN_5_18,	/* keeps 1 */
	HV_GEN_5_19,	/* + vm.hugetlb_optimize_vmemmap */
	HV_GEN_6_0,	/* + "N KiB vmemmap can be freed" boot line */
	HV_GEN_6_11,	/* + nr_memmap_pages / nr_memmap_boot_pages */
	HV_GEN_6_15,	/* + pre-HVO of boot-time gigantic pages */
	HV_GEN_7_1,	/* tails share one read-only page per zone and order */
};

enum hv_gen hv_generation(int major, int minor);
const char *hv_gen_name(enum hv_gen g);
/* vmemmap pages each hugepage keeps; 0 when the generation has no HVO. */
int hv_gen_kept_pages(enum hv_gen g);
/* Whether the architecture's HVO was enabled in that release (patch:
 * the sublevel, HV_UNKNOWN when unknown): the last resort, after the
 * config, the sysctl and the boot log (stable branches backport). */
enum hv_tristate hv_arch_supports_hvo(const char *arch, int major, int minor, int patch);
/* Whether the host's kernel has HVO built in: its config, else the sysctl
 * (only there when built), else a boot line that frees pages, else the
 * generation and the architecture's release table; unknown otherwise. */
enum hv_tristate hv_model_hvo_built(const struct hv_host *h, enum hv_gen gen);

/* What decided a host's generation (doc/kernel-rules.md, "Generations"). */
enum hv_gen_basis {
	HV_GEN_BY_RELEASE = 0, /* major.minor, and nothing the host shows disagrees */
	HV_GEN_BY_FEATURES,    /* what the host shows overrides the release (backports) */
	HV_GEN_ASSUMED,	       /* nothing tells: today's rules */
};
const char *hv_gen_basis_name(enum hv_gen_basis b);

struct hv_gen_info {
	enum hv_gen gen;
	enum hv_gen release_gen;  /* from major.minor alone */
	enum hv_gen_basis basis;
	char evidence[240];	  /* what the host shows, "" when nothing */
};

/* The generation a host behaves as: the features it shows (memmap
 * counters, the sysctl, the boot log's line formats and figures, config
 * symbol names) bound it, the release picks within those bounds.
 * page_size and struct_page (0 unknown) let the 5.14-5.18 boot line's
 * figures tell 2 kept pages from 1. */
void hv_host_generation(const struct hv_host *h, long page_size, long struct_page, struct hv_gen_info *g);

/* The memory the boot memmap covers: present memory sections (doc/kernel-
 * rules.md, "Baseline: memory blocks and sections").  HV_MEM_BLOCKS when
 * each block is one section (or their size is not known apart), HV_MEM_
 * SECTIONS when counted from the System RAM ranges, HV_MEM_APPROX when a
 * block spans several sections and no ranges tell which are present
 * (then *bytes is the blocks' upper bound and *why says why). */
/* The memory section size of the architecture (SECTION_SIZE_BITS), bytes;
 * HV_UNKNOWN where not known here. */
int64_t hv_section_size(const char *arch, long page_size);
/* The pageblock of the host in pages: pageblock_order by the architecture
 * (x86-64 and arm64 with 4K pages: order 9, the PMD), else pagetypeinfo's
 * when it was read (only then: it is costly); HV_UNKNOWN elsewhere.
 * *source "arch"/"pagetypeinfo". */
int64_t hv_pageblock_pages(const struct hv_host *h, const char **source);
enum hv_mem_basis { HV_MEM_UNKNOWN = 0, HV_MEM_BLOCKS, HV_MEM_SECTIONS, HV_MEM_APPROX };
const char *hv_mem_basis_name(enum hv_mem_basis b);
enum hv_mem_basis hv_host_memmap_memory(const struct hv_host *h, uint64_t *bytes, int64_t *sections, char *why,
					size_t cap);

/* hugetlb_free_vmemmap= as generation g's kernel parses it: HV_YES/HV_NO,
 * or HV_TRI_UNKNOWN when absent or rejected (*rejected set: the kernel
 * keeps its default). */
enum hv_tristate hv_hvo_param(enum hv_gen g, const struct hv_cmdline *cl, bool *rejected);

static inline bool hv_is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* bytes of struct page describing one hugepage */
uint64_t hv_vmemmap_bytes(uint64_t hpage, uint64_t page_size, uint64_t struct_page);
/* bytes HVO frees per hugepage (hugetlb_vmemmap_optimizable_size()) */
uint64_t hv_optimizable_bytes(uint64_t hpage, uint64_t page_size, uint64_t struct_page, int kept_pages);

/* Pages allocated while HVO was off ("stale") from the shortfall in realized
 * savings. Finds counts s[i] <= nr[i] with sum s[i]*opt[i] == deficit.
 * Returns 1 and fills s[] if exactly one solution exists, 0 if several,
 * -1 if none (the counters cannot be explained by stale pages). */
int hv_solve_stale(int n, const int64_t nr[], const uint64_t opt[], uint64_t deficit, int64_t s[]);

enum hv_severity { HV_SEV_INFO = 0, HV_SEV_WARNING, HV_SEV_ERROR };
const char *hv_severity_name(enum hv_severity s);
int hv_parse_severity(const char *s, enum hv_severity *out);

enum hv_basis { HV_BASIS_NONE = 0, HV_BASIS_MEASURED, HV_BASIS_ASSUMED };
const char *hv_basis_name(enum hv_basis b);

#define HV_MAX_FINDINGS 32

struct hv_finding {
	char id[40];
	enum hv_severity severity;
	bool blocker; /* listed in hvo.blockers */
	char message[600];
	char fix[400];
};

struct hv_node_result {
	int node;
	int64_t nr, free, surplus;
	int64_t savings_current; /* HV_UNKNOWN when it cannot be attributed */
	int64_t savings_possible;
	int64_t hugetlb_bytes, vmemmap_bytes; /* HV_UNKNOWN beyond INT64_MAX */
};

struct hv_hstate_result {
	uint64_t size;
	char name[16];
	int64_t nr, free, resv, surplus, overcommit;
	uint64_t vmemmap_bytes_per_page;
	uint64_t optimizable_bytes_per_page;
	bool optimizable_from_bootlog;
	int64_t savings_current; /* HV_UNKNOWN when not attributable */
	enum hv_basis savings_current_basis;
	int64_t savings_possible;
	int64_t unoptimized_pages; /* HV_UNKNOWN when not measurable */
	int64_t hugetlb_bytes, vmemmap_bytes; /* HV_UNKNOWN beyond INT64_MAX */
	/* size and the per-page sizes above as printed (hv_figure) */
	int64_t size_bytes, vmemmap_per_page_bytes, optimizable_per_page_bytes;
	/* free and reserved pages in bytes (free includes reserved, as in
	 * HugePages_Free): HV_UNKNOWN beyond INT64_MAX or from a negative count */
	int64_t free_bytes, resv_bytes;
	/* Pages hugepages= asks for at boot (0 when the command line names no
	 * such pool; HV_UNKNOWN without a command line, saturated) and pages
	 * the kernel logged as pre-allocated (HV_UNKNOWN when not in the log). */
	int64_t boot_requested_pages, boot_allocated_pages;
	int nnodes;
	struct hv_node_result nodes[HV_MAX_NODES];
};

/* The totals as every renderer prints them, computed once by the model:
 * signed 64-bit, HV_UNKNOWN when unknown or beyond INT64_MAX (hv_figure). */
struct hv_report_totals {
	int64_t hugetlb_bytes, vmemmap_bytes;
	int64_t savings_possible_bytes;
	int64_t thp_bytes;
	/* memmap now (nr_memmap_pages + nr_memmap_boot_pages) and its baseline,
	 * in bytes: HV_UNKNOWN without the counters or the baseline */
	int64_t memmap_bytes, memmap_baseline_bytes;
	/* the baseline's parts: System RAM, page_ext, ZONE_DEVICE (HV_UNKNOWN) */
	int64_t memmap_ram_bytes, memmap_page_ext_bytes, memmap_device_bytes;
	int64_t section_bytes; /* the section size counted; HV_UNKNOWN when by blocks */
	int64_t used_pages, resv_pages; /* over all pools (saturated) */
};

/* What the renderers show of the probed host, copied: the report does not
 * point into the host, which `top` re-reads while showing the last report. */
struct hv_report_source {
	char root[4096];
	bool live;
	char release[128];
	char arch[32];
	char cpu_model[128];
	enum hv_tristate cpu_gbpages;
	char cpu_model_source[16], cpu_gbpages_source[16];
	bool config_present, boot_log_present;
	char config_source[256], boot_log_source[256];
};

/* A hugetlbfs mount with its figures (hv_model_mounts()). */
struct hv_mount_result {
	char path[256];
	uint64_t page_size;	  /* resolved: pagesize=, else the default size */
	bool page_size_default;	  /* not shown: the default size was taken */
	int64_t size_limit_bytes; /* HV_UNKNOWN: no size= */
	int64_t min_size_bytes;	  /* HV_UNKNOWN: no min_size= */
	int64_t nr_inodes;	  /* HV_UNKNOWN: no nr_inodes= */
	/* from statfs(), which counts only where size= is set (a limit gives
	 * the mount its own page count); HV_UNKNOWN otherwise */
	int64_t used_bytes, inodes_used;
	uint32_t uid, gid, mode;
	bool ro;
	bool no_pool; /* no pool of its size (no pages, no overcommit): a file there gets no page */
};

struct hv_report {
	struct hv_report_source src;
	enum hv_gen gen;
	bool gen_assumed;
	enum hv_gen_basis gen_basis;
	enum hv_gen release_gen;
	char gen_evidence[240];
	int kept_pages; /* HV_UNKNOWN when the generation is unknown */
	long page_size;
	enum hv_page_src page_size_source;
	long struct_page_size;
	enum hv_page_src struct_page_source;

	enum hv_tristate hvo_compiled;
	int hvo_sysctl;	    /* HV_UNKNOWN when absent */
	int hvo_boot_param; /* as the kernel took it: HV_UNKNOWN when absent or rejected */
	bool hvo_param_rejected; /* present, but this generation does not accept the value */
	char hvo_param_text[64]; /* as written ("" when bare) */
	bool hvo_param_bare;
	enum hv_tristate hvo_default_on;
	bool hvo_active;    /* new allocations are optimized now */
	bool hvo_at_boot;   /* boot-time pools were optimized */

	int64_t memmap_baseline_pages; /* HV_UNKNOWN; the sum of the three below */
	int64_t memmap_ram_pages;      /* of System RAM: present sections (or blocks) */
	int64_t memmap_page_ext_pages; /* page_ext (boot log); 0 when none */
	int64_t memmap_device_pages;   /* ZONE_DEVICE; 0 when none, HV_UNKNOWN when its mode is unknown */
	int64_t zone_device_bytes;     /* ZONE_DEVICE memory; HV_UNKNOWN when zoneinfo was not read */
	enum hv_mem_basis memmap_basis;
	int64_t ram_sections;	       /* present sections counted; HV_UNKNOWN */
	int64_t section_size;	       /* bytes, with HV_MEM_SECTIONS; else HV_UNKNOWN */
	enum hv_ram_src ram_source;    /* where the System RAM ranges came from */
	int64_t memmap_pages, memmap_boot_pages;
	int64_t realized_savings_bytes; /* HV_UNKNOWN before 6.11 */
	/* Why the current savings are not measured (assumed or unknown): what
	 * is missing or contradictory. "" when they are measured. */
	char savings_note[300];

	int nhstates;
	struct hv_hstate_result hstates[HV_MAX_HSTATES];

	uint64_t total_hugetlb_bytes, total_vmemmap_bytes;
	int64_t total_savings_current; /* HV_UNKNOWN */
	enum hv_basis total_savings_basis;
	uint64_t total_savings_possible;
	int64_t unoptimized_bytes; /* HV_UNKNOWN */
	uint64_t thp_bytes;
	struct hv_report_totals totals;

	/* The free-memory reserve next to the pools (report.c reserve()):
	 * vm.min_free_kbytes and what set_recommended_min_free_kbytes()
	 * (mm/khugepaged.c) makes it, in kB; HV_UNKNOWN when unread (no pools)
	 * or when the inputs cannot tell (no zones, pageblock or 5% cap). */
	struct {
		int64_t min_free_kbytes, recommended_kbytes;
		bool capped;		 /* the recommendation is 5% of the low zones' free pages */
		int low_zones;		 /* -1 unknown */
		int64_t pageblock_bytes; /* HV_UNKNOWN */
		char pageblock_source[16]; /* "pagetypeinfo", "arch", "" */
		char thp[12];		 /* always, madvise, never; "" unknown */
		/* vm.hugetlb_shm_group (HV_UNKNOWN: unread) and its group:
		 * found 1, none with that gid 0, etc/group not read -1 */
		int64_t shm_group;
		int shm_group_found;
		char shm_group_name[64], shm_group_members[256];
	} reserve;

	/* hugetlbfs mounts; mounts_read false when proc/mounts was not read */
	bool mounts_read, mounts_truncated;
	int nmounts;
	struct hv_mount_result mounts[HV_MAX_MOUNTS];

	/* who holds the pages in use (hv_report_holders(): report, and top
	 * with the smaps split); holders.scanned false otherwise */
	struct hv_holders holders;

	/* report --processes (hv_report_processes()): who maps hugepages, per
	 * size and node, like numastat -p; read false otherwise */
	struct hv_proc_report {
		bool read;
		char why[160]; /* why not read, or what limited it */
		int nprocs, nreserved_only, nnoaccess, nrows;
		bool truncated; /* more processes than rows */
		struct hv_proc_row {
			int pid;
			char user[33], comm[64];
			/* kB; HV_UNKNOWN unread, HV_PROC_NOACCESS (-2) refused */
			int64_t hugetlb_kib, private_kib, shared_kib, mapped_kib;
			int64_t unfaulted_kib; /* mapped and not faulted in by it: reserved, or another's */
			bool reserved_only;
			bool numa_read, use_truncated;
			int nuse;
			struct hv_numa_use use[32];
		} rows[64];
	} processes;

	/* hv_note()s of the probe and the model, as the report was built */
	int nnotes;
	char notes[HV_MAX_NOTES][512];

	int nfindings;
	struct hv_finding findings[HV_MAX_FINDINGS];
};

/* What nothing on the host tells: a 4 KiB base page, a 64-byte struct page
 * (every 64-bit configuration without debug options). */
#define HV_PAGE_SIZE_DEFAULT 4096
#define HV_STRUCT_PAGE_DEFAULT 64

/* The user's overrides of probed facts (--page-size, --struct-page-size):
 * the one way options reach the model, for report, plan --from-host, apply
 * and top. The host holds facts only. 0: not overridden; NULL: none. */
struct hv_model_opts {
	long page_size;
	long struct_page_size;
};

/* The hugepage size a bare hugepages= means on h: default_hugepagesz= of
 * its command line, else meminfo's Hugepagesize; 0 unknown. findings and
 * apply's command-line filter both use it. */
uint64_t hv_default_hugepage_size(const struct hv_host *h);

/* Builds the whole report. Returns 0, or a negative errno when a figure
 * would overflow 64 bits (hostile input), with hv_fail() text. */
int hv_model_report(const struct hv_host *h, const struct hv_model_opts *o, struct hv_report *r);
/* The processes of a scan with smaps (hv_procs_scan, sorted) and each
 * row's numa_maps pages (numa[i], numa_rc[i] 0 when read) into
 * r->processes; the first 64. */
struct hv_procs;
void hv_report_processes(const struct hv_procs *p, const struct hv_numa_use (*numa)[32], const int *nnuma,
			 const bool *numa_truncated, const int *numa_rc, struct hv_report *r);
/* The holders of the pages in use into r->holders, with their findings
 * (orphaned-hugepages, hugepages-unattributed); after hv_model_report(). */
void hv_report_holders(const struct hv_host *h, const struct hv_holders_input *in, struct hv_report *r);
/* The hugetlbfs mounts of h into r (part of hv_model_report()). */
void hv_model_mounts(const struct hv_host *h, struct hv_report *r);

/* The base page: the override, else what the host tells, else
 * HV_PAGE_SIZE_DEFAULT assumed (with a note). */
long hv_model_page_size(const struct hv_host *h, const struct hv_model_opts *o, enum hv_page_src *src);
/* Resolves sizeof(struct page): the override, else from the host's sources,
 * best first, else HV_STRUCT_PAGE_DEFAULT assumed. */
long hv_model_struct_page(const struct hv_host *h, const struct hv_model_opts *o, enum hv_gen gen,
			  enum hv_page_src *src);

void hv_model_findings(const struct hv_host *h, struct hv_report *r);
enum hv_severity hv_report_max_severity(const struct hv_report *r, bool *any);

void hv_hstate_name(uint64_t size, char *buf, size_t cap);

/* The allocation forecast (forecast.c): how many hugepages of a size the
 * buddy allocator could hand out on a node (or all nodes: node -1) right
 * now, before any reclaim or compaction, from a struct hv_free_blocks. */
enum hv_forecast_basis {
	HV_FC_UNKNOWN,	   /* /proc/buddyinfo unread */
	HV_FC_FREE_BLOCKS, /* free blocks of the page's order or larger (exact count) */
	HV_FC_FREE_MEMORY, /* a gigantic page: free memory only bounds it (contiguity unseen) */
};
const char *hv_forecast_basis_name(enum hv_forecast_basis b);
struct hv_forecast {
	int64_t pages;	   /* HV_UNKNOWN with HV_FC_UNKNOWN */
	int64_t compacted; /* at most this many after compaction: the free memory (= pages when gigantic) */
	enum hv_forecast_basis basis;
	bool watermarks; /* capped by the zones' min watermark and protection (zoneinfo read) */
};
void hv_forecast_pool(const struct hv_free_blocks *fb, long page_size, uint64_t size, int node,
		      struct hv_forecast *out);
/* The same for all nodes at once (one pass): *all, and per[id] for each
 * node id with zones (a node's counts saturate to INT64_MAX, never wrap). */
struct hv_forecast_node {
	int64_t pages, compacted;
};
void hv_forecast_pool_nodes(const struct hv_free_blocks *fb, long page_size, uint64_t size, struct hv_forecast *all,
			    struct hv_forecast_node per[HV_MAX_NODES]);

/* A byte figure as every renderer prints it. JSON integers (jansson) and
 * Prometheus samples are signed 64-bit: a larger figure is unknown rather
 * than wrapped to a negative number. */
static inline int64_t hv_figure(uint64_t v)
{
	return v > (uint64_t)INT64_MAX ? HV_UNKNOWN : (int64_t)v;
}

#endif
