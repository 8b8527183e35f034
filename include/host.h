/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Everything the probe layer learned about one host (live or snapshot).
 * Plain data: no arithmetic happens here, the model does that.
 * Unknown values are HV_UNKNOWN (-1), never 0. */
#ifndef HV_HOST_H
#define HV_HOST_H

#include <stdbool.h>
#include <stdint.h>

#define HV_UNKNOWN (-1)
#define HV_MAX_HSTATES 16
/* The kernel's MAX_NUMNODES, 1 << CONFIG_NODES_SHIFT: at most 1 << 10 on
 * x86_64 and arm64 (distribution kernels use 10). Node ids are below it. */
#define HV_MAX_NODES 1024
#define HV_MAX_CMDLINE_POOLS 16
#define HV_MAX_CMDLINE_NODES 64

/* The one encoding of "maybe": a yes/no fact that may be unknown.  Its
 * unknown is HV_UNKNOWN, so a plain int holding -1/0/1 (a boot parameter, a
 * sysctl) compares the same way. */
enum hv_tristate { HV_NO = 0, HV_YES = 1, HV_TRI_UNKNOWN = HV_UNKNOWN };

enum hv_page_src {
	HV_SRC_UNKNOWN = 0,
	HV_SRC_BTF,
	HV_SRC_DMESG,
	HV_SRC_VMSTAT,
	HV_SRC_CONFIG,
	HV_SRC_OVERRIDE,
	HV_SRC_LIVE,	 /* sysconf() of the running kernel */
	HV_SRC_ARCH,	 /* the architecture's only or default base page */
	HV_SRC_ASSUMED,
};

struct hv_hstate_node {
	int node;
	int64_t nr, free, surplus;
};

struct hv_hstate {
	uint64_t size; /* bytes */
	int64_t nr;    /* nr_hugepages: includes surplus pages */
	int64_t free, resv, surplus, overcommit;
	int nnodes;
	struct hv_hstate_node nodes[HV_MAX_NODES];
};

/* One `hugepagesz=`/`hugepages=` pair from the command line. size 0 means
 * "the default size", resolved by the model against meminfo's Hugepagesize. */
struct hv_cmdline_pool {
	uint64_t size;
	int64_t count; /* total over nodes */
	int nnode_counts;
	struct {
		int node;
		int64_t count;
	} node_counts[HV_MAX_CMDLINE_NODES];
};

#define HV_CMDLINE_MAX (1 << 16) /* bytes of proc/cmdline read */

struct hv_cmdline {
	bool present;
	/* hugetlb_free_vmemmap= as written (the last one): each kernel
	 * generation accepts other values, so the model interprets it
	 * (hv_hvo_param(), doc/kernel-rules.md "hugetlb_free_vmemmap="). */
	bool hvo_param_present;
	bool hvo_param_bare;	  /* no "=": NULL to the kernel's handler */
	char hvo_param_text[64];  /* the value as written, "" when bare */
	int memmap_on_memory;	  /* HV_UNKNOWN absent, 0, 1, 2 = force */
	uint64_t default_hugepagesz; /* 0 absent */
	int sysctl_hvo;		  /* sysctl.vm.hugetlb_optimize_vmemmap=: HV_UNKNOWN absent */
	int npools;
	struct hv_cmdline_pool pools[HV_MAX_CMDLINE_POOLS];
};

/* Kernel config symbols that decide HVO. Each is HV_TRI_UNKNOWN when no
 * config was found, HV_NO when "is not set" or absent from a present config. */
struct hv_kconfig {
	bool present;
	char source[256];
	enum hv_tristate hugetlb_page;
	enum hv_tristate hvo;		/* ..._OPTIMIZE_VMEMMAP or 5.14-5.18 ..._FREE_VMEMMAP */
	/* which name the HVO symbol has: 5.19 renamed ..._FREE_VMEMMAP */
	enum { HV_KC_HVO_NONE = 0, HV_KC_HVO_FREE, HV_KC_HVO_OPTIMIZE } hvo_symbol;
	enum hv_tristate vmemmap_preinit; /* CONFIG_ARCH_WANT_HUGETLB_VMEMMAP_PREINIT (6.15+) */
	enum hv_tristate hvo_default_on;
	enum hv_tristate memmap_on_memory; /* CONFIG_MHP_MEMMAP_ON_MEMORY */
	enum hv_tristate page_extension;
	long page_size; /* from PAGE_SHIFT / arch page-size choices; HV_UNKNOWN unknown */
};

struct hv_bootlog_hstate {
	uint64_t size;
	int64_t optimizable_kib;  /* 6.0+: "N KiB vmemmap can be freed for a X page" */
	int64_t freeable_pages;	  /* 5.14-5.19: "can free/optimize N vmemmap pages for hugepages-XkB" */
	int64_t preallocated;	  /* "registered X page size, pre-allocated N pages" */
	int64_t discarded;	  /* 6.15+: "N invalid page(s) discarded" */
};

/* Which HugeTLB vmemmap line formats the boot log holds (each belongs to
 * a range of releases: doc/kernel-rules.md, "Boot log lines"). */
