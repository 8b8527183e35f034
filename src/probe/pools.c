/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sysfs: hugepage pools per size and per node, NUMA nodes, memory blocks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv_error.h"
#include "parse.h"
#include "probe.h"
#include "probe_util.h"

/* "node12" -> 12; -1 for anything else; -2 for "node" and digits the kernel
 * never writes ("node01", which would count node 1 twice, or an id out of
 * range). */
static int node_id(const char *name)
{
	uint64_t v;
	if (strncmp(name, "node", 4) != 0 || name[4] < '0' || name[4] > '9')
		return -1;
	for (const char *c = name + 4; *c; c++)
		if (*c < '0' || *c > '9')
			return -1;
	if ((name[4] == '0' && name[5]) || hv_parse_u64(name + 4, &v) < 0 || v > 1u << 20)
		return -2;
	return (int)v;
}

static int cmp_hstate(const void *a, const void *b)
{
	const struct hv_hstate *x = a, *y = b;
	return x->size < y->size ? -1 : x->size > y->size;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int read_hstate(const struct hv_root *r, const char *dir, struct hv_hstate *hs)
{
	/* pool_pages: a count of pages of the pool (nr_hugepages, read first,
	 * bounds it) */
	static const struct {
		const char *file;
		size_t off;
		bool pool_pages;
	} files[] = {
		{"nr_hugepages", offsetof(struct hv_hstate, nr), false},
		{"free_hugepages", offsetof(struct hv_hstate, free), true},
		{"resv_hugepages", offsetof(struct hv_hstate, resv), true},
		{"surplus_hugepages", offsetof(struct hv_hstate, surplus), true},
		{"nr_overcommit_hugepages", offsetof(struct hv_hstate, overcommit), false},
	};
	char rel[512];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		/* On the live kernel an empty pool has no free, reserved or
		 * surplus page (each is a page of the pool, and every
		 * reservation is backed by one): 9 system calls fewer per empty
		 * size. A snapshot's files are read and checked all the same. */
		if (files[i].pool_pages && r->live && hs->nr == 0) {
			*(int64_t *)((char *)hs + files[i].off) = 0;
			continue;
		}
		snprintf(rel, sizeof(rel), "%s/%s", dir, files[i].file);
		int rc = hv_read_num(r, rel, (int64_t *)((char *)hs + files[i].off));
		if (rc < 0)
			return rc;
	}
	if (hs->free > hs->nr || hs->surplus > hs->nr)
		return hv_fail(EINVAL, "%s: free (%lld) or surplus (%lld) pages exceed nr_hugepages (%lld)",
			       hv_root_name(r, dir), (long long)hs->free, (long long)hs->surplus, (long long)hs->nr);
	/* the kernel backs every reservation with a free page (surplus ones
	 * if need be), so more reserved than allocated is a damaged tree */
	if (hs->resv > hs->nr)
		return hv_fail(EINVAL, "%s: resv_hugepages (%lld) exceeds nr_hugepages (%lld)", hv_root_name(r, dir),
			       (long long)hs->resv, (long long)hs->nr);
	return 0;
}

/* "Node 8 MemTotal:  3111216 kB" from nodeN/meminfo. Optional: without it
 * a plan splits memory evenly. */
static void read_node_memtotal(const struct hv_root *r, struct hv_host *h, const int *ids, int n)
{
	h->nnode_mem = 0;
	for (int j = 0; j < n; j++) {
		char rel[96], *buf, name[32];
		size_t len;
		snprintf(rel, sizeof(rel), "sys/devices/system/node/node%d/meminfo", ids[j]);
		if (hv_root_read(r, rel, 1 << 16, &buf, &len) < 0)
			continue;
		for (char *line = buf; line < buf + len;) {
			char *nl = memchr(line, '\n', (size_t)(buf + len - line));
			size_t ll = nl ? (size_t)(nl - line) : (size_t)(buf + len - line);
			char *rest = ll > 5 && !strncmp(line, "Node ", 5) ? memchr(line + 5, ' ', ll - 5) : NULL;
			uint64_t v;
			int kb;
			if (rest && hv_parse_kv_line(rest + 1, ll - (size_t)(rest + 1 - line), name, sizeof(name), &v, &kb) == 0 &&
			    !strcmp(name, "MemTotal") && kb && v > 0 && v <= INT64_MAX / 1024) {
				h->node_mem[h->nnode_mem].node = ids[j];
				h->node_mem[h->nnode_mem++].mem_total_kib = (int64_t)v;
				break;
			}
			line += ll + 1;
		}
		free(buf);
	}
	hv_clear_error();
}

