/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --from-host: a plan that starts as the probed host (live or --root
 * snapshot). Memory is what the memmap covers: present memory blocks x
 * block size (the report's baseline), else MemTotal, which leaves out
 * memory reserved at boot and so understates the memmap. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hv_error.h"
#include "plan.h"
#include "strutil.h"

static void spread(int64_t nr[], int64_t total, int nodes)
{
	memset(nr, 0, sizeof(int64_t) * HV_MAX_NODES);
	for (int n = 0; n < nodes; n++)
		nr[n] = total / nodes + (n < total % nodes);
}

/* Memory is what the memmap covers: the present sections (blocks, where
 * a block is one section), else MemTotal. */
static int host_memory(const struct hv_host *h, struct hv_plan_input *in)
{
	uint64_t mem;
	int64_t sections;
	enum hv_mem_basis b = hv_host_memmap_memory(h, &mem, &sections, NULL, 0);
	if (b == HV_MEM_BLOCKS || b == HV_MEM_SECTIONS) {
		in->memory = mem;
		in->memory_source = b == HV_MEM_SECTIONS ? HV_PLAN_MEM_SECTIONS : HV_PLAN_MEM_BLOCKS;
	} else if (h->meminfo.mem_total_kib > 0 && (uint64_t)h->meminfo.mem_total_kib <= UINT64_MAX / 1024) {
		in->memory = (uint64_t)h->meminfo.mem_total_kib * 1024;
		in->memory_source = HV_PLAN_MEM_MEMINFO;
	} else {
		return hv_fail(EINVAL, "%s: neither memory blocks nor MemTotal tell the memory size; give --memory",
			       h->root[0] ? h->root : "/");
	}
	return 0;
}

/* The plan's nodes are the host's nodes with hugepage pools (memoryless
 * nodes have none), in id order, whatever their ids: counting up to the
 * highest id would split memory over nodes that do not exist. */
static int host_nodes(const struct hv_host *h, struct hv_plan_input *in)
{
	/* which ids have a pool: one pass over every (pool, node), then the
	 * ids in order, so the cost is linear in nodes x sizes */
	bool seen[HV_MAX_NODES] = {false};
	in->nodes = 0;
	in->node_ids_set = false;
	for (int i = 0; i < h->nhstates; i++)
		for (int j = 0; j < h->hstates[i].nnodes; j++) {
			int id = h->hstates[i].nodes[j].node;
			if (id >= HV_MAX_NODES)
				return hv_fail(E2BIG, "%s: NUMA node %d: node ids end at %d (the kernel's MAX_NUMNODES)",
					       h->root[0] ? h->root : "/", id, HV_MAX_NODES - 1);
			if (id >= 0)
				seen[id] = true;
		}
	for (int id = 0; id < HV_MAX_NODES; id++)
		if (seen[id]) {
			in->node_id[in->nodes++] = id;
			in->node_ids_set = true;
		}
	if (!in->nodes) {
		int online = h->nnodes_online > 0 ? h->nnodes_online : 1;
		in->nodes = online > HV_MAX_NODES ? HV_MAX_NODES : online;
	}
	in->nodes_source = HV_PLAN_SRC_HOST;
	/* Nodes differ in size (POWER's 252-255 are GPU memory): an even split
	 * would find a real pool larger than its node. Only with every node's
	 * MemTotal, else the split is even for all. */
	in->node_weights_set = in->node_ids_set && in->nodes > 1; /* one node has it all */
	for (int n = 0; n < in->nodes; n++)
		in->node_weight[n] = 0;
	for (int k = 0; k < h->nnode_mem && in->node_weights_set; k++) {
		int n = hv_plan_node_index(in, h->node_mem[k].node);
		if (n >= 0)
			in->node_weight[n] = (uint64_t)h->node_mem[k].mem_total_kib;
	}
	for (int n = 0; n < in->nodes && in->node_weights_set; n++)
		in->node_weights_set = in->node_weight[n] > 0;
	return 0;
}

/* The host's pools, per plan node (spread evenly when the host has no
 * per-node counts). */
static void host_pools(const struct hv_host *h, struct hv_plan_input *in)
{
	in->nbase = 0;
	for (int i = 0; i < h->nhstates && in->nbase < HV_PLAN_MAX_SIZES; i++) {
		const struct hv_hstate *s = &h->hstates[i];
		struct hv_plan_base_pool *b = &in->base[in->nbase++];
		b->size = s->size;
		if (s->nnodes == 0) {
			spread(b->nr, s->nr > 0 ? s->nr : 0, in->nodes);
			continue;
		}
		memset(b->nr, 0, sizeof(b->nr));
		for (int j = 0; j < s->nnodes; j++) {
			int n = hv_plan_node_index(in, s->nodes[j].node);
			if (n >= 0 && s->nodes[j].nr > 0)
				b->nr[n] = s->nodes[j].nr;
		}
	}
}

int hv_plan_from_host(const struct hv_host *h, const struct hv_model_opts *o, struct hv_plan_input *in)
{
	in->from_host = true;
	hv_copy(in->root, sizeof(in->root), h->root[0] ? h->root : "/");
	int rc = host_memory(h, in);
	if (rc < 0)
		return rc;
	/* The overrides as the report takes them (struct hv_model_opts), but
	 * the host's struct page is derived with its own base page: a plan's
	 * --page-size is a what-if, not a correction of the host. */
	struct hv_model_opts host_o = {.struct_page_size = o ? o->struct_page_size : 0};
	enum hv_page_src src;
	long page_size = hv_model_page_size(h, o, &src);
	if (page_size <= 0)
		return hv_fail(EINVAL, "%s: the base page size is unknown; give --page-size", h->root[0] ? h->root : "/");
	in->page_size = (uint64_t)page_size;
	in->page_size_source = src == HV_SRC_OVERRIDE ? HV_PLAN_SRC_OPTION : HV_PLAN_SRC_HOST;

	struct hv_gen_info g;
	long known_s = o && o->struct_page_size > 0 ? o->struct_page_size
		       : h->btf_struct_page_size > 0 ? h->btf_struct_page_size
						     : 0;
	hv_host_generation(h, src == HV_SRC_OVERRIDE ? h->page_size : page_size, known_s, &g);
	in->gen = g.gen;
	in->gen_source = HV_PLAN_SRC_HOST;
	if (in->gen == HV_GEN_UNKNOWN) {
		in->gen = HV_GEN_6_15;
		in->gen_source = HV_PLAN_SRC_DEFAULT;
	}
	hv_copy(in->release, sizeof(in->release), h->release);
	in->no_hvo[0] = '\0';
	if ((in->arch = hv_arch_find(h->arch)))
		in->arch_source = HV_PLAN_SRC_HOST;
	if (in->gen != HV_GEN_NONE && hv_model_hvo_built(h, in->gen) == HV_NO) {
		if (hv_arch_supports_hvo(h->arch, h->kver_major, h->kver_minor, h->kver_patch) == HV_NO)
			snprintf(in->no_hvo, sizeof(in->no_hvo), "HVO is not available on %s with kernel %s", h->arch,
				 h->release);
		else
			snprintf(in->no_hvo, sizeof(in->no_hvo), "the host's kernel %s is built without HVO%s", h->release,
				 h->kconfig.present ? " (CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP is not set)" : "");
	}
	in->struct_page = (uint64_t)hv_model_struct_page(h, &host_o, in->gen, &src);
	in->struct_page_source = src == HV_SRC_OVERRIDE ? HV_PLAN_SRC_OPTION
				 : src == HV_SRC_ASSUMED ? HV_PLAN_SRC_DEFAULT
							 : HV_PLAN_SRC_HOST;

	if ((rc = host_nodes(h, in)) < 0)
		return rc;
	host_pools(h, in);
	return 0;
}

int hv_plan_node_id(const struct hv_plan_input *in, int n)
{
	return in->node_ids_set ? in->node_id[n] : n;
}

int hv_plan_node_index(const struct hv_plan_input *in, int id)
{
	if (!in->node_ids_set)
		return id >= 0 && id < in->nodes ? id : -1;
	int lo = 0, hi = in->nodes; /* node_id ascends (host_nodes) */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (in->node_id[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < in->nodes && in->node_id[lo] == id ? lo : -1;
}

void hv_plan_respread_base(struct hv_plan_input *in)
{
	for (int i = 0; i < in->nbase; i++) {
		int64_t total = 0;
		for (int n = 0; n < HV_MAX_NODES; n++)
			if (__builtin_add_overflow(total, in->base[i].nr[n], &total))
				total = INT64_MAX; /* caught as "larger than memory" later */
		spread(in->base[i].nr, total, in->nodes);
	}
	in->node_ids_set = in->node_weights_set = false; /* --nodes N: nodes 0 to N-1, even */
}

void hv_plan_forecast_host(const struct hv_host *h, const struct hv_free_blocks *fb, struct hv_plan_input *in)
{
	in->nforecast = 0;
	if (!fb->read)
		return;
	/* the host's own base page: a --page-size what-if does not change
	 * which buddy order a hugepage is */
	enum hv_page_src src;
	long ps = hv_model_page_size(h, NULL, &src);
	struct hv_forecast_node *per = malloc(sizeof(*per) * HV_MAX_NODES);
	if (!per)
		return; /* no forecast rather than a failed plan */
	for (int i = 0; i < h->nhstates && in->nforecast < HV_PLAN_MAX_SIZES; i++) {
		const struct hv_hstate *s = &h->hstates[i];
		struct hv_plan_forecast *f = &in->forecast[in->nforecast++];
		f->size = s->size;
		/* a node buddyinfo does not list has nothing free */
		memset(per, 0, sizeof(*per) * HV_MAX_NODES);
		hv_forecast_pool_nodes(fb, ps, s->size, &f->total, per);
		f->nnodes = 0;
		for (int j = 0; j < s->nnodes && f->total.basis != HV_FC_UNKNOWN; j++) {
			int id = s->nodes[j].node;
			f->nodes[f->nnodes].node = id;
			f->nodes[f->nnodes].pages = id >= 0 && id < HV_MAX_NODES ? per[id].pages : 0;
			f->nodes[f->nnodes++].compacted = id >= 0 && id < HV_MAX_NODES ? per[id].compacted : 0;
		}
	}
	free(per);
}