enum {
	HV_BLF_FREE = 1,     /* 5.14-5.18 "can free N vmemmap pages for ..." */
	HV_BLF_OPTIMIZE = 2, /* 5.19 "can optimize N vmemmap pages for ..." */
	HV_BLF_KIB = 4,	     /* 6.0+ "N KiB vmemmap can be freed for a X page" */
	HV_BLF_DISCARD = 8,  /* 6.15+ "X page size: N invalid page(s) discarded" */
};

struct hv_bootlog {
	bool present;
	char source[256];
	bool struct_page_crosses; /* 5.14-5.19 "crosses page boundaries" */
	unsigned formats;	  /* HV_BLF_* seen */
	int64_t page_ext_bytes;	  /* "allocated N bytes of page_ext" (mm/page_ext.c); HV_UNKNOWN none */
	int nhstates;
	struct hv_bootlog_hstate hstates[HV_MAX_HSTATES];
};

struct hv_meminfo {
	int64_t mem_total_kib, mem_free_kib;
	int64_t hugetlb_kib, hugepagesize_kib;
	int64_t anon_huge_kib, shmem_huge_kib, file_huge_kib;
};

struct hv_memblocks {
	int64_t block_size; /* bytes */
	int64_t present;    /* memoryN directories: present blocks, online or not */
};

/* The physical ranges of System RAM (inclusive ends, sorted), which tell
 * the present sections where a memory block spans several (doc/kernel-
 * rules.md, "Baseline: memory blocks and sections"). */
#define HV_MAX_RAM_RANGES 1024
enum hv_ram_src { HV_RAM_NONE = 0, HV_RAM_IOMEM, HV_RAM_FIRMWARE };
struct hv_ram_ranges {
	enum hv_ram_src source;
	char why[160]; /* with HV_RAM_NONE: why neither could be used ("" not read) */
	int n;
	struct {
		uint64_t start, end;
	} r[HV_MAX_RAM_RANGES];
};

/* Memmap the System RAM baseline does not hold but the 6.11+ counters
 * do (doc/kernel-rules.md, "Memmap counters"). */
#define HV_MAX_PMEM 64
struct hv_pmem_ns {
	char name[32];	    /* namespaceX.Y */
	int64_t size;	    /* bytes */
	bool devdax;	    /* claimed by a device-dax instance (mode "dax"/"devdax") */
	bool memmap_in_ram; /* the claiming pfn/dax device's mode "ram" (not "pmem": an altmap) */
	int64_t align;	    /* of the claiming device: the compound page size for devdax */
};

struct hv_extra_memmap {
	int64_t zone_device_pages; /* zoneinfo "zone Device" spanned, all nodes; HV_UNKNOWN unread */
	/* the active persistent memory namespaces (sys/bus/nd/devices), read
	 * when zoneinfo shows ZONE_DEVICE memory */
	int npmem;
	bool pmem_truncated; /* more than HV_MAX_PMEM, or an entry unreadable */
	struct hv_pmem_ns pmem[HV_MAX_PMEM];
};

/* The free memory the kernel keeps against fragmentation, read only when
 * there are pools (probe/reserve.c): vm.min_free_kbytes and what
 * set_recommended_min_free_kbytes() (mm/khugepaged.c) would make it. */
struct hv_reserve {
	bool read;		 /* there were pools, and min_free_kbytes was read */
	int64_t min_free_kbytes; /* HV_UNKNOWN unread */
	int low_zones;		 /* populated DMA, DMA32, Normal zones (zoneinfo "present"); -1 unknown */
	int64_t pageblock_pages; /* pagetypeinfo "Pages per block" (root only); HV_UNKNOWN */
	int64_t lowmem_pages;	 /* zoneinfo: those zones' managed pages above high; HV_UNKNOWN */
	char thp[12];		 /* transparent_hugepage/enabled: always, madvise, never; "" unknown */
	/* vm.hugetlb_shm_group: the group besides CAP_IPC_LOCK that may make
	 * SysV hugepage segments (fs/hugetlbfs can_do_hugetlb_shm()), and what
	 * etc/group says of it: found 1, no such group 0, not read -1 */
	int64_t shm_group; /* HV_UNKNOWN unread */
	int shm_group_found;
	char shm_group_name[64];
	char shm_group_members[256]; /* comma separated, as in the file */
};

/* What the buddy allocator has free, per node and zone, for the allocation
 * forecast of apply's dry run and plan --from-host (probe/freeblocks.c):
 * /proc/buddyinfo's free blocks per order (populated zones only) and
 * /proc/zoneinfo's free pages, min watermark and lowmem protection (every
 * zone, in the kernel's zone order). Not part of struct hv_host: only
 * those two commands read it, and it is sized by the host. */
