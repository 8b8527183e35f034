/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Settings for `hvoplan apply`, from hvoplan.conf (libinih), the
 * environment (HVOPLAN_*) and the command line. Each source fills one
 * struct hv_apply_settings; hv_settings_merge() layers them:
 * command line > environment > config file > defaults. */
#ifndef HV_CONFIG_H
#define HV_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "host.h"

#define HV_MAX_POOL_REQS 64
#define HV_CONFIG_DEFAULT "/etc/hvoplan.conf"
/* What apply --persist records for the kernel-install plug-in, in the same
 * syntax (relative to the root; read by boot-entry and verify too). */
#define HV_BOOT_RECORD "etc/kernel/hvoplan.conf"

/* One pool request: `SIZE:AMOUNT` (whole pool) or `SIZE:AMOUNT@NODE`, the
 * amount a page count, a memory size (1G:64G) or, on the command line, a
 * change of the pool as found (2M:+512, 2M:-256, 1G:+4G). */
struct hv_pool_req {
	uint64_t size;	/* bytes */
	int node;	/* -1: the global pool */
	int64_t count;	/* pages; with relative, the change (may be negative) */
	bool relative;	/* resolved against the pool's persistent pages by hv_desired_from_settings() */
	char amount[24]; /* as given, for messages */
	char from[160]; /* where it was given, for messages: "--pages", "HVOPLAN_PAGES", "FILE: pages" */
};

enum hv_bootloader {
	HV_BL_AUTO = 0,
	HV_BL_GRUBBY,
	HV_BL_GRUB,
	HV_BL_KERNEL_INSTALL,
	HV_BL_MANUAL,
};

struct hv_apply_settings {
	enum hv_tristate hvo;	     /* HV_TRI_UNKNOWN unset, HV_NO off, HV_YES on */
	enum hv_tristate persist;    /* HV_TRI_UNKNOWN unset */
	enum hv_tristate reoptimize; /* HV_TRI_UNKNOWN unset */
	int bootloader;		     /* -1 unset, else enum hv_bootloader */
	int64_t batch;	/* 0 unset (auto): pages per pool write during --reoptimize */
	int npools;
	struct hv_pool_req pools[HV_MAX_POOL_REQS];
	/* nr_overcommit_hugepages per size (node always -1: the kernel keeps
	 * one limit per size) */
	int novercommit;
	struct hv_pool_req overcommit[HV_MAX_POOL_REQS];
};

void hv_settings_init(struct hv_apply_settings *s);
/* Values set in `over` replace those in `dst`; pool requests replace dst's
 * requests for the same hugepage size (all nodes of that size). */
void hv_settings_merge(struct hv_apply_settings *dst, const struct hv_apply_settings *over);

/* Value parsers shared by the three sources. `what` names the source in
 * messages ("--pages", "HVOPLAN_PAGES", "hvoplan.conf:12: pages"). */
int hv_parse_onoff(const char *what, const char *v, enum hv_tristate *out);
int hv_parse_yesno(const char *what, const char *v, enum hv_tristate *out);
int hv_parse_bootloader(const char *what, const char *v, int *out);
const char *hv_bootloader_name(int bl);
/* "1G:64 2M:1024@1" (white space or commas between items); appends to s. */
/* relative: changes (+N, -N) are accepted (the command line only: in a
 * file or the environment a second run would change the pool again). */
int hv_parse_pages(const char *what, const char *v, struct hv_apply_settings *s, bool relative);
/* "2M:512 1G:4G": overcommit limits, SIZE:AMOUNT without @NODE; appends to s. */
int hv_parse_overcommit(const char *what, const char *v, struct hv_apply_settings *s, bool relative);

/* Parses the [apply] section of config text. name is used in messages. */
int hv_config_parse_string(const char *name, const char *text, struct hv_apply_settings *s);
/* Reads and parses a config file. A missing file is an error only when
 * must_exist (an explicit --config / HVOPLAN_CONFIG). */
int hv_config_load(const char *path, bool must_exist, struct hv_apply_settings *s);
/* Reads rel (e.g. "etc/hvoplan.conf") under the root (symlinks resolved
 * inside it); a missing file is fine. */
struct hv_root;
int hv_config_load_at(const struct hv_root *r, const char *rel, struct hv_apply_settings *s);
/* HVOPLAN_HVO, HVOPLAN_PAGES, HVOPLAN_OVERCOMMIT, HVOPLAN_PERSIST, HVOPLAN_REOPTIMIZE,
 * HVOPLAN_BOOTLOADER, HVOPLAN_BATCH. */
int hv_settings_from_env(struct hv_apply_settings *s);

#endif
