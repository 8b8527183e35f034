/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hv_grub_file_filter over a GRUB defaults file. Oracle: a strict parser of
 * the shell subset apply may edit (blank and comment lines, and
 * [export] NAME=VALUE with VALUE one plain word or one quoted string without
 * $ ` \ or inner quotes). When the whole file is in that subset the filter
 * must succeed, every line must stay in it, and the shell's value of each
 * GRUB_CMDLINE_LINUX[_DEFAULT] may differ only by the conflicting tokens
 * (the independent split in fuzz_boot_common.h), which must be exactly the
 * ones reported removed. Outside the subset it may refuse (-ENOTSUP, naming
 * the file), but any line it changes must be in the subset before and after,
 * and it may not add or remove lines. */
#include "fuzz_boot_common.h"

/* assignments a line may hold: every input up to O_INPUT_MAX bytes fits
 * (the shortest is "A=;"), so the oracle never stops where apply goes on */
#define O_INPUT_MAX 8192
#define O_MAX (O_INPUT_MAX / 3 + 1)
struct o_line {
	int n; /* assignments parsed, in order */
	struct {
		bool cmdline;
		size_t vb, ve; /* the value, inside its quotes */
		char q;
	} a[O_MAX];
	size_t end; /* bytes parsed: [end, len) is outside the subset */
	bool whole; /* the whole line is in the subset */
};

static bool o_plain(char c)
{
	return (unsigned char)c > ' ' && c != 0x7f && !strchr("\"'$`\\;&|<>()~", c); /* '#' inside a word is literal */
}

static bool o_name_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

/* One statement from i: blank, a comment, or [export] NAME=VALUE, ending at
 * the end of the line, blanks + comment, or ';'. Returns the index after it
 * (after the ';'), or 0 when it is outside the subset. */
static size_t o_stmt(const char *s, size_t n, size_t i, struct o_line *l, bool *last)
{
	*last = false;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n || s[i] == '#') {
		*last = true;
		return n;
	}
	if (n - i > 7 && !strncmp(s + i, "export", 6) && (s[i + 6] == ' ' || s[i + 6] == '\t')) {
		i += 6;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
	}
	size_t nb = i;
	if (i == n || !o_name_start(s[i]))
		return 0;
	while (i < n && (o_name_start(s[i]) || (s[i] >= '0' && s[i] <= '9')))
		i++;
	if (i == n || s[i] != '=' || l->n >= O_MAX)
		return 0;
	size_t nl = i - nb;
	int k = l->n;
	l->a[k].cmdline = (nl == 18 && !strncmp(s + nb, "GRUB_CMDLINE_LINUX", 18)) ||
			  (nl == 26 && !strncmp(s + nb, "GRUB_CMDLINE_LINUX_DEFAULT", 26));
	l->a[k].q = 0;
	i++;
	if (!l->a[k].cmdline) {
		/* a value apply never edits may be any word without expansions:
		 * plain runs and quoted parts side by side (FOO=a"b c"), as the
		 * shell and apply's own splitter both read it */
		l->a[k].vb = i;
		while (i < n && (o_plain(s[i]) || s[i] == '"' || s[i] == '\'')) {
			if (o_plain(s[i])) {
				i++;
				continue;
			}
			char q = s[i++];
			while (i < n && s[i] != q) {
				if (strchr("\"'$`\\", s[i]) || s[i] == '\0')
					return 0;
				i++;
			}
			if (i == n)
				return 0;
			i++;
		}
		l->a[k].ve = i;
	} else if (i < n && (s[i] == '"' || s[i] == '\'')) {
		l->a[k].q = s[i++];
		l->a[k].vb = i;
		while (i < n && s[i] != l->a[k].q) {
			if (strchr("\"'$`\\", s[i]) || s[i] == '\0')
				return 0;
			i++;
		}
		if (i == n)
			return 0;
		l->a[k].ve = i++;
	} else {
		l->a[k].vb = i;
		while (i < n && o_plain(s[i]))
			i++;
		l->a[k].ve = i;
	}
	size_t after = i;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n || (s[i] == '#' && i > after)) {
		l->n++;
		*last = true;
		return n;
	}
	if (s[i] != ';' || (i + 1 < n && s[i + 1] == ';'))
		return 0;
	l->n++;
	return i + 1;
}

static void o_parse(const char *s, size_t n, struct o_line *l)
{
	memset(l, 0, sizeof(*l));
	size_t i = 0;
	bool last = false;
	while (!last) {
		size_t j = o_stmt(s, n, i, l, &last);
		if (!j)
			return; /* l->end stays at the last complete statement */
		i = l->end = j;
	}
	l->whole = true;
}

/* Line k of text: start and length; false past the end. */
static bool o_line_at(const char *t, int k, const char **ls, size_t *ln)
{
	const char *p = t;
	for (int i = 0; i < k; i++) {
		p = strchr(p, '\n');
		if (!p)
			return false;
		p++;
	}
	if (!*p && k > 0)
		return false;
	*ls = p;
	const char *e = strchr(p, '\n');
	*ln = e ? (size_t)(e - p) : strlen(p);
	return true;
}

