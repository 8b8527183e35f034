/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel command line, tokenized the way the kernel's next_arg() does
 * (double quotes group, "--" ends kernel parameters), keeping only what
 * decides hugepage pools and HVO. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv_error.h"
#include "parse.h"

/* The kernel's kstrtobool() (lib/kstrtox.c): what 5.19+ accepts for
 * hugetlb_free_vmemmap= and core_param bools; the model applies each
 * generation's own rule (hv_hvo_param()). */
int hv_kstrtobool(const char *v, int *out)
{
	switch (v[0]) {
	case 'y': case 'Y': case '1':
		*out = 1;
		return 0;
	case 'n': case 'N': case '0':
		*out = 0;
		return 0;
	case 'o': case 'O':
		if (v[1] == 'n' || v[1] == 'N') {
			*out = 1;
			return 0;
		}
		if (v[1] == 'f' || v[1] == 'F') {
			*out = 0;
			return 0;
		}
		break;
	}
	return -EINVAL;
}

static struct hv_cmdline_pool *pool_for(struct hv_cmdline *cl, uint64_t size)
{
	for (int i = 0; i < cl->npools; i++)
		if (cl->pools[i].size == size)
			return &cl->pools[i];
	if (cl->npools >= HV_MAX_CMDLINE_POOLS)
		return NULL;
	struct hv_cmdline_pool *p = &cl->pools[cl->npools++];
	memset(p, 0, sizeof(*p));
	p->size = size;
	return p;
}

/* hugepages=N or the node form hugepages=0:2,1:3 (5.16+). */
static int parse_hugepages(const char *v, struct hv_cmdline_pool *p)
{
	uint64_t n;
	/* hugepages_setup(): sscanf("%lu%n") takes the leading number; unless
	 * a ':' follows it that is the count, whatever comes after ("4x" is 4) */
	const char *d = v + (v[0] == '+');
	size_t nd = strspn(d, "0123456789");
	if (nd && d[nd] != ':') {
		char num[24];
		if (nd >= sizeof(num))
			return hv_fail(EINVAL, "hugepages=%s: not a page count", v);
		memcpy(num, d, nd);
		num[nd] = '\0';
		if (hv_parse_u64(num, &n) < 0 || n > INT64_MAX)
			return hv_fail(EINVAL, "hugepages=%s: not a page count", v);
		p->count = (int64_t)n;
		p->nnode_counts = 0;
		return 0;
	}
	if (!nd)
		return hv_fail(EINVAL, "hugepages=%s: not a page count", v);
	char tmp[256];
	if (strlen(v) >= sizeof(tmp))
		return hv_fail(EINVAL, "hugepages=: node list too long");
	strcpy(tmp, v);
	p->count = 0;
	p->nnode_counts = 0;
	char *save = NULL;
	for (char *tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		uint64_t node;
		if (!colon)
			return hv_fail(EINVAL, "hugepages=%s: expected NODE:COUNT in '%s'", v, tok);
		*colon = '\0';
		if (hv_parse_u64(tok, &node) < 0 || node >= HV_MAX_NODES || hv_parse_u64(colon + 1, &n) < 0 ||
		    n > INT64_MAX / 2)
			return hv_fail(EINVAL, "hugepages=%s: bad node or count", v);
		if (p->nnode_counts >= HV_MAX_CMDLINE_NODES)
			return hv_fail(EINVAL, "hugepages=%s: too many nodes", v);
		p->node_counts[p->nnode_counts].node = (int)node;
		p->node_counts[p->nnode_counts].count = (int64_t)n;
		p->nnode_counts++;
		if (__builtin_add_overflow(p->count, (int64_t)n, &p->count))
			return hv_fail(ERANGE, "hugepages=%s: count overflows", v);
	}
	return 0;
}

/* mm/hugetlb.c's parsing state (5.10+: hugepagesz_setup(),
 * default_hugepagesz_setup(), hugepages_setup()), so a line the kernel
 * reads partly is read the same way: a size given twice, and the
 * hugepages= after it, are ignored; so is a second hugepages= for the
 * same size. */
struct kstate {
	uint64_t cursor;       /* the last hstate added; 0 before any (the default) */
	bool valid;	       /* parsed_valid_hugepagesz */
	bool parsed_default;   /* default_hugepagesz= seen */
	struct hv_cmdline_pool *last; /* last_mhp */
	int nh;
	uint64_t hstates[HV_MAX_CMDLINE_POOLS];
};

