/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report --processes: who maps hugepages, per size and node, like
 * `numastat -p` does for all memory. From a process scan with the smaps
 * split (struct hv_procs, sorted) and each listed process's numa_maps. The
 * unfaulted part of a mapping is what it maps and has not touched: the
 * pages reserved for it (a private mapping, or a shared file's pages not
 * yet allocated), or pages of a shared file another process faulted in. */
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "procs.h"
#include "strutil.h"

void hv_report_processes(const struct hv_procs *p, const struct hv_numa_use (*numa)[32], const int *nnuma,
			 const bool *numa_truncated, const int *numa_rc, struct hv_report *r)
{
	struct hv_proc_report *o = &r->processes;
	memset(o, 0, sizeof(*o));
	if (!p->available) {
		hv_copy(o->why, sizeof(o->why), p->why[0] ? p->why : "no processes under this root");
		return;
	}
	o->read = true;
	o->nprocs = p->n;
	o->nreserved_only = p->nreserved_only;
	o->nnoaccess = p->nunreadable + p->nsmaps_noaccess;
	int rows = (int)(sizeof(o->rows) / sizeof(o->rows[0]));
	o->truncated = p->n > rows;
	for (int i = 0; i < p->n && i < rows; i++) {
		const struct hv_proc *e = &p->v[i];
		struct hv_proc_row *w = &o->rows[o->nrows++];
		w->pid = e->pid;
		hv_copy(w->user, sizeof(w->user), e->user);
		hv_copy(w->comm, sizeof(w->comm), e->comm);
		w->hugetlb_kib = e->hugetlb_kib;
		w->private_kib = e->private_kib;
		w->shared_kib = e->shared_kib;
		w->mapped_kib = e->mapped_kib;
		w->reserved_only = e->reserved_only;
		bool split = e->private_kib >= 0 && e->shared_kib >= 0 && e->mapped_kib >= 0;
		int64_t faulted = split ? e->private_kib + e->shared_kib : 0;
		w->unfaulted_kib = split && e->mapped_kib >= faulted ? e->mapped_kib - faulted : HV_UNKNOWN;
		w->numa_read = numa_rc[i] == 0;
		if (w->numa_read) {
			w->nuse = nnuma[i];
			w->use_truncated = numa_truncated[i];
			memcpy(w->use, numa[i], sizeof(w->use[0]) * (size_t)nnuma[i]);
		}
	}
}
