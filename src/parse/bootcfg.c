/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The files that set hugepage state at boot, as their consumers read them
 * (include/verify.h): sysctl.d (sysctl.d(5)), tmpfiles.d `w` lines
 * (tmpfiles.d(5)), grub.cfg menu entries as grub-mkconfig writes them, and
 * Boot Loader Specification entries. Pure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv_error.h"
#include "strutil.h"
#include "verify.h"

/* The next line of text[*pos..len) without its newline. */
static bool next_line(const char *text, size_t len, size_t *pos, const char **l, size_t *ll)
{
	if (*pos >= len)
		return false;
	const char *s = text + *pos, *nl = memchr(s, '\n', len - *pos);
	*l = s;
	*ll = nl ? (size_t)(nl - s) : len - *pos;
	*pos += *ll + (nl ? 1 : 0);
	return true;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The length of the word at l (up to a blank), within ll bytes: the text
 * is not NUL-terminated. */
static size_t word_len(const char *l, size_t ll)
{
	size_t i = 0;
	while (i < ll && !is_ws(l[i]))
		i++;
	return i;
}

static void trim(const char **s, size_t *n)
{
	while (*n && is_ws(**s))
		(*s)++, (*n)--;
	while (*n && is_ws((*s)[*n - 1]))
		(*n)--;
}

int hv_sysctl_conf_get(const char *text, size_t len, const char *key, char *val, size_t cap, int *line)
{
	size_t pos = 0, ll;
	const char *l;
	int found = 0, no = 0;
	while (next_line(text, len, &pos, &l, &ll)) {
		no++;
		trim(&l, &ll);
		if (!ll || *l == '#' || *l == ';')
			continue;
		if (*l == '-') /* "ignore a failure to set it": it is still set */
			l++, ll--;
		const char *eq = memchr(l, '=', ll);
		if (!eq)
			continue;
		const char *k = l, *v = eq + 1;
		size_t kl = (size_t)(eq - l), vl = ll - kl - 1;
		trim(&k, &kl);
		trim(&v, &vl);
		if (kl == 0 || kl >= 256)
			continue;
		/* sysctl.d(5): when the first separator is a slash, slashes and
		 * dots swap roles */
		char norm[256];
		memcpy(norm, k, kl);
		norm[kl] = '\0';
		size_t first = strcspn(norm, "./");
		if (norm[first] == '/')
			for (char *c = norm; *c; c++)
				*c = *c == '/' ? '.' : *c == '.' ? '/' : *c;
		if (strcmp(norm, key))
			continue;
		snprintf(val, cap, "%.*s", (int)(vl < cap ? vl : cap - 1), v);
		*line = no;
		found = 1;
	}
	return found;
}

/* "hugepages-2048kB/" at *p: the size, and *p past it. */
static bool hstate_dir(const char **p, uint64_t *size)
{
	if (strncmp(*p, "hugepages-", 10))
		return false;
	char *end;
	unsigned long long kb = strtoull(*p + 10, &end, 10);
	if (end == *p + 10 || strncmp(end, "kB/", 3) || kb == 0 || kb > (UINT64_MAX >> 10))
		return false;
	*size = (uint64_t)kb << 10;
	*p = end + 3;
	return true;
}

static bool count_value(const char *s, size_t n, int64_t *v)
{
	int64_t x = 0;
	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return true;
}

int hv_tmpfiles_hugepage_writes(const char *rel, const char *text, size_t len, struct hv_tmpfiles_write *v, int *n,
				int max)
{
	size_t pos = 0, ll;
	const char *l;
	int no = 0;
	while (next_line(text, len, &pos, &l, &ll)) {
		no++;
		trim(&l, &ll);
		if (!ll || *l == '#')
			continue;
		/* Type Path Mode User Group Age Argument */
		const char *f[7];
		size_t fl[7];
		size_t i = 0;
		int nf = 0;
		while (nf < 7 && i < ll) {
			while (i < ll && is_ws(l[i]))
				i++;
			if (i >= ll)
				break;
			f[nf] = l + i;
			if (nf == 6) { /* the argument is the rest of the line */
				fl[nf] = ll - i;
				i = ll;
			} else {
				size_t b = i;
				while (i < ll && !is_ws(l[i]))
					i++;
				fl[nf] = i - b;
			}
			nf++;
		}
		if (nf < 2 || f[0][0] != 'w')
			continue;
		bool type_ok = true; /* w with the modifiers + ! - = ~ ^ */
		for (size_t k = 1; k < fl[0]; k++)
			type_ok &= f[0][k] && strchr("+!-=~^", f[0][k]) != NULL;
		if (!type_ok)
			continue;
		char path[300];
		size_t pl = fl[1];
		const char *ps = f[1];
		if (pl >= 2 && ps[0] == '"' && ps[pl - 1] == '"')
			ps++, pl -= 2;
		if (pl >= sizeof(path))
			continue;
		memcpy(path, ps, pl);
		path[pl] = '\0';
		struct hv_tmpfiles_write w = {.node = -1, .value = -1};
		const char *p = path;
		if (!strncmp(p, "/sys/kernel/mm/hugepages/", 25)) {
			p += 25;
		} else if (!strncmp(p, "/sys/devices/system/node/node", 29)) {
			char *end;
			long node = strtol(p + 29, &end, 10);
			if (end == p + 29 || node < 0 || node >= HV_MAX_NODES || strncmp(end, "/hugepages/", 11))
				continue;
			w.node = (int)node;
			p = end + 11;
		} else {
			continue;
		}
		if (!hstate_dir(&p, &w.size))
			continue;
		if (!strcmp(p, "nr_overcommit_hugepages") && w.node < 0)
			w.overcommit = true;
		else if (strcmp(p, "nr_hugepages"))
			continue;
		if (nf == 7) {
			const char *a = f[6];
			size_t al = fl[6];
			trim(&a, &al);
			if (!count_value(a, al, &w.value))
				w.value = -1;
		}
		snprintf(w.where, sizeof(w.where), "%.280s:%d", rel, no);
		if (*n < max)
			v[(*n)++] = w;
	}
	return 0;
}

/* A shell-quoted word at s (grub-mkconfig writes titles as 'A'\''B'). */
static size_t sh_word(const char *s, size_t n, char *out, size_t cap)
{
	size_t i = 0, o = 0;
	while (i < n && !is_ws(s[i]) && s[i] != '{') {
		char q = s[i];
		if (q == '\'' || q == '"') {
			i++;
			while (i < n && s[i] != q) {
				if (q == '"' && s[i] == '\\' && i + 1 < n)
					i++;
				if (o + 1 < cap)
					out[o++] = s[i];
				i++;
			}
			i += i < n;
		} else {
			if (q == '\\' && i + 1 < n)
				i++;
			if (o + 1 < cap)
				out[o++] = s[i];
			i++;
		}
	}
	if (cap)
		out[o] = '\0';
	return i;
}

static void release_of(const char *image, char *out, size_t cap)
{
	const char *b = strrchr(image, '/');
	b = b ? b + 1 : image;
	static const char *const prefix[] = {"vmlinuz-", "vmlinux-", "Image-", "kernel-", NULL};
	out[0] = '\0';
	for (int i = 0; prefix[i]; i++)
		if (!strncmp(b, prefix[i], strlen(prefix[i]))) {
			hv_copy(out, cap, b + strlen(prefix[i]));
			return;
		}
}

static bool word_is(const char *l, size_t ll, const char *w)
{
	size_t n = strlen(w);
	return ll > n && !strncmp(l, w, n) && is_ws(l[n]);
}

/* The id of a menuentry or submenu line after its title: the word after
 * `$menuentry_id_option` (grub-mkconfig's spelling) or `--id`. */
static void menu_id(const char *s, size_t n, char *out, size_t cap)
{
	out[0] = '\0';
	while (n > 0) {
		while (n > 0 && is_ws(*s))
			s++, n--;
		char w[64];
		size_t used = sh_word(s, n, w, sizeof(w));
		if (!used)
			return;
		s += used, n -= used;
		if (!strcmp(w, "$menuentry_id_option") || !strcmp(w, "${menuentry_id_option}") || !strcmp(w, "--id")) {
			while (n > 0 && is_ws(*s))
				s++, n--;
			sh_word(s, n, out, cap);
			return;
		}
	}
}

int hv_parse_grub_cfg(const char *rel, const char *text, size_t len, struct hv_boot_entry *v, int *n, int max,
		      char *default_entry, size_t cap)
{
	size_t pos = 0, ll;
	const char *l;
	int no = 0, depth = 0, submenus = 0;
	/* GRUB numbers the items of each menu from 0, menu entries and
	 * submenus alike; the current one-level submenu's title and id */
	int items = 0, sub_items = 0, sub_item = -1, sub_depth = 0;
	char sub_title[128] = "", sub_id[128] = "";
	/* what each open brace opened: a submenu, a menu entry or anything
	 * else (function, a brace group); deeper than that is left alone */
	enum { OTHER, SUBMENU, ENTRY } open[32];
	struct hv_boot_entry *cur = NULL;
	if (cap)
		default_entry[0] = '\0';
	while (next_line(text, len, &pos, &l, &ll)) {
		no++;
		trim(&l, &ll);
		if (!ll || *l == '#')
			continue;
		bool opens = l[ll - 1] == '{';
		if (word_is(l, ll, "menuentry") || word_is(l, ll, "submenu")) {
			bool sub = *l == 's';
			const char *t = l + (sub ? 7 : 9);
			size_t tl = ll - (size_t)(t - l);
			trim(&t, &tl);
			char title[128], id[128] = "";
			size_t used = sh_word(t, tl, title, sizeof(title));
			menu_id(t + used, tl - used, id, sizeof(id));
			if (!opens)
				continue;
			/* its place in its menu: the top one, or a submenu of it */
			int item = -1, in_sub = -1;
			if (depth == 0 && submenus == 0)
				item = items++;
			else if (submenus == 1 && sub_item >= 0 && depth == sub_depth + 1)
				item = sub_item, in_sub = sub_items++;
			if (depth < 32)
				open[depth] = sub ? SUBMENU : ENTRY;
			depth++;
			if (sub) {
				submenus++;
				if (submenus == 1) {
					sub_item = item;
					sub_items = 0;
					sub_depth = depth - 1;
					hv_copy(sub_title, sizeof(sub_title), title);
					hv_copy(sub_id, sizeof(sub_id), id);
				}
				continue;
			}
			if (*n >= max || cur) {
				cur = NULL;
				continue;
			}
			cur = &v[(*n)++];
			memset(cur, 0, sizeof(*cur));
			snprintf(cur->where, sizeof(cur->where), "%.280s:%d", rel, no);
			hv_copy(cur->title, sizeof(cur->title), title);
			hv_copy(cur->id, sizeof(cur->id), id);
			cur->top = submenus == 0;
			cur->item = item;
			cur->sub = in_sub;
			if (in_sub >= 0) {
				hv_copy(cur->submenu, sizeof(cur->submenu), sub_title);
				hv_copy(cur->submenu_id, sizeof(cur->submenu_id), sub_id);
			}
			cur->recovery = strstr(title, "recovery mode") != NULL;
			continue;
		}
		if (*l == '}') {
			if (depth > 0) {
				depth--;
				if (depth < 32 && open[depth] == ENTRY)
					cur = NULL;
				else if (depth < 32 && open[depth] == SUBMENU && submenus > 0 && --submenus == 0)
					sub_item = -1;
			}
			continue;
		}
		if (opens) {
			if (depth < 32)
				open[depth] = OTHER;
			depth++;
			continue;
		}
		if (!cur && depth == 0 && ll > 12 && !strncmp(l, "set default=", 12)) {
			sh_word(l + 12, ll - 12, default_entry, cap);
			continue;
		}
		if (cur && !cur->args && (word_is(l, ll, "linux") || word_is(l, ll, "linuxefi") ||
					  word_is(l, ll, "linux16"))) {
			const char *a = l + word_len(l, ll);
			size_t al = ll - (size_t)(a - l);
			trim(&a, &al);
			char image[256];
			size_t used = sh_word(a, al, image, sizeof(image));
			release_of(image, cur->release, sizeof(cur->release));
			a += used;
			al -= used;
			trim(&a, &al);
			cur->args = malloc(al + 1);
			if (!cur->args)
				return hv_fail(ENOMEM, "out of memory");
			memcpy(cur->args, a, al);
			cur->args[al] = '\0';
		}
	}
	/* entries without a linux line (chainloaders, firmware setup) are no kernel's */
	int k = 0;
	for (int i = 0; i < *n; i++)
		if (v[i].args)
			v[k++] = v[i];
	*n = k;
	return 0;
}

int hv_parse_bls_entry(const char *rel, const char *text, size_t len, struct hv_boot_entry *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->where, sizeof(e->where), "%s", rel);
	e->top = true;
	e->item = e->sub = -1;
	size_t pos = 0, ll, cap = 0, used = 0;
	const char *l;
	char image[256] = "";
	while (next_line(text, len, &pos, &l, &ll)) {
		trim(&l, &ll);
		if (!ll || *l == '#')
			continue;
		size_t kl = word_len(l, ll);
		const char *val = l + kl;
		size_t vl = ll - kl;
		trim(&val, &vl);
		if (kl == 5 && !strncmp(l, "title", 5))
			snprintf(e->title, sizeof(e->title), "%.*s", (int)vl, val);
		else if (kl == 7 && !strncmp(l, "version", 7))
			snprintf(e->release, sizeof(e->release), "%.*s", (int)vl, val);
		else if (kl == 5 && !strncmp(l, "linux", 5))
			snprintf(image, sizeof(image), "%.*s", (int)vl, val);
		else if (kl == 7 && !strncmp(l, "options", 7)) {
			/* several options lines are joined with a space */
			if (used + vl + 2 > cap) {
				size_t nc = (used + vl + 2) * 2;
				char *nb = realloc(e->args, nc);
				if (!nb) {
					free(e->args);
					e->args = NULL;
					return hv_fail(ENOMEM, "out of memory");
				}
				e->args = nb;
				cap = nc;
			}
			if (used)
				e->args[used++] = ' ';
			memcpy(e->args + used, val, vl);
			used += vl;
			e->args[used] = '\0';
		}
	}
	if (!e->args && !(e->args = strdup("")))
		return hv_fail(ENOMEM, "out of memory");
	if (!e->release[0] && image[0])
		release_of(image, e->release, sizeof(e->release));
	/* grubby's older entries take their options from grubenv */
	e->args_unknown = strchr(e->args, '$') != NULL;
	return 0;
}

int hv_parse_grubenv(const char *text, size_t len, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key), pos = 0, ll;
	const char *l;
	if (cap)
		out[0] = '\0';
	while (next_line(text, len, &pos, &l, &ll)) {
		if (ll > kl && l[kl] == '=' && !strncmp(l, key, kl) && !memchr(l, '\0', ll)) {
			snprintf(out, cap, "%.*s", (int)(ll - kl - 1), l + kl + 1);
			return 1;
		}
	}
	return 0;
}
