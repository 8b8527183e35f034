/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernels installed after `apply --persist`: the record of the boot
 * parameters it persisted (etc/kernel/hvoplan.conf, hvoplan.conf syntax),
 * and a Boot Loader Specification entry's options brought in line with it
 * (what the kernel-install plug-in runs, hvoplan-boot-entry(8)). The
 * record and not /etc/kernel/cmdline is the source because on a grubby
 * host nothing else keeps the parameters: kernel-install then falls back
 * to /proc/cmdline, which lacks them until the reboot. Pure functions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "hv_error.h"

static int cmp_req(const void *a, const void *b)
{
	const struct hv_pool_req *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x->node - y->node;
}

int hv_boot_record_text(const char *name, const char *old, const struct hv_desired *d, char **out)
{
	*out = NULL;
	struct hv_apply_settings s, over;
	hv_settings_init(&s);
	hv_settings_init(&over);
	int rc;
	/* what earlier runs persisted stays: a run that sets only HVO keeps the
	 * pools, one that sets a size replaces only that size (as the boot
	 * configuration itself is edited) */
	if (old && (rc = hv_config_parse_string(name, old, &s)) < 0)
		return hv_fail(-rc, "%s; remove the file or run 'hvoplan apply --revert'", hv_last_error());
	if (d->hvo >= 0)
		over.hvo = d->hvo ? HV_YES : HV_NO;
	for (int i = 0; i < d->npools && over.npools < HV_MAX_POOL_REQS; i++)
		over.pools[over.npools++] = d->pools[i];
	hv_settings_merge(&s, &over);
	qsort(s.pools, (size_t)s.npools, sizeof(s.pools[0]), cmp_req);

	/* one pool a line: hvoplan.conf's lines are at most 198 characters */
	size_t cap = 640 + (size_t)s.npools * 48;
	char *t = malloc(cap);
	if (!t)
		return hv_fail(ENOMEM, "out of memory");
	size_t l = (size_t)snprintf(t, cap,
				    "# Written by 'hvoplan apply --persist': the hugepage boot parameters it persisted,\n"
				    "# which its kernel-install plug-in (95-hvoplan.install) gives the boot entries of\n"
				    "# kernels installed later (hvoplan-boot-entry(8)). hvoplan.conf(5) syntax. Change it\n"
				    "# with 'hvoplan apply --persist', which edits the boot configuration too.\n"
				    "[apply]\n");
	if (s.hvo != HV_TRI_UNKNOWN)
		l += (size_t)snprintf(t + l, cap - l, "hvo = %s\n", s.hvo == HV_YES ? "on" : "off");
	for (int i = 0; i < s.npools; i++) {
		char sz[32], node[24] = "";
		hv_bootsize_name(s.pools[i].size, sz, sizeof(sz));
		if (s.pools[i].node >= 0)
			snprintf(node, sizeof(node), "@%d", s.pools[i].node);
		l += (size_t)snprintf(t + l, cap - l, "pages = %s:%lld%s\n", sz, (long long)s.pools[i].count, node);
	}
	*out = t;
	return 0;
}

int hv_boot_record_desired(const char *name, const char *text, struct hv_desired *d)
{
	memset(d, 0, sizeof(*d));
	struct hv_apply_settings s;
	hv_settings_init(&s);
	int rc = hv_config_parse_string(name, text, &s);
	if (rc < 0)
		return rc;
	d->hvo = s.hvo == HV_YES ? 1 : s.hvo == HV_NO ? 0 : -1;
	for (int i = 0; i < s.npools; i++)
		d->pools[d->npools++] = s.pools[i];
	if (d->hvo < 0 && d->npools == 0)
		return hv_fail(EINVAL, "%s: names neither hvo nor pages: no boot parameter to keep", name);
	return 0;
}

/* The value of a `KEY value` entry line (BLS: the key, then blanks), or
 * NULL when line (up to end) is another key's. */
static const char *entry_value(const char *line, const char *end, const char *key)
{
	size_t k = strlen(key);
	if ((size_t)(end - line) < k || strncmp(line, key, k) ||
	    (line + k < end && line[k] != ' ' && line[k] != '\t' && line[k] != '\r'))
		return NULL;
	const char *v = line + k;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	return v;
}

