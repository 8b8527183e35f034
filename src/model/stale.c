/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which pages are un-optimized, from one number: the shortfall between the
 * savings the pools would give fully optimized and what the memmap counters
 * show. With one size in use the answer is a division; with several it is a
 * small bounded search that reports a count only when it is the only one
 * possible (585 stale 2M pages free as much as one stale 1G page). */
#include <stdlib.h>
#include <string.h>

#include "model.h"

#define SEARCH_BUDGET 4000000L

struct search {
	int n;
	const int64_t *nr;
	const uint64_t *opt;
	int order[HV_MAX_HSTATES];
	uint64_t reach[HV_MAX_HSTATES + 1]; /* most the hstates order[k..] can add */
	int64_t cur[HV_MAX_HSTATES], found[HV_MAX_HSTATES];
	int solutions;
	long budget;
};

static void walk(struct search *s, int k, uint64_t rem)
{
	if (s->solutions > 1 || s->budget-- <= 0)
		return;
	if (rem > s->reach[k])
		return;
	int i = s->order[k];
	if (k == s->n - 1) {
		if (rem % s->opt[i] || rem / s->opt[i] > (uint64_t)s->nr[i])
			return;
		s->cur[i] = (int64_t)(rem / s->opt[i]);
		if (++s->solutions == 1)
			memcpy(s->found, s->cur, sizeof(s->found));
		return;
	}
	uint64_t maxc = rem / s->opt[i];
	if (maxc > (uint64_t)s->nr[i])
		maxc = (uint64_t)s->nr[i];
	for (uint64_t c = 0; c <= maxc && s->solutions <= 1 && s->budget > 0; c++) {
		s->cur[i] = (int64_t)c;
		walk(s, k + 1, rem - c * s->opt[i]);
	}
}

int hv_solve_stale(int n, const int64_t nr[], const uint64_t opt[], uint64_t deficit, int64_t out[])
{
	struct search s;
	memset(&s, 0, sizeof(s));
	s.nr = nr;
	s.opt = opt;
	s.budget = SEARCH_BUDGET;
	for (int i = 0; i < n && i < HV_MAX_HSTATES; i++) {
		out[i] = 0;
		if (nr[i] > 0 && opt[i] > 0)
			s.order[s.n++] = i;
	}
	if (s.n == 0)
		return deficit == 0 ? 1 : -1;
	/* Largest per-page saving first: their counts are the small ones. */
	for (int a = 0; a < s.n; a++)
		for (int b = a + 1; b < s.n; b++)
			if (opt[s.order[b]] > opt[s.order[a]]) {
				int t = s.order[a];
				s.order[a] = s.order[b];
				s.order[b] = t;
			}
	s.reach[s.n] = 0;
	for (int k = s.n - 1; k >= 0; k--) {
		unsigned __int128 r = (unsigned __int128)(uint64_t)nr[s.order[k]] * opt[s.order[k]] + s.reach[k + 1];
		s.reach[k] = r > UINT64_MAX ? UINT64_MAX : (uint64_t)r;
	}
	walk(&s, 0, deficit);
	if (s.solutions == 1 && s.budget > 0) {
		for (int k = 0; k < s.n; k++)
			out[s.order[k]] = s.found[s.order[k]];
		return 1;
	}
	return s.solutions == 0 && s.budget > 0 ? -1 : 0;
}
