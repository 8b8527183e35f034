/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the memmap counters hold besides the System RAM baseline, and the
 * System RAM ranges that make that baseline section-exact where a memory
 * block spans several sections (doc/kernel-rules.md, "Baseline: memory
 * blocks and sections", "Memmap counters"). Read only where they matter:
 * the ranges for blocks larger than a section, ZONE_DEVICE with counters. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv_error.h"
#include "parse.h"
#include "probe.h"
#include "probe_util.h"

static int zone_device(const struct hv_root *r, struct hv_host *h)
{
	static const char rel[] = "proc/zoneinfo";
	char *buf;
	size_t len;
	h->extra.zone_device_pages = HV_UNKNOWN;
	if (h->nr_memmap_pages == HV_UNKNOWN)
		return 0; /* nothing to compare it with */
	int rc = hv_root_read(r, rel, 64 << 20, &buf, &len);
	if (rc == -ENOENT || rc == -EACCES)
		return 0;
	if (rc < 0)
		return rc;
	rc = hv_parse_zoneinfo_device(buf, len, &h->extra.zone_device_pages);
	free(buf);
	if (rc < 0)
		return hv_fail(-rc, "%s: %s", hv_root_name(r, rel), hv_last_error());
	return 0;
}

/* The kernel's own resource tree; as root only (others read zeros). */
static int iomem(const struct hv_root *r, struct hv_ram_ranges *rr)
{
	static const char rel[] = "proc/iomem";
	char *buf;
	size_t len;
	int rc = hv_root_read(r, rel, 16 << 20, &buf, &len);
	if (rc == -ENOENT || rc == -EACCES) {
		snprintf(rr->why, sizeof(rr->why), "%s is %s", hv_root_name(r, rel),
			 rc == -ENOENT ? "missing" : "unreadable");
		return 0;
	}
	if (rc < 0)
		return rc;
	rc = hv_parse_iomem(buf, len, rr);
	free(buf);
	if (rc == -EACCES) {
		snprintf(rr->why, sizeof(rr->why), "%s shows no addresses (read without root)", hv_root_name(r, rel));
		rr->n = 0;
		return 0;
	}
	if (rc < 0)
		return hv_fail(-rc, "%s: %s", hv_root_name(r, rel), hv_last_error());
	rr->source = HV_RAM_IOMEM;
	return 0;
}

/* The firmware's map (e820 on x86), as booted: memmap= and mem= change
 * what the kernel uses after it, so then it does not tell. */
static int firmware(const struct hv_root *r, const struct hv_host *h, struct hv_ram_ranges *rr)
{
	static const char base[] = "sys/firmware/memmap";
	if (strstr(h->cmdline_text, "memmap=") || strstr(h->cmdline_text, "mem=")) {
		size_t l = strlen(rr->why);
		snprintf(rr->why + l, sizeof(rr->why) - l, "%s%s does not show what memmap=/mem= changed", l ? "; " : "",
			 hv_root_name(r, base));
		return 0;
	}
	int err = 0;
	DIR *d = hv_root_opendir(r, base, &err);
	if (!d)
		return err == -ENOENT ? 0 : hv_fail(-err, "%s: %s", hv_root_name(r, base), strerror(-err));
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		uint64_t id, start, end;
		char rel[300], type[64], a[40], b[40];
		if (hv_parse_u64(e->d_name, &id) < 0)
			continue;
		snprintf(rel, sizeof(rel), "%s/%s/type", base, e->d_name);
		if ((rc = hv_root_read_small(r, rel, type, sizeof(type))) < 0)
			break;
		if (strncmp(type, "System RAM", 10) != 0)
			continue;
		snprintf(rel, sizeof(rel), "%s/%s/start", base, e->d_name);
		if ((rc = hv_root_read_small(r, rel, a, sizeof(a))) < 0)
			break;
		snprintf(rel, sizeof(rel), "%s/%s/end", base, e->d_name);
		if ((rc = hv_root_read_small(r, rel, b, sizeof(b))) < 0)
			break;
		if (hv_parse_hex_u64(a, &start) < 0 || hv_parse_hex_u64(b, &end) < 0) {
			rc = hv_fail(EINVAL, "%s/%s: not a hex range: '%.30s'-'%.30s'", hv_root_name(r, base), e->d_name,
				     a, b);
			break;
		}
		if ((rc = hv_ram_add(rr, start, end)) < 0)
			rc = hv_fail(-rc, "%s: %s", hv_root_name(r, base), hv_last_error());
	}
	hv_clear_error();
	closedir(d);
	if (rc < 0)
		return rc;
	if (rr->n > 0) {
		hv_ram_sort(rr);
		rr->source = HV_RAM_FIRMWARE;
	}
	return 0;
}

int hv_probe_memmap_extra(const struct hv_root *r, struct hv_host *h)
{
	struct hv_ram_ranges *rr = &h->ram;
	int rc = zone_device(r, h);
	if (rc < 0)
		return rc;
	rr->source = HV_RAM_NONE;
	rr->n = 0;
	rr->why[0] = '\0';
	const struct hv_memblocks *mb = &h->memblocks;
	if (mb->block_size <= 0 || mb->section_size <= 0 || mb->block_size == mb->section_size)
		return 0; /* each block is one section: the blocks are exact */
	if ((rc = iomem(r, rr)) < 0 || rr->source != HV_RAM_NONE)
		return rc;
	return firmware(r, h, rr);
}
