/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Frames: attributed text lines shared by batch output and the screen, so
 * both show the same figures. Every figure comes from struct hv_report;
 * only unit conversion and the bar's proportion happen here. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hv_error.h"
#include "parse.h"
#include "strutil.h"
#include "tui.h"

void hv_frame_reset(struct hv_frame *f)
{
	f->n = 0;
}

void hv_frame_free(struct hv_frame *f)
{
	free(f->lines);
	memset(f, 0, sizeof(*f));
}

static struct hv_fline *newline(struct hv_frame *f)
{
	if (f->n == f->cap) {
		int cap = f->cap ? f->cap * 2 : 64;
		struct hv_fline *l = realloc(f->lines, (size_t)cap * sizeof(*l));
		if (!l)
			return NULL;
		f->lines = l;
		f->cap = cap;
	}
	struct hv_fline *l = &f->lines[f->n++];
	l->len = 0;
	l->indent = 2;
	l->text[0] = '\0';
	return l;
}

/* Appends printable ASCII only: process names and host names come from
 * other users, and the screen must not be driven by their bytes. */
static void put(struct hv_fline *l, int attr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void put(struct hv_fline *l, int attr, const char *fmt, ...)
{
	char buf[HV_FLINE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (const char *c = buf; *c && l->len < HV_FLINE_MAX - 1; c++) {
		l->text[l->len] = (*c >= 0x20 && *c < 0x7f) ? *c : '?';
		l->attr[l->len++] = (unsigned char)attr;
	}
	l->text[l->len] = '\0';
}

/* put() without a format, for the table's cells and padding: a frame of
 * thousands of process rows would spend most of its time in vsnprintf. */
static void put_str(struct hv_fline *l, int attr, const char *s)
{
	for (; *s && l->len < HV_FLINE_MAX - 1; s++) {
		l->text[l->len] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
		l->attr[l->len++] = (unsigned char)attr;
	}
	l->text[l->len] = '\0';
}

static void put_blanks(struct hv_fline *l, int n)
{
	for (; n > 0 && l->len < HV_FLINE_MAX - 1; n--) {
		l->text[l->len] = ' ';
		l->attr[l->len++] = HV_A_NORMAL;
	}
	l->text[l->len] = '\0';
}

static const char *const units_names[HV_UNITS_N] = {"human", "bytes", "KiB", "MiB", "GiB"};

const char *hv_units_name(enum hv_units u)
{
	return u < HV_UNITS_N ? units_names[u] : "?";
}

int hv_parse_units(const char *s, enum hv_units *out)
{
	for (int i = 0; i < HV_UNITS_N; i++)
		if (!strcasecmp(s, units_names[i])) {
			*out = (enum hv_units)i;
			return 0;
		}
	return -EINVAL;
}

void hv_fmt_units(int64_t bytes, enum hv_units u, char *buf, size_t cap)
{
	if (bytes == HV_UNKNOWN || bytes < 0) {
		snprintf(buf, cap, "?");
		return;
	}
	switch (u) {
	case HV_UNITS_BYTES: snprintf(buf, cap, "%" PRId64, bytes); break;
	case HV_UNITS_KIB: snprintf(buf, cap, "%" PRId64 "K", bytes >> 10); break;
	case HV_UNITS_MIB: snprintf(buf, cap, "%.1fM", (double)bytes / (1 << 20)); break;
	case HV_UNITS_GIB: snprintf(buf, cap, "%.2fG", (double)bytes / (1 << 30)); break;
	case HV_UNITS_HUMAN:
	case HV_UNITS_N: hv_fmt_size((uint64_t)bytes, buf, cap); break;
	}
}

static const char *tri(enum hv_tristate t)
{
	return t == HV_YES ? "yes" : t == HV_NO ? "no" : "?";
}

static void header(struct hv_frame *f, const struct hv_report *r, const struct hv_top_view *v,
		   const struct hv_top_info *info)
{
	const struct hv_report_source *h = &r->src;
	char a[32], b[32], c[32];
	struct hv_fline *l = newline(f);
	if (!l)
		return;
	put(l, HV_A_TITLE, "hvoplan top - %s  %s", info->hostname ? info->hostname : "?",
	    info->clock ? info->clock : "");
	if (info->snapshot)
		put(l, HV_A_TITLE, "  (snapshot %s)", h->root);
	else
		put(l, HV_A_TITLE, "  every %.1fs", v->delay);
	put(l, HV_A_TITLE, "  units %s", hv_units_name(v->units));

	if (!(l = newline(f)))
		return;
	put(l, HV_A_NORMAL, "Kernel: %s %s, HVO rules of %s%s, struct page %ld B (%s), base page %ld B",
	    h->release[0] ? h->release : "?", h->arch, hv_gen_name(r->gen),
	    r->gen_assumed ? " (assumed)" : r->gen_basis == HV_GEN_BY_FEATURES ? " (from its features)" : "",
	    r->struct_page_size, hv_page_src_name(r->struct_page_source), r->page_size);

	if (!(l = newline(f)))
		return;
	put(l, HV_A_NORMAL, "HVO: compiled %s, sysctl %s, boot param %s%s, ", tri(r->hvo_compiled),
	    r->hvo_sysctl == HV_UNKNOWN ? "absent" : r->hvo_sysctl ? "1" : "0",
	    r->hvo_param_rejected ? "rejected" : r->hvo_boot_param == HV_UNKNOWN ? "not set" : r->hvo_boot_param ? "on" : "off",
	    r->hvo_default_on == HV_YES ? " (default on)" : "");
	put(l, r->hvo_active ? HV_A_NORMAL : HV_A_WARN, "%s", r->hvo_active ? "active" : "inactive");

	if (!(l = newline(f)))
		return;
	hv_fmt_units(r->totals.hugetlb_bytes, v->units, a, sizeof(a));
	hv_fmt_units(r->totals.vmemmap_bytes, v->units, b, sizeof(b));
	put(l, HV_A_NORMAL, "Hugetlb: %s in %d pool%s, vmemmap %s without HVO", a, r->nhstates,
	    r->nhstates == 1 ? "" : "s", b);
	hv_fmt_units(r->total_savings_current, v->units, a, sizeof(a));
	hv_fmt_units(r->totals.savings_possible_bytes, v->units, b, sizeof(b));
	put(l, HV_A_NORMAL, ", saved now %s (%s), possible %s", a, hv_basis_name(r->total_savings_basis), b);

	if (!(l = newline(f)))
		return;
	if (r->memmap_pages != HV_UNKNOWN && r->memmap_baseline_pages != HV_UNKNOWN &&
	    r->realized_savings_bytes != HV_UNKNOWN) {
		hv_fmt_units(r->totals.memmap_bytes, v->units, a, sizeof(a));
		hv_fmt_units(r->totals.memmap_baseline_bytes, v->units, b, sizeof(b));
		hv_fmt_units(r->realized_savings_bytes, v->units, c, sizeof(c));
		put(l, HV_A_NORMAL, "Memmap: now %s, baseline %s, realized savings %s", a, b, c);
		hv_fmt_units(r->unoptimized_bytes, v->units, a, sizeof(a));
		put(l, HV_A_NORMAL, ", not optimized %s", a);
	} else {
		/* the model names why nothing is measured: old kernel, missing memory blocks, ... */
		put(l, HV_A_DIM, "Memmap: not measured: %s (savings %s)",
		    r->savings_note[0] ? r->savings_note : "no nr_memmap_pages counters", hv_basis_name(r->total_savings_basis));
	}
	if (v->interactive && (l = newline(f)))
		put(l, HV_A_DIM, "q quit  h help  n nodes  p processes  s sort  m smaps  u units  d delay  space refresh");
}

static const struct hv_hstate_result *prev_hstate(const struct hv_report *prev, uint64_t size)
{
	if (!prev)
		return NULL;
	for (int i = 0; i < prev->nhstates; i++)
		if (prev->hstates[i].size == size)
			return &prev->hstates[i];
	return NULL;
}

/* The probe lists nodes by ascending id: a binary search, so that a
 * frame of 1,024 nodes does not compare every node with every other. */
static const struct hv_node_result *prev_node(const struct hv_hstate_result *ps, int node)
{
	if (!ps)
		return NULL;
	int lo = 0, hi = ps->nnodes;
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		if (ps->nodes[mid].node < node)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ps->nnodes && ps->nodes[lo].node == node ? &ps->nodes[lo] : NULL;
}

/* Tables: every column is shown whole or not at all. At a width limit the
 * columns first narrow to their widest cell, then the least useful ones go
 * (listed in a note under the table), and only text (user, command) is cut,
 * with CUT_MARK as its last character. Numbers are never cut. */
#define CUT_MARK '>'
#define CELL_MAX 72

struct tcol {
	const char *head;
	int pref;  /* preferred width, separator included */
	int sep;   /* blanks before the cell */
	bool left; /* left-aligned */
	bool cut;  /* text: may be cut to fit, with CUT_MARK */
	bool flex; /* the last column: takes what is left */
	bool bar;  /* a pool bar: '#' and '.' get their own attributes */
	int drop;  /* 0: always shown; otherwise the largest is dropped first */
};

struct tcell {
	char s[CELL_MAX];
	unsigned char attr;
};

struct table {
	const struct tcol *cols;
	int ncols, nrows, cap;
	struct tcell *cells; /* nrows * ncols */
	int T[16];	     /* width of each column, 0 when dropped */
};

static struct tcell *trow(struct table *t)
{
	if (t->nrows == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		struct tcell *c = realloc(t->cells, (size_t)cap * (size_t)t->ncols * sizeof(*c));
		if (!c)
			return NULL;
		t->cells = c;
		t->cap = cap;
	}
	struct tcell *r = &t->cells[(size_t)t->nrows++ * (size_t)t->ncols];
	memset(r, 0, (size_t)t->ncols * sizeof(*r));
	return r;
}

static void tset(struct tcell *c, int attr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void tset(struct tcell *c, int attr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->s, sizeof(c->s), fmt, ap);
	va_end(ap);
	c->attr = (unsigned char)attr;
}

static int clen(const struct tcell *c)
{
	return (int)strlen(c->s);
}

/* The narrowest a column can be: its widest cell or heading (text columns
 * down to 8 characters, cut beyond). */
static int tmin(const struct table *t, int c, int content)
{
	const struct tcol *k = &t->cols[c];
	int head = (int)strlen(k->head);
	int body = k->cut && content > 8 ? 8 : content;
	return k->sep + (head > body ? head : body);
}

static void tlayout(struct table *t, int width)
{
	int content[16] = {0}, sum = 0;
	for (int r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			int n = clen(&t->cells[r * t->ncols + c]);
			content[c] = n > content[c] ? n : content[c];
		}
	for (int c = 0; c < t->ncols; c++) {
		const struct tcol *k = &t->cols[c];
		int need = k->sep + (content[c] > (int)strlen(k->head) ? content[c] : (int)strlen(k->head));
		t->T[c] = k->flex ? need : k->cut ? (k->pref > tmin(t, c, content[c]) ? k->pref : tmin(t, c, content[c]))
			: (k->pref > need ? k->pref : need);
		sum += t->T[c];
	}
	if (width <= 0 || sum <= width)
		return;
	sum = 0;
	for (int c = 0; c < t->ncols; c++)
		sum += (t->T[c] = tmin(t, c, content[c]));
	while (sum > width) {
		int worst = -1;
		for (int c = 0; c < t->ncols; c++)
			if (t->T[c] && t->cols[c].drop && (worst < 0 || t->cols[c].drop > t->cols[worst].drop))
				worst = c;
		if (worst < 0)
			break; /* the essential columns alone are wider: the rows wrap */
		sum -= t->T[worst];
		t->T[worst] = 0;
	}
	for (int c = 0; c < t->ncols; c++)
		if (t->T[c] && t->cols[c].flex) {
			int natural = t->cols[c].sep + content[c];
			int room = width - (sum - t->T[c]);
			t->T[c] = room > natural ? natural : room > t->T[c] ? room : t->T[c];
		}
}

static void tcell_put(struct hv_fline *l, const struct tcol *k, const struct tcell *cell, int T, bool last)
{
	int avail = T - k->sep, n = clen(cell);
	char buf[CELL_MAX];
	hv_copy(buf, sizeof(buf), cell->s);
	if (n > avail && avail > 0) { /* only text columns get here: tlayout kept numbers whole */
		buf[avail - 1] = CUT_MARK;
		buf[avail] = '\0';
		n = avail;
	}
	int pad = avail - n;
	put_blanks(l, k->sep + (k->left ? 0 : pad));
	if (k->bar) {
		for (const char *c = buf; *c; c++)
			put(l, *c == '#' ? HV_A_BAR : *c == '.' ? HV_A_DIM : cell->attr, "%c", *c);
	} else {
		put_str(l, cell->attr, buf);
	}
	if (k->left && !last)
		put_blanks(l, pad);
}

static void tline(struct hv_frame *f, const struct table *t, const struct tcell *row, int head_attr)
{
	struct hv_fline *l = newline(f);
	if (!l)
		return;
	l->indent = -1;
	int last = -1;
	for (int c = 0; c < t->ncols; c++)
		if (t->T[c])
			last = c;
	for (int c = 0; c < t->ncols; c++) {
		if (!t->T[c])
			continue;
		struct tcell h;
		const struct tcell *cell = row ? &row[c] : &h;
		if (!row) {
			hv_copy(h.s, sizeof(h.s), t->cols[c].head);
			h.attr = (unsigned char)head_attr;
		}
		tcell_put(l, &t->cols[c], cell, t->T[c], c == last);
	}
	while (l->len > 0 && l->text[l->len - 1] == ' ')
		l->len--;
	l->text[l->len] = '\0';
}

/* Heading, rows, and the note naming what did not fit. */
static void temit(struct hv_frame *f, struct table *t, int width)
{
	tlayout(t, width);
	tline(f, t, NULL, HV_A_HEADER);
	for (int r = 0; r < t->nrows; r++)
		tline(f, t, &t->cells[r * t->ncols], 0);
	struct hv_fline *l = NULL;
	for (int c = 0; c < t->ncols; c++) {
		if (t->T[c])
			continue;
		if (!l) {
			if (!(l = newline(f)))
				return;
			put(l, HV_A_DIM, "  not shown at %d columns:", width);
		}
		put(l, HV_A_DIM, " %s", t->cols[c].head);
	}
	free(t->cells);
	t->cells = NULL;
}

/* Pool columns. RESV is per pool only (the kernel has no per-node count);
 * STALE as in `report`: pages allocated while HVO was off. */
enum { PC_SIZE, PC_NODE, PC_PAGES, PC_FREE, PC_RESV, PC_SURP, PC_USED, PC_SAVED, PC_POSSIBLE, PC_STALE,
       PC_CHANGE, PC_N };
static const struct tcol pool_cols[PC_N] = {
	[PC_SIZE] = {"SIZE", 6, 0, false, false, false, false, 0},
	[PC_NODE] = {"NODE", 5, 1, false, false, false, false, 0},
	[PC_PAGES] = {"PAGES", 9, 1, false, false, false, false, 0},
	[PC_FREE] = {"FREE", 9, 1, false, false, false, false, 0},
	[PC_RESV] = {"RESV", 9, 1, false, false, false, false, 4},
	[PC_SURP] = {"SURP", 9, 1, false, false, false, false, 6},
	[PC_USED] = {"USED", 13, 1, true, false, false, true, 7},
	[PC_SAVED] = {"SAVED", 11, 1, false, false, false, false, 2},
	[PC_POSSIBLE] = {"POSSIBLE", 11, 1, false, false, false, false, 5},
	[PC_STALE] = {"STALE", 9, 1, false, false, false, false, 3},
	[PC_CHANGE] = {"CHANGE", 8, 2, true, false, true, false, 8},
};

struct pool_row {
	int64_t nr, free, resv, surplus, saved, possible, stale;
	bool has_resv; /* pool rows; node rows have "-" for RESV and STALE */
};

static int mark(bool has_prev, int64_t old, int64_t now)
{
	return has_prev && old != now ? HV_A_CHANGED : now == HV_UNKNOWN ? HV_A_DIM : HV_A_NORMAL;
}

static void num(struct tcell *c, int64_t v, bool has_prev, int64_t old)
{
	if (v == HV_UNKNOWN)
		tset(c, HV_A_DIM, "?");
	else
		tset(c, mark(has_prev, old, v), "%" PRId64, v);
}

static void size_cell(struct tcell *c, int64_t v, bool has_prev, int64_t old, enum hv_units u)
{
	char buf[32];
	hv_fmt_units(v, u, buf, sizeof(buf));
	tset(c, mark(has_prev, old, v), "%s", buf);
}

static void change_note(char *buf, size_t cap, const char *what, int64_t now, int64_t old)
{
	if (now == old)
		return;
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, "%s%s%+" PRId64, n ? " " : "", what, now - old);
}

static void pool_row(struct table *t, const char *size, int node, const struct pool_row *now,
		     const struct pool_row *old, enum hv_units u)
{
	struct tcell *c = trow(t);
	if (!c)
		return;
	bool p = old != NULL;
	tset(&c[PC_SIZE], HV_A_NORMAL, "%s", size);
	if (node < 0)
		tset(&c[PC_NODE], HV_A_DIM, "-");
	else
		tset(&c[PC_NODE], HV_A_NORMAL, "%d", node);
	num(&c[PC_PAGES], now->nr, p, p ? old->nr : 0);
	num(&c[PC_FREE], now->free, p, p ? old->free : 0);
	if (now->has_resv) {
		num(&c[PC_RESV], now->resv, p, p ? old->resv : 0);
		num(&c[PC_STALE], now->stale, p, p ? old->stale : 0);
	} else {
		tset(&c[PC_RESV], HV_A_DIM, "-");
		tset(&c[PC_STALE], HV_A_DIM, "-");
	}
	num(&c[PC_SURP], now->surplus, p, p ? old->surplus : 0);
	/* The bar: pages in use over pages in the pool, 10 cells. */
	int64_t used = now->nr - now->free;
	int cells = now->nr > 0 ? (int)((used * 10 + now->nr - 1) / now->nr) : 0;
	char bar[13] = "[..........]";
	for (int i = 0; i < cells && i < 10; i++)
		bar[1 + i] = '#';
	tset(&c[PC_USED], HV_A_NORMAL, "%s", bar);
	size_cell(&c[PC_SAVED], now->saved, p, p ? old->saved : 0, u);
	size_cell(&c[PC_POSSIBLE], now->possible, p, p ? old->possible : 0, u);
	char ch[CELL_MAX] = "";
	if (p) {
		change_note(ch, sizeof(ch), "pages", now->nr, old->nr);
		change_note(ch, sizeof(ch), "free", now->free, old->free);
		if (now->has_resv)
			change_note(ch, sizeof(ch), "resv", now->resv, old->resv);
		change_note(ch, sizeof(ch), "surp", now->surplus, old->surplus);
	}
	tset(&c[PC_CHANGE], HV_A_CHANGED, "%s", ch);
}

static void pools(struct hv_frame *f, const struct hv_report *r, const struct hv_report *prev,
		  const struct hv_top_view *v)
{
	if (!newline(f))
		return;
	struct table t = {.cols = pool_cols, .ncols = PC_N};
	for (int i = 0; i < r->nhstates; i++) {
		const struct hv_hstate_result *s = &r->hstates[i];
		const struct hv_hstate_result *ps = prev_hstate(prev, s->size);
		struct pool_row now = {s->nr, s->free, s->resv, s->surplus, s->savings_current, s->savings_possible,
				       s->unoptimized_pages, true};
		struct pool_row old;
		if (ps)
			old = (struct pool_row){ps->nr, ps->free, ps->resv, ps->surplus, ps->savings_current,
						ps->savings_possible, ps->unoptimized_pages, true};
		pool_row(&t, s->name, -1, &now, ps ? &old : NULL, v->units);
		if (!v->nodes)
			continue;
		for (int j = 0; j < s->nnodes; j++) {
			const struct hv_node_result *n = &s->nodes[j];
			const struct hv_node_result *pn = prev_node(ps, n->node);
			struct pool_row nn = {n->nr, n->free, 0, n->surplus, n->savings_current, n->savings_possible, 0, false};
			if (pn)
				old = (struct pool_row){pn->nr, pn->free, 0, pn->surplus, pn->savings_current,
							pn->savings_possible, 0, false};
			pool_row(&t, "", n->node, &nn, pn ? &old : NULL, v->units);
		}
	}
	temit(f, &t, v->width);
	struct hv_fline *l;
	if (r->nhstates == 0 && (l = newline(f)))
		put(l, HV_A_DIM, "  no hugepage pools (no HugeTLB support in this kernel)");
}

/* One line per size with pages in use, and the largest orphans: what
 * report's "Holders:" and "Not mapped:" say, in the dashboard's form. */
static void holders(struct hv_frame *f, const struct hv_report *r)
{
	const struct hv_holders *o = &r->holders;
	struct hv_fline *l;
	bool any = false;
	for (int i = 0; i < o->nsizes; i++)
		any |= o->sizes[i].in_use > 0;
	bool used = false;
	for (int i = 0; i < r->nhstates; i++)
		used |= r->hstates[i].nr > r->hstates[i].free && r->hstates[i].free >= 0;
	if (!o->scanned) {
		if (used && o->why[0] && (l = newline(f)) && (l = newline(f))) {
			put(l, HV_A_HEADER, "HOLDERS");
			put(l, HV_A_DIM, "  not counted: %s", o->why);
		}
		return;
	}
	if (!any || !(l = newline(f)) || !(l = newline(f)))
		return;
	put(l, HV_A_HEADER, "HOLDERS");
	for (int i = 0; i < o->nsizes; i++) {
		const struct hv_holder_size *z = &o->sizes[i];
		char n[16];
		if (z->in_use == 0 || !(l = newline(f)))
			continue;
		hv_hstate_name(z->size, n, sizeof(n));
		l->indent = 8;
		put(l, HV_A_NORMAL, "  %4s  %lld in use: %lld in files, %lld in SysV segments, %lld only mapped, ", n,
		    (long long)z->in_use, (long long)z->files, (long long)z->sysv, (long long)z->mapped);
		put(l, z->unattributed ? HV_A_WARN : HV_A_NORMAL, "%s%lld unattributed", z->lower_bound ? "at most " : "",
		    (long long)z->unattributed);
		if (z->orphaned)
			put(l, HV_A_WARN, ", %lld not mapped", (long long)z->orphaned);
	}
	int shown = o->norphans < 5 ? o->norphans : 5; /* the findings carry the fix */
	for (int i = 0; i < shown && (l = newline(f)); i++) {
		const struct hv_orphan *x = &o->orphans[i];
		char n[16];
		hv_hstate_name(x->page_size, n, sizeof(n));
		l->indent = 8;
		if (x->kind == HV_ORPHAN_FILE)
			put(l, HV_A_DIM, "        %s: %lld x %s, not mapped", x->path, (long long)x->pages, n);
		else if (x->kind == HV_ORPHAN_SHM || x->page_size)
			put(l, HV_A_DIM, "        SysV segment %d: %lld x %s%s, not attached", x->shmid, (long long)x->pages, n,
			    x->kind == HV_ORPHAN_SHM ? "" : " if hugetlb-backed");
		else
			put(l, HV_A_DIM, "        SysV segment %d: hugetlb backing unknown, not attached", x->shmid);
	}
	if (o->norphans_total > shown && (l = newline(f)))
		put(l, HV_A_DIM, "        and %d more (hvoplan report lists %d)", o->norphans_total - shown,
		    o->norphans_total < HV_MAX_ORPHANS ? o->norphans_total : HV_MAX_ORPHANS);
}

static void findings(struct hv_frame *f, const struct hv_report *r)
{
	struct hv_fline *l = newline(f);
	if (!l || !(l = newline(f)))
		return;
	put(l, HV_A_HEADER, "FINDINGS (%d)", r->nfindings);
	for (int i = 0; i < r->nfindings; i++) {
		const struct hv_finding *x = &r->findings[i];
		int a = x->severity == HV_SEV_ERROR ? HV_A_ERROR : x->severity == HV_SEV_WARNING ? HV_A_WARN : HV_A_NORMAL;
		if (!(l = newline(f)))
			return;
		l->indent = 10; /* under the message, past the severity */
		put(l, a, "  %-7s", hv_severity_name(x->severity));
		put(l, HV_A_NORMAL, " %s: %s", x->id, x->message);
		if (!(l = newline(f)))
			return;
		l->indent = 15; /* under the fix itself */
		put(l, HV_A_DIM, "          fix: %s", x->fix);
	}
}

static void kib_cell(struct tcell *c, int64_t kib, enum hv_units u, bool asked)
{
	char buf[32];
	if (!asked)
		tset(c, HV_A_DIM, "-");
	else if (kib == HV_PROC_NOACCESS)
		tset(c, HV_A_DIM, "no access");
	else if (kib < 0)
		tset(c, HV_A_DIM, "?");
	else {
		hv_fmt_units(kib * 1024, u, buf, sizeof(buf));
		tset(c, HV_A_NORMAL, "%s", buf);
	}
}

enum { XC_PID, XC_USER, XC_HUGETLB, XC_PRIVATE, XC_SHARED, XC_MAPPED, XC_COMMAND, XC_N };
static const struct tcol proc_cols[XC_N] = {
	[XC_PID] = {"PID", 8, 0, false, false, false, false, 0},
	[XC_USER] = {"USER", 13, 1, true, true, false, false, 5},
	[XC_HUGETLB] = {"HUGETLB", 11, 1, false, false, false, false, 0},
	[XC_PRIVATE] = {"PRIVATE", 11, 1, false, false, false, false, 2},
	[XC_SHARED] = {"SHARED", 11, 1, false, false, false, false, 3},
	[XC_MAPPED] = {"MAPPED", 11, 1, false, false, false, false, 4},
	[XC_COMMAND] = {"COMMAND", 9, 2, true, true, true, false, 0},
};

static void processes(struct hv_frame *f, const struct hv_report *r, const struct hv_procs *p,
		      const struct hv_top_view *v)
{
	struct hv_fline *l = newline(f);
	if (!l || !(l = newline(f)))
		return;
	if (!p || !p->available) {
		put(l, HV_A_HEADER, "PROCESSES");
		if ((l = newline(f)))
			put(l, HV_A_DIM, "  %s", p ? p->why : "not read");
		return;
	}
	int64_t resv = r->totals.resv_pages;
	if (p->idle) {
		put(l, HV_A_HEADER, "PROCESSES 0 using hugetlb, sort %s", hv_proc_sort_name(v->sort));
		if ((l = newline(f))) {
			if (resv > 0)
				put(l, HV_A_DIM, "  no hugetlb page is in use; %" PRId64 " reserved: m (smaps) finds "
				    "the processes that hold only reservations", resv);
			else
				put(l, HV_A_DIM, "  no hugetlb page is in use or reserved: no process maps one");
		}
		return;
	}
	char a[32], b[32];
	hv_fmt_units(p->total_kib * 1024, v->units, a, sizeof(a));
	put(l, HV_A_HEADER, "PROCESSES %d using hugetlb of %d, total %s, sort %s", p->n - p->nreserved_only,
	    p->nscanned, a, hv_proc_sort_name(v->sort));
	if (p->nunreadable)
		put(l, HV_A_WARN, ", %d no access (HugetlbPages unreadable)", p->nunreadable);
	/* What the counts mean, since HUGETLB sums to more than the pool holds
	 * as soon as pages are shared. */
	if (!(l = newline(f)))
		return;
	put(l, HV_A_DIM, "  HUGETLB: mapped now (HugetlbPages, proc/PID/status); the total sums it: a page"
	    " that N processes map counts N times.");
	if (!p->smaps) {
		put(l, HV_A_DIM, " m or --smaps: private/shared split, shared pages once%s.",
		    resv > 0 ? ", processes holding only reservations" : "");
	} else {
		if (!(l = newline(f)))
			return;
		hv_fmt_units(p->distinct_kib * 1024, v->units, b, sizeof(b));
		put(l, HV_A_NORMAL, "  Counted once: %s%s", p->distinct_at_least ? "at least " : "", b);
		put(l, HV_A_DIM, " (each hugetlbfs file, memfd or SysV segment once; %d shared by several)."
		    " PRIVATE/SHARED from proc/PID/smaps; MAPPED: size of the hugetlb mappings, touched or not.",
		    p->nshared_objects);
		if (p->all_smaps && (l = newline(f)))
			put(l, p->nreserved_only ? HV_A_NORMAL : HV_A_DIM,
			    "  %d process%s hold%s only reservations (HUGETLB 0, MAPPED above 0).", p->nreserved_only,
			    p->nreserved_only == 1 ? "" : "es", p->nreserved_only == 1 ? "s" : "");
		if (p->nsmaps_noaccess && l)
			put(l, HV_A_WARN, " %d smaps no access: not counted.", p->nsmaps_noaccess);
	}
	if (p->n == 0) {
		if ((l = newline(f)))
			put(l, HV_A_DIM, "  no process uses hugetlb pages");
		return;
	}
	struct table t = {.cols = proc_cols, .ncols = XC_N};
	int rows = v->max_procs > 0 && v->max_procs < p->n ? v->max_procs : p->n;
	for (int i = 0; i < rows; i++) {
		const struct hv_proc *x = &p->v[i];
		struct tcell *c = trow(&t);
		if (!c)
			break;
		tset(&c[XC_PID], HV_A_NORMAL, "%d", x->pid);
		tset(&c[XC_USER], HV_A_NORMAL, "%s", x->user);
		kib_cell(&c[XC_HUGETLB], x->hugetlb_kib, v->units, true);
		kib_cell(&c[XC_PRIVATE], x->private_kib, v->units, p->smaps);
		kib_cell(&c[XC_SHARED], x->shared_kib, v->units, p->smaps);
		kib_cell(&c[XC_MAPPED], x->mapped_kib, v->units, p->smaps);
		tset(&c[XC_COMMAND], HV_A_NORMAL, "%s", x->comm);
	}
	temit(f, &t, v->width);
	if (rows < p->n && (l = newline(f)))
		put(l, HV_A_DIM, "  ... %d more", p->n - rows);
}

/* Text lines longer than the width continue on the next line at their
 * indent, broken at a blank: a figure is never split. A word (or a table
 * row at a width below its essential columns) longer than the room is
 * broken where the room ends and continues, so no character is lost. */
static int wrap(struct hv_frame *f, int width)
{
	struct hv_frame out = {0};
	for (int i = 0; i < f->n; i++) {
		const struct hv_fline *src = &f->lines[i];
		int pos = 0, ind = 0;
		do {
			struct hv_fline *l = newline(&out);
			if (!l) {
				hv_frame_free(&out);
				return hv_fail(ENOMEM, "out of memory");
			}
			l->indent = src->indent;
			for (int k = 0; k < ind; k++)
				put(l, HV_A_NORMAL, " ");
			int room = width - ind, left = src->len - pos, take = left;
			if (left > room) {
				take = room;
				if (src->indent >= 0)
					for (int k = room; k > 0; k--)
						if (src->text[pos + k] == ' ') {
							take = k;
							break;
						}
			}
			memcpy(l->text + l->len, src->text + pos, (size_t)take);
			memcpy(l->attr + l->len, src->attr + pos, (size_t)take);
			l->len += take;
			while (l->len > 0 && l->text[l->len - 1] == ' ')
				l->len--;
			l->text[l->len] = '\0';
			pos += take;
			while (pos < src->len && src->text[pos] == ' ')
				pos++;
			ind = src->indent > 0 && src->indent < width / 2 ? src->indent : width > 2 ? 2 : 0;
			/* less indent rather than a word broken in two */
			int word = 0;
			while (pos + word < src->len && src->text[pos + word] != ' ')
				word++;
			if (src->indent >= 0 && word > width - ind)
				ind = word < width ? width - word : 0;
		} while (pos < src->len);
	}
	hv_frame_free(f);
	*f = out;
	return 0;
}

int hv_top_build(struct hv_frame *f, const struct hv_report *r, const struct hv_report *prev,
		 const struct hv_procs *procs, const struct hv_top_view *v, const struct hv_top_info *info)
{
	hv_frame_reset(f);
	header(f, r, v, info);
	pools(f, r, prev, v);
	holders(f, r);
	findings(f, r);
	if (v->procs)
		processes(f, r, procs, v);
	/* newline() only fails on ENOMEM; the frame is then short. */
	if (!f->lines)
		return hv_fail(ENOMEM, "out of memory");
	return v->width > 0 ? wrap(f, v->width) : 0;
}

int hv_top_build_help(struct hv_frame *f, const struct hv_top_view *v)
{
	static const char *const lines[] = {
		"hvoplan top - keys",
		"",
		"  q            quit (also Ctrl-C)",
		"  h ?          this help; any key returns",
		"  space        refresh now",
		"  d            change the refresh delay (seconds)",
		"  n            expand the pools per NUMA node",
		"  p            show or hide the processes panel",
		"  s            cycle the process sort: hugetlb, private, shared, pid, user, command",
		"  m            read the private/shared hugetlb split from smaps, count shared pages",
		"               once, find processes holding only reservations and count who holds",
		"               the pages in use (costly: walks page tables under mmap_lock)",
		"  u            cycle units: human, bytes, KiB, MiB, GiB",
		"",
		"Changed figures since the last refresh are highlighted and listed under CHANGE.",
		"HUGETLB is HugetlbPages from /proc/PID/status; 'no access' means the value is",
		"not readable with your privileges (it is not 0). Columns that do not fit are",
		"left out whole (named under the table); cut text ends with '>'.",
	};
	hv_frame_reset(f);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct hv_fline *l = newline(f);
		if (!l)
			return hv_fail(ENOMEM, "out of memory");
		l->indent = lines[i][0] == ' ' ? 15 : 0; /* under the key's text */
		put(l, i == 0 ? HV_A_TITLE : HV_A_NORMAL, "%s", lines[i]);
	}
	struct hv_fline *l = newline(f);
	if (l)
		put(l, HV_A_DIM, "Now: delay %.1fs, units %s, sort %s, nodes %s, processes %s, smaps %s", v->delay,
		    hv_units_name(v->units), hv_proc_sort_name(v->sort), v->nodes ? "on" : "off",
		    v->procs ? "on" : "off", v->smaps ? "on" : "off");
	return v->width > 0 ? wrap(f, v->width) : 0;
}

