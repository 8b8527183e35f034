/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan fleet: many hosts (snapshots, snapshot archives, sosreports) at
 * once, one row each, plus totals. The row is what the model's report of
 * that host says (hv_fleet_row_from_report), the totals and the sort are
 * pure code (src/model/fleet.c), finding the hosts under the PATHs is the
 * probe's (src/probe/fleet_scan.c), the renderers only format
 * (src/render/fleet.c). */
#ifndef HV_FLEET_H
#define HV_FLEET_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

/* What a PATH (or an entry of a directory scanned for hosts) is. */
enum hv_fleet_kind {
	HV_FLEET_SNAPSHOT,  /* a directory with hvoplan-snapshot.txt */
	HV_FLEET_ARCHIVE,   /* FILE.tar, as `snapshot -o FILE.tar` writes */
	HV_FLEET_SOSREPORT, /* an extracted sosreport (sos_commands/) */
	HV_FLEET_TREE,	    /* another tree with proc/meminfo (a fixture, a copied root) */
};
const char *hv_fleet_kind_name(enum hv_fleet_kind k);

/* One pool of a host as the row shows it. */
struct hv_fleet_pool {
	uint64_t size;
	char name[16];
	int64_t nr;
};

/* One host's row: plain data, no pointers, so that a worker process can
 * hand it to the parent through a pipe as it is. */
struct hv_fleet_row {
	char hostname[256]; /* "" unknown */
	char release[128];  /* "" unknown */
	char arch[32];
	char generation[16];
	bool hvo_active, hvo_at_boot;
	int npools;
	struct hv_fleet_pool pools[HV_MAX_HSTATES];
	/* the report's totals, HV_UNKNOWN when it says unknown */
	int64_t hugetlb_bytes, vmemmap_bytes;
	int64_t saved_bytes; /* total_savings_current */
	enum hv_basis saved_basis;
	int64_t possible_bytes;
	int64_t freeable_bytes; /* possible - saved: what more HVO would free */
	int64_t stale_bytes;	/* unoptimized_bytes: vmemmap held by pages allocated while HVO was off */
	int64_t stale_pages;	/* over every pool; HV_UNKNOWN if any pool's count is */
	int nfindings;
	int by_severity[3]; /* findings of HV_SEV_INFO, _WARNING, _ERROR */
	int worst;	    /* index into the report's findings of the worst one; -1 none */
	char worst_id[40];
	enum hv_severity worst_severity;
};

/* One PATH's outcome: a row, or why there is none. */
struct hv_fleet_host {
	char path[4096]; /* as found (the PATH, or PATH/ENTRY) */
	enum hv_fleet_kind kind;
	bool ok;
	char reason[1024]; /* when !ok: what could not be read, and why */
	size_t order;	   /* position in the input (ties of a sort keep it) */
	struct hv_fleet_row row;
};

struct hv_fleet_totals {
	int hosts;	/* rows */
	int unreadable; /* hosts skipped */
	/* sums over the rows; HV_UNKNOWN beyond INT64_MAX. A sum of a figure
	 * some host does not know covers the hosts that do; *_unknown counts
	 * the others. */
	int64_t hugetlb_bytes, vmemmap_bytes, possible_bytes;
	int64_t saved_bytes, freeable_bytes;
	int saved_unknown;
	int64_t stale_bytes;
	int stale_unknown;
	int hvo_off;			/* hosts where new hugepages are not optimized now */
	int with_severity[3];		/* hosts whose worst finding is info, warning, error */
};

/* Pure: the row of one host, from its report. */
void hv_fleet_row_from_report(const struct hv_report *r, struct hv_fleet_row *row);
/* Pure: the totals over the readable hosts of h[0..n). */
void hv_fleet_totals(const struct hv_fleet_host *h, size_t n, struct hv_fleet_totals *t);

/* The columns: the table's, CSV's and the sort keys. */
enum hv_fleet_col {
	HV_FCOL_HOST,
	HV_FCOL_PATH,
	HV_FCOL_KIND,
	HV_FCOL_KERNEL,
	HV_FCOL_ARCH,
	HV_FCOL_HVO,
	HV_FCOL_POOLS,
	HV_FCOL_HUGETLB,
	HV_FCOL_VMEMMAP,
	HV_FCOL_SAVED,
	HV_FCOL_BASIS,
	HV_FCOL_POSSIBLE,
	HV_FCOL_FREEABLE,
	HV_FCOL_STALE,
	HV_FCOL_STALEMEM,
	HV_FCOL_FINDINGS,
	HV_FCOL_WORST,
	HV_FCOL_N,
};

/* Pure, stable: text columns A to Z, figures largest first, unknown last
 * (whichever the direction); reverse flips all but the unknowns. Unreadable
 * hosts keep their order after the rows. */
void hv_fleet_sort(struct hv_fleet_host *h, size_t n, enum hv_fleet_col key, bool reverse);

/* Column name (as -o and --sort take it, any case) -> column; -1 unknown. */
int hv_fleet_column(const char *name);
void hv_fleet_list_columns(FILE *out);
/* An -o list: 0, or -EINVAL with the message naming the bad column. */
int hv_fleet_check_columns(const char *list);

enum hv_fleet_format { HV_FLEET_TABLE, HV_FLEET_JSON, HV_FLEET_CSV };
struct hv_table_opts;
int hv_render_fleet_table(FILE *out, const struct hv_fleet_host *h, size_t n, const struct hv_fleet_totals *t,
			  const struct hv_table_opts *o);
int hv_render_fleet_json(FILE *out, const struct hv_fleet_host *h, size_t n, const struct hv_fleet_totals *t);
int hv_render_fleet_csv(FILE *out, const struct hv_fleet_host *h, size_t n, const struct hv_table_opts *o);

/* The probe's part. One PATH -> the hosts it holds (itself, or, for a
 * directory that is none, its entries one level deep, by name). Entries
 * that are no host (a symlink in a scanned directory, an empty directory,
 * a FIFO, a compressed sosreport) are added with ok false and the reason;
 * a scanned directory's plain files that are not archives are ignored.
 * *v grows (realloc); -ENOMEM only. */
int hv_fleet_scan(const char *path, struct hv_fleet_host **v, size_t *n, size_t *cap);

struct hv_root;
/* The host's name: proc/sys/kernel/hostname, a sosreport's hostname or
 * etc/hostname, else the node name of the uname capture; "" unknown
 * ("(none)" is unknown too). Sanitized. */
void hv_probe_fleet_hostname(const struct hv_root *r, char *buf, size_t cap);

#endif
