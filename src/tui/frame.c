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
	const struct hv_host *h = r->host;
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
	    h->release[0] ? h->release : "?", h->arch, hv_gen_name(r->gen), r->gen_assumed ? " (assumed)" : "",
	    r->struct_page_size, hv_page_src_name(r->struct_page_source), r->page_size);

	if (!(l = newline(f)))
		return;
	put(l, HV_A_NORMAL, "HVO: compiled %s, sysctl %s, boot param %s%s, ", tri(r->hvo_compiled),
	    r->hvo_sysctl == HV_UNKNOWN ? "absent" : r->hvo_sysctl ? "1" : "0",
	    r->hvo_boot_param == HV_UNKNOWN ? "not set" : r->hvo_boot_param ? "on" : "off",
	    r->hvo_default_on == HV_YES ? " (default on)" : "");
	put(l, r->hvo_active ? HV_A_NORMAL : HV_A_WARN, "%s", r->hvo_active ? "active" : "inactive");

	if (!(l = newline(f)))
		return;
	hv_fmt_units((int64_t)r->total_hugetlb_bytes, v->units, a, sizeof(a));
	hv_fmt_units((int64_t)r->total_vmemmap_bytes, v->units, b, sizeof(b));
	put(l, HV_A_NORMAL, "Hugetlb: %s in %d pool%s, vmemmap %s without HVO", a, r->nhstates,
	    r->nhstates == 1 ? "" : "s", b);
	hv_fmt_units(r->total_savings_current, v->units, a, sizeof(a));
	hv_fmt_units((int64_t)r->total_savings_possible, v->units, b, sizeof(b));
	put(l, HV_A_NORMAL, ", saved now %s (%s), possible %s", a, hv_basis_name(r->total_savings_basis), b);

	if (!(l = newline(f)))
		return;
	if (r->memmap_pages != HV_UNKNOWN && r->memmap_baseline_pages != HV_UNKNOWN) {
		hv_fmt_units((r->memmap_pages + r->memmap_boot_pages) * r->page_size, v->units, a, sizeof(a));
		hv_fmt_units(r->memmap_baseline_pages * r->page_size, v->units, b, sizeof(b));
		hv_fmt_units(r->realized_savings_bytes, v->units, c, sizeof(c));
		put(l, HV_A_NORMAL, "Memmap: now %s, baseline %s, realized savings %s", a, b, c);
		hv_fmt_units(r->unoptimized_bytes, v->units, a, sizeof(a));
		put(l, HV_A_NORMAL, ", not optimized %s", a);
	} else {
		put(l, HV_A_DIM, "Memmap: no nr_memmap_pages counters in this kernel (savings %s)",
		    hv_basis_name(r->total_savings_basis));
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

static const struct hv_node_result *prev_node(const struct hv_hstate_result *ps, int node)
{
	if (!ps)
		return NULL;
	for (int i = 0; i < ps->nnodes; i++)
		if (ps->nodes[i].node == node)
			return &ps->nodes[i];
	return NULL;
}

/* Pool columns. RESV is per pool only (the kernel has no per-node count). */
#define POOL_HEAD "  SIZE NODE    PAGES     FREE     RESV     SURP USED          SAVED   POSSIBLE  CHANGE"

struct pool_row {
	int64_t nr, free, resv, surplus, saved, possible;
	bool has_resv;
};

static void num(struct hv_fline *l, int width, int64_t v, bool has_prev, int64_t old)
{
	put(l, has_prev && old != v ? HV_A_CHANGED : HV_A_NORMAL, "%*" PRId64, width, v);
}

static void size_cell(struct hv_fline *l, int width, int64_t v, bool has_prev, int64_t old, enum hv_units u)
{
	char buf[32];
	hv_fmt_units(v, u, buf, sizeof(buf));
	put(l, has_prev && old != v ? HV_A_CHANGED : v == HV_UNKNOWN ? HV_A_DIM : HV_A_NORMAL, "%*s", width, buf);
}

static void change_note(struct hv_fline *l, const char *what, int64_t now, int64_t old, bool *first)
{
	if (now == old)
		return;
	put(l, HV_A_CHANGED, "%s%s%+" PRId64, *first ? "" : " ", what, now - old);
	*first = false;
}

static void pool_line(struct hv_frame *f, const char *size, int node, const struct pool_row *now,
		      const struct pool_row *old, enum hv_units u)
{
	struct hv_fline *l = newline(f);
	if (!l)
		return;
	bool p = old != NULL;
	put(l, HV_A_NORMAL, "%6s", size);
	if (node < 0)
		put(l, HV_A_DIM, "    -");
	else
		put(l, HV_A_NORMAL, " %4d", node);
	num(l, 9, now->nr, p, p ? old->nr : 0);
	num(l, 9, now->free, p, p ? old->free : 0);
	if (now->has_resv)
		num(l, 9, now->resv, p, p ? old->resv : 0);
	else
		put(l, HV_A_DIM, "%9s", "-");
	num(l, 9, now->surplus, p, p ? old->surplus : 0);
	/* The bar: pages in use over pages in the pool, 10 cells. */
	int64_t used = now->nr - now->free;
	int cells = now->nr > 0 ? (int)((used * 10 + now->nr - 1) / now->nr) : 0;
	put(l, HV_A_NORMAL, " [");
	for (int i = 0; i < 10; i++)
		put(l, i < cells ? HV_A_BAR : HV_A_DIM, "%c", i < cells ? '#' : '.');
	put(l, HV_A_NORMAL, "]");
	size_cell(l, 11, now->saved, p, p ? old->saved : 0, u);
	size_cell(l, 11, now->possible, p, p ? old->possible : 0, u);
	put(l, HV_A_NORMAL, "  ");
	if (p) {
		bool first = true;
		change_note(l, "pages", now->nr, old->nr, &first);
		change_note(l, "free", now->free, old->free, &first);
		if (now->has_resv)
			change_note(l, "resv", now->resv, old->resv, &first);
		change_note(l, "surp", now->surplus, old->surplus, &first);
	}
	/* trailing blanks help nobody in batch output */
	while (l->len > 0 && l->text[l->len - 1] == ' ')
		l->len--;
	l->text[l->len] = '\0';
}

static void pools(struct hv_frame *f, const struct hv_report *r, const struct hv_report *prev,
		  const struct hv_top_view *v)
{
	struct hv_fline *l = newline(f);
	if (!l || !(l = newline(f)))
		return;
	put(l, HV_A_HEADER, "%s", POOL_HEAD);
	if (r->nhstates == 0 && (l = newline(f)))
		put(l, HV_A_DIM, "  no hugepage pools (no HugeTLB support in this kernel)");
	for (int i = 0; i < r->nhstates; i++) {
		const struct hv_hstate_result *s = &r->hstates[i];
		const struct hv_hstate_result *ps = prev_hstate(prev, s->size);
		struct pool_row now = {s->nr, s->free, s->resv, s->surplus, s->savings_current, s->savings_possible, true};
		struct pool_row old;
		if (ps)
			old = (struct pool_row){ps->nr, ps->free, ps->resv, ps->surplus, ps->savings_current,
						ps->savings_possible, true};
		pool_line(f, s->name, -1, &now, ps ? &old : NULL, v->units);
		if (!v->nodes)
			continue;
		for (int j = 0; j < s->nnodes; j++) {
			const struct hv_node_result *n = &s->nodes[j];
			const struct hv_node_result *pn = prev_node(ps, n->node);
			struct pool_row nn = {n->nr, n->free, 0, n->surplus, n->savings_current, n->savings_possible, false};
			if (pn)
				old = (struct pool_row){pn->nr, pn->free, 0, pn->surplus, pn->savings_current,
							pn->savings_possible, false};
			pool_line(f, "", n->node, &nn, pn ? &old : NULL, v->units);
		}
	}
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
		put(l, a, "  %-7s", hv_severity_name(x->severity));
		put(l, HV_A_NORMAL, " %s: %s", x->id, x->message);
		if (!(l = newline(f)))
			return;
		put(l, HV_A_DIM, "          fix: %s", x->fix);
	}
}

