/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who holds the pages in use (include/holders.h; doc/kernel-rules.md, "Who
 * holds the pages"). Per size, the pages in use are set against:
 *   files   every file of a hugetlbfs mount holds st_blocks * 512 bytes of
 *           pages, mapped or not (hugetlb_add_to_page_cache() adds a page's
 *           blocks to i_blocks);
 *   sysv    every SysV segment holds what /proc/sysvipc/shm calls rss (see
 *           shm_rss_unit() for the unit);
 *   mapped  the mappings of processes that are neither: anonymous
 *           MAP_HUGETLB, memfd, deleted files; each object (device and
 *           inode) once, its private pages summed and its shared pages
 *           the largest share one process sees (as top counts them).
 * What is left is in use with no holder this host shows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holders.h"
#include "model.h"
#include "strutil.h"

static int size_index(const struct hv_holders *o, uint64_t size)
{
	for (int i = 0; i < o->nsizes; i++)
		if (o->sizes[i].size == size)
			return i;
	return -1;
}

/* An object a mapping or a file names. Files and mappings are matched
 * through sorted copies of these, so that a host with thousands of files
 * and mappings costs n log n, not files x mappings. */
struct obj_key {
	unsigned major, minor;
	uint64_t ino;
};

static int cmp_key(const void *a, const void *b)
{
	const struct obj_key *x = a, *y = b;
	if (x->major != y->major)
		return x->major < y->major ? -1 : 1;
	if (x->minor != y->minor)
		return x->minor < y->minor ? -1 : 1;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

struct index {
	struct obj_key *files;	  /* every file */
	int nfiles;
	struct obj_key *mappings; /* every mapping that is not a segment */
	int nmappings;
	struct hv_pid_vma *sysv;  /* the segments' mappings, by shmid */
	int nsysv;
	bool failed;		  /* out of memory: matches are not known */
};

static int cmp_sysv(const void *a, const void *b)
{
	const struct hv_pid_vma *x = a, *y = b;
	return (x->ino > y->ino) - (x->ino < y->ino);
}

static void index_build(const struct hv_holders_input *in, struct index *ix)
{
	memset(ix, 0, sizeof(*ix));
	size_t nv = in->nvma > 0 ? (size_t)in->nvma : 0, nf = in->nfiles > 0 ? (size_t)in->nfiles : 0;
	ix->files = malloc((nf ? nf : 1) * sizeof(*ix->files));
	ix->mappings = malloc((nv ? nv : 1) * sizeof(*ix->mappings));
	ix->sysv = malloc((nv ? nv : 1) * sizeof(*ix->sysv));
	if (!ix->files || !ix->mappings || !ix->sysv) {
		ix->failed = true;
		return;
	}
	for (size_t i = 0; i < nf; i++)
		ix->files[ix->nfiles++] = (struct obj_key){in->files[i].dev_major, in->files[i].dev_minor,
							   in->files[i].ino};
	for (size_t i = 0; i < nv; i++) {
		const struct hv_pid_vma *v = &in->vma[i];
		if (v->sysv)
			ix->sysv[ix->nsysv++] = *v;
		else
			ix->mappings[ix->nmappings++] = (struct obj_key){v->dev_major, v->dev_minor, v->ino};
	}
	qsort(ix->files, (size_t)ix->nfiles, sizeof(*ix->files), cmp_key);
	qsort(ix->mappings, (size_t)ix->nmappings, sizeof(*ix->mappings), cmp_key);
	qsort(ix->sysv, (size_t)ix->nsysv, sizeof(*ix->sysv), cmp_sysv);
}

static void index_free(struct index *ix)
{
	free(ix->files);
	free(ix->mappings);
	free(ix->sysv);
}

static bool file_mapped(const struct index *ix, const struct hv_htlb_file *f)
{
	struct obj_key k = {f->dev_major, f->dev_minor, f->ino};
	return ix->nmappings && bsearch(&k, ix->mappings, (size_t)ix->nmappings, sizeof(k), cmp_key);
}

static bool is_file(const struct index *ix, const struct hv_pid_vma *v)
{
	struct obj_key k = {v->dev_major, v->dev_minor, v->ino};
	return ix->nfiles && bsearch(&k, ix->files, (size_t)ix->nfiles, sizeof(k), cmp_key);
}

static int64_t orphan_bytes(const struct hv_orphan *x)
{
	if (x->pages <= 0 || x->page_size == 0)
		return -1;
	return x->pages > INT64_MAX / (int64_t)x->page_size ? INT64_MAX : x->pages * (int64_t)x->page_size;
}

static void add_orphan(struct hv_holders *o, const struct hv_orphan *x)
{
	o->norphans_total++;
	if (o->norphans < HV_MAX_ORPHANS) {
		o->orphans[o->norphans++] = *x;
		return;
	}
	/* keep the largest: replace the smallest listed when x is larger */
	int min = 0;
	for (int i = 1; i < o->norphans; i++)
		if (orphan_bytes(&o->orphans[i]) < orphan_bytes(&o->orphans[min]))
			min = i;
	if (orphan_bytes(x) > orphan_bytes(&o->orphans[min]))
		o->orphans[min] = *x;
}

/* The pages of one segment its attached mappings show: the largest
 * private + shared of one mapping (a lower bound of what it holds); its
 * page size in *size. 0 when no mapping of it is seen. */
static int64_t attached_pages(const struct index *ix, int shmid, uint64_t *size)
{
	int64_t best = 0;
	*size = 0;
	int lo = 0, hi = ix->nsysv; /* the first mapping of shmid */
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (ix->sysv[mid].ino < (uint64_t)shmid)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (int i = lo; i < ix->nsysv && ix->sysv[i].ino == (uint64_t)shmid; i++) {
		const struct hv_pid_vma *v = &ix->sysv[i];
		if (v->page_size == 0)
			continue;
		*size = v->page_size;
		int64_t p = (v->private_kib + v->shared_kib) * 1024 / (int64_t)v->page_size;
		best = p > best ? p : best;
	}
	return best;
}

/* shm_add_rss_swap() (ipc/shm.c) adds pages_per_huge_page(h) *
 * mapping->nrpages for a hugetlb segment. Up to 6.6 the hugetlb page cache
 * counted one per hugepage, so rss is the bytes held; since 6.7 ("mm/
 * filemap: remove hugetlb special casing in filemap.c") nrpages counts base
 * pages, and rss is the bytes held times the base pages per hugepage
 * (measured on 6.18: 2 pages of 2M show rss 2 GiB). Distribution kernels
 * backport it, so the unit is taken from what the host shows, best first:
 * an attached segment whose pages its mappings tell; a segment whose rss
 * is more than its size could hold unscaled; the kernel version. */
static void shm_rss_unit(const struct hv_host *h, long page, const struct hv_holders_input *in,
			 const struct index *ix, const struct hv_holders *o, struct hv_holders *out)
{
	out->shm_rss = HV_SHM_RSS_UNKNOWN;
	out->shm_rss_basis[0] = '\0';
	uint64_t largest = 0;
	for (int i = 0; i < o->nsizes; i++)
		largest = o->sizes[i].size > largest ? o->sizes[i].size : largest;
	for (int i = 0; i < in->nseg; i++) {
		const struct hv_shm_seg *s = &in->seg[i];
		uint64_t size;
		int64_t p = attached_pages(ix, s->shmid, &size);
		if (p <= 0 || s->rss == 0)
			continue;
		if (s->rss == (uint64_t)p * size) {
			out->shm_rss = HV_SHM_RSS_BYTES;
		} else if (s->rss / ((uint64_t)p * size) == size / (uint64_t)page &&
			   s->rss % ((uint64_t)p * size) == 0) {
			out->shm_rss = HV_SHM_RSS_SCALED;
		} else {
			continue; /* pages its mappings do not show (touched by one gone) */
		}
		hv_copy(out->shm_rss_basis, sizeof(out->shm_rss_basis), "attached segment");
		return;
	}
	for (int i = 0; i < in->nseg && largest; i++) {
		const struct hv_shm_seg *s = &in->seg[i];
		uint64_t cap = s->size > UINT64_MAX - largest ? UINT64_MAX : (s->size + largest - 1) / largest * largest;
		if (s->rss > cap) {
			out->shm_rss = HV_SHM_RSS_SCALED;
			hv_copy(out->shm_rss_basis, sizeof(out->shm_rss_basis), "segment size");
			return;
		}
	}
	if (h->kver_major >= 0) {
		bool scaled = h->kver_major > 6 || (h->kver_major == 6 && h->kver_minor >= 7);
		out->shm_rss = scaled ? HV_SHM_RSS_SCALED : HV_SHM_RSS_BYTES;
		hv_copy(out->shm_rss_basis, sizeof(out->shm_rss_basis), "kernel version");
	}
}

/* What one segment holds: its size index with *pages, -1 when that cannot
 * be told for sure (*maybe then the one size that fits, or -1), -2 when it
 * holds no page of a pool (empty, or plain shmem). */
static int seg_pages(const struct hv_holders *o, long page, const struct index *ix,
		     const struct hv_shm_seg *s, int64_t *pages, int *maybe)
{
	uint64_t vsize;
	int64_t seen = attached_pages(ix, s->shmid, &vsize);
	*maybe = -1;
	if (s->rss == 0)
		return -2;
	int found = -1, nfit = 0;
	int64_t fit_pages = 0;
	for (int i = 0; i < o->nsizes && o->shm_rss != HV_SHM_RSS_UNKNOWN; i++) {
		uint64_t S = o->sizes[i].size;
		if (vsize && S != vsize)
			continue;
		uint64_t unit = o->shm_rss == HV_SHM_RSS_SCALED ? S * (S / (uint64_t)page) : S;
		if (unit == 0 || s->rss % unit)
			continue;
		uint64_t n = s->rss / unit;
		if (n == 0 || n > s->size / S + (s->size % S != 0))
			continue;
		found = i;
		fit_pages = (int64_t)n;
		nfit++;
	}
	if (vsize) { /* a hugetlb mapping of it is seen: it is hugetlb, of that size */
		int k = nfit == 1 ? found : size_index(o, vsize);
		*pages = nfit == 1 ? fit_pages : seen; /* its mappings tell at least that much */
		return k >= 0 && *pages > 0 ? k : -2;
	}
	/* unseen: plain shmem fits where rss is at most its size in base pages */
	uint64_t pg = (uint64_t)page;
	bool shmem = s->rss % pg == 0 && s->rss / pg <= s->size / pg + (s->size % pg != 0);
	if (nfit == 1 && !shmem) {
		*pages = fit_pages;
		return found;
	}
	if (nfit == 1) {
		*maybe = found;
		*pages = fit_pages;
	}
	if (o->shm_rss == HV_SHM_RSS_UNKNOWN)
		return -1; /* rss cannot be read as pages at all */
	return nfit == 0 ? -2 : -1;
}

static int cmp_vma(const void *a, const void *b)
{
	const struct hv_pid_vma *x = a, *y = b;
	if (x->dev_major != y->dev_major)
		return x->dev_major < y->dev_major ? -1 : 1;
	if (x->dev_minor != y->dev_minor)
		return x->dev_minor < y->dev_minor ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return (x->page_size > y->page_size) - (x->page_size < y->page_size);
}

/* The pages of the mappings that are neither a visible file nor a
 * segment, each object once. */
static void mapped(const struct hv_holders_input *in, const struct index *ix, struct hv_holders *o)
{
	struct hv_pid_vma *v = in->nvma ? malloc((size_t)in->nvma * sizeof(*v)) : NULL;
	int n = 0;
	for (int i = 0; i < in->nvma && v; i++)
		if (!in->vma[i].sysv && in->vma[i].page_size && !is_file(ix, &in->vma[i]))
			v[n++] = in->vma[i];
	if (in->nvma && !v) {
		for (int i = 0; i < o->nsizes; i++)
			o->sizes[i].lower_bound = true;
		return;
	}
	if (n)
		qsort(v, (size_t)n, sizeof(*v), cmp_vma);
	for (int i = 0; i < n;) {
		int j = i;
		/* 128 bits: smaps values of a damaged tree may be anything */
		__int128 priv = 0, shared = 0;
		for (; j < n && !cmp_vma(&v[i], &v[j]); j++) {
			priv += v[j].private_kib > 0 ? v[j].private_kib : 0;
			shared = v[j].shared_kib > shared ? v[j].shared_kib : shared;
		}
		int k = size_index(o, v[i].page_size);
		int64_t page_kib = (int64_t)(v[i].page_size / 1024);
		if (k >= 0 && page_kib > 0) {
			__int128 m = o->sizes[k].mapped + (priv + shared) / page_kib;
			o->sizes[k].mapped = m > INT64_MAX ? INT64_MAX : (int64_t)m;
		}
		i = j;
	}
	free(v);
}

void hv_model_holders(const struct hv_host *h, const struct hv_holders_input *in, struct hv_holders *o)
{
	memset(o, 0, sizeof(*o));
	o->scanned = in->scanned;
	hv_copy(o->why, sizeof(o->why), in->why);
	if (!in->scanned)
		return;
	long page = h->page_size > 0 ? h->page_size : HV_PAGE_SIZE_DEFAULT;
	for (int i = 0; i < h->nhstates && o->nsizes < HV_MAX_HSTATES; i++) {
		const struct hv_hstate *s = &h->hstates[i];
		struct hv_holder_size *z = &o->sizes[o->nsizes++];
		z->size = s->size;
		z->in_use = s->nr > s->free && s->free >= 0 ? s->nr - s->free : 0;
	}
	o->shm_read = in->shm_read;
	o->nmounts_unread = in->nmounts_unread;
	o->nprocs_unreadable = in->nprocs_unreadable;
	o->files_truncated = in->files_truncated;
	struct index ix;
	index_build(in, &ix);
	for (int i = 0; i < in->nfiles; i++) {
		const struct hv_htlb_file *f = &in->files[i];
		int k = size_index(o, f->page_size);
		if (k < 0 || f->bytes < f->page_size)
			continue;
		int64_t pages = (int64_t)(f->bytes / f->page_size);
		o->sizes[k].files += pages;
		if (!ix.failed && !file_mapped(&ix, f)) {
			o->sizes[k].orphaned += pages;
			struct hv_orphan x = {.kind = HV_ORPHAN_FILE, .page_size = f->page_size, .pages = pages,
					      .uid = f->uid, .shmid = -1};
			hv_copy(x.path, sizeof(x.path), f->path);
			add_orphan(o, &x);
		}
	}
	shm_rss_unit(h, page, in, &ix, o, o);
	bool maybe = false;
	for (int i = 0; i < in->nseg; i++) {
		const struct hv_shm_seg *s = &in->seg[i];
		int64_t pages = 0;
		int fits;
		int k = seg_pages(o, page, &ix, s, &pages, &fits);
		if (k == -2)
			continue;
		struct hv_orphan x = {.kind = HV_ORPHAN_SHM, .shmid = s->shmid, .key = s->key, .uid = s->uid};
		if (k < 0) {
			maybe = true;
			if (s->nattch > 0)
				continue;
			x.kind = HV_ORPHAN_SHM_MAYBE;
			x.page_size = fits >= 0 ? o->sizes[fits].size : 0;
			x.pages = fits >= 0 ? pages : HV_UNKNOWN;
			add_orphan(o, &x);
			continue;
		}
		o->sizes[k].sysv += pages;
		if (s->nattch == 0) {
			o->sizes[k].orphaned += pages;
			x.page_size = o->sizes[k].size;
			x.pages = pages;
			add_orphan(o, &x);
		}
	}
	if (!ix.failed)
		mapped(in, &ix, o);
	index_free(&ix);
	bool partial = ix.failed || maybe || !in->shm_read || in->nmounts_unread || in->nprocs_unreadable || in->files_truncated;
	for (int i = 0; i < o->nsizes; i++) {
		struct hv_holder_size *z = &o->sizes[i];
		int64_t held = z->files + z->sysv + z->mapped;
		z->unattributed = z->in_use > held ? z->in_use - held : 0;
		z->lower_bound |= partial;
	}
	/* largest first; files before segments at a tie, then by name or id */
	for (int i = 1; i < o->norphans; i++)
		for (int j = i; j > 0; j--) {
			struct hv_orphan *a = &o->orphans[j - 1], *b = &o->orphans[j];
			int64_t pa = orphan_bytes(a), pb = orphan_bytes(b);
			if (pa > pb || (pa == pb && (a->kind < b->kind || (a->kind == b->kind &&
					(a->kind == HV_ORPHAN_FILE ? strcmp(a->path, b->path) <= 0 : a->shmid <= b->shmid)))))
				break;
			struct hv_orphan t = *a;
			*a = *b;
			*b = t;
		}
}
