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
	/* node form of hugepages= exists since 5.16 (kernel-facts.md §7.5) */
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

static bool key_is(const char *tok, const char *key)
{
	size_t l = strlen(key);
	return strncmp(tok, key, l) == 0 && (tok[l] == '=' || tok[l] == '\0');
}

int hv_cmdline_filter(const char *in, const struct hv_desired *d, uint64_t default_size, char *out, size_t cap,
		      char *removed, size_t rcap)
{
	out[0] = '\0';
	int nremoved = 0;
	uint64_t ctx = 0; /* size named by the last hugepagesz= / default_hugepagesz= */
	bool ctx_set = false;
	char tok[1024];
	const char *p = in;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		size_t l = strcspn(p, " \t\n");
		if (l >= sizeof(tok))
			l = sizeof(tok) - 1;
		memcpy(tok, p, l);
		tok[l] = '\0';
		p += strcspn(p, " \t\n");
		bool drop = false;
		uint64_t sz;
		if (d->hvo >= 0 && (key_is(tok, "hugetlb_free_vmemmap") || key_is(tok, "sysctl.vm.hugetlb_optimize_vmemmap")))
			drop = true;
		else if (!strncmp(tok, "hugepagesz=", 11)) {
			hv_clear_error();
			ctx_set = hv_parse_size(tok + 11, &sz) == 0;
			ctx = ctx_set ? sz : 0;
			drop = ctx_set && managed_size(d, ctx);
		} else if (!strncmp(tok, "default_hugepagesz=", 19)) {
			hv_clear_error();
			ctx_set = hv_parse_size(tok + 19, &sz) == 0;
			ctx = ctx_set ? sz : 0;
		} else if (!strncmp(tok, "hugepages=", 10)) {
			uint64_t size = ctx_set ? ctx : default_size;
			drop = size && managed_size(d, size);
			ctx_set = false;
			ctx = 0;
		}
		if (drop) {
			nremoved++;
			if (removed)
				append2(removed, rcap, *removed ? " " : "", tok);
		} else {
			append2(out, cap, *out ? " " : "", tok);
		}
	}
	hv_clear_error();
	return nremoved;
}

/* One GRUB_CMDLINE_LINUX[_DEFAULT]= line; returns a malloc'ed replacement
 * or NULL to keep it. Only simple one-line values are edited; tokens that
 * use the shell ($VAR, quotes, backslashes) are kept as they are. */
static char *filter_line(const char *line, size_t len, const struct hv_desired *d, uint64_t default_size,
			 char *removed, size_t rcap)
{
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i > 7 && !strncmp(line + i, "export", 6) && (line[i + 6] == ' ' || line[i + 6] == '\t')) {
		i += 6;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
	}
	static const char *const vars[] = {"GRUB_CMDLINE_LINUX_DEFAULT=", "GRUB_CMDLINE_LINUX="};
	size_t vl = 0;
	for (size_t k = 0; k < 2; k++)
		if (len - i >= strlen(vars[k]) && !strncmp(line + i, vars[k], strlen(vars[k]))) {
			vl = strlen(vars[k]);
			break;
		}
	if (!vl)
		return NULL;
	size_t vstart = i + vl;
	char q = vstart < len && (line[vstart] == '"' || line[vstart] == '\'') ? line[vstart] : 0;
	size_t b = vstart + (q ? 1 : 0), e = b;
	if (q) {
		while (e < len && line[e] != q && line[e] != '\\' && line[e] != '`')
			e++;
		if (e >= len || line[e] != q)
			return NULL; /* escapes or a multi-line value: leave it */
	} else {
		while (e < len && line[e] != ' ' && line[e] != '\t' && line[e] != ';' && line[e] != '#')
			e++;
	}
	char *val = strndup(line + b, e - b);
	char *out = malloc(e - b + 1);
	if (!val || !out) {
		free(val);
		free(out);
		return NULL;
	}
	int n = hv_cmdline_filter(val, d, default_size, out, e - b + 1, removed, rcap);
	free(val);
	if (n == 0) {
		free(out);
		return NULL;
	}
	size_t tail = len - e;
	char *res = malloc(b + strlen(out) + tail + 3);
	if (res) {
		memcpy(res, line, b);
		size_t o = b;
		memcpy(res + o, out, strlen(out));
		o += strlen(out);
		memcpy(res + o, line + e, tail);
		o += tail;
		res[o] = '\0';
	}
	free(out);
	return res;
}

char *hv_grub_file_filter(const char *text, const struct hv_desired *d, uint64_t default_size, char *removed,
			  size_t rcap)
{
	size_t cap = strlen(text) + 1, len = 0;
	char *res = malloc(cap);
	if (!res)
		return NULL;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		char *rep = filter_line(p, l, d, default_size, removed, rcap);
		const char *src = rep ? rep : p;
		size_t sl = rep ? strlen(rep) : l;
		if (len + sl + 2 > cap) {
			cap = (len + sl + 2) * 2;
			char *nr = realloc(res, cap);
			if (!nr) {
				free(rep);
				free(res);
				return NULL;
			}
			res = nr;
		}
		memcpy(res + len, src, sl);
		len += sl;
		if (nl)
			res[len++] = '\n';
		free(rep);
		p += l + (nl ? 1 : 0);
	}
	res[len] = '\0';
	return res;
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
