/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel command lines as text: the parameters a desired state needs, and
 * removing the ones it replaces (so `hugetlb_free_vmemmap=` or a pool of a
 * size we manage is never given twice). Pure string functions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "hv_error.h"
#include "parse.h"

void hv_bootsize_name(uint64_t size, char *buf, size_t cap)
{
	if (size >= (1ull << 30) && size % (1ull << 30) == 0)
		snprintf(buf, cap, "%lluG", (unsigned long long)(size >> 30));
	else if (size >= (1ull << 20) && size % (1ull << 20) == 0)
		snprintf(buf, cap, "%lluM", (unsigned long long)(size >> 20));
	else
		snprintf(buf, cap, "%lluK", (unsigned long long)(size >> 10));
}

/* Appends pre and s (either may be ""). */
static void append2(char *out, size_t cap, const char *pre, const char *s)
{
	size_t l = strlen(out);
	if (l + 1 < cap)
		snprintf(out + l, cap - l, "%s%s", pre, s);
}

static int cmp_req(const void *a, const void *b)
{
	const struct hv_pool_req *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x->node - y->node;
}

int hv_bootparams(const struct hv_desired *d, int major, int minor, char *out, size_t cap, bool *per_node_dropped)
{
	out[0] = '\0';
	*per_node_dropped = false;
	if (d->hvo >= 0)
		append2(out, cap, "", d->hvo ? "hugetlb_free_vmemmap=on" : "hugetlb_free_vmemmap=off");
	struct hv_pool_req req[HV_MAX_POOL_REQS];
	int n = d->npools;
	memcpy(req, d->pools, sizeof(req[0]) * (size_t)n);
	qsort(req, (size_t)n, sizeof(req[0]), cmp_req);
	/* node form of hugepages= exists since 5.16 (doc/kernel-rules.md, "hugepages=") */
	bool node_form = major > 5 || (major == 5 && minor >= 16);
	for (int i = 0; i < n;) {
		int j = i;
		int64_t total = 0;
		while (j < n && req[j].size == req[i].size)
			total += req[j++].count;
		if (total > 0) {
			char sz[32], item[64];
			hv_bootsize_name(req[i].size, sz, sizeof(sz));
			append2(out, cap, *out ? " hugepagesz=" : "hugepagesz=", sz);
			if (req[i].node < 0 || !node_form) {
				if (req[i].node >= 0)
					*per_node_dropped = true;
				snprintf(item, sizeof(item), "%lld", (long long)total);
				append2(out, cap, " hugepages=", item);
			} else {
				append2(out, cap, "", " hugepages=");
				bool first = true;
				for (int k = i; k < j; k++) {
					if (req[k].count == 0)
						continue;
					snprintf(item, sizeof(item), "%s%d:%lld", first ? "" : ",", req[k].node,
						 (long long)req[k].count);
					append2(out, cap, "", item);
					first = false;
				}
			}
		}
		i = j;
	}
	if (strlen(out) + 1 >= cap)
		return hv_fail(E2BIG, "kernel parameters too long");
	return 0;
}

static bool managed_size(const struct hv_desired *d, uint64_t size)
{
	for (int i = 0; i < d->npools; i++)
		if (d->pools[i].size == size)
			return true;
	return false;
}

size_t hv_karg_step(const char **p)
{
	size_t pos = 0, n = hv_karg_next(*p, SIZE_MAX, &pos);
	*p += pos;
	return n;
}

/* The name next_arg() sees with '-' as '_' (parameq()), and the value. */
static void karg_split(const char *tok, size_t len, char *name, size_t ncap, char *val, size_t vcap, bool *has_val)
{
	const char *nm, *v;
	size_t nl, vl;
	hv_karg_split(tok, len, &nm, &nl, &v, &vl);
	size_t n = 0;
	for (; n < nl && n + 1 < ncap; n++)
		name[n] = nm[n] == '-' ? '_' : nm[n];
	name[n] = '\0';
	*has_val = v != NULL;
	snprintf(val, vcap, "%.*s", (int)vl, v ? v : "");
}

/* Appends " tok" (no blank before the first); false when it does not fit. */
static bool append_tok(char *out, size_t cap, const char *tok, size_t len)
{
	size_t l = strlen(out), sep = l ? 1 : 0;
	if (l + sep + len + 1 > cap)
		return false;
	if (sep)
		out[l++] = ' ';
	memcpy(out + l, tok, len);
	out[l + len] = '\0';
	return true;
}

