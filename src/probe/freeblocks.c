/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The buddy allocator's free blocks and the zones' watermarks, for the
 * allocation forecast (apply's dry run, plan --from-host). Two reads, done
 * only by those commands: a report does not pay for them. */

#include "parse.h"
#include "probe.h"
#include "probe_util.h"

static int buddyinfo(const char *buf, size_t len, void *out)
{
	return hv_parse_buddyinfo(buf, len, out);
}

static int zoneinfo(const char *buf, size_t len, void *out)
{
	return hv_parse_zoneinfo_marks(buf, len, out);
}

int hv_probe_free_blocks(const struct hv_root *r, struct hv_free_blocks *fb)
{
	*fb = (struct hv_free_blocks){0};
	/* a buddyinfo that fails to parse leaves fb released */
	int rc = hv_read_parsed_optional(r, "proc/buddyinfo", 16 << 20, buddyinfo, fb);
	if (rc < 0 || !fb->read)
		return rc;
	rc = hv_read_parsed_optional(r, "proc/zoneinfo", HV_ZONEINFO_MAX, zoneinfo, fb);
	if (rc < 0)
		hv_free_blocks_release(fb);
	return rc;
}
