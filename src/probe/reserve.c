/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The free-memory reserve next to the pools: vm.min_free_kbytes, the
 * pageblock size and the THP mode, read only on a host with pools (a report
 * without pools stays a handful of reads). The populated low zones and their
 * managed pages come with the ZONE_DEVICE count from the one read of
 * /proc/zoneinfo (memmap.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv_error.h"
#include "model.h" /* hv_pageblock_pages(): the architecture's rule */
#include "parse.h"
#include "probe.h"
#include "probe_util.h"

static bool has_pools(const struct hv_host *h)
{
	for (int i = 0; i < h->nhstates; i++)
		if (h->hstates[i].nr > 0 || h->hstates[i].overcommit > 0)
			return true;
	return false;
}

static int pagetypeinfo(const char *buf, size_t len, void *out)
{
	return hv_parse_pagetypeinfo_block(buf, len, out);
}

/* Who may make SysV hugepage segments: the sysctl, and its group's name
 * and members from etc/group (a snapshot keeps only that line). */
static int shm_group(const struct hv_root *r, struct hv_reserve *v)
{
	int rc = hv_read_num(r, "proc/sys/vm/hugetlb_shm_group", &v->shm_group);
	if (rc == -ENOENT || rc == -EACCES) {
		v->shm_group = HV_UNKNOWN;
		hv_clear_error();
		return 0;
	}
	if (rc < 0)
		return rc;
	char *buf = NULL;
	size_t len;
	rc = hv_root_read(r, "etc/group", 4 << 20, &buf, &len);
	if (rc == -ENOENT || rc == -EACCES || rc == -ENOTDIR) {
		hv_clear_error();
		return 0;
	}
	if (rc < 0)
		return rc;
	v->shm_group_found = hv_parse_group(buf, len, v->shm_group, v->shm_group_name, sizeof(v->shm_group_name),
					    v->shm_group_members, sizeof(v->shm_group_members));
	free(buf);
	return 0;
}

int hv_probe_reserve(const struct hv_root *r, struct hv_host *h)
{
	struct hv_reserve *v = &h->reserve;
	memset(v, 0, sizeof(*v));
	v->min_free_kbytes = v->pageblock_pages = v->lowmem_pages = HV_UNKNOWN;
	v->low_zones = -1;
	v->shm_group = HV_UNKNOWN;
	v->shm_group_found = -1;
	if (!has_pools(h))
		return 0;
	int rc = shm_group(r, v);
	if (rc < 0)
		return rc;
	rc = hv_read_num(r, "proc/sys/vm/min_free_kbytes", &v->min_free_kbytes);
	if (rc == -ENOENT || rc == -EACCES)
		return 0;
	if (rc < 0)
		return rc;
	v->read = true;
	/* pagetypeinfo counts the migrate type of every pageblock as it is
	 * read (mm/vmstat.c pagetypeinfo_showblockcount()): milliseconds on a
	 * big host, so only where the architecture does not tell the size */
	const char *src;
	if (hv_pageblock_pages(h, &src) == HV_UNKNOWN &&
	    (rc = hv_read_parsed_optional(r, "proc/pagetypeinfo", 16 << 20, pagetypeinfo, &v->pageblock_pages)) < 0)
		return rc;
	if (v->pageblock_pages < 0)
		v->pageblock_pages = HV_UNKNOWN;
	char buf[128];
	static const char thp[] = "sys/kernel/mm/transparent_hugepage/enabled";
	rc = hv_root_read_small(r, thp, buf, sizeof(buf));
	if (rc == 0 && hv_parse_thp_enabled(buf, v->thp, sizeof(v->thp)) < 0)
		return hv_fail(EINVAL, "%s: %s", hv_root_name(r, thp), hv_last_error());
	if (rc < 0 && rc != -ENOENT && rc != -EACCES)
		return rc;
	return 0;
}