int hv_cmdline_filter(const char *in, const struct hv_desired *d, uint64_t default_size, char *out, size_t cap,
		      char *removed, size_t rcap)
{
	if (cap)
		out[0] = '\0';
	int nremoved = 0;
	uint64_t ctx = 0; /* size named by the last hugepagesz= / default_hugepagesz= */
	bool ctx_set = false, params = true;
	/* names longer than any we look at are never ours; values are parsed whole */
	char name[64];
	char *val = malloc(strlen(in) + 1);
	if (!val)
		return hv_fail(ENOMEM, "out of memory");
	const char *p = in;
	for (size_t l; (l = hv_karg_step(&p)) > 0; p += l) {
		bool drop = false, has_val;
		/* after "--" the words are init's, not kernel parameters */
		if (params && l == 2 && !strncmp(p, "--", 2))
			params = false;
		if (params) {
			karg_split(p, l, name, sizeof(name), val, l + 1, &has_val);
			if (d->hvo >= 0 && (!strcmp(name, "hugetlb_free_vmemmap") ||
					    !strcmp(name, "sysctl.vm.hugetlb_optimize_vmemmap") ||
					    !strcmp(name, "sysctl.vm/hugetlb_optimize_vmemmap")))
				drop = true;
			else if (!strcmp(name, "hugepagesz") && has_val) {
				/* memparse(), as the kernel reads it: 0x40000000 is 1G; a
				 * size it rejects (0) takes the hugepages= after it along */
				ctx_set = true;
				ctx = hv_kmemparse(val);
				drop = managed_size(d, ctx);
			} else if (!strcmp(name, "default_hugepagesz") && has_val) {
				ctx_set = true;
				ctx = hv_kmemparse(val);
			} else if (!strcmp(name, "hugepages") && has_val) {
				uint64_t size = ctx_set ? ctx : default_size;
				/* no reset: like the kernel, a second hugepages= goes to the same size */
				drop = size && managed_size(d, size);
			}
		}
		if (drop) {
			nremoved++;
			if (removed && !append_tok(removed, rcap, p, l)) {
				free(val);
				hv_clear_error();
				return hv_fail(E2BIG, "conflicting kernel parameters too long to record: %.*s", (int)(l > 64 ? 64 : l), p);
			}
		} else if (!append_tok(out, cap, p, l)) {
			free(val);
			hv_clear_error();
			return hv_fail(E2BIG, "kernel command line too long (%zu bytes) after %.40s", strlen(in), out);
		}
	}
	free(val);
	hv_clear_error();
	return nremoved;
}

struct grub_filter {
	const char *rel, *text;
	const struct hv_desired *d;
	uint64_t defsz;
	char *removed;
	size_t rcap;
	char *out;
	size_t len, cap, copied;
	int opaque_line;   /* the last line with a statement that is not a literal assignment */
	bool after_opaque; /* the statement at hand follows one on its line */
};

static int gf_add(struct grub_filter *g, const char *s, size_t n)
{
	if (g->len + n + 1 > g->cap) {
		size_t cap = (g->len + n + 1) * 2;
		char *o = realloc(g->out, cap);
		if (!o)
			return hv_fail(ENOMEM, "out of memory");
		g->out = o;
		g->cap = cap;
	}
	memcpy(g->out + g->len, s, n);
	g->len += n;
	g->out[g->len] = '\0';
	return 0;
}

static bool is_cmdline_var(const char *s, size_t b, size_t e)
{
	const char *eq = memchr(s + b, '=', e - b);
	size_t n = eq ? (size_t)(eq - s) - b : 0;
	return (n == 18 && !strncmp(s + b, "GRUB_CMDLINE_LINUX", 18)) ||
	       (n == 26 && !strncmp(s + b, "GRUB_CMDLINE_LINUX_DEFAULT", 26));
}

/* Why apply will not rewrite this assignment, or NULL when it will: the
 * value must be text the shell takes literally, so that putting the kept
 * tokens back in the same quotes can neither run anything nor leave a quote
 * open. [*vb, *ve) is the value inside its quotes. */
