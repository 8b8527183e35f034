/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Probe and model a host as one consistent moment. After hugepages are
 * freed the kernel restores their vmemmap in the background (≈0.6 s for
 * 40 pages here), so for a while the pools already say "gone" while the
 * memmap counters still say "optimized": the counters then show more
 * freed than the pools explain. On a live host such a reading is taken
 * again, briefly, until it holds still (doc/kernel-rules.md, "Memmap
 * counters"). */
#include <string.h>
#include <time.h>

#include "model.h"
#include "observe.h"
#include "probe.h"

#define SETTLE_TRIES 30	       /* x 100 ms */

static bool unexplained(const struct hv_report *r)
{
	for (int i = 0; i < r->nfindings; i++)
		if (!strcmp(r->findings[i].id, "counters-unexplained"))
			return true;
	return false;
}

int hv_observe(const struct hv_root *root, struct hv_host *h, const struct hv_model_opts *mo, struct hv_report *r)
{
	int rc;
	if ((rc = hv_probe_host(root, h)) < 0 || (rc = hv_probe_mounts(root, h)) < 0 ||
	    (rc = hv_model_report(h, mo, r)) < 0)
		return rc;
	if (!root->live || !unexplained(r))
		return 0;
	bool moved = false;
	for (int i = 0; i < SETTLE_TRIES && unexplained(r); i++) {
		const struct timespec pause = {0, 100 * 1000 * 1000};
		int64_t pages = h->nr_memmap_pages, boot = h->nr_memmap_boot_pages;
		nanosleep(&pause, NULL);
		if ((rc = hv_probe_pools(root, h)) < 0 || (rc = hv_probe_counters(root, h)) < 0)
			return rc;
		moved |= pages != h->nr_memmap_pages || boot != h->nr_memmap_boot_pages;
		if ((rc = hv_model_report(h, mo, r)) < 0)
			return rc;
	}
	if (moved && unexplained(r)) {
		h->counters_moving = true;
		rc = hv_model_report(h, mo, r);
	}
	return rc;
}
