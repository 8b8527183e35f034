/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small unified diff for the dry run: the files apply edits are short, so
 * a longest-common-subsequence table over the lines between the common
 * prefix and suffix is enough. No external diff, no temporary files. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "hv_error.h"

struct line {
	const char *s;
	size_t len;
	int noeol;
};

static int split(const char *t, size_t n, struct line **out)
{
	size_t cnt = 0;
	for (size_t i = 0; i < n; i++)
		cnt += t[i] == '\n';
	cnt += n && t[n - 1] != '\n';
	struct line *l = calloc(cnt ? cnt : 1, sizeof(*l));
	if (!l)
		return -1;
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || t[i] == '\n') {
			if (i == n && start == n)
				break;
			l[k].s = t + start;
			l[k].len = i - start;
			l[k].noeol = i == n;
			k++;
			start = i + 1;
		}
	}
	*out = l;
	return (int)k;
}

static int eq(const struct line *a, const struct line *b)
{
	return a->len == b->len && a->noeol == b->noeol && !memcmp(a->s, b->s, a->len);
}

struct op {
	char c;
	int ai, bi;
};

static void put(FILE *out, char c, const struct line *l)
{
	fprintf(out, "%c%.*s\n", c, (int)l->len, l->s);
	if (l->noeol)
		fprintf(out, "\\ No newline at end of file\n");
}

int hv_udiff(FILE *out, const char *aname, const char *a, size_t alen, const char *bname, const char *b, size_t blen)
{
	struct line *la = NULL, *lb = NULL;
	int na = split(a ? a : "", a ? alen : 0, &la), nb = split(b ? b : "", b ? blen : 0, &lb);
	struct op *ops = NULL;
	uint32_t *t = NULL;
	int rc = 0;
	if (na < 0 || nb < 0)
		goto oom;
	int pre = 0;
	while (pre < na && pre < nb && eq(&la[pre], &lb[pre]))
		pre++;
	int suf = 0;
	while (suf < na - pre && suf < nb - pre && eq(&la[na - 1 - suf], &lb[nb - 1 - suf]))
		suf++;
	int n = na - pre - suf, m = nb - pre - suf;
	ops = malloc(sizeof(*ops) * (size_t)(na + nb + 1));
	if (!ops)
		goto oom;
	int nops = 0;
	for (int i = 0; i < pre; i++)
		ops[nops++] = (struct op){' ', i, i};
	if ((uint64_t)(n + 1) * (uint64_t)(m + 1) <= 4000000) {
		t = calloc((size_t)(n + 1) * (size_t)(m + 1), sizeof(*t));
		if (!t)
			goto oom;
#define T(i, j) t[(size_t)(i) * (size_t)(m + 1) + (size_t)(j)]
		for (int i = n - 1; i >= 0; i--)
			for (int j = m - 1; j >= 0; j--)
				T(i, j) = eq(&la[pre + i], &lb[pre + j]) ? T(i + 1, j + 1) + 1
									 : (T(i + 1, j) > T(i, j + 1) ? T(i + 1, j) : T(i, j + 1));
		int i = 0, j = 0;
		while (i < n || j < m) {
			if (i < n && j < m && eq(&la[pre + i], &lb[pre + j])) {
				ops[nops++] = (struct op){' ', pre + i, pre + j};
				i++, j++;
			} else if (i < n && (j == m || T(i + 1, j) >= T(i, j + 1))) {
				ops[nops++] = (struct op){'-', pre + i, pre + j};
				i++;
			} else {
				ops[nops++] = (struct op){'+', pre + i, pre + j};
				j++;
			}
		}
#undef T
	} else {
		for (int i = 0; i < n; i++)
			ops[nops++] = (struct op){'-', pre + i, pre};
		for (int j = 0; j < m; j++)
			ops[nops++] = (struct op){'+', pre + n, pre + j};
	}
	for (int i = 0; i < suf; i++)
		ops[nops++] = (struct op){' ', na - suf + i, nb - suf + i};

	fprintf(out, "--- %s\n+++ %s\n", aname, bname);
	const int ctx = 3;
	int k = 0;
	while (k < nops) {
		while (k < nops && ops[k].c == ' ')
			k++;
		if (k >= nops)
			break;
		int start = k - ctx < 0 ? 0 : k - ctx;
		while (start < k && ops[start].c != ' ')
			start++;
		/* extend while the next change is within 2*ctx lines */
		int end = k;
		for (;;) {
			while (end < nops && ops[end].c != ' ')
				end++;
			int gap = 0;
			while (end + gap < nops && ops[end + gap].c == ' ')
				gap++;
			if (end + gap < nops && gap <= 2 * ctx) {
				end += gap;
				continue;
			}
			end += gap < ctx ? gap : ctx;
			break;
		}
		int acount = 0, bcount = 0;
		for (int x = start; x < end; x++) {
			acount += ops[x].c != '+';
			bcount += ops[x].c != '-';
		}
		int astart = ops[start].ai + 1, bstart = ops[start].bi + 1;
		fprintf(out, "@@ -%d,%d +%d,%d @@\n", acount ? astart : astart - 1, acount, bcount ? bstart : bstart - 1,
			bcount);
		for (int x = start; x < end; x++)
			put(out, ops[x].c, ops[x].c == '+' ? &lb[ops[x].bi] : &la[ops[x].ai]);
		k = end;
	}
	goto done;
oom:
	rc = hv_fail(ENOMEM, "out of memory");
done:
	free(la);
	free(lb);
	free(ops);
	free(t);
	return rc;
}