static const char *not_editable(const struct grub_filter *g, const struct hv_sh_stmt *st, size_t *vb, size_t *ve)
{
	const char *s = g->text;
	if (st->nested)
		return "it is inside an if, case, loop or function";
	if (!st->simple)
		return "the line is more than a plain assignment";
	if (st->line != st->last_line)
		return "the value spans lines";
	if (g->after_opaque)
		return "it follows a statement on its line that is not a plain assignment";
	int w = 0;
	if (st->nwords && st->words[0].e - st->words[0].b == 6 && !strncmp(s + st->words[0].b, "export", 6))
		w = 1;
	if (st->nwords != w + 1)
		return "it assigns more than one variable";
	if (!is_cmdline_var(s, st->words[w].b, st->words[w].e))
		return "it assigns another variable";
	size_t b = st->words[w].b, e = st->words[w].e, eq = (size_t)((const char *)memchr(s + b, '=', e - b) - s);
	b = eq + 1;
	char q = b < e && (s[b] == '"' || s[b] == '\'') ? s[b] : 0;
	if (q) {
		if (e - b < 2 || s[e - 1] != q)
			return "the value is not one quoted string";
		b++;
		e--;
	}
	for (size_t i = b; i < e; i++) {
		switch (s[i]) {
		case '\\':
			return "the value has a backslash escape";
		case '$':
			return "the value uses a shell expansion ($)";
		case '`':
			return "the value has a command substitution";
		case '"':
		case '\'':
			return "the value has quotes inside it";
		case '~':
			if (!q)
				return "the value starts a tilde expansion";
			break;
		default:
			if (!q && ((unsigned char)s[i] < 0x21 || s[i] == 0x7f))
				return "the value has a control character";
		}
	}
	*vb = b;
	*ve = e;
	return NULL;
}

/* Tokens of a statement apply cannot edit that would conflict: quotes,
 * expansions and the variable names blanked out, so that
 * "${X:- hugepages=64}" or hugepages=64\ quiet still show hugepages=64. */
static int loose_conflicts(const struct grub_filter *g, const struct hv_sh_stmt *st, char *found, size_t cap)
{
	size_t n = st->end - st->start;
	/* a plain assignment whose value needs nothing from outside: its exact value decides */
	if (st->simple && !st->nested && st->nwords == 1) {
		const char *eq = memchr(g->text + st->words[0].b, '=', st->words[0].e - st->words[0].b);
		char *v = eq ? hv_sh_word_value(g->text, (size_t)(eq - g->text) + 1, st->words[0].e) : NULL;
		if (v) {
			size_t vl = strlen(v);
			char *kept = malloc(vl + 1);
			found[0] = '\0';
			int r = kept ? hv_cmdline_filter(v, g->d, g->defsz, kept, vl + 1, found, cap)
				     : hv_fail(ENOMEM, "out of memory");
			free(kept);
			free(v);
			return r;
		}
	}
	char *t = strndup(g->text + st->start, n), *kept = malloc(n + 1);
	if (!t || !kept) {
		free(t);
		free(kept);
		return hv_fail(ENOMEM, "out of memory");
	}
	for (char *c = t; (c = strstr(c, "GRUB_CMDLINE_LINUX"));) {
		size_t l = 18;
		if (!strncmp(c + l, "_DEFAULT", 8))
			l += 8;
		if (c[l] == '=')
			l++;
		memset(c, ' ', l);
	}
	for (size_t i = 0; i < n; i++)
		if (strchr("\"'\\$`{}()", t[i]) || (t[i] == ':' && (t[i + 1] == '-' || t[i + 1] == '+')))
			t[i] = ' ';
	found[0] = '\0';
	int r = hv_cmdline_filter(t, g->d, g->defsz, kept, n + 1, found, cap);
	free(t);
	free(kept);
	return r;
}

/* [A-Za-z_][A-Za-z0-9_]*, in ASCII whatever the locale, as sh reads names */
static bool valid_name(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (i && c >= '0' && c <= '9')))
			return false;
	}
	return n > 0;
}

/* Whether st is one NAME=VALUE on one line, with a value the shell takes
 * literally: such a statement cannot change how the rest of its line is
 * read, so a GRUB_CMDLINE_* assignment after it may still be edited. */
static bool literal_assignments(const struct grub_filter *g, const struct hv_sh_stmt *st)
{
	if (!st->simple || st->nested || st->line != st->last_line)
		return false;
	int w = st->nwords && st->words[0].e - st->words[0].b == 6 && !strncmp(g->text + st->words[0].b, "export", 6);
	if (st->nwords != w + 1)
		return false; /* one assignment a statement, as in every real GRUB file */
	for (; w < st->nwords; w++) {
		size_t b = st->words[w].b, e = st->words[w].e;
		const char *eq = memchr(g->text + b, '=', e - b);
		if (!eq || !valid_name(g->text + b, (size_t)(eq - g->text) - b))
			return false; /* export of a bad name: the shell stops there */
		/* printable runs and quoted parts, with no escape or expansion
		 * at all, not even one the shell would read as literal text */
		for (size_t i = (size_t)(eq - g->text) + 1; i < e; i++) {
			unsigned char c = (unsigned char)g->text[i];
			if (c == '"' || c == '\'') {
				size_t q = i++;
				while (i < e && !strchr("\"'\\$`", g->text[i]))
					i++;
				if (i >= e || g->text[i] != g->text[q])
					return false;
			} else if (c <= ' ' || c == 0x7f || strchr("\\$`~", c)) {
				return false;
			}
		}
	}
	return true;
}

