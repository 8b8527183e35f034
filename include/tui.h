/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan top: a session (host probed once, pools and counters re-read per
 * refresh), a frame builder that turns a report into attributed text lines
 * (pure: unit-tested), and two drivers: batch (plain text frames, like
 * `top -b`) and the ncurses screen. */
#ifndef HV_TUI_H
#define HV_TUI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"
#include "probe.h"
#include "procs.h"

enum hv_attr {
	HV_A_NORMAL = 0,
	HV_A_TITLE,   /* first header line */
	HV_A_HEADER,  /* column headings */
	HV_A_CHANGED, /* a figure that changed since the last refresh */
	HV_A_WARN,
	HV_A_ERROR,
	HV_A_DIM,     /* key hints, "-" and "?" */
	HV_A_BAR,     /* used part of a pool bar */
	HV_A_N
};

/* Longest line a frame holds: a finding's id, message (600) and prefix. */
#define HV_FLINE_MAX 1024

struct hv_fline {
	int len;
	int indent; /* where a wrapped continuation starts; -1: a table row (fitted, not word-wrapped) */
	char text[HV_FLINE_MAX];
	unsigned char attr[HV_FLINE_MAX];
};

struct hv_frame {
	int n, cap;
	struct hv_fline *lines;
};

void hv_frame_reset(struct hv_frame *f);
void hv_frame_free(struct hv_frame *f);
/* Plain text, one line per frame line; with ansi, changed figures and
 * findings get SGR colors. Returns 0 or -EIO (hv_fail text). */
int hv_frame_print(FILE *out, const struct hv_frame *f, bool ansi);

enum hv_units { HV_UNITS_HUMAN = 0, HV_UNITS_BYTES, HV_UNITS_KIB, HV_UNITS_MIB, HV_UNITS_GIB, HV_UNITS_N };
const char *hv_units_name(enum hv_units u);
int hv_parse_units(const char *s, enum hv_units *out);
/* One size in the chosen unit; "?" for HV_UNKNOWN. */
void hv_fmt_units(int64_t bytes, enum hv_units u, char *buf, size_t cap);

/* What is shown: toggled by keys, seeded by options. */
struct hv_top_view {
	bool nodes;	/* per-node rows under each pool (n) */
	bool procs;	/* processes panel (p) */
	bool smaps;	/* private/shared split from smaps (m) */
	bool help;	/* help screen (h, ?) */
	bool interactive; /* key hints in the header */
	enum hv_units units;
	enum hv_proc_sort sort;
	double delay;	/* seconds */
	int max_procs;	/* process rows; 0: all */
	int width;	/* columns to fit (the screen, or COLUMNS for -b); 0: no limit */
};

struct hv_top_info {
	const char *hostname;
	const char *clock; /* "12:34:56", or "snapshot" */
	bool snapshot;	   /* not a live root: one frame, no refresh */
};

/* Pure: report (+ the previous refresh's, for change marks), processes and
 * view -> frame. prev and procs may be NULL. */
int hv_top_build(struct hv_frame *f, const struct hv_report *r, const struct hv_report *prev,
		 const struct hv_procs *procs, const struct hv_top_view *v, const struct hv_top_info *info);
int hv_top_build_help(struct hv_frame *f, const struct hv_top_view *v);

/* A running `top`: the probed host, the root kept open for re-reads. */
struct hv_top {
	const struct hv_root *root; /* the run's, opened and closed by main */
	struct hv_host *host;	    /* the last good probe */
	struct hv_host *next_host; /* each refresh probes into this copy, then swaps */
	struct hv_model_opts model; /* overrides, as report takes them (none from top's options) */
	struct hv_report *cur, *prev; /* prev is NULL-equivalent until have_prev */
	bool have_prev;
	struct hv_procs procs;
	struct hv_procs_ctx *pctx;
	struct hv_top_view view;
	char hostname[256];
	char clock[16];
	bool live;
	bool color;
	long iterations; /* -n; 0: unlimited */
	int rescan;	 /* --rescan: every process re-read at least every N refreshes */
	/* the holder count's input (live only), read again when the pages in
	 * use change and at least every rescan refreshes */
	struct hv_holders_input holders;
	int64_t holders_used; /* pages in use when it was read */
	int holders_age;      /* refreshes since */
	bool holders_read;
};

/* Set by SIGINT/SIGTERM; every loop checks it and leaves cleanly. */
extern volatile sig_atomic_t hv_top_stop;
void hv_top_signals(void);

int hv_top_init(struct hv_top *t, const struct hv_root *root);
/* Re-reads pools and counters (live only) and rebuilds the report; reads
 * the processes when the panel is shown. */
int hv_top_refresh(struct hv_top *t);
void hv_top_close(struct hv_top *t);
int hv_top_frame(struct hv_top *t, struct hv_frame *f);

int hv_top_batch(struct hv_top *t);
int hv_top_screen(struct hv_top *t);
/* Sleeps up to seconds, returning early when hv_top_stop is set. */
void hv_top_sleep(double seconds);

#endif
