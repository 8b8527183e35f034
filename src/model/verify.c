/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The checks of hvoplan verify (include/verify.h; doc/kernel-rules.md,
 * "What the next boot sets"). Each setting the next boot decides — the
 * HVO sysctl, every pool, every overcommit limit, the command line — is
 * worked out the way the boot goes (the kernel command line, then
 * systemd-sysctl and systemd-tmpfiles, which override it, in no fixed order
 * between them) and compared with what runs now; what this boot asked and the kernel
 * did not do comes from the report's boot findings. Pure. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strutil.h"
#include "verify.h"

const char *hv_check_state_name(enum hv_check_state s)
{
	static const char *const n[] = {"ok", "info", "unknown", "drift", "failed"};
	return (unsigned)s < sizeof(n) / sizeof(n[0]) ? n[s] : "?";
}

static struct hv_check *add(struct hv_verify *v, const char *id, const char *subject, enum hv_check_state st)
{
	if (v->nchecks >= HV_MAX_CHECKS) {
		v->truncated = true;
		return NULL;
	}
	struct hv_check *c = &v->checks[v->nchecks++];
	memset(c, 0, sizeof(*c));
	hv_copy(c->id, sizeof(c->id), id);
	hv_copy(c->subject, sizeof(c->subject), subject);
	c->state = st;
	v->ndrift += st == HV_CHECK_DRIFT;
	v->nfailed += st == HV_CHECK_FAILED;
	return c;
}

__attribute__((format(printf, 3, 4))) static void put(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}
#define MSG(c, ...) put((c)->message, sizeof((c)->message), __VA_ARGS__)
#define FIX(c, ...) put((c)->fix, sizeof((c)->fix), __VA_ARGS__)

__attribute__((format(printf, 2, 3))) static void note(struct hv_verify *v, const char *fmt, ...)
{
	if (v->nnotes >= 4)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->notes[v->nnotes++], sizeof(v->notes[0]), fmt, ap);
	va_end(ap);
}

/* ---- the next boot's command line ---- */

static bool grub_defaults(const struct hv_persisted *p, bool recovery, struct hv_cmdline *out);

struct next_boot {
	const struct hv_cmdline *cl; /* NULL: not known */
	char where[340];	     /* the entry, or the running command line */
	bool assumed;		     /* no entry: the running command line stands in */
	uint64_t default_size;	     /* the default hugepage size it gives */
	struct hv_cmdline grub;	     /* without a grub.cfg: what the GRUB defaults give */
};

static bool from_grub(const struct hv_boot_entry *e)
{
	return !strncmp(e->where, "boot/grub", 9);
}

static int first_of_release(const struct hv_persisted *p, const char *release, bool grub)
{
	for (int i = 0; i < p->nentries; i++)
		if (from_grub(&p->entries[i]) == grub && !p->entries[i].recovery && !strcmp(p->entries[i].release, release))
			return i;
	return -1;
}

/* A GRUB menu item by number (from 0, menu entries and submenus alike),
 * title or id: the word w (n bytes) against one item's. */
static bool item_is(const char *title, const char *id, int index, const char *w, size_t n)
{
	bool digits = n > 0 && n < 10;
	for (size_t i = 0; i < n; i++)
		digits = digits && w[i] >= '0' && w[i] <= '9';
	if (digits)
		return index == atoi(w);
	return (strlen(title) == n && !strncmp(title, w, n)) || (id[0] && strlen(id) == n && !strncmp(id, w, n));
}

/* GRUB's `default`: "N", "TITLE" or "ID" of the top menu, or "A>B" for
 * entry B of submenu A (grub-core/normal/menu.c get_entry_number() and
 * grub_menu_get_default_entry_index()); -1 when it names no entry (a
 * submenu itself, or one deeper than one submenu). */
static int grub_find(const struct hv_persisted *p, const char *d)
{
	const char *gt = strchr(d, '>');
	size_t an = gt ? (size_t)(gt - d) : strlen(d);
	if (gt && strchr(gt + 1, '>'))
		return -1;
	for (int i = 0; i < p->nentries; i++) {
		const struct hv_boot_entry *e = &p->entries[i];
		if (!from_grub(e) || e->item < 0)
			continue;
		if (!gt && e->sub < 0 && item_is(e->title, e->id, e->item, d, an))
			return i;
		if (gt && e->sub >= 0 && item_is(e->submenu, e->submenu_id, e->item, d, an) &&
		    item_is(e->title, e->id, e->sub, gt + 1, strlen(gt + 1)))
			return i;
	}
	return -1;
}