/* The ids of the nodeN directories, ascending, into ids (HV_MAX_NODES
 * entries); *np 0 on a kernel without CONFIG_NUMA. */
static int list_nodes(const struct hv_root *r, int *ids, int *np)
{
	int err = 0, n = 0;
	*np = 0;
	struct hv_dir *d = hv_dir_open(r, "sys/devices/system/node", &err);
	if (!d) {
		/* Kernels without CONFIG_NUMA have no node directory at all. */
		if (err != -ENOENT)
			return hv_fail(-err, "%s: %s", hv_root_name(r, "sys/devices/system/node"), strerror(-err));
		return 0;
	}
	const char *name;
	while ((name = hv_dir_next(d))) {
		int id = node_id(name);
		if (id == -2) {
			/* name points into d: the message is made before it is closed */
			int rc = hv_fail(EINVAL, "%s: unexpected entry '%.64s' (the kernel names nodes node0, node1, ...)",
					 hv_root_name(r, "sys/devices/system/node"), name);
			hv_dir_close(d);
			return rc;
		}
		if (id < 0)
			continue;
		if (id >= HV_MAX_NODES) {
			int rc = hv_fail(E2BIG, "%s: node%d: NUMA node ids end at %d (the kernel's MAX_NUMNODES, 1 << "
					 "CONFIG_NODES_SHIFT, is at most %d)", hv_root_name(r, "sys/devices/system/node"), id,
					 HV_MAX_NODES - 1, HV_MAX_NODES);
			hv_dir_close(d);
			return rc;
		}
		if (n >= HV_MAX_NODES) {
			hv_dir_close(d);
			return hv_fail(E2BIG, "more than %d NUMA nodes under %s", HV_MAX_NODES,
				       hv_root_name(r, "sys/devices/system/node"));
		}
		ids[n++] = id;
	}
	hv_dir_close(d);
	qsort(ids, (size_t)n, sizeof(int), cmp_int);
	*np = n;
	return 0;
}

static int read_node_pools(const struct hv_root *r, struct hv_host *h)
{
	int ids[HV_MAX_NODES], n, rc = list_nodes(r, ids, &n);
	if (rc < 0)
		return rc;
	/* One node on the live kernel: its counts are the pool's, which the
	 * kernel sums from the nodes' (mm/hugetlb.c nr_huge_pages_node[] and
	 * the rest), read a moment ago; a tree is read as it is, whatever it says. */
	if (r->live && n == 1) {
		for (int i = 0; i < h->nhstates; i++) {
			struct hv_hstate *hs = &h->hstates[i];
			hs->nodes[0] = (struct hv_hstate_node){.node = ids[0], .nr = hs->nr, .free = hs->free,
							       .surplus = hs->surplus};
			hs->nnodes = 1;
		}
		return 0;
	}

	for (int i = 0; i < h->nhstates; i++) {
		struct hv_hstate *hs = &h->hstates[i];
		hs->nnodes = 0;
		for (int j = 0; j < n; j++) {
			char rel[256], f[300];
			snprintf(rel, sizeof(rel), "sys/devices/system/node/node%d/hugepages/hugepages-%llukB", ids[j],
				 (unsigned long long)(hs->size >> 10));
			struct hv_hstate_node *nd = &hs->nodes[hs->nnodes];
			nd->node = ids[j];
			snprintf(f, sizeof(f), "%s/nr_hugepages", rel);
			rc = hv_read_num(r, f, &nd->nr);
			/* A memoryless node has no pool directory at all; a pool
			 * directory without its count would drop the node's pages. */
			if (rc == -ENOENT && !hv_root_exists(r, rel))
				continue;
			if (rc == -ENOENT)
				return hv_fail(ENOENT, "%s: missing (the node's pool directory exists)", hv_root_name(r, f));
			if (rc < 0)
				return rc;
			nd->free = nd->surplus = 0;
			if (r->live && nd->nr == 0) { /* as for the whole pool (read_hstate()) */
				hs->nnodes++;
				continue;
			}
			snprintf(f, sizeof(f), "%s/free_hugepages", rel);
			if ((rc = hv_read_num(r, f, &nd->free)) < 0)
				return rc;
			snprintf(f, sizeof(f), "%s/surplus_hugepages", rel);
			if ((rc = hv_read_num(r, f, &nd->surplus)) < 0)
				return rc;
			if (nd->free > nd->nr || nd->surplus > nd->nr)
				return hv_fail(EINVAL, "%s: free or surplus pages exceed nr_hugepages", hv_root_name(r, rel));
			hs->nnodes++;
		}
	}
	return 0;
}