/* Appends n bytes of s to the growing buffer *b (length *l, capacity *cap). */
static int put(char **b, size_t *l, size_t *cap, const char *s, size_t n)
{
	if (*l + n + 1 > *cap) {
		size_t nc = (*l + n + 1) * 2;
		char *nb = realloc(*b, nc);
		if (!nb)
			return hv_fail(ENOMEM, "out of memory");
		*b = nb;
		*cap = nc;
	}
	memcpy(*b + *l, s, n);
	*l += n;
	(*b)[*l] = '\0';
	return 0;
}

/* Appends params to the kernel's parameters in cmdline (capacity cap, room
 * known to be there): before a "--", after which the words are init's. */
static void append_before_init_args(char *cmdline, size_t cap, const char *params)
{
	if (!params[0])
		return;
	const char *q = cmdline;
	for (size_t n; (n = hv_karg_step(&q)) > 0; q += n) {
		if (n == 2 && !strncmp(q, "--", 2)) {
			size_t at = (size_t)(q - cmdline), pl = strlen(params), tail = strlen(q);
			memmove(cmdline + at + pl + 1, q, tail + 1);
			memcpy(cmdline + at, params, pl);
			cmdline[at + pl] = ' ';
			return;
		}
	}
	size_t l = strlen(cmdline);
	snprintf(cmdline + l, cap - l, "%s%s", l ? " " : "", params);
}