static int o_count_lines(const char *t)
{
	int n = 1;
	for (; *t; t++)
		n += *t == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_desired d;
	uint64_t defsz;
	if (size > O_INPUT_MAX)
		return 0;
	size_t off = boot_desired(data, size, &d, &defsz);
	char *text = fuzz_cstr(data + off, size - off);
	size_t cap = strlen(text) + 2;
	char *rem = calloc(1, cap), *want_r = calloc(1, cap);
	if (!rem || !want_r)
		abort();
	/* in the subset throughout? (NUL bytes end the text, as for any C caller) */
	bool strict = true;
	int nlines = o_count_lines(text);
	for (int k = 0; k < nlines && strict; k++) {
		const char *ls;
		size_t ln;
		struct o_line l;
		if (o_line_at(text, k, &ls, &ln)) {
			o_parse(ls, ln, &l);
			strict = l.whole;
		}
	}
	char *out = NULL;
	hv_clear_error();
	int rc = hv_grub_file_filter("etc/default/grub", text, &d, defsz, rem, cap, &out);
	if (strict)
		FUZZ_ASSERT(rc == 0);
	if (rc < 0) {
		FUZZ_ASSERT(rc == -ENOTSUP || rc == -E2BIG || rc == -ENOMEM);
		FUZZ_ASSERT(out == NULL);
		fuzz_check_error(rc, "hv_grub_file_filter");
		FUZZ_ASSERT(rc != -ENOTSUP || strstr(hv_last_error(), "/etc/default/grub:"));
		goto done;
	}
	FUZZ_ASSERT(out != NULL);
	FUZZ_ASSERT(o_count_lines(out) == nlines);
	for (int k = 0; k < nlines; k++) {
		const char *a, *b;
		size_t an, bn;
		bool ha = o_line_at(text, k, &a, &an), hb = o_line_at(out, k, &b, &bn);
		FUZZ_ASSERT(ha == hb);
		if (!ha)
			continue;
		struct o_line la, lb;
		o_parse(a, an, &la);
		o_parse(b, bn, &lb);
		bool same = an == bn && !memcmp(a, b, an);
		/* what lies past the parsed statements is never touched */
		FUZZ_ASSERT(an - la.end == bn - lb.end && !memcmp(a + la.end, b + lb.end, an - la.end));
		if (!same)
			FUZZ_ASSERT(la.n == lb.n && la.n > 0);
		size_t pa = 0, pb = 0; /* bytes compared so far */
		for (int j = 0; j < la.n; j++) {
			FUZZ_ASSERT(j < lb.n);
			/* the bytes up to the value: same name, same quote */
			FUZZ_ASSERT(la.a[j].vb - pa == lb.a[j].vb - pb && !memcmp(a + pa, b + pb, la.a[j].vb - pa));
			FUZZ_ASSERT(la.a[j].q == lb.a[j].q && la.a[j].cmdline == lb.a[j].cmdline);
			const char *va = a + la.a[j].vb, *vb = b + lb.a[j].vb;
			size_t vla = la.a[j].ve - la.a[j].vb, vlb = lb.a[j].ve - lb.a[j].vb;
			if (la.a[j].cmdline) {
				char *v = strndup(va, vla), *kept = calloc(1, vla + 2);
				if (!v || !kept)
					abort();
				struct o_state st = {.params = true};
				o_split(v, &d, defsz, false, &st, kept, vla + 2);
				bool changed = vla != vlb || memcmp(va, vb, vla);
				if (changed || strict) {
					/* the shell's value now: exactly the kept tokens */
					if (changed)
						FUZZ_ASSERT(vlb == strlen(kept) && !memcmp(vb, kept, vlb));
					st = (struct o_state){.params = true};
					char *gone = calloc(1, vla + 2);
					if (!gone)
						abort();
					o_split(v, &d, defsz, true, &st, gone, vla + 2);
					/* in the subset, a conflict is always taken out */
					FUZZ_ASSERT(changed || gone[0] == '\0');
					size_t l = strlen(want_r);
					if (gone[0])
						snprintf(want_r + l, cap - l, "%s%s", l ? " " : "", gone);
					free(gone);
				}
				free(kept);
				free(v);
			} else {
				FUZZ_ASSERT(vla == vlb && !memcmp(va, vb, vla));
			}
			pa = la.a[j].ve;
			pb = lb.a[j].ve;
		}
		FUZZ_ASSERT(la.end - pa == lb.end - pb && !memcmp(a + pa, b + pb, la.end - pa));
	}
	if (strict)
		FUZZ_ASSERT(strcmp(rem, want_r) == 0);
	free(out);
done:
	free(rem);
	free(want_r);
	free(text);
	return 0;
}
