/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the memmap counters hold besides the System RAM baseline, and the
 * System RAM ranges that make that baseline section-exact where a memory
 * block spans several sections (doc/kernel-rules.md, "Baseline: memory
 * blocks and sections", "Memmap counters"). Read only where they matter:
 * the ranges for blocks larger than a section, ZONE_DEVICE with counters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv_error.h"
#include "model.h" /* hv_section_size(): the architecture's constant */
#include "parse.h"
#include "probe.h"
#include "probe_util.h"

/* One read of /proc/zoneinfo for its two users: the ZONE_DEVICE pages next
 * to the memmap counters, the populated low zones and their managed pages
 * next to the pools (reserve.c) */
static int zoneinfo(const struct hv_root *r, struct hv_host *h)
{
	static const char rel[] = "proc/zoneinfo";
	char *buf;
	size_t len;
	bool device = h->nr_memmap_pages != HV_UNKNOWN, low = h->reserve.read;
	h->extra.zone_device_pages = HV_UNKNOWN;
	if (!device && !low)
		return 0;
	int rc = hv_root_read(r, rel, HV_ZONEINFO_MAX, &buf, &len);
	if (rc == -ENOENT || rc == -EACCES)
		return 0;
	if (rc < 0)
		return rc;
	if (device)
		rc = hv_parse_zoneinfo_device(buf, len, &h->extra.zone_device_pages);
	if (rc == 0 && low)
		rc = hv_parse_zoneinfo_lowmem(buf, len, &h->reserve.lowmem_pages, &h->reserve.low_zones);
	free(buf);
	if (rc < 0)
		return hv_fail(-rc, "%s: %s", hv_root_name(r, rel), hv_last_error());
	return 0;
}

/* attr of sys/bus/nd/devices/DEV into buf, newline cut; -errno */
static int nd_attr(const struct hv_root *r, const char *dev, const char *attr, char *buf, size_t cap)
{
	char rel[320];
	snprintf(rel, sizeof(rel), "sys/bus/nd/devices/%.256s/%.32s", dev, attr);
	int rc = hv_root_read_small(r, rel, buf, cap);
	if (rc == 0)
		buf[strcspn(buf, "\n")] = '\0';
	return rc;
}

/* The pfn or dax device claiming namespace ns: its mode (ram: memmap in
 * RAM, pmem: an altmap on the device) and align. 0 found, -ENOENT none. */
static int claimer(const struct hv_root *r, struct hv_dir *d, const char *ns, const char *kind, struct hv_pmem_ns *p)
{
	const char *name;
	char buf[64];
	hv_dir_rewind(d);
	while ((name = hv_dir_next(d))) {
		uint64_t align;
		if (strncmp(name, kind, 3) != 0 || strchr(name, '.') == NULL ||
		    strstr(name, ".driver") || nd_attr(r, name, "namespace", buf, sizeof(buf)) < 0 ||
		    strcmp(buf, ns) != 0)
			continue;
		if (nd_attr(r, name, "mode", buf, sizeof(buf)) < 0)
			return -EIO;
		p->memmap_in_ram = !strcmp(buf, "ram");
		if (nd_attr(r, name, "align", buf, sizeof(buf)) < 0 || hv_parse_u64(buf, &align) < 0 ||
		    align > INT64_MAX)
			return -EIO;
		p->align = (int64_t)align;
		return 0;
	}
	return -ENOENT;
}

/* The namespaces that map pages (ZONE_DEVICE): raw, fsdax, devdax; a
 * sector (BTT) namespace maps none. */
static int pmem(const struct hv_root *r, struct hv_host *h)
{
	struct hv_extra_memmap *x = &h->extra;
	int err = 0;
	x->npmem = 0;
	x->pmem_truncated = false;
	struct hv_dir *d = hv_dir_open(r, "sys/bus/nd/devices", &err);
	if (!d)
		return 0;
	struct hv_dir *scan = hv_dir_open(r, "sys/bus/nd/devices", &err);
	if (!scan) {
		hv_dir_close(d);
		return 0;
	}
	const char *name;
	while ((name = hv_dir_next(d))) {
		char mode[32], size[40];
		uint64_t bytes;
		if (strncmp(name, "namespace", 9) != 0 || strstr(name, ".driver"))
			continue;
		if (nd_attr(r, name, "mode", mode, sizeof(mode)) < 0 ||
		    nd_attr(r, name, "size", size, sizeof(size)) < 0 || hv_parse_u64(size, &bytes) < 0 ||
		    bytes > INT64_MAX) {
			x->pmem_truncated = true;
			continue;
		}
		if (!bytes || !strcmp(mode, "sector") || !strcmp(mode, "safe"))
			continue; /* a seed, or BTT */
		if (x->npmem >= HV_MAX_PMEM) {
			x->pmem_truncated = true;
			break;
		}
		struct hv_pmem_ns *p = &x->pmem[x->npmem];
		memset(p, 0, sizeof(*p));
		snprintf(p->name, sizeof(p->name), "%.31s", name);
		p->size = (int64_t)bytes;
		p->memmap_in_ram = true;
		int rc = 0;
		if (!strcmp(mode, "dax") || !strcmp(mode, "devdax")) {
			p->devdax = true;
			rc = claimer(r, scan, name, "dax", p);
		} else if (!strcmp(mode, "fsdax") || !strcmp(mode, "memory")) {
			rc = claimer(r, scan, name, "pfn", p);
		}
		if (rc < 0) {
			x->pmem_truncated = true;
			continue;
		}
		x->npmem++;
	}
	hv_clear_error();
	hv_dir_close(scan);
	hv_dir_close(d);
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
	struct hv_dir *d = hv_dir_open(r, base, &err);
	if (!d)
		return err == -ENOENT ? 0 : hv_fail(-err, "%s: %s", hv_root_name(r, base), strerror(-err));
	const char *name;
	int rc = 0;
	while (rc == 0 && (name = hv_dir_next(d))) {
		uint64_t id, start, end;
		char rel[300], type[64], a[40], b[40];
		if (hv_parse_u64(name, &id) < 0)
			continue;
		snprintf(rel, sizeof(rel), "%s/%s/type", base, name);
		if ((rc = hv_root_read_small(r, rel, type, sizeof(type))) < 0)
			break;
		if (strncmp(type, "System RAM", 10) != 0)
			continue;
		snprintf(rel, sizeof(rel), "%s/%s/start", base, name);
		if ((rc = hv_root_read_small(r, rel, a, sizeof(a))) < 0)
			break;
		snprintf(rel, sizeof(rel), "%s/%s/end", base, name);
		if ((rc = hv_root_read_small(r, rel, b, sizeof(b))) < 0)
			break;
		if (hv_parse_hex_u64(a, &start) < 0 || hv_parse_hex_u64(b, &end) < 0) {
			rc = hv_fail(EINVAL, "%s/%s: not a hex range: '%.30s'-'%.30s'", hv_root_name(r, base), name,
				     a, b);
			break;
		}
		if ((rc = hv_ram_add(rr, start, end)) < 0)
			rc = hv_fail(-rc, "%s: %s", hv_root_name(r, base), hv_last_error());
	}
	hv_clear_error();
	hv_dir_close(d);
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
	int rc = zoneinfo(r, h);
	if (rc < 0 || (h->extra.zone_device_pages > 0 && (rc = pmem(r, h)) < 0))
		return rc;
	rr->source = HV_RAM_NONE;
	rr->n = 0;
	rr->why[0] = '\0';
	const struct hv_memblocks *mb = &h->memblocks;
	int64_t section = hv_section_size(h->arch, h->page_size);
	if (mb->block_size <= 0 || section <= 0 || mb->block_size <= section)
		return 0; /* each block is one section: the blocks are exact */
	if ((rc = iomem(r, rr)) < 0 || rr->source != HV_RAM_NONE)
		return rc;
	return firmware(r, h, rr);
}