int hv_entry_version(const char *text, int *major, int *minor)
{
	for (const char *p = text; *p;) {
		const char *end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		const char *v = entry_value(p, end, "version");
		if (v && sscanf(v, "%d.%d", major, minor) == 2 && *major > 0 && *minor >= 0)
			return 0;
		p = *end ? end + 1 : end;
	}
	return -ENOENT;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The parameters of s as the kernel takes them, in a canonical order: each
 * hugepagesz= with the hugepages= after it is one group, the groups sorted
 * (the kernel sets each size on its own, so their order is no change). */
static char *canonical(const char *s)
{
	size_t cap = strlen(s) + 2, ng = 0;
	char *copy = malloc(cap), **g = calloc(cap, sizeof(*g)), *out = calloc(1, cap);
	if (!copy || !g || !out) {
		free(copy);
		free(g);
		free(out);
		return NULL;
	}
	/* groups are joined with '\1' inside, so a group sorts as a whole */
	size_t cl = 0;
	const char *q = s;
	for (size_t n; (n = hv_karg_step(&q)) > 0; q += n) {
		bool joins = ng && !strncmp(q, "hugepages=", 10) && !strncmp(g[ng - 1], "hugepagesz=", 11);
		if (joins)
			copy[cl - 1] = '\1';
		else
			g[ng++] = copy + cl;
		memcpy(copy + cl, q, n);
		cl += n;
		copy[cl++] = '\0';
	}
	qsort(g, ng, sizeof(*g), cmp_str);
	for (size_t i = 0; i < ng; i++) {
		size_t l = strlen(out);
		snprintf(out + l, cap - l, "%s%s", l ? " " : "", g[i]);
	}
	for (char *c = out; *c; c++)
		if (*c == '\1')
			*c = ' ';
	free(copy);
	free(g);
	return out;
}

int hv_entry_with_params(const char *name, const char *text, const struct hv_desired *d, uint64_t defsz,
			 const char *params, char **out, char *removed, size_t rcap)
{
	*out = NULL;
	if (rcap)
		removed[0] = '\0';
	/* The boot loader joins every options line: they are filtered as one
	 * command line (a hugepagesz= in one line names the size of a
	 * hugepages= in the next), and a change puts the whole into the last. */
	char *joined = NULL, *b = NULL;
	size_t jl = 0, jcap = 0, bl = 0, bcap = 0;
	const char *last = NULL;
	int rc = put(&joined, &jl, &jcap, "", 0);
	bool kernel = false;
	for (const char *p = text; *p && rc == 0;) {
		const char *end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		const char *v = entry_value(p, end, "options");
		if (v) {
			const char *ve = end;
			while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
				ve--;
			if (ve > v && jl)
				rc = put(&joined, &jl, &jcap, " ", 1);
			if (rc == 0)
				rc = put(&joined, &jl, &jcap, v, (size_t)(ve - v));
			last = p;
		}
		kernel = kernel || entry_value(p, end, "linux") || entry_value(p, end, "efi") || entry_value(p, end, "uki");
		p = *end ? end + 1 : end;
	}
	if (rc == 0 && !kernel)
		rc = hv_fail(EINVAL, "%s: not a Boot Loader Specification entry (no linux, efi or uki line)", name);
	size_t wcap = jl + strlen(params) + 2;
	char *want = rc == 0 ? malloc(wcap) : NULL, *rem = rc == 0 ? calloc(1, wcap) : NULL,
	     *k2 = rc == 0 ? malloc(wcap) : NULL, *taken = rc == 0 ? calloc(1, wcap) : NULL;
	if (rc == 0 && (!want || !rem || !k2 || !taken))
		rc = hv_fail(ENOMEM, "out of memory");
	if (rc == 0 && (rc = hv_cmdline_filter(joined, d, defsz, want, wcap, taken, wcap)) >= 0) {
		if (rcap)
			snprintf(removed, rcap, "%s", taken);
		append_before_init_args(want, wcap, params);
		/* what the kernel gets has exactly ours among the parameters we
		 * manage: a double quote left open swallows those after it */
		if ((rc = hv_cmdline_filter(want, d, defsz, k2, wcap, rem, wcap)) >= 0) {
			rc = 0;
			if (strcmp(rem, params))
				rc = hv_fail(ENOTSUP,
					     "%s: the kernel would read '%.300s' where hvoplan wants exactly '%s' (a double "
					     "quote left open in the options swallows the parameters after it); fix the "
					     "entry by hand",
					     name, rem[0] ? rem : "(none of them)", params);
		}
	}
	/* ours there already, the sizes in any order: the entry stays as it is
	 * (what follows them, 90-loaderentry's systemd.machine_id=, stays too) */
	bool same = false;
	if (rc == 0) {
		char *a = canonical(taken), *c = canonical(params);
		if (!a || !c)
			rc = hv_fail(ENOMEM, "out of memory");
		same = a && c && !strcmp(a, c);
		free(a);
		free(c);
	}
	bool inserted = false;
	for (const char *p = text; *p && rc == 0 && !same;) {
		const char *end = strchr(p, '\n');
		bool nl = end != NULL;
		if (!end)
			end = p + strlen(p);
		const char *v = entry_value(p, end, "options");
		if (!last && !inserted && want[0] && entry_value(p, end, "linux")) {
			/* no options line: one before the kernel's */
			if ((rc = put(&b, &bl, &bcap, "options    ", 11)) == 0 && (rc = put(&b, &bl, &bcap, want, strlen(want))) == 0)
				rc = put(&b, &bl, &bcap, "\n", 1);
			inserted = true;
		}
		if (rc == 0 && v && p == last && want[0]) {
			/* a bare "options" gets the blanks 90-loaderentry writes */
			const char *sep = v == p + 7 ? "    " : "";
			if ((rc = put(&b, &bl, &bcap, p, (size_t)(v - p))) == 0 &&
			    (rc = put(&b, &bl, &bcap, sep, strlen(sep))) == 0 &&
			    (rc = put(&b, &bl, &bcap, want, strlen(want))) == 0)
				rc = put(&b, &bl, &bcap, "\n", 1);
		} else if (rc == 0 && !v) {
			if ((rc = put(&b, &bl, &bcap, p, (size_t)(end - p))) == 0 && nl)
				rc = put(&b, &bl, &bcap, "\n", 1);
		}
		p = nl ? end + 1 : end;
	}
	if (rc == 0 && !same && !last && !inserted && want[0]) {
		if (bl && b[bl - 1] != '\n')
			rc = put(&b, &bl, &bcap, "\n", 1);
		if (rc == 0 && (rc = put(&b, &bl, &bcap, "options    ", 11)) == 0 &&
		    (rc = put(&b, &bl, &bcap, want, strlen(want))) == 0)
			rc = put(&b, &bl, &bcap, "\n", 1);
	}
	free(joined);
	free(want);
	free(rem);
	free(k2);
	free(taken);
	if (rc == 0 && (same || !b))
		rc = put(&b, &bl, &bcap, same ? text : "", same ? strlen(text) : 0);
	if (rc < 0) {
		free(b);
		return rc;
	}
	*out = b;
	return !same;
}
