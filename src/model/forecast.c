/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How many hugepages the buddy allocator could give now (doc/kernel-rules.md,
 * "Allocation forecast"). A pool page is allocated with __GFP_THISNODE from
 * the node's zones up to gfp_zone(htlb_alloc_mask()): every zone but Device
 * for a page the buddy allocator can hold (hugepage_movable_supported():
 * GFP_HIGHUSER_MOVABLE), and only the zones below Movable for a gigantic
 * page (GFP_HIGHUSER, through alloc_contig_pages()). Without reclaim a zone
 * gives a block while __zone_watermark_ok() holds: its free pages less the
 * block must stay above min + lowmem_reserve[the allocation's highest zone]
 * (zoneinfo's "min" and "protection"). */
#include <stdint.h>
#include <string.h>

#include "host.h"
#include "model.h"

const char *hv_forecast_basis_name(enum hv_forecast_basis b)
{
	switch (b) {
	case HV_FC_FREE_BLOCKS:
		return "free-blocks";
	case HV_FC_FREE_MEMORY:
		return "free-memory";
	case HV_FC_UNKNOWN:
		break;
	}
	return "unknown";
}

/* Sums saturate: a damaged file must not wrap into a small count
 * (parse bounds each count by 2^36 and the orders by 24, so a term fits). */
static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t c;
	return __builtin_add_overflow(a, b, &c) ? INT64_MAX : c;
}

static bool named(const struct hv_zone_free *z, const char *name)
{
	return strcmp(z->name, name) == 0;
}

/* Pages of order k zone z could give without reclaim: *now from its free
 * blocks, *bound from its free memory, which is what compaction (moving
 * pages, freeing none) could at best assemble; a gigantic page is in no
 * free list, so the bound is all there is for it. */
static void zone_pages(const struct hv_free_blocks *fb, const struct hv_zone_free *z, int k, bool gigantic,
		       int hz, bool *marks, int64_t *now, int64_t *bound)
{
	int64_t avail = -1;
	if (fb->zoneinfo && z->free_pages >= 0 && z->min_pages >= 0) {
		int64_t mark = z->min_pages + (hz >= 0 && hz < z->nprot ? z->protection[hz] : 0);
		avail = z->free_pages > mark ? z->free_pages - mark : 0;
	} else {
		*marks = false;
		avail = 0;
		for (int o = 0; o < z->norders; o++)
			avail = sat_add(avail, (int64_t)(z->blocks[o] << o));
	}
	*bound = avail >> k;
	if (gigantic) {
		*now = *bound;
		return;
	}
	int64_t n = 0;
	for (int o = k; o < z->norders; o++)
		n = sat_add(n, (int64_t)(z->blocks[o] << (o - k)));
	*now = n < *bound ? n : *bound;
}

/* One pass over the zones: all nodes (node -1) or one into out, and with
 * per every node's figures by node id; linear in zones, 1,024 nodes
 * included. */
static void forecast(const struct hv_free_blocks *fb, long page_size, uint64_t size, int node,
		     struct hv_forecast *out, struct hv_forecast_node *per)
{
	*out = (struct hv_forecast){.pages = HV_UNKNOWN, .compacted = HV_UNKNOWN, .basis = HV_FC_UNKNOWN};
	if (!fb->read || page_size <= 0 || size < (uint64_t)page_size || size % (uint64_t)page_size)
		return;
	uint64_t ratio = size / (uint64_t)page_size;
	if (ratio & (ratio - 1))
		return;
	int k = __builtin_ctzll(ratio);
	/* the buddy lists hold orders 0 .. NR_PAGE_ORDERS-1: the same count in
	 * every zone; a page above the largest is gigantic (hstate_is_gigantic()) */
	int orders = 0;
	for (int i = 0; i < fb->n; i++)
		orders = fb->z[i].norders > orders ? fb->z[i].norders : orders;
	if (orders == 0 || k >= 62)
		return;
	bool gigantic = k >= orders, marks = fb->zoneinfo;
	/* the index of the highest zone the allocation may use in each node
	 * (its lowmem_reserve entry): Movable, or Normal for a gigantic page;
	 * -1 where zoneinfo does not list it */
	int high[HV_MAX_NODES];
	for (int i = 0; i < fb->n; i++)
		high[fb->z[i].node] = -1;
	for (int i = 0; i < fb->n; i++)
		if (named(&fb->z[i], gigantic ? "Normal" : "Movable"))
			high[fb->z[i].node] = fb->z[i].idx;
	for (int i = 0; per && i < fb->n; i++)
		per[fb->z[i].node] = (struct hv_forecast_node){0};
	int64_t total = 0, bound = 0, zn, zb;
	for (int i = 0; i < fb->n; i++) {
		const struct hv_zone_free *z = &fb->z[i];
		if ((node >= 0 && z->node != node) || z->norders == 0 || named(z, "Device") ||
		    (gigantic && named(z, "Movable")))
			continue;
		zone_pages(fb, z, k, gigantic, high[z->node], &marks, &zn, &zb);
		total = sat_add(total, zn);
		bound = sat_add(bound, zb);
		if (per) {
			per[z->node].pages = sat_add(per[z->node].pages, zn);
			per[z->node].compacted = sat_add(per[z->node].compacted, zb);
		}
	}
	if (total == INT64_MAX || bound == INT64_MAX)
		return;
	out->pages = total;
	out->compacted = bound;
	out->basis = gigantic ? HV_FC_FREE_MEMORY : HV_FC_FREE_BLOCKS;
	out->watermarks = marks;
}

void hv_forecast_pool(const struct hv_free_blocks *fb, long page_size, uint64_t size, int node,
		      struct hv_forecast *out)
{
	forecast(fb, page_size, size, node, out, NULL);
}

void hv_forecast_pool_nodes(const struct hv_free_blocks *fb, long page_size, uint64_t size, struct hv_forecast *all,
			    struct hv_forecast_node per[HV_MAX_NODES])
{
	forecast(fb, page_size, size, -1, all, per);
}