int hv_frame_print(FILE *out, const struct hv_frame *f, bool ansi)
{
	static const char *const sgr[HV_A_N] = {
		[HV_A_TITLE] = "\033[1m",    [HV_A_HEADER] = "\033[1m", [HV_A_CHANGED] = "\033[1;33m",
		[HV_A_WARN] = "\033[33m",    [HV_A_ERROR] = "\033[31m", [HV_A_DIM] = "\033[2m",
		[HV_A_BAR] = "\033[32m",
	};
	for (int i = 0; i < f->n; i++) {
		const struct hv_fline *l = &f->lines[i];
		if (!ansi) {
			fputs(l->text, out);
		} else {
			int cur = HV_A_NORMAL;
			for (int j = 0; j < l->len; j++) {
				if (l->attr[j] != cur) {
					if (cur != HV_A_NORMAL)
						fputs("\033[0m", out);
					cur = l->attr[j];
					if (cur != HV_A_NORMAL && cur < HV_A_N && sgr[cur])
						fputs(sgr[cur], out);
				}
				fputc(l->text[j], out);
			}
			if (cur != HV_A_NORMAL)
				fputs("\033[0m", out);
		}
		fputc('\n', out);
	}
	if (ferror(out))
		return hv_fail(EIO, "cannot write output: %s", strerror(errno));
	return 0;
}