static void choose_entry(const struct hv_host *h, const struct hv_persisted *p, struct hv_verify *v,
			 struct next_boot *nb)
{
	char release[128];
	snprintf(release, sizeof(release), "%.*s", (int)strcspn(h->release, " \n"), h->release);
	int grub_first = -1, k = -1;
	for (int i = 0; i < p->nentries && grub_first < 0; i++)
		if (from_grub(&p->entries[i]) && p->entries[i].top)
			grub_first = i;
	if (grub_first >= 0) {
		const char *d = p->grub_default_entry;
		/* GRUB_DEFAULT=saved: load_env has set saved_entry from grubenv
		 * (unset or empty: entry 0, as GRUB takes an empty default) */
		bool saved = !strcmp(d, "${saved_entry}") || !strcmp(d, "$saved_entry");
		if (saved)
			d = p->grub_saved_entry;
		if (p->grub_next_entry[0])
			note(v, "grubenv's next_entry '%.100s' (grub-reboot) boots once, before GRUB's default: the checks "
				"take the default",
			     p->grub_next_entry);
		if (saved && !p->grubenv_read) {
			if ((k = first_of_release(p, release, true)) >= 0)
				hv_copy(v->entry_basis, sizeof(v->entry_basis),
					"the running kernel's entry (GRUB_DEFAULT=saved, and no grubenv was read)");
		} else if (!d[0] || !strcmp(d, "0")) {
			if ((k = grub_find(p, "0")) < 0)
				k = grub_first; /* item 0 is no kernel's: GRUB's menu shows the next */
			put(v->entry_basis, sizeof(v->entry_basis), "GRUB's %s, the first menu entry",
			    saved ? "saved default (grubenv saved_entry unset)" : "default");
		} else if ((k = grub_find(p, d)) >= 0) {
			bool titled = !strchr(d, '>') && !strcmp(p->entries[k].title, d);
			if (titled && !saved)
				put(v->entry_basis, sizeof(v->entry_basis), "GRUB's default, the entry titled '%.100s'", d);
			else
				put(v->entry_basis, sizeof(v->entry_basis), "GRUB's %s '%.200s'",
				    saved ? "saved default (grubenv saved_entry)" : "default", d);
		} else if ((k = first_of_release(p, release, true)) >= 0)
			put(v->entry_basis, sizeof(v->entry_basis),
			    "the running kernel's entry (GRUB's %sdefault '%.200s' names no menu entry)", saved ? "saved " : "",
			    d);
	}
	if (k < 0 && (k = first_of_release(p, release, false)) >= 0)
		hv_copy(v->entry_basis, sizeof(v->entry_basis), "the running kernel's boot loader entry");
	if (k < 0)
		for (int i = 0; i < p->nentries && k < 0; i++)
			if (!p->entries[i].recovery) {
				k = i;
				hv_copy(v->entry_basis, sizeof(v->entry_basis),
					"the first boot loader entry (none is the running kernel's)");
			}
	if (k >= 0 && p->entries[k].args_unknown) {
		note(v, "%s: its options name a variable (grubenv's $kernelopts): the next boot's command line is not "
			"known",
		     p->entries[k].where);
		k = -2;
	}
	if (k >= 0) {
		const struct hv_boot_entry *e = &p->entries[k];
		nb->cl = &p->entry_cl[k];
		put(nb->where, sizeof(nb->where), "entry '%s' (%s)", e->title[0] ? e->title : e->release, e->where);
		size_t l = strlen(v->entry_basis);
		put(v->entry_basis + l, sizeof(v->entry_basis) - l, ": %.*s", (int)(sizeof(v->entry_basis) - l - 3), nb->where);
	} else if (k == -1 && !p->grub_cfg_read && grub_defaults(p, false, &nb->grub)) {
		/* GRUB's defaults and no grub.cfg to read (unreadable, or not
		 * written yet): the entries grub-mkconfig would write */
		nb->cl = &nb->grub;
		put(nb->where, sizeof(nb->where), "GRUB_CMDLINE_LINUX of %s", p->grub_linux.where);
		hv_copy(v->entry_basis, sizeof(v->entry_basis),
			"what grub-mkconfig writes from the GRUB defaults (no boot/grub/grub.cfg was read)");
		note(v, "no boot/grub/grub.cfg: the next boot is taken to use what %s gives; run update-grub if GRUB "
			"boots this host",
		     p->grub_linux.where);
	} else if (k == -1 && h->cmdline.present) {
		/* firmware or a hypervisor passes the command line: the next
		 * boot is taken to get this one's again, and the checks say so */
		nb->cl = &h->cmdline;
		nb->assumed = true;
		hv_copy(nb->where, sizeof(nb->where), "the running command line (no boot loader entry found)");
		hv_copy(v->entry_basis, sizeof(v->entry_basis), "none: the running command line is taken for the next");
	}
	nb->default_size = nb->cl && nb->cl->default_hugepagesz ? nb->cl->default_hugepagesz : hv_default_hugepage_size(h);
}

