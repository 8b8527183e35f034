/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan plan: what-if vmemmap cost and HVO savings for a hypothetical (or
 * probed, then changed) host. The same per-page rules as the report
 * (hv_optimizable_bytes, hv_gen_kept_pages), applied to pools the user
 * describes. Pure: no I/O, no globals; errors are hv_fail() text. */
#ifndef HV_PLAN_H
#define HV_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arch.h"
#include "host.h"
#include "model.h"

#define HV_PLAN_MAX_SPECS 64
#define HV_PLAN_MAX_DAX 32
#define HV_PLAN_MAX_SIZES 16	/* distinct hugepage sizes in one plan */
#define HV_PLAN_MAX_ROWS (HV_PLAN_MAX_SIZES + 8)
#define HV_PLAN_MAX_COMPARE 8
#define HV_PLAN_PCT_SCALE 100	/* percentages are kept in hundredths */

enum hv_plan_amount { HV_PLAN_COUNT, HV_PLAN_BYTES, HV_PLAN_PERCENT };

/* One --pool SIZE:AMOUNT[@NODE]. */
struct hv_plan_pool_spec {
	uint64_t size;
	enum hv_plan_amount kind;
	uint64_t value; /* pages, bytes, or hundredths of a percent */
	int node;	/* HV_UNKNOWN: spread evenly over every node */
	char text[64];	/* as given, for messages */
};

/* One --dax SIZE:ALIGN[@NODE] (a device-dax namespace, vmemmap in DRAM). */
struct hv_plan_dax_spec {
	uint64_t size, align;
	int node; /* HV_UNKNOWN: node 0 */
	char text[64];
};

/* Pools the plan starts from (--from-host), page counts per node. */
struct hv_plan_base_pool {
	uint64_t size;
	int64_t nr[HV_MAX_NODES];
};

struct hv_plan_forecast {
	uint64_t size;
	struct hv_forecast total;
	int nnodes;
	struct {
		int node;	   /* NUMA id */
		int64_t pages;	   /* as total.basis says; HV_UNKNOWN */
		int64_t compacted; /* as total.compacted */
	} nodes[HV_MAX_NODES];
};

enum hv_plan_src { HV_PLAN_SRC_DEFAULT = 0, HV_PLAN_SRC_OPTION, HV_PLAN_SRC_HOST };
enum hv_plan_mem_src { HV_PLAN_MEM_OPTION = 0, HV_PLAN_MEM_BLOCKS, HV_PLAN_MEM_MEMINFO, HV_PLAN_MEM_SECTIONS };

struct hv_plan_input {
	uint64_t memory; /* bytes; 0 = not given */
	enum hv_plan_mem_src memory_source;
	int nodes;
	enum hv_plan_src nodes_source;
	uint64_t page_size;
	enum hv_plan_src page_size_source;
	uint64_t struct_page;
	enum hv_plan_src struct_page_source;
	enum hv_gen gen;
	enum hv_plan_src gen_source;
	char release[64]; /* "5.15" from --kernel or the host; "" for --generation */
	/* --from-host on a kernel without HVO (not built, or the architecture
	 * lost it): why, and the plan frees nothing; "" otherwise */
	char no_hvo[320];
	/* --arch, or the host's (NULL: any architecture with the base page) */
	const struct hv_arch *arch;
	enum hv_plan_src arch_source;

	bool from_host;
	char root[256]; /* the host's root, for the JSON source */
	/* The host's NUMA ids of plan nodes 0..nodes-1, ascending: they can be
	 * sparse (0 and 8; 0, 8, 252-255 on POWER; 0 and 1023), below
	 * HV_MAX_NODES. Without them plan node n is NUMA node n. */
	bool node_ids_set;
	int node_id[HV_MAX_NODES];
	/* Each node's share of memory is in proportion to these (the host's
	 * per-node MemTotal, KiB); unset: memory is split evenly. */
	bool node_weights_set;
	uint64_t node_weight[HV_MAX_NODES];
	int nbase;
	struct hv_plan_base_pool base[HV_PLAN_MAX_SIZES];
	/* --from-host: what the buddy allocator has free now for each of the
	 * host's sizes (hv_plan_forecast_host()), whole and per NUMA node */
	int nforecast;
	struct hv_plan_forecast forecast[HV_PLAN_MAX_SIZES];

	int nspecs;
	struct hv_plan_pool_spec specs[HV_PLAN_MAX_SPECS];
	int ndax;
	struct hv_plan_dax_spec dax[HV_PLAN_MAX_DAX];
	int ncompare;
	uint64_t compare[HV_PLAN_MAX_COMPARE];
};

/* The figures of one pool on one node, or summed. All bytes. */
struct hv_plan_cell {
	uint64_t pages;	   /* hugepages, or compound pages of a dax namespace */
	uint64_t memory;   /* hugetlb (or dax) memory they hold */
	uint64_t vmemmap;  /* struct pages describing it, without HVO */
	uint64_t kept;	   /* vmemmap left with HVO (dedup), shared tail pages included */
	uint64_t savings;  /* vmemmap - kept */
	uint64_t restore;  /* free memory needed to free these pages (vmemmap allocated again) */
	uint64_t tail;	   /* 7.1: shared tail pages (one per node and order in use; estimate) */
};

