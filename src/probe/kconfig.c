/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel config: /proc/config.gz, else /boot/config-<release>, else
 * /lib/modules/<release>/config. zlib reads plain files transparently, so
 * one reader serves all three. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "dl.h"
#include "hv_error.h"
#include "parse.h"
#include "probe.h"
#include "probe_util.h"

/* zlib, opened when a config is read (not when the boot cache has it). */
static struct {
	__typeof__(gzdopen) *p_gzdopen;
	__typeof__(gzbuffer) *p_gzbuffer;
	__typeof__(gzgets) *p_gzgets;
	__typeof__(gztell) *p_gztell;
	__typeof__(gzerror) *p_gzerror;
	__typeof__(gzclose) *p_gzclose;
} z;

static int load_zlib(void)
{
	static void *lib;
	static const struct hv_dlsym syms[] = {
		HV_DLSYM(z, gzdopen), HV_DLSYM(z, gzbuffer), HV_DLSYM(z, gzgets),
		HV_DLSYM(z, gztell),  HV_DLSYM(z, gzerror),  HV_DLSYM(z, gzclose),
	};
	return hv_dlopen("libz.so.1", "zlib1g", &lib, syms, sizeof(syms) / sizeof(syms[0]));
}

/* A real config is about 300 KB; a gzip bomb must not be read to its end. */
#define KCONFIG_MAX_BYTES (16 << 20)

static int read_config(const struct hv_root *r, const char *rel, struct hv_kconfig *kc)
{
	int fd = hv_root_open_file(r, rel);
	if (fd == -ENOENT || fd == -HV_ENOTREG)
		return fd;
	if (fd < 0)
		return hv_fail(-fd, "%s: %s", hv_root_name(r, rel), strerror(-fd));
	int lrc = load_zlib();
	if (lrc < 0) {
		close(fd);
		return hv_fail(-lrc, "%s: %s", hv_root_name(r, rel), hv_last_error());
	}
	gzFile gz = z.p_gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		return hv_fail(ENOMEM, "%s: cannot start decompression", hv_root_name(r, rel));
	}
	z.p_gzbuffer(gz, 128 * 1024);
	hv_kconfig_init(kc);
	char line[512];
	int lineno = 0, rc = 0, skipping = 0;
	while (z.p_gzgets(gz, line, sizeof(line))) {
		size_t len = strlen(line);
		int complete = len > 0 && line[len - 1] == '\n';
		if (!skipping) {
			lineno++;
			if ((rc = hv_parse_kconfig_line(line, len, kc)) < 0) {
				rc = hv_fail(-rc, "%s: line %d: %s", hv_root_name(r, rel), lineno, hv_last_error());
				break;
			}
		}
		skipping = !complete; /* rest of an over-long line */
		if (z.p_gztell(gz) > KCONFIG_MAX_BYTES) {
			rc = hv_fail(EFBIG, "%s: decompresses to more than %d bytes, not a kernel config",
				     hv_root_name(r, rel), KCONFIG_MAX_BYTES);
			break;
		}
	}
	int zerr = Z_OK;
	const char *msg = z.p_gzerror(gz, &zerr);
	if (rc == 0 && zerr != Z_OK && zerr != Z_STREAM_END)
		rc = hv_fail(EIO, "%s: damaged: %s", hv_root_name(r, rel), msg);
	z.p_gzclose(gz);
	if (rc < 0)
		return rc;
	/* A truncated config would make absent symbols read as "not set": a
	 * real config always ends with its last symbol line and a newline. */
	if (lineno < 10)
		return hv_fail(EINVAL, "%s: only %d lines, not a kernel config", hv_root_name(r, rel), lineno);
	hv_kconfig_finish(kc);
	snprintf(kc->source, sizeof(kc->source), "%s", hv_root_name(r, rel));
	return 0;
}

/* What a cached config must look like to be used (a damaged one is read
 * again): every yes/no a yes, a no or unknown, the source a string. */
static bool kconfig_sane(const struct hv_kconfig *kc)
{
	const enum hv_tristate t[] = {kc->hugetlb_page, kc->hvo, kc->hvo_default_on, kc->memmap_on_memory,
				      kc->page_extension};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i] != HV_YES && t[i] != HV_NO && t[i] != HV_TRI_UNKNOWN)
			return false;
	return kc->present && memchr(kc->source, '\0', sizeof(kc->source)) && kc->source[0] &&
	       (kc->page_size == HV_UNKNOWN || (kc->page_size >= 4096 && !(kc->page_size & (kc->page_size - 1))));
}

/* The config is fixed for the boot, its file (or the choice between the
 * files) is not: the identity of each place up to the first that exists. */
static void kconfig_ident(const struct hv_root *r, const char *release, char *ident, size_t cap)
{
	char rel[300];
	ident[0] = '\0';
	for (int i = 0; hv_kconfig_path(i, release, rel, sizeof(rel)); i++) {
		hv_cache_ident(r, rel, ident, cap);
		size_t n = strlen(ident);
		if (n < 3 || strcmp(ident + n - 3, "=-;"))
			break;
	}
}

int hv_probe_kconfig(const struct hv_root *r, struct hv_host *h)
{
	char rel[300], ident[1024] = "";
	hv_kconfig_init(&h->kconfig);
	bool cache = hv_cache_usable(r);
	if (cache) {
		struct hv_kconfig kc;
		kconfig_ident(r, h->release, ident, sizeof(ident));
		if (hv_cache_get(r, HV_CACHE_KCONFIG, ident, &kc, sizeof(kc)) && kconfig_sane(&kc)) {
			h->kconfig = kc;
			return 0;
		}
	}
	bool clean = true; /* no place before failed: a cached result needs no note */
	for (int i = 0; hv_kconfig_path(i, h->release, rel, sizeof(rel)); i++) {
		int rc = read_config(r, rel, &h->kconfig);
		if (rc == 0) {
			if (cache && clean)
				hv_cache_put(r, HV_CACHE_KCONFIG, ident, &h->kconfig, sizeof(h->kconfig));
			return 0;
		}
		if (rc != -ENOENT) {
			clean = false;
			hv_note("%s", hv_last_error());
			hv_kconfig_init(&h->kconfig);
		}
	}
	hv_note("no kernel config found (%s, /boot/config-RELEASE): whether HVO is built in is inferred",
		hv_root_name(r, "proc/config.gz"));
	return 0;
}