static bool kstate_has(const struct kstate *k, uint64_t size)
{
	for (int i = 0; i < k->nh; i++)
		if (k->hstates[i] == size)
			return true;
	return false;
}

static int kstate_add(struct kstate *k, uint64_t size)
{
	if (kstate_has(k, size))
		return 0;
	if (k->nh >= HV_MAX_CMDLINE_POOLS)
		return hv_fail(EINVAL, "too many hugepage sizes on the command line");
	k->hstates[k->nh++] = size;
	return 0;
}

/* No architecture takes a size that is not a power of two of at least
 * 64K (arm64's smallest); the rest is arch_hugetlb_valid_size()'s call. */
static bool size_plausible(uint64_t size)
{
	return size >= (64u << 10) && (size & (size - 1)) == 0;
}

static int64_t default_count(const struct hv_cmdline *cl, uint64_t defsz)
{
	int64_t n = 0;
	for (int i = 0; i < cl->npools; i++)
		if (cl->pools[i].size == 0 || cl->pools[i].size == defsz)
			n += cl->pools[i].count;
	return n;
}

static int handle_param(struct hv_cmdline *cl, const char *name, const char *val, struct kstate *k)
{
	uint64_t size;
	int b;
	if (strcmp(name, "hugetlb_free_vmemmap") == 0) {
		/* the last one wins: each sets the same variable */
		cl->hvo_param_present = true;
		cl->hvo_param_bare = !val;
		snprintf(cl->hvo_param_text, sizeof(cl->hvo_param_text), "%s", val ? val : "");
	} else if (strcmp(name, "memory_hotplug.memmap_on_memory") == 0) {
		if (val && strcmp(val, "force") == 0)
			cl->memmap_on_memory = 2;
		else if (!val)
			cl->memmap_on_memory = 1;
		else if (hv_kstrtobool(val, &b) == 0)
			cl->memmap_on_memory = b;
	} else if (strcmp(name, "sysctl.vm.hugetlb_optimize_vmemmap") == 0 ||
		   strcmp(name, "sysctl.vm/hugetlb_optimize_vmemmap") == 0) {
		uint64_t n;
		if (val && hv_parse_u64(val, &n) == 0)
			cl->sysctl_hvo = n != 0;
	} else if (strcmp(name, "default_hugepagesz") == 0) {
		k->valid = false;
		if (k->parsed_default)
			return hv_fail(EINVAL, "default_hugepagesz=%s: given before, the kernel ignores it", val ? val : "");
		/* the kernel reads it with memparse(): 0x200000 and 2MB are 2M */
		if (!val || !size_plausible(size = hv_kmemparse(val)))
			return hv_fail(EINVAL, "default_hugepagesz=%s: not a hugepage size", val ? val : "");
		int rc = kstate_add(k, size);
		if (rc < 0)
			return rc;
		cl->default_hugepagesz = size;
		k->cursor = size;
		k->valid = k->parsed_default = true;
		/* a hugepages= before any size was the default's: it becomes
		 * this size's count, over any it had */
		for (int i = 0; i < cl->npools; i++) {
			if (cl->pools[i].size != 0)
				continue;
			struct hv_cmdline_pool pre = cl->pools[i];
			memmove(&cl->pools[i], &cl->pools[i + 1], sizeof(pre) * (size_t)(cl->npools - i - 1));
			cl->npools--;
			struct hv_cmdline_pool *q = pool_for(cl, size);
			*q = pre;
			q->size = size;
			k->last = NULL;
			break;
		}
	} else if (strcmp(name, "hugepagesz") == 0) {
		k->valid = false;
		if (!val || !size_plausible(size = hv_kmemparse(val)))
			return hv_fail(EINVAL, "hugepagesz=%s: not a hugepage size", val ? val : "");
		/* only the default size may come again, and only while no
		 * hugepages= has given it a count */
		if (kstate_has(k, size) && (!k->parsed_default || size != cl->default_hugepagesz ||
					    default_count(cl, cl->default_hugepagesz) != 0))
			return hv_fail(EINVAL, "hugepagesz=%s: given twice, the kernel ignores it and the hugepages= after it",
				       val);
		int rc = kstate_add(k, size);
		if (rc < 0)
			return rc;
		k->cursor = size;
		k->valid = true;
	} else if (strcmp(name, "hugepages") == 0) {
		if (!val)
			return hv_fail(EINVAL, "hugepages= without a value");
		/* one hugepages= pays for a rejected size; the next counts again,
		 * for the size before it */
		if (!k->valid) {
			k->valid = true;
			return hv_fail(EINVAL, "hugepages=%s: after a hugepage size the kernel rejected, it is ignored", val);
		}
		struct hv_cmdline_pool *p = pool_for(cl, k->cursor);
		if (!p)
			return hv_fail(EINVAL, "too many hugepage sizes on the command line");
		if (p == k->last)
			return hv_fail(EINVAL, "hugepages=%s: a second count for the same size, the kernel ignores it", val);
		int rc = parse_hugepages(val, p);
		if (rc == 0)
			k->last = p;
		return rc;
	}
	return 0;
}

