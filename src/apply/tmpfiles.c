/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The overcommit limits made persistent. No kernel parameter sets
 * nr_overcommit_hugepages, and the vm.nr_overcommit_hugepages sysctl only
 * reaches the default size (whichever default_hugepagesz= makes it), so
 * each limit is a systemd-tmpfiles `w` line naming its size's sysfs file:
 * systemd-tmpfiles-setup.service writes it early at boot, before the
 * services that map hugepages start (tmpfiles.d(5)). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "hv_error.h"

#define TMPFILES_HEADER                                                                                          \
	"# Written by `hvoplan apply --overcommit ... --persist`; `hvoplan apply --revert`\n"                    \
	"# undoes it. systemd-tmpfiles writes each hugepage size's overcommit limit\n"                           \
	"# (surplus pages the kernel may allocate beyond the pool) at boot.\n"

void hv_overcommit_rel(char *rel, size_t cap, uint64_t size)
{
	snprintf(rel, cap, "sys/kernel/mm/hugepages/hugepages-%llukB/nr_overcommit_hugepages",
		 (unsigned long long)(size >> 10));
}

enum hv_act_kind hv_value_kind(const char *rel)
{
	size_t l = strlen(rel), k = strlen("/nr_overcommit_hugepages");
	if (!strcmp(rel, HV_SYSCTL_REL))
		return HV_ACT_SYSCTL;
	if (l > k && !strcmp(rel + l - k, "/nr_overcommit_hugepages"))
		return HV_ACT_OVERCOMMIT;
	return HV_ACT_POOL;
}

/* One line as hv_tmpfiles_text() writes it: its size and limit. */
static bool our_line(const char *line, size_t len, uint64_t *size, int64_t *limit)
{
	char buf[160], tail[8];
	unsigned long long kb, n;
	int used = 0;
	if (len >= sizeof(buf))
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (sscanf(buf, "w /sys/kernel/mm/hugepages/hugepages-%llukB/nr_overcommit_hugepages - - - - %llu%n%7s", &kb,
		   &n, &used, tail) != 2 ||
	    (size_t)used != len)
		return false;
	/* what this file writes back: the exact spelling, nothing sscanf let slide */
	char again[160];
	snprintf(again, sizeof(again), "w /sys/kernel/mm/hugepages/hugepages-%llukB/nr_overcommit_hugepages - - - - %llu",
		 kb, n);
	if (strcmp(again, buf) || kb == 0 || kb > (1ull << 44) || n > 999999999999ull)
		return false;
	*size = (uint64_t)kb << 10;
	*limit = (int64_t)n;
	return true;
}

struct limit {
	uint64_t size;
	int64_t n;
};

static int by_size(const void *a, const void *b)
{
	const struct limit *x = a, *y = b;
	return x->size < y->size ? -1 : x->size > y->size;
}

int hv_tmpfiles_text(const struct hv_file *cur, const struct hv_desired *d, char **out)
{
	struct limit lim[2 * HV_MAX_POOL_REQS];
	int n = 0, line = 0;
	*out = NULL;
	for (const char *s = cur->exists && cur->data ? cur->data : ""; *s;) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		line++;
		uint64_t size;
		int64_t v;
		if (len == 0 || s[0] == '#') {
			/* comments are ours: the header is written again */
		} else if (!our_line(s, len, &size, &v)) {
			return hv_fail(ENOTSUP, "/%s:%d: '%.*s' is not a line hvoplan writes: this file is hvoplan's own "
						"(it holds only the overcommit limits apply --persist sets); move the line "
						"to a file of your own in /etc/tmpfiles.d",
				       cur->rel, line, (int)(len > 80 ? 80 : len), s);
		} else {
			bool dup = false;
			for (int i = 0; i < n; i++)
				dup |= lim[i].size == size;
			if (dup)
				return hv_fail(ENOTSUP, "/%s:%d: a second line for the same hugepage size", cur->rel, line);
			if (n >= HV_MAX_POOL_REQS)
				return hv_fail(E2BIG, "/%s:%d: more than %d hugepage sizes", cur->rel, line,
					       HV_MAX_POOL_REQS);
			lim[n++] = (struct limit){size, v};
		}
		s += len + (e != NULL);
	}
	/* the sizes asked for replace what the file had for them */
	for (int j = 0; j < d->novercommit; j++) {
		int k = 0;
		for (int i = 0; i < n; i++)
			if (lim[i].size != d->overcommit[j].size)
				lim[k++] = lim[i];
		n = k;
		if (d->overcommit[j].count > 0)
			lim[n++] = (struct limit){d->overcommit[j].size, d->overcommit[j].count};
	}
	if (n == 0)
		return 0;
	qsort(lim, (size_t)n, sizeof(lim[0]), by_size);
	size_t cap = sizeof(TMPFILES_HEADER) + (size_t)n * 128;
	char *t = malloc(cap);
	if (!t)
		return hv_fail(ENOMEM, "out of memory");
	size_t l = (size_t)snprintf(t, cap, "%s", TMPFILES_HEADER);
	for (int i = 0; i < n; i++) {
		char rel[160];
		hv_overcommit_rel(rel, sizeof(rel), lim[i].size);
		l += (size_t)snprintf(t + l, cap - l, "w /%s - - - - %" PRId64 "\n", rel, lim[i].n);
	}
	*out = t;
	return 0;
}