struct hv_plan_row {
	bool dax;
	uint64_t size; /* hugepage size, or the dax align */
	char name[16];
	uint64_t vmemmap_per_page, optimizable_per_page;
	int nnodes;
	struct hv_plan_cell total;
	struct hv_plan_cell nodes[HV_MAX_NODES];
};

struct hv_plan_alt {
	uint64_t size;
	char name[16];
	uint64_t unplaced; /* bytes of the pools that do not fill a whole page of this size */
	uint64_t vmemmap_per_page, optimizable_per_page;
	struct hv_plan_cell cell;
};

struct hv_plan_result {
	const struct hv_plan_input *in;
	int kept_pages;
	bool shared_tail; /* 7.1 generation */
	int nrows;
	struct hv_plan_row rows[HV_PLAN_MAX_ROWS];
	struct hv_plan_cell hugetlb, dax, total;
	uint64_t memmap;	  /* struct pages of all memory and of the namespaces, without HVO */
	uint64_t memmap_with_hvo; /* memmap - total.savings */
	int64_t remaining;	  /* memory - hugetlb - memmap_with_hvo; may be negative */
	int ncompare;
	struct hv_plan_alt compare[HV_PLAN_MAX_COMPARE];
	int nnotes;
	char notes[8][256];
};

/* Option values. Each returns 0, or -EINVAL/-ERANGE with hv_fail() text
 * naming the value. */
int hv_plan_parse_pool(const char *arg, struct hv_plan_pool_spec *out);
int hv_plan_parse_dax(const char *arg, struct hv_plan_dax_spec *out);
/* "4K", "16K" or "64K" */
int hv_plan_parse_page_size(const char *arg, uint64_t *out);
/* "5.14", "5.18", ..., "7.1" or "none" (pre-5.14) */
int hv_plan_parse_generation(const char *arg, enum hv_gen *out);
/* "5.15", "6.1.0-18-amd64" */
int hv_plan_parse_kernel(const char *arg, enum hv_gen *out);
/* "2M,1G" */
int hv_plan_parse_compare(const char *arg, struct hv_plan_input *in);

/* Fills in from a probed host: memory (present memory blocks x block size,
 * else MemTotal), nodes, base page, struct page, kernel and current pools. */
int hv_plan_from_host(const struct hv_host *h, const struct hv_model_opts *o, struct hv_plan_input *in);
/* The allocation forecast of each of the host's sizes from its free blocks
 * (fb unread: none). */
void hv_plan_forecast_host(const struct hv_host *h, const struct hv_free_blocks *fb, struct hv_plan_input *in);
/* After --nodes changed the node count of a host plan: its pools keep
 * their totals, spread evenly over the new nodes. */
void hv_plan_respread_base(struct hv_plan_input *in);
/* NUMA id of plan node n, and the plan node of a NUMA id (-1: none). */
int hv_plan_node_id(const struct hv_plan_input *in, int n);
int hv_plan_node_index(const struct hv_plan_input *in, int id);

/* Lays the pools out and computes every figure. -EINVAL (impossible plan)
 * or -ERANGE (64-bit overflow), with hv_fail() text naming the value. */
int hv_plan_compute(const struct hv_plan_input *in, struct hv_plan_result *r);

/* The per-hugepage rule used by the plan, exposed for tests: bytes one
 * device-dax compound page of `align` frees (5.19+, PMD or PUD align, on
 * x86-64, riscv and powerpc radix: 4K and powerpc's 64K base pages; arch
 * NULL: any of them). */
uint64_t hv_plan_dax_optimizable(uint64_t align, uint64_t page_size, uint64_t struct_page, enum hv_gen gen,
				 const struct hv_arch *arch);
uint64_t hv_plan_pmd_size(uint64_t page_size);
uint64_t hv_plan_pud_size(uint64_t page_size);
/* The aligns a device-dax namespace may have with this base page, on the
 * architecture or (NULL) any that has it: the base page, PMD and PUD sizes
 * (64K: arm64's 512M and 4T, powerpc radix's 2M and 1G), ascending.
 * Returns how many. */
#define HV_PLAN_MAX_DAX_ALIGNS 5
int hv_plan_dax_aligns(uint64_t page_size, const struct hv_arch *arch, uint64_t out[HV_PLAN_MAX_DAX_ALIGNS]);

const char *hv_plan_src_name(enum hv_plan_src s);
const char *hv_plan_mem_src_name(enum hv_plan_mem_src s);

/* Renderers (src/render/plan_*.c). */
struct hv_table_opts;
void hv_plan_list_columns(FILE *out);
int hv_plan_render_table(FILE *out, const struct hv_plan_result *r, const struct hv_table_opts *o);
int hv_plan_render_json(FILE *out, const struct hv_plan_result *r);

#endif