/* What grub-mkconfig gives an entry: GRUB_CMDLINE_LINUX, then (except
 * for recovery entries) GRUB_CMDLINE_LINUX_DEFAULT; false when the
 * defaults are absent or cannot be evaluated. */
static bool grub_defaults(const struct hv_persisted *p, bool recovery, struct hv_cmdline *out)
{
	if (!p->grub_linux.present || p->grub_linux.unknown || p->grub_default.unknown)
		return false;
	*out = p->grub_linux.cl;
	if (recovery || !p->grub_default.present)
		return true;
	const struct hv_cmdline *d = &p->grub_default.cl;
	if (d->hvo_param_present) {
		out->hvo_param_present = true;
		out->hvo_param_bare = d->hvo_param_bare;
		hv_copy(out->hvo_param_text, sizeof(out->hvo_param_text), d->hvo_param_text);
	}
	if (d->default_hugepagesz)
		out->default_hugepagesz = d->default_hugepagesz;
	if (d->sysctl_hvo != HV_UNKNOWN)
		out->sysctl_hvo = d->sysctl_hvo;
	for (int j = 0; j < d->npools && out->npools < HV_MAX_CMDLINE_POOLS; j++)
		out->pools[out->npools++] = d->pools[j];
	return true;
}

/* ---- hugepage parameters of a command line ---- */

static int64_t cl_pool(const struct hv_cmdline *cl, uint64_t size, uint64_t defsize, int node, bool *per_node)
{
	int64_t total = 0;
	*per_node = false;
	for (int j = 0; j < cl->npools; j++) {
		uint64_t s = cl->pools[j].size ? cl->pools[j].size : defsize;
		if (s != size)
			continue;
		if (node < 0) {
			total = cl->pools[j].count;
			*per_node = cl->pools[j].nnode_counts > 0;
			continue;
		}
		total = 0;
		*per_node = cl->pools[j].nnode_counts > 0;
		for (int k = 0; k < cl->pools[j].nnode_counts; k++)
			if (cl->pools[j].node_counts[k].node == node)
				total = cl->pools[j].node_counts[k].count;
	}
	return total;
}