/* The next line of text (without its newline), NULL at the end. */
static const char *next_line(const char **s, size_t *len)
{
	if (!**s)
		return NULL;
	const char *l = *s, *e = strchr(l, '\n');
	*len = e ? (size_t)(e - l) : strlen(l);
	*s = l + *len + (e != NULL);
	return l;
}

static int add_writer(struct hv_oc_writer *w, int *n, int max, const char *rel, int line, uint64_t size,
		      bool sysctl, bool exact, const char *v, size_t vlen)
{
	if (*n >= max)
		return 0; /* the list only informs: the first ones are enough */
	struct hv_oc_writer *o = &w[(*n)++];
	snprintf(o->where, sizeof(o->where), "/%.180s:%d", rel, line);
	o->size = size;
	o->sysctl = sysctl;
	o->exact = exact;
	/* systemd reads the files of all its directories in the order of their names */
	const char *base = strrchr(rel, '/');
	o->before_ours = strcmp(base ? base + 1 : rel, strrchr(HV_TMPFILES_DROPIN, '/') + 1) < 0;
	snprintf(o->value, sizeof(o->value), "%.*s", (int)(vlen > 20 ? 20 : vlen), v);
	for (char *c = o->value; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	return 0;
}

/* sysctl.d(5): "[-]key = value", '#' or ';' comments, '.' or '/' between
 * the parts of the key. */
static void sysctl_line(const char *l, size_t len, const char *rel, int line, struct hv_oc_writer *w, int *n,
			int max)
{
	static const char key[] = "vm.nr_overcommit_hugepages";
	while (len && (*l == ' ' || *l == '\t'))
		l++, len--;
	if (!len || *l == '#' || *l == ';')
		return;
	if (*l == '-')
		l++, len--;
	const char *eq = memchr(l, '=', len);
	if (!eq)
		return;
	size_t kl = (size_t)(eq - l);
	while (kl && (l[kl - 1] == ' ' || l[kl - 1] == '\t'))
		kl--;
	if (kl != sizeof(key) - 1)
		return;
	for (size_t i = 0; i < kl; i++)
		if (l[i] != key[i] && !(key[i] == '.' && l[i] == '/'))
			return;
	const char *v = eq + 1, *end = l + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	add_writer(w, n, max, rel, line, 0, true, false, v, (size_t)(end - v));
}

/* tmpfiles.d(5): "TYPE PATH MODE USER GROUP AGE ARGUMENT"; a `w` line whose
 * path is an overcommit file (of one size, or of several through a glob). */
static void tmpfiles_line(const char *l, size_t len, const char *rel, int line, struct hv_oc_writer *w, int *n,
			  int max)
{
	char buf[512], *save = NULL;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, l, len);
	buf[len] = '\0';
	char *type = strtok_r(buf, " \t", &save);
	if (!type || type[0] != 'w')
		return;
	char *path = strtok_r(NULL, " \t", &save);
	if (!path || !strstr(path, "nr_overcommit_hugepages"))
		return;
	const char *arg = "";
	for (int f = 0; f < 4 && save; f++)
		strtok_r(NULL, " \t", &save);
	if (save)
		arg = save;
	unsigned long long kb;
	int used = 0;
	uint64_t size = UINT64_MAX; /* a glob, or a path spelled some other way: any size */
	bool exact = false;
	if (!strcmp(path, "/proc/sys/vm/nr_overcommit_hugepages"))
		size = 0;
	else if (sscanf(path, "/sys/kernel/mm/hugepages/hugepages-%llukB/nr_overcommit_hugepages%n", &kb, &used) == 1 &&
		 (size_t)used == strlen(path) && kb > 0 && kb < (1ull << 44)) {
		size = (uint64_t)kb << 10;
		char ours[160];
		hv_overcommit_rel(ours, sizeof(ours), size);
		exact = !strcmp(path + 1, ours); /* no leading zeros: systemd matches the path as a string */
	}
	add_writer(w, n, max, rel, line, size, false, exact, arg, strcspn(arg, "\r"));
}

int hv_overcommit_writers(const char *rel, const char *text, bool sysctl, struct hv_oc_writer *w, int *n, int max)
{
	size_t len;
	int line = 0;
	for (const char *s = text ? text : "", *l; (l = next_line(&s, &len));) {
		line++;
		if (sysctl)
			sysctl_line(l, len, rel, line, w, n, max);
		else
			tmpfiles_line(l, len, rel, line, w, n, max);
	}
	return 0;
}