int hv_probe_pools(const struct hv_root *r, struct hv_host *h)
{
	static const char base[] = "sys/kernel/mm/hugepages";
	int err = 0;
	h->nhstates = 0;
	struct hv_dir *d = hv_dir_open(r, base, &err);
	if (!d) {
		if (err == -ENOENT) {
			hv_note("%s is missing: the kernel has no HugeTLB support (CONFIG_HUGETLBFS)", hv_root_name(r, base));
			return 0;
		}
		return hv_fail(-err, "%s: %s", hv_root_name(r, base), strerror(-err));
	}
	const char *name;
	int rc = 0;
	while ((name = hv_dir_next(d))) {
		if (name[0] == '.')
			continue;
		uint64_t size;
		if (hv_parse_hstate_dirname(name, &size) < 0) {
			rc = hv_fail(EINVAL, "%s: unexpected entry '%.64s'", hv_root_name(r, base), name);
			break;
		}
		if (h->nhstates >= HV_MAX_HSTATES) {
			rc = hv_fail(E2BIG, "%s: more than %d hugepage sizes", hv_root_name(r, base), HV_MAX_HSTATES);
			break;
		}
		struct hv_hstate *hs = &h->hstates[h->nhstates];
		memset(hs, 0, offsetof(struct hv_hstate, nodes)); /* nodes are written as they are read */
		hs->size = size;
		char rel[300];
		snprintf(rel, sizeof(rel), "%s/%s", base, name);
		if ((rc = read_hstate(r, rel, hs)) < 0)
			break;
		h->nhstates++;
	}
	hv_dir_close(d);
	if (rc < 0)
		return rc;
	qsort(h->hstates, (size_t)h->nhstates, sizeof(h->hstates[0]), cmp_hstate);
	return read_node_pools(r, h);
}

int hv_probe_memblocks(const struct hv_root *r, struct hv_host *h)
{
	static const char base[] = "sys/devices/system/memory";
	char buf[96], rel[128];
	h->memblocks.block_size = h->memblocks.present = HV_UNKNOWN;
	snprintf(rel, sizeof(rel), "%s/block_size_bytes", base);
	int rc = hv_root_read_small(r, rel, buf, sizeof(buf));
	if (rc == -ENOENT) {
		hv_note("%s is missing: baseline memmap (and realized savings) cannot be computed", hv_root_name(r, rel));
		return 0;
	}
	if (rc < 0)
		return rc;
	uint64_t bs;
	if (hv_parse_hex_u64(buf, &bs) < 0 || bs == 0 || (bs & (bs - 1)) || bs > (1ull << 40))
		return hv_fail(EINVAL, "%s: not a memory block size: '%.60s'", hv_root_name(r, rel), buf);
	h->memblocks.block_size = (int64_t)bs;

	int err = 0;
	struct hv_dir *d = hv_dir_open(r, base, &err);
	if (!d)
		return hv_fail(-err, "%s: %s", hv_root_name(r, base), strerror(-err));
	int64_t n = 0;
	const char *name;
	while ((name = hv_dir_next(d))) {
		uint64_t id;
		if (strncmp(name, "memory", 6) == 0 && name[6] >= '0' && name[6] <= '9' &&
		    hv_parse_u64(name + 6, &id) == 0)
			n++;
	}
	hv_clear_error();
	hv_dir_close(d);
	h->memblocks.present = n;
	return 0;
}

int hv_probe_node_mem(const struct hv_root *r, struct hv_host *h)
{
	int ids[HV_MAX_NODES], n, rc = list_nodes(r, ids, &n);
	if (rc < 0)
		return rc;
	read_node_memtotal(r, h, ids, n);
	return 0;
}

int hv_probe_nodes_online(const struct hv_root *r, struct hv_host *h)
{
	char buf[4096];
	h->nnodes_online = HV_UNKNOWN;
	int rc = hv_root_read_small(r, "sys/devices/system/node/online", buf, sizeof(buf));
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	int n;
	if (hv_parse_nodelist(buf, &n) < 0)
		return hv_fail(EINVAL, "%s: %s", hv_root_name(r, "sys/devices/system/node/online"), hv_last_error());
	h->nnodes_online = n;
	return 0;
}