static void kib_cell(struct hv_fline *l, int width, int64_t kib, enum hv_units u, bool asked)
{
	char buf[32];
	if (!asked)
		put(l, HV_A_DIM, "%*s", width, "-");
	else if (kib == HV_PROC_NOACCESS)
		put(l, HV_A_DIM, "%*s", width, "no access");
	else if (kib < 0)
		put(l, HV_A_DIM, "%*s", width, "?");
	else {
		hv_fmt_units(kib * 1024, u, buf, sizeof(buf));
		put(l, HV_A_NORMAL, "%*s", width, buf);
	}
}

static void processes(struct hv_frame *f, const struct hv_procs *p, const struct hv_top_view *v)
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
	if (p->idle) {
		put(l, HV_A_HEADER, "PROCESSES 0 using hugetlb, sort %s", hv_proc_sort_name(v->sort));
		if ((l = newline(f)))
			put(l, HV_A_DIM, "  no hugetlb page is in use (every pool page is free): no process maps one");
		return;
	}
	char tot[32];
	hv_fmt_units(p->total_kib * 1024, v->units, tot, sizeof(tot));
	put(l, HV_A_HEADER, "PROCESSES %d using hugetlb of %d, total %s, sort %s", p->n, p->nscanned, tot,
	    hv_proc_sort_name(v->sort));
	if (p->nunreadable)
		put(l, HV_A_WARN, ", %d no access (HugetlbPages unreadable)", p->nunreadable);
	if (!(l = newline(f)))
		return;
	put(l, HV_A_HEADER, "%8s %-12s %10s %10s %10s  %s", "PID", "USER", "HUGETLB", "PRIVATE", "SHARED", "COMMAND");
	if (p->n == 0 && (l = newline(f)))
		put(l, HV_A_DIM, "  no process uses hugetlb pages");
	int rows = v->max_procs > 0 && v->max_procs < p->n ? v->max_procs : p->n;
	for (int i = 0; i < rows; i++) {
		const struct hv_proc *x = &p->v[i];
		if (!(l = newline(f)))
			return;
		put(l, HV_A_NORMAL, "%8d %-12.12s", x->pid, x->user);
		put(l, HV_A_NORMAL, " ");
		kib_cell(l, 10, x->hugetlb_kib, v->units, true);
		put(l, HV_A_NORMAL, " ");
		kib_cell(l, 10, x->private_kib, v->units, p->smaps);
		put(l, HV_A_NORMAL, " ");
		kib_cell(l, 10, x->shared_kib, v->units, p->smaps);
		put(l, HV_A_NORMAL, "  %s", x->comm);
	}
	if (rows < p->n && (l = newline(f)))
		put(l, HV_A_DIM, "  ... %d more", p->n - rows);
}