static void size_name(uint64_t size, char *b, size_t cap)
{
	hv_hstate_name(size, b, cap);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Our parameters of a command line, in the kernel's spelling: what entries
 * are compared by and shown with. The pools are listed by size (the
 * parser keeps one per size, as the kernel does), each with its hugepagesz=
 * spelled out: "hugepages=64" and "hugepagesz=2M hugepages=64" with a 2M
 * default are the same. */
static void ours(const struct hv_cmdline *cl, uint64_t defsize, char *out, size_t cap)
{
	size_t n = 0;
	out[0] = '\0';
#define ADD(...) (n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, __VA_ARGS__))
	if (cl->hvo_param_present)
		ADD("%shugetlb_free_vmemmap%s%s", n ? " " : "", cl->hvo_param_bare ? "" : "=", cl->hvo_param_text);
	if (cl->sysctl_hvo != HV_UNKNOWN)
		ADD("%ssysctl.vm.hugetlb_optimize_vmemmap=%d", n ? " " : "", cl->sysctl_hvo);
	char b[16];
	if (cl->default_hugepagesz) {
		size_name(cl->default_hugepagesz, b, sizeof(b));
		ADD("%sdefault_hugepagesz=%s", n ? " " : "", b);
	}
	uint64_t sizes[HV_MAX_CMDLINE_POOLS];
	int ns = 0;
	for (int j = 0; j < cl->npools && j < HV_MAX_CMDLINE_POOLS; j++) {
		uint64_t s = cl->pools[j].size ? cl->pools[j].size : defsize;
		bool seen = false;
		for (int k = 0; k < ns; k++)
			seen |= sizes[k] == s;
		if (!seen)
			sizes[ns++] = s;
	}
	qsort(sizes, (size_t)ns, sizeof(sizes[0]), cmp_u64);
	for (int k = 0; k < ns; k++) {
		const struct hv_cmdline_pool *pl = NULL;
		for (int j = 0; j < cl->npools; j++)
			if ((cl->pools[j].size ? cl->pools[j].size : defsize) == sizes[k])
				pl = &cl->pools[j];
		size_name(sizes[k], b, sizeof(b));
		ADD("%shugepagesz=%s hugepages=", n ? " " : "", b);
		if (pl->nnode_counts == 0) {
			ADD("%" PRId64, pl->count);
			continue;
		}
		for (int j = 0; j < pl->nnode_counts; j++)
			ADD("%s%d:%" PRId64, j ? "," : "", pl->node_counts[j].node, pl->node_counts[j].count);
	}
#undef ADD
	if (n >= cap && cap > 4)
		memcpy(out + cap - 4, "...", 4);
}

static bool same_ours(const struct hv_cmdline *a, const struct hv_cmdline *b, uint64_t defsize)
{
	char x[512], y[512];
	ours(a, defsize, x, sizeof(x));
	ours(b, defsize, y, sizeof(y));
	return !strcmp(x, y);
}

/* ---- the checks ---- */

static void check_hvo(const struct hv_host *h, const struct hv_report *r, const struct hv_persisted *p,
		      const struct next_boot *nb, struct hv_verify *v)
{
	if (h->sysctl_hvo == HV_UNKNOWN)
		return; /* before 5.19 the boot parameter alone decides: boot-params checks it */
	int next = HV_UNKNOWN;
	char src[340] = "";
	long long x;
	if (hv_sysctl_int(&p->hvo, &x)) {
		next = x != 0;
		put(src, sizeof(src), "%s", p->hvo.where);
	}
	if (next == HV_UNKNOWN && nb->cl && nb->cl->sysctl_hvo != HV_UNKNOWN) {
		next = nb->cl->sysctl_hvo != 0;
		put(src, sizeof(src), "sysctl.vm.hugetlb_optimize_vmemmap= in %s", nb->where);
	}
	if (next == HV_UNKNOWN && nb->cl) {
		bool rejected;
		enum hv_tristate t = hv_hvo_param(r->gen, nb->cl, &rejected);
		if (t != HV_TRI_UNKNOWN) {
			next = t == HV_YES;
			put(src, sizeof(src), "hugetlb_free_vmemmap= in %s", nb->where);
		}
	}
	if (next == HV_UNKNOWN && h->kconfig.hvo_default_on != HV_TRI_UNKNOWN && nb->cl) {
		next = h->kconfig.hvo_default_on == HV_YES;
		hv_copy(src, sizeof(src), "the kernel's default (CONFIG_HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON)");
	}
	int now = h->sysctl_hvo != 0;
	struct hv_check *c = add(v, "hvo", "vm.hugetlb_optimize_vmemmap",
				 next == HV_UNKNOWN ? HV_CHECK_UNKNOWN : next == now ? HV_CHECK_OK : HV_CHECK_DRIFT);
	if (!c)
		return;
	put(c->now, sizeof(c->now), "%d", now);
	if (next != HV_UNKNOWN)
		put(c->next, sizeof(c->next), "%d", next);
	hv_copy(c->source, sizeof(c->source), src);
	if (c->state == HV_CHECK_UNKNOWN)
		MSG(c, "%d now; what the next boot sets is not known (no sysctl.d setting, boot entry or kernel config)",
		    now);
	else if (c->state == HV_CHECK_OK)
		MSG(c, "%d now, and %s sets %d at boot", now, src, next);
	else {
		MSG(c, "%d now, but %s sets %d at boot: the running value lasts until the next reboot", now, src, next);
		FIX(c, "hvoplan apply --hvo %s --persist --yes keeps the running value; sysctl -w "
		       "vm.hugetlb_optimize_vmemmap=%d returns to the persisted one",
		    now ? "on" : "off", next);
	}
	/* hvoplan's drop-in read before another file that sets it otherwise */
	if (p->hvo_ours.set && strcmp(p->hvo_ours.where, p->hvo.where) && strcmp(p->hvo_ours.value, p->hvo.value) &&
	    (c = add(v, "sysctl-overridden", "vm.hugetlb_optimize_vmemmap", HV_CHECK_DRIFT))) {
		hv_copy(c->next, sizeof(c->next), p->hvo.value);
		hv_copy(c->source, sizeof(c->source), p->hvo.where);
		MSG(c, "%s sets %s, but %s, read after it, sets %s: systemd-sysctl leaves it at %s", p->hvo_ours.where,
		    p->hvo_ours.value, p->hvo.where, p->hvo.value, p->hvo.value);
		FIX(c, "remove vm.hugetlb_optimize_vmemmap from %.*s, or run hvoplan apply --persist again",
		    (int)strcspn(p->hvo.where, ":"), p->hvo.where);
	}
}

const struct hv_tmpfiles_write *hv_tmpfiles_write_of(const struct hv_persisted *p, uint64_t size, int node,
						   bool overcommit)
{
	for (int i = 0; i < p->nwrites; i++)
		if (p->writes[i].size == size && p->writes[i].node == node && p->writes[i].overcommit == overcommit)
			return &p->writes[i];
	return NULL;
}

bool hv_sysctl_int(const struct hv_sysctl_setting *s, long long *v)
{
	if (!s->set)
		return false;
	char *end;
	long long x = strtoll(s->value, &end, 10);
	if (end == s->value || *end)
		return false;
	*v = x;
	return true;
}

static bool sysctl_count(const struct hv_sysctl_setting *s, int64_t *v)
{
	long long x;
	if (!hv_sysctl_int(s, &x) || x < 0)
		return false;
	*v = x;
	return true;
}

/* A tmpfiles.d write and a sysctl.d setting of the same file with other
 * values: systemd-tmpfiles-setup.service and systemd-sysctl.service have no
 * order between them (neither unit names the other), so a boot ends with
 * either. One drift check says so; true when it was added. */
static bool race(struct hv_verify *v, const char *id, const char *name, const struct hv_tmpfiles_write *w,
		 const struct hv_sysctl_setting *s, const char *key, int64_t sysctl_value)
{
	if (!w || w->value < 0 || w->value == sysctl_value)
		return false;
	struct hv_check *c = add(v, id, name, HV_CHECK_DRIFT);
	if (!c)
		return true;
	put(c->source, sizeof(c->source), "%s and %s", w->where, s->where);
	MSG(c, "%s writes %" PRId64 " and %s in %s sets %" PRId64 ": systemd-tmpfiles and systemd-sysctl run in no fixed "
	       "order at boot, so the boot ends with either",
	    w->where, w->value, key, s->where, sysctl_value);
	FIX(c, "keep one of them: remove the line at %s or at %s", w->where, s->where);
	return true;
}

static const struct hv_bootlog_hstate *bootlog_of(const struct hv_host *h, uint64_t size)
{
	for (int j = 0; j < h->bootlog.nhstates; j++)
		if (h->bootlog.hstates[j].size == size)
			return &h->bootlog.hstates[j];
	return NULL;
}

static void pool_check(const struct hv_host *h, const struct hv_hstate_result *o, int node, int64_t now,
		       int64_t next, const char *src, struct hv_verify *v)
{
	char subject[64];
	if (node < 0)
		put(subject, sizeof(subject), "%s", o->name);
	else
		put(subject, sizeof(subject), "%s node %d", o->name, node);
	enum hv_check_state st = next == now ? HV_CHECK_OK : HV_CHECK_DRIFT;
	/* this boot asked for the same and got fewer: the kernel's doing */
	const struct hv_bootlog_hstate *b = bootlog_of(h, o->size);
	bool per_node;
	int64_t asked = h->cmdline.present ? cl_pool(&h->cmdline, o->size, hv_default_hugepage_size(h), node, &per_node) : 0;
	bool short_boot = st == HV_CHECK_DRIFT && node < 0 && b && b->preallocated >= 0 && asked == next &&
			  b->preallocated == now && now < next;
	if (short_boot)
		st = HV_CHECK_FAILED;
	struct hv_check *c = add(v, "pool", subject, st);
	if (!c)
		return;
	put(c->now, sizeof(c->now), "%" PRId64, now);
	put(c->next, sizeof(c->next), "%" PRId64, next);
	hv_copy(c->source, sizeof(c->source), src);
	const char *pl = now == 1 ? "" : "s";
	if (st == HV_CHECK_OK)
		MSG(c, "%" PRId64 " page%s now, and %s gives %" PRId64 " at boot", now, pl, src, next);
	else if (short_boot)
		MSG(c, "%" PRId64 " page%s now: this boot asked for %" PRId64 " (%s) and the kernel allocated only %" PRId64
		       " (boot log); the next boot asks for as many again",
		    now, pl, next, src, b->preallocated);
	else
		MSG(c, "%" PRId64 " page%s now, but %s gives %" PRId64 " at boot: the pool changes at the next reboot", now,
		    pl, src, next);
	if (short_boot)
		FIX(c, "memory is too fragmented or too small at boot: lower the count, use hugepages=NODE:COUNT, or "
		       "reserve gigantic pages with hugetlb_cma=");
	else if (st == HV_CHECK_DRIFT && node < 0)
		FIX(c, "hvoplan apply --pages %s:%" PRId64 " --persist --yes keeps the running pool", o->name, now);
	else if (st == HV_CHECK_DRIFT)
		FIX(c, "hvoplan apply --pages %s:%" PRId64 "@%d --persist --yes keeps the running pool", o->name, now, node);
}

static void check_pools(const struct hv_host *h, const struct hv_report *r, const struct hv_persisted *p,
			const struct next_boot *nb, struct hv_verify *v)
{
	for (int i = 0; i < r->nhstates; i++) {
		const struct hv_hstate_result *o = &r->hstates[i];
		int64_t now = o->nr - o->surplus, next = 0, x;
		char src[340];
		bool per_node = false;
		if (o->nr < 0 || o->surplus < 0)
			continue; /* unread: the report says so */
		const struct hv_tmpfiles_write *w = hv_tmpfiles_write_of(p, o->size, -1, false);
		if (o->size == nb->default_size && sysctl_count(&p->nr_hugepages, &x) &&
		    race(v, "pool", o->name, w, &p->nr_hugepages, "vm.nr_hugepages", x))
			continue;
		if (w && w->value >= 0) {
			next = w->value;
			hv_copy(src, sizeof(src), w->where);
		} else if (o->size == nb->default_size && sysctl_count(&p->nr_hugepages, &x)) {
			next = x;
			put(src, sizeof(src), "vm.nr_hugepages in %s", p->nr_hugepages.where);
		} else if (nb->cl) {
			next = cl_pool(nb->cl, o->size, nb->default_size, -1, &per_node);
			put(src, sizeof(src), "%s in %s", next || per_node ? "hugepages=" : "no hugepages=", nb->where);
		} else {
			struct hv_check *c = add(v, "pool", o->name, HV_CHECK_UNKNOWN);
			if (c) {
				put(c->now, sizeof(c->now), "%" PRId64, now);
				MSG(c, "%" PRId64 " pages now; the next boot's command line is not known", now);
			}
			continue;
		}
		if (w && w->value < 0)
			note(v, "%s: not a page count: it is not counted", w->where);
		pool_check(h, o, -1, now, next, src, v);
		/* per-node boot pools, and per-node tmpfiles.d writes */
		for (int j = 0; j < o->nnodes; j++) {
			const struct hv_node_result *nd = &o->nodes[j];
			const struct hv_tmpfiles_write *nw = hv_tmpfiles_write_of(p, o->size, nd->node, false);
			int64_t have = nd->nr - nd->surplus, want;
			if (nw && nw->value >= 0) {
				want = nw->value;
				hv_copy(src, sizeof(src), nw->where);
			} else if (per_node && !w) {
				bool pn;
				want = cl_pool(nb->cl, o->size, nb->default_size, nd->node, &pn);
				put(src, sizeof(src), "hugepages=%d:COUNT in %s", nd->node, nb->where);
			} else {
				continue;
			}
			pool_check(h, o, nd->node, have, want, src, v);
		}
	}
}

static void check_overcommit(const struct hv_host *h, const struct hv_report *r, const struct hv_persisted *p,
			     const struct next_boot *nb, struct hv_verify *v)
{
	for (int i = 0; i < r->nhstates; i++) {
		const struct hv_hstate_result *o = &r->hstates[i];
		const struct hv_hstate *hs = NULL;
		for (int j = 0; j < h->nhstates; j++)
			if (h->hstates[j].size == o->size)
				hs = &h->hstates[j];
		if (!hs || hs->overcommit < 0)
			continue;
		int64_t next = 0, x;
		char src[340] = "nothing (the kernel starts with 0)";
		const struct hv_tmpfiles_write *w = hv_tmpfiles_write_of(p, o->size, -1, true);
		if (o->size == nb->default_size && sysctl_count(&p->nr_overcommit, &x) &&
		    race(v, "overcommit", o->name, w, &p->nr_overcommit, "vm.nr_overcommit_hugepages", x))
			continue;
		if (w && w->value >= 0) {
			next = w->value;
			hv_copy(src, sizeof(src), w->where);
		} else if (o->size == nb->default_size && sysctl_count(&p->nr_overcommit, &x)) {
			next = x;
			put(src, sizeof(src), "vm.nr_overcommit_hugepages in %s", p->nr_overcommit.where);
		}
		if (hs->overcommit == 0 && next == 0 && !w)
			continue; /* nothing set, nothing persisted */
		struct hv_check *c =
			add(v, "overcommit", o->name, hs->overcommit == next ? HV_CHECK_OK : HV_CHECK_DRIFT);
		if (!c)
			continue;
		put(c->now, sizeof(c->now), "%" PRId64, hs->overcommit);
		put(c->next, sizeof(c->next), "%" PRId64, next);
		hv_copy(c->source, sizeof(c->source), src);
		if (c->state == HV_CHECK_OK)
			MSG(c, "overcommit limit %" PRId64 " now, and %s sets %" PRId64 " at boot", hs->overcommit, src, next);
		else {
			MSG(c, "overcommit limit %" PRId64 " now, but %s gives %" PRId64 " at boot", hs->overcommit, src, next);
			FIX(c, "hvoplan apply --overcommit %s:%" PRId64 " --persist --yes keeps the running limit", o->name,
			    hs->overcommit);
		}
	}
}

/* The next boot's hugepage parameters against this boot's: a reboot is
 * pending when they differ. */
static void check_cmdline(const struct hv_host *h, const struct next_boot *nb, struct hv_verify *v)
{
	if (!nb->cl || nb->assumed || !h->cmdline.present)
		return;
	char a[512], b[512];
	ours(&h->cmdline, nb->default_size, a, sizeof(a));
	ours(nb->cl, nb->default_size, b, sizeof(b));
	bool same = !strcmp(a, b);
	struct hv_check *c = add(v, "boot-params", "kernel command line", same ? HV_CHECK_OK : HV_CHECK_DRIFT);
	if (!c)
		return;
	hv_copy(c->source, sizeof(c->source), nb->where);
	if (same)
		MSG(c, "the next boot's hugepage parameters are this boot's: %s", a[0] ? a : "none");
	else {
		MSG(c, "the next boot's hugepage parameters (%s, %s) differ from this boot's (%s): they take effect at "
		       "the next reboot",
		    b[0] ? b : "none", nb->where, a[0] ? a : "none");
		FIX(c, "reboot to use them, or change the boot configuration back");
	}
}

/* Every entry against what the boot configuration gives new ones. */
static void check_entries(const struct hv_persisted *p, const struct next_boot *nb,
			  struct hv_verify *v)
{
	uint64_t defsize = nb->default_size;
	for (int i = 0; i < p->nentries; i++) {
		const struct hv_boot_entry *e = &p->entries[i];
		const struct hv_cmdline *want = NULL;
		struct hv_cmdline merged;
		char from[340] = "";
		const char *fix = "";
		if (e->args_unknown)
			continue;
		if (from_grub(e)) {
			if (!grub_defaults(p, e->recovery, &merged))
				continue;
			want = &merged;
			hv_copy(from, sizeof(from), p->grub_linux.where);
			fix = "update-grub (or grub-mkconfig -o /boot/grub/grub.cfg) writes the entries again";
		} else if (p->kernel_cmdline.present) {
			want = &p->kernel_cmdline.cl;
			hv_copy(from, sizeof(from), p->kernel_cmdline.where);
			fix = "kernel-install add RELEASE /boot/vmlinuz-RELEASE writes the entry again from /etc/kernel/cmdline";
		} else if (nb->cl && !nb->assumed && nb->cl != &p->entry_cl[i]) {
			want = nb->cl; /* grubby: every kernel's entry alike */
			hv_copy(from, sizeof(from), nb->where);
			fix = "grubby --update-kernel=ALL --args='PARAMS' sets them on every entry";
		}
		if (!want)
			continue;
		bool same = same_ours(&p->entry_cl[i], want, defsize);
		char subject[64];
		put(subject, sizeof(subject), "%.63s", e->release[0] ? e->release : e->title);
		struct hv_check *c = add(v, "boot-entry", subject, same ? HV_CHECK_OK : HV_CHECK_DRIFT);
		if (!c)
			continue;
		hv_copy(c->source, sizeof(c->source), e->where);
		char a[512], b[512];
		ours(&p->entry_cl[i], defsize, a, sizeof(a));
		ours(want, defsize, b, sizeof(b));
		if (same)
			MSG(c, "entry '%s' (%s): %s, as %s sets", e->title, e->where, a[0] ? a : "no hugepage parameter",
			    from);
		else {
			MSG(c, "entry '%s' (%s): %s, but %s sets %s: that entry boots with other pools or HVO", e->title,
			    e->where, a[0] ? a : "no hugepage parameter", from, b[0] ? b : "none");
			FIX(c, "%s", fix);
		}
	}
}

/* What this boot asked and the kernel did not do: the report's findings. */
static void check_boot(const struct hv_report *r, struct hv_verify *v)
{
	static const char *const ids[] = {"hvo-param-rejected", "boot-size-unknown", "boot-pools-unoptimized", NULL};
	for (int i = 0; i < r->nfindings; i++)
		for (int k = 0; ids[k]; k++) {
			if (strcmp(r->findings[i].id, ids[k]))
				continue;
			struct hv_check *c = add(v, ids[k], "this boot", HV_CHECK_FAILED);
			if (c) {
				hv_copy(c->message, sizeof(c->message), r->findings[i].message);
				hv_copy(c->fix, sizeof(c->fix), r->findings[i].fix);
			}
		}
}

/* default_hugepagesz= on this boot's command line with a pool of another
 * size (1G with the 2M pool hidden, the common case): meminfo's
 * HugePages_* lines count the default size only. */
static void check_default_size(const struct hv_host *h, const struct hv_report *r, struct hv_verify *v)
{
	uint64_t def = hv_default_hugepage_size(h);
	if (!h->cmdline.present || !h->cmdline.default_hugepagesz)
		return;
	for (int i = 0; i < r->nhstates; i++) {
		const struct hv_hstate_result *o = &r->hstates[i];
		if (o->size == def || o->nr <= 0)
			continue;
		char d[16];
		size_name(def, d, sizeof(d));
		struct hv_check *c = add(v, "default-size", o->name, HV_CHECK_INFO);
		if (!c)
			continue;
		MSG(c, "default_hugepagesz=%s makes %s the default size: /proc/meminfo's HugePages_* lines "
		       "(node_exporter's node_memory_HugePages_*, free, most monitoring) count the %s pool only, not "
		       "the %" PRId64 " page%s of %s",
		    d, d, d, o->nr, o->nr == 1 ? "" : "s", o->name);
		FIX(c, "monitor every size from /sys/kernel/mm/hugepages (hvoplan report --format prometheus)");
	}
}

/* cl with only the parameters the record sets: HVO when it sets HVO, the
 * pools of its sizes (a size it sets to 0 too). */
static void record_part(const struct hv_cmdline *cl, const struct hv_persisted *p, uint64_t defsize,
			struct hv_cmdline *out)
{
	*out = *cl;
	if (!p->record_hvo) {
		out->hvo_param_present = false;
		out->sysctl_hvo = HV_UNKNOWN;
	}
	out->default_hugepagesz = 0;
	out->npools = 0;
	for (int j = 0; j < cl->npools; j++) {
		uint64_t sz = cl->pools[j].size ? cl->pools[j].size : defsize;
		for (int k = 0; k < p->nrecord_sizes; k++)
			if (p->record_sizes[k] == sz) {
				out->pools[out->npools] = cl->pools[j];
				out->pools[out->npools++].size = sz;
				break;
			}
	}
}

/* The record the kernel-install plug-in gives kernels installed later
 * against the next boot: the two differ when the boot configuration was
 * changed by hand, or the record was. */
static void check_record(const struct hv_host *h, const struct hv_persisted *p, const struct next_boot *nb,
			 struct hv_verify *v)
{
	if (!p->boot_record.present || !p->bls_read)
		return;
	bool node_form = h->kver_major <= 0 || h->kver_major > 5 || (h->kver_major == 5 && h->kver_minor >= 16);
	const struct hv_cmdline_source *rec = node_form ? &p->boot_record : &p->boot_record_flat;
	struct hv_check *c;
	if (rec->unknown) {
		if ((c = add(v, "boot-record", "kernels installed later", HV_CHECK_DRIFT))) {
			hv_copy(c->source, sizeof(c->source), HV_BOOT_RECORD);
			/* why it does not parse is kept once, with the node form's */
			MSG(c, "%s: the kernel-install plug-in refuses it, so installing a kernel fails",
			    p->boot_record.where);
			FIX(c, "hvoplan apply --persist --yes writes it again (or remove /%s)", HV_BOOT_RECORD);
		}
		return;
	}
	if (p->ki_plugin != HV_PLUGIN_INSTALLED) {
		if ((c = add(v, "boot-record", "kernels installed later", HV_CHECK_INFO))) {
			hv_copy(c->source, sizeof(c->source), HV_BOOT_RECORD);
			MSG(c, "/%s is not used: the kernel-install plug-in 95-hvoplan.install is %s, so kernels installed "
			       "later get /etc/kernel/cmdline or, without it, the running kernel's command line",
			    HV_BOOT_RECORD, p->ki_plugin == HV_PLUGIN_MASKED ? "masked" : "not installed");
		}
		return;
	}
	if (!nb->cl || nb->assumed)
		return;
	uint64_t defsize = nb->default_size;
	struct hv_cmdline a, b;
	record_part(nb->cl, p, defsize, &a);
	record_part(&rec->cl, p, defsize, &b);
	char x[512], y[512];
	ours(&a, defsize, x, sizeof(x));
	ours(&b, defsize, y, sizeof(y));
	bool same = !strcmp(x, y);
	if (!(c = add(v, "boot-record", "kernels installed later", same ? HV_CHECK_OK : HV_CHECK_DRIFT)))
		return;
	hv_copy(c->source, sizeof(c->source), HV_BOOT_RECORD);
	if (same)
		MSG(c, "kernels installed later get %s (/%s, through the kernel-install plug-in), as the next boot does",
		    y[0] ? y : "no hugepage parameter", HV_BOOT_RECORD);
	else {
		MSG(c, "kernels installed later get %s (/%s, through the kernel-install plug-in), but the next boot "
		       "has %s (%s)",
		    y[0] ? y : "no hugepage parameter", HV_BOOT_RECORD, x[0] ? x : "none", nb->where);
		FIX(c, "hvoplan apply --persist --yes with the settings wanted writes both; hvoplan boot-entry --yes "
		       "ENTRY gives an entry the record's");
	}
}

void hv_model_verify(const struct hv_host *h, const struct hv_report *r, const struct hv_persisted *p,
		     struct hv_verify *v)
{
	memset(v, 0, sizeof(*v));
	struct next_boot nb = {0};
	choose_entry(h, p, v, &nb);
	if (p->nunread)
		note(v, "%s: what it sets is not counted", p->unread);
	if (p->grub_linux.unknown)
		note(v, "the GRUB defaults cannot be evaluated (%s): entries are not compared with them",
		     p->grub_linux.where);
	check_boot(r, v);
	check_hvo(h, r, p, &nb, v);
	check_pools(h, r, p, &nb, v);
	check_overcommit(h, r, p, &nb, v);
	check_cmdline(h, &nb, v);
	check_entries(p, &nb, v);
	check_record(h, p, &nb, v);
	check_default_size(h, r, v);
}