static int gf_stmt(const struct hv_sh_stmt *st, void *arg)
{
	struct grub_filter *g = arg;
	g->after_opaque = g->opaque_line == st->line;
	if (!literal_assignments(g, st))
		g->opaque_line = st->last_line;
	if (!st->names_cmdline)
		return 0;
	if (st->simple && !st->nested) {
		/* other variables (MY_GRUB_CMDLINE_LINUX=...) count where they are used */
		bool ours = false;
		for (int w = 0; w < st->nwords; w++)
			ours = ours || is_cmdline_var(g->text, st->words[w].b, st->words[w].e);
		if (!ours)
			return 0;
	}
	size_t vb = 0, ve = 0;
	const char *why = not_editable(g, st, &vb, &ve);
	if (why) {
		/* a GRUB_CMDLINE_* value apply cannot read as one word or one
		 * quoted string: the rest of its line is left alone too */
		g->opaque_line = st->last_line;
		char found[512];
		int n = loose_conflicts(g, st, found, sizeof(found));
		if (n < 0 && n != -E2BIG)
			return n;
		if (n == 0)
			return 0; /* nothing of ours here: whether its value is known is checked later */
		return hv_fail(ENOTSUP,
			       "/%s:%d: %s conflicts with the kernel parameters apply sets, but apply does not edit this "
			       "line: %s; take it out by hand (or make the value one plain quoted string) and run apply again",
			       g->rel, st->line, n == -E2BIG ? "a long parameter" : found, why);
	}
	size_t vl = ve - vb;
	char *val = strndup(g->text + vb, vl), *kept = malloc(vl + 1);
	if (!val || !kept) {
		free(val);
		free(kept);
		return hv_fail(ENOMEM, "out of memory");
	}
	int n = hv_cmdline_filter(val, g->d, g->defsz, kept, vl + 1, g->removed, g->rcap);
	free(val);
	int rc = 0;
	if (n > 0 && (rc = gf_add(g, g->text + g->copied, vb - g->copied)) == 0 &&
	    (rc = gf_add(g, kept, strlen(kept))) == 0)
		g->copied = ve;
	free(kept);
	return n < 0 ? n : rc;
}

int hv_grub_file_filter(const char *rel, const char *text, const struct hv_desired *d, uint64_t default_size,
			char *removed, size_t rcap, char **out)
{
	struct grub_filter g = {.rel = rel, .text = text, .d = d, .defsz = default_size, .removed = removed, .rcap = rcap,
				 .opaque_line = -1};
	*out = NULL;
	int rc = hv_sh_statements(text, gf_stmt, &g);
	if (rc == 0)
		rc = gf_add(&g, text + g.copied, strlen(text + g.copied));
	if (rc < 0) {
		free(g.out);
		return rc;
	}
	*out = g.out;
	return 0;
}

char *hv_grub_dropin_text(const char *params)
{
	static const char head[] =
		"# Written by `hvoplan apply --persist`; `hvoplan apply --revert` undoes it.\n"
		"# Sourced by grub-mkconfig (update-grub) after /etc/default/grub.\n"
		"# Conflicting parameters were taken out of the files that set them.\n";
	size_t n = sizeof(head) + strlen(params) + 128;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%sGRUB_CMDLINE_LINUX=\"${GRUB_CMDLINE_LINUX:+$GRUB_CMDLINE_LINUX }%s\"\n", head, params);
	return s;
}

char *hv_sysctl_dropin_text(int hvo)
{
	char *s = malloc(512);
	if (s)
		snprintf(s, 512,
			 "# Written by `hvoplan apply --persist`; `hvoplan apply --revert` undoes it.\n"
			 "# HVO for hugepages allocated at run time. Pools allocated at boot follow\n"
			 "# the hugetlb_free_vmemmap= kernel parameter (sysctls are applied too late).\n"
			 "vm.hugetlb_optimize_vmemmap = %d\n",
			 hvo ? 1 : 0);
	return s;
}

int hv_grubby_argv(const char *remove, const char *add, char rmbuf[HV_GRUBBY_ARG_MAX],
		   char addbuf[HV_GRUBBY_ARG_MAX], const char *argv[5])
{
	int k = 0;
	argv[k++] = "grubby";
	argv[k++] = "--update-kernel=ALL";
	if (remove[0]) {
		snprintf(rmbuf, HV_GRUBBY_ARG_MAX, "--remove-args=%s", remove);
		argv[k++] = rmbuf;
	}
	if (add[0]) {
		snprintf(addbuf, HV_GRUBBY_ARG_MAX, "--args=%s", add);
		argv[k++] = addbuf;
	}
	argv[k] = NULL;
	return k;
}