#define HV_BUDDY_ORDERS 24 /* NR_PAGE_ORDERS is at most 14 (arm64 64K: MAX_PAGE_ORDER 13) */
#define HV_ZONE_PROT 8
struct hv_zone_free {
	int node;
	char name[12];
	int idx;			  /* the zone's index in its node (zoneinfo order); -1 unknown */
	int norders;			  /* buddyinfo columns: orders 0 .. norders-1 */
	uint64_t blocks[HV_BUDDY_ORDERS]; /* free blocks of each order */
	int64_t free_pages, min_pages;	  /* zoneinfo "pages free", "min"; HV_UNKNOWN */
	int nprot;
	int64_t protection[HV_ZONE_PROT]; /* lowmem_reserve by the allocation's highest zone */
};
struct hv_free_blocks {
	bool read;     /* buddyinfo was read */
	bool zoneinfo; /* zoneinfo was read: free pages and watermarks known */
	int n, cap;
	/* buddyinfo's zones, then the zones only zoneinfo lists (unpopulated:
	 * norders 0), so that every zone's index in its node is known */
	struct hv_zone_free *z;
};
void hv_free_blocks_release(struct hv_free_blocks *fb);

/* A hugetlbfs mount as /proc/mounts shows it (fs/hugetlbfs/inode.c
 * hugetlbfs_show_options()) and statfs() counts it (hugetlbfs_statfs()). */
/* One process's hugetlb pages of one size on one node (numa_maps). */
struct hv_numa_use {
	int64_t page_kib; /* kernelpagesize_kB */
	int node;
	int64_t pages;
};

#define HV_MAX_MOUNTS 64
struct hv_hugetlbfs_mount {
	char path[256];	    /* the mount point, unescaped */
	uint64_t page_size; /* pagesize=; 0 when not shown: the default size */
	int64_t size_limit; /* size= in bytes; HV_UNKNOWN: no limit */
	int64_t min_size;   /* min_size= in bytes, reserved at mount; HV_UNKNOWN: none */
	int64_t nr_inodes;  /* nr_inodes=; HV_UNKNOWN: no limit */
	uint32_t uid, gid, mode; /* 0, 0 and 0755 when not shown */
	bool ro;
	/* statfs(): live, or the snapshot's hvoplan-hugetlbfs-statfs.txt */
	bool statfs_read;
	uint64_t f_bsize, f_blocks, f_bfree, f_files, f_ffree;
};
struct hv_mounts {
	bool read;	    /* proc/mounts was read */
	bool truncated;	    /* more than HV_MAX_MOUNTS */
	int n;
	struct hv_hugetlbfs_mount m[HV_MAX_MOUNTS];
};

struct hv_host {
	char root[4096];
	bool live;
	char release[128];
	char arch[32];
	int kver_major, kver_minor, kver_patch; /* HV_UNKNOWN when the release is unknown */

	long page_size; /* 0 when nothing tells it (the model assumes one) */
	enum hv_page_src page_size_source;
	long btf_struct_page_size; /* HV_UNKNOWN when BTF absent or without struct page */

	struct hv_meminfo meminfo;
	int64_t nr_memmap_pages, nr_memmap_boot_pages; /* HV_UNKNOWN before 6.11 */
	bool counters_moving; /* they changed between readings a few seconds apart (hv_observe()) */
	struct hv_memblocks memblocks;
	struct hv_extra_memmap extra;
	struct hv_reserve reserve;

	int sysctl_hvo;		  /* /proc/sys/vm/hugetlb_optimize_vmemmap: HV_UNKNOWN absent */
	int memmap_on_memory_now; /* module parameter: HV_UNKNOWN absent, 0, 1, 2 force */

	int nnodes_online;

	struct hv_cmdline cmdline;
	bool cmdline_read; /* cmdline_text holds proc/cmdline */
	struct hv_kconfig kconfig;
	struct hv_bootlog bootlog;
	enum hv_tristate cpu_gbpages; /* pdpe1gb (x86) */
	char cpu_model[128];
	/* where cpu_model and cpu_gbpages came from: "cpuinfo" (the kernel's
	 * /proc/cpuinfo, or the snapshot's copy), "cpuid" (the instruction, live
	 * x86 hosts whose cpuinfo has no flags); "" when unknown */
	char cpu_model_source[16], cpu_gbpages_source[16];

	/* The large parts come last, sized for the largest host: hv_host_copy()
	 * and the probe touch only the entries in use (a host has a few
	 * nodes, and top copies the host every refresh). */
	int nhstates;
	int nnode_mem;
	/* proc/cmdline as read (apply edits boot parameters from it) */
	char cmdline_text[HV_CMDLINE_MAX + 1];
	struct hv_hstate hstates[HV_MAX_HSTATES]; /* each: nodes[0..nnodes) in use */
	/* MemTotal of each NUMA node with a meminfo file (plans split memory by it) */
	struct {
		int node;
		int64_t mem_total_kib;
	} node_mem[HV_MAX_NODES];
	/* System RAM ranges, read only where a block spans several sections;
	 * r[0..n) in use */
	struct hv_ram_ranges ram;
	/* hugetlbfs mounts: report only (hv_probe_mounts()); m[0..n) in use */
	struct hv_mounts mounts;
};

/* Copies what is in use of src: the fixed fields, the pools with their
 * nodes, the command line as long as it is, the nodes' memory. */
void hv_host_copy(struct hv_host *dst, const struct hv_host *src);

const char *hv_page_src_name(enum hv_page_src s);

#endif