int hv_top_build(struct hv_frame *f, const struct hv_report *r, const struct hv_report *prev,
		 const struct hv_procs *procs, const struct hv_top_view *v, const struct hv_top_info *info)
{
	hv_frame_reset(f);
	header(f, r, v, info);
	pools(f, r, prev, v);
	findings(f, r);
	if (v->procs)
		processes(f, procs, v);
	/* newline() only fails on ENOMEM; the frame is then short. */
	return f->lines ? 0 : hv_fail(ENOMEM, "out of memory");
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
		"  m            read the private/shared hugetlb split from smaps_rollup (costly:",
		"               walks the page tables of every listed process under mmap_lock)",
		"  u            cycle units: human, bytes, KiB, MiB, GiB",
		"",
		"Changed figures since the last refresh are highlighted and listed under CHANGE.",
		"HUGETLB is HugetlbPages from /proc/PID/status; 'no access' means the value is",
		"not readable with your privileges (it is not 0).",
	};
	hv_frame_reset(f);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct hv_fline *l = newline(f);
		if (!l)
			return hv_fail(ENOMEM, "out of memory");
		put(l, i == 0 ? HV_A_TITLE : HV_A_NORMAL, "%s", lines[i]);
	}
	struct hv_fline *l = newline(f);
	if (l)
		put(l, HV_A_DIM, "Now: delay %.1fs, units %s, sort %s, nodes %s, processes %s, smaps %s", v->delay,
		    hv_units_name(v->units), hv_proc_sort_name(v->sort), v->nodes ? "on" : "off",
		    v->procs ? "on" : "off", v->smaps ? "on" : "off");
	return 0;
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