/* lib/ctype.c: the C blanks and Latin-1's no-break space (0xa0), in
 * any locale */
static bool kspace(char c)
{
	unsigned char u = (unsigned char)c;
	return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xa0;
}

size_t hv_karg_next(const char *buf, size_t len, size_t *pos)
{
	size_t i = *pos;
	while (i < len && buf[i] && kspace(buf[i]))
		i++;
	*pos = i;
	bool inq = false;
	size_t n = 0;
	for (; i + n < len && buf[i + n] && (inq || !kspace(buf[i + n])); n++)
		if (buf[i + n] == '"')
			inq = !inq;
	return n;
}

void hv_karg_split(const char *tok, size_t len, const char **name, size_t *name_len, const char **val,
		   size_t *val_len)
{
	bool quoted = len > 0 && tok[0] == '"';
	const char *a = tok + quoted;
	size_t m = len - quoted, eq = 0;
	/* next_arg() records '=' only while its index is still 0, so an '='
	 * that opens the parameter is part of the name */
	for (size_t i = 1; i < m && !eq; i++)
		if (a[i] == '=')
			eq = i;
	/* a closing quote is dropped only when the parameter or its value
	 * opened one: "quiet" is quiet, but in x=y" the quote stays */
	bool cut = quoted && m > 0 && a[m - 1] == '"';
	*name = a;
	if (!eq) {
		*val = NULL;
		*val_len = 0;
		*name_len = cut ? m - 1 : m;
		return;
	}
	*name_len = eq;
	size_t vb = eq + 1;
	if (vb < m && a[vb] == '"') {
		vb++;
		cut = cut || a[m - 1] == '"';
	}
	size_t ve = cut ? m - 1 : m;
	*val = a + vb;
	*val_len = ve > vb ? ve - vb : 0;
}

int hv_parse_cmdline(const char *buf, size_t len, struct hv_cmdline *cl)
{
	memset(cl, 0, sizeof(*cl));
	cl->memmap_on_memory = HV_UNKNOWN;
	cl->sysctl_hvo = HV_UNKNOWN;
	cl->present = true;
	int err = 0;
	struct kstate k = {.valid = true};
	/* one parameter at a time, whole: dm-mod.create= and the like exceed 1 KiB */
	char *tok = malloc(len + 1);
	if (!tok)
		return hv_fail(ENOMEM, "out of memory");
	size_t pos = 0, n;
	for (; (n = hv_karg_next(buf, len, &pos)) > 0; pos += n) {
		if (n == 2 && !strncmp(buf + pos, "--", 2))
			break;
		const char *name, *val;
		size_t nl, vl;
		hv_karg_split(buf + pos, n, &name, &nl, &val, &vl);
		memcpy(tok, name, nl);
		tok[nl] = '\0';
		/* The kernel treats '-' and '_' in parameter names alike. */
		for (char *c = tok; *c; c++)
			if (*c == '-')
				*c = '_';
		char *v = NULL;
		if (val) {
			v = tok + nl + 1;
			memcpy(v, val, vl);
			v[vl] = '\0';
		}
		/* Like the kernel, a bad parameter does not stop the rest from
		 * counting; the error is still returned for the caller to report. */
		int rc = handle_param(cl, tok, v, &k);
		if (rc < 0)
			err = rc;
	}
	free(tok);
	return err;
}
