/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/cmdline: hugepagesz=/hugepages= pairs, hugetlb_free_vmemmap=, ... */
#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = fuzz_buf(data, size);
	struct hv_cmdline *cl = malloc(sizeof(*cl));
	if (!cl)
		abort();
	hv_clear_error();
	int rc = hv_parse_cmdline(b, size, cl);
	fuzz_check_error(rc, "hv_parse_cmdline");
	FUZZ_ASSERT(cl->present);
	FUZZ_ASSERT(cl->npools >= 0 && cl->npools <= HV_MAX_CMDLINE_POOLS);
	FUZZ_ASSERT(cl->hvo_param_present || (!cl->hvo_param_bare && !cl->hvo_param_text[0]));
	FUZZ_ASSERT(!cl->hvo_param_bare || !cl->hvo_param_text[0]);
	FUZZ_ASSERT(cl->memmap_on_memory >= HV_UNKNOWN && cl->memmap_on_memory <= 2);
	FUZZ_ASSERT(cl->sysctl_hvo >= HV_UNKNOWN && cl->sysctl_hvo <= 1);
	FUZZ_ASSERT(memchr(cl->hvo_param_text, '\0', sizeof(cl->hvo_param_text)));
	for (int i = 0; i < cl->npools; i++) {
		const struct hv_cmdline_pool *p = &cl->pools[i];
		FUZZ_ASSERT(p->count >= 0);
		/* one pool per size; "the default" only while no default_hugepagesz= */
		for (int j = 0; j < i; j++)
			FUZZ_ASSERT(cl->pools[j].size != p->size);
		FUZZ_ASSERT(p->size || !cl->default_hugepagesz);
		FUZZ_ASSERT(!p->size || (p->size >= (64u << 10) && !(p->size & (p->size - 1))));
		FUZZ_ASSERT(p->nnode_counts >= 0 && p->nnode_counts <= HV_MAX_CMDLINE_NODES);
		for (int j = 0; j < p->nnode_counts; j++)
			FUZZ_ASSERT(p->node_counts[j].node >= 0 && p->node_counts[j].node < HV_MAX_NODES &&
				    p->node_counts[j].count >= 0);
	}
	free(cl);
	free(b);
	return 0;
}
