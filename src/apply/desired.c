/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Merged settings -> a desired state this host can take. Invalid values are
 * refused here, before anything is planned or written. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "apply.h"
#include "hv_error.h"

static const struct hv_hstate *find_hstate(const struct hv_host *h, uint64_t size)
{
	for (int i = 0; i < h->nhstates; i++)
		if (h->hstates[i].size == size)
			return &h->hstates[i];
	return NULL;
}

static void size_list(const struct hv_host *h, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (int i = 0; i < h->nhstates; i++) {
		char n[32];
		hv_bootsize_name(h->hstates[i].size, n, sizeof(n));
		size_t l = strlen(buf);
		snprintf(buf + l, cap - l, "%s%s", i ? ", " : "", n);
	}
	if (!buf[0])
		snprintf(buf, cap, "none");
}

/* The pool q names (its size as boot parameters spell it in sz[32]), or an
 * error listing the sizes this host has. */
static int req_hstate(const struct hv_host *h, const struct hv_pool_req *q, char *sz, const struct hv_hstate **hs)
{
	hv_bootsize_name(q->size, sz, 32);
	if ((*hs = find_hstate(h, q->size)))
		return 0;
	char sizes[256];
	size_list(h, sizes, sizeof(sizes));
	return hv_fail(EINVAL, "%s %s: this host has no %s hugepage pool (sizes: %s)", q->from, sz, sz, sizes);
}

int hv_desired_from_settings(const struct hv_apply_settings *s, const struct hv_host *h,
			     const struct hv_report *r, struct hv_desired *d)
{
	memset(d, 0, sizeof(*d));
	d->hvo = s->hvo;
	d->persist = s->persist == 1;
	d->reoptimize = s->reoptimize == 1;
	d->bootloader = s->bootloader < 0 ? HV_BL_AUTO : (enum hv_bootloader)s->bootloader;
	d->batch = s->batch;

	unsigned __int128 total = 0;
	for (int i = 0; i < s->npools; i++) {
		const struct hv_pool_req *q = &s->pools[i];
		char sz[32];
		const struct hv_hstate *hs;
		int rc = req_hstate(h, q, sz, &hs);
		if (rc < 0)
			return rc;
		/* the persistent pages as found: what a change is made to, and
		 * what nr_hugepages takes */
		int64_t found_pages = hs->nr - (hs->surplus > 0 ? hs->surplus : 0);
		if (q->node >= 0) {
			bool found = false;
			for (int j = 0; j < hs->nnodes; j++)
				if (hs->nodes[j].node == q->node) {
					found = true;
					found_pages = hs->nodes[j].nr - (hs->nodes[j].surplus > 0 ? hs->nodes[j].surplus : 0);
				}
			if (!found)
				return hv_fail(EINVAL, "%s %s:%s@%d: no NUMA node %d with a %s pool on this host", q->from, sz,
					       q->amount, q->node, q->node, sz);
		}
		struct hv_pool_req res = *q;
		if (q->relative) {
			char where[32] = "";
			if (q->node >= 0)
				snprintf(where, sizeof(where), " on node %d", q->node);
			if (found_pages + q->count < 0)
				return hv_fail(EINVAL, "%s %s:%s: the %s pool%s has %lld page%s: it cannot lose %lld",
					       q->from, sz, q->amount, sz, where, (long long)found_pages,
					       found_pages == 1 ? "" : "s", (long long)-q->count);
			res.count = found_pages + q->count;
			res.relative = false;
		}
		for (int j = 0; j < s->npools; j++)
			if (j != i && s->pools[j].size == q->size && (s->pools[j].node < 0) != (q->node < 0))
				return hv_fail(EINVAL,
					       "%s: %s is given both for the whole pool and per node; use one form", q->from,
					       sz);
		total += (unsigned __int128)q->size * (uint64_t)res.count;
		if (h->meminfo.mem_total_kib > 0 && total > (unsigned __int128)h->meminfo.mem_total_kib * 1024)
			return hv_fail(EINVAL, "%s %s:%s: the pools asked for exceed this host's memory (%lld MiB)",
				       q->from, sz, q->amount, (long long)(h->meminfo.mem_total_kib >> 10));
		if (total > ((unsigned __int128)1 << 62))
			return hv_fail(EINVAL, "%s %s:%s: absurd size", q->from, sz, q->amount);
		d->pools[d->npools++] = res;
	}

	for (int i = 0; i < s->novercommit; i++) {
		const struct hv_pool_req *q = &s->overcommit[i];
		char sz[32];
		const struct hv_hstate *hs;
		int rc = req_hstate(h, q, sz, &hs);
		if (rc < 0)
			return rc;
		struct hv_pool_req res = *q;
		if (q->relative) {
			if (hs->overcommit == HV_UNKNOWN)
				return hv_fail(EINVAL, "%s %s:%s: the %s overcommit limit could not be read, so it cannot "
						       "be changed by an amount; give the limit",
					       q->from, sz, q->amount, sz);
			if (hs->overcommit + q->count < 0)
				return hv_fail(EINVAL, "%s %s:%s: the %s overcommit limit is %lld: it cannot go down by %lld",
					       q->from, sz, q->amount, sz, (long long)hs->overcommit,
					       (long long)-q->count);
			res.count = hs->overcommit + q->count;
			res.relative = false;
		}
		d->overcommit[d->novercommit++] = res;
	}

	bool hvo_wanted = d->hvo >= 0 || d->reoptimize;
	if (hvo_wanted && r->hvo_compiled == HV_NO)
		return hv_fail(ENOTSUP, "HVO is not compiled into this kernel (CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP), "
					"or not supported on %s %s: nothing to turn on",
			       h->arch[0] ? h->arch : "this architecture", h->release);
	if (hvo_wanted && h->sysctl_hvo == HV_UNKNOWN)
		return hv_fail(ENOTSUP, "%s is missing: this kernel cannot switch HVO at run time (HVO not built in, "
					"no optimizable hugepage size, or a kernel before 5.19)",
			       "/" HV_SYSCTL_REL);
	if (d->reoptimize) {
		int after = d->hvo >= 0 ? d->hvo : h->sysctl_hvo;
		if (after != 1)
			return hv_fail(EINVAL, "re-optimizing (--reoptimize, HVOPLAN_REOPTIMIZE or reoptimize = yes) "
					       "needs HVO on (--hvo on, HVOPLAN_HVO=on or hvo = on): pages "
					       "re-allocated with HVO off stay un-optimized");
	}
	return 0;
}
