/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan.conf: the [apply] section, parsed with libinih. Every value goes
 * through the same strict parsers as the command line, so a config file can
 * never carry what `--pages` would refuse. Errors name file, line and key. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dl.h"
#include "hv_error.h"
#include "parse.h"
#include "probe.h"

#define CONF_MAX_BYTES (1 << 20)

void hv_settings_init(struct hv_apply_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->hvo = s->persist = s->reoptimize = HV_TRI_UNKNOWN;
	s->bootloader = -1;
}

/* A size named by the higher layer is wholly its own: `--pages 2M:8` must
 * not leave a config's `2M:512@1` behind. */
static void merge_reqs(struct hv_pool_req *dst, int *ndst, const struct hv_pool_req *over, int nover)
{
	for (int i = 0; i < nover; i++) {
		int k = 0;
		for (int j = 0; j < *ndst; j++)
			if (dst[j].size != over[i].size)
				dst[k++] = dst[j];
		*ndst = k;
	}
	for (int i = 0; i < nover && *ndst < HV_MAX_POOL_REQS; i++)
		dst[(*ndst)++] = over[i];
}

void hv_settings_merge(struct hv_apply_settings *dst, const struct hv_apply_settings *over)
{
	if (over->hvo >= 0)
		dst->hvo = over->hvo;
	if (over->persist >= 0)
		dst->persist = over->persist;
	if (over->reoptimize >= 0)
		dst->reoptimize = over->reoptimize;
	if (over->bootloader >= 0)
		dst->bootloader = over->bootloader;
	if (over->batch > 0)
		dst->batch = over->batch;
	merge_reqs(dst->pools, &dst->npools, over->pools, over->npools);
	merge_reqs(dst->overcommit, &dst->novercommit, over->overcommit, over->novercommit);
}

/* Values are short words: anything else (spaces inside, quotes, shell
 * characters, control characters) is refused before it is interpreted. */
static int word_ok(const char *v)
{
	if (!*v)
		return 0;
	for (const char *c = v; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '-' ||
		      *c == '_' || *c == '.' || *c == ':' || *c == '@' || *c == '+'))
			return 0;
	return 1;
}

static const char *shown(const char *v)
{
	static char buf[80];
	size_t j = 0;
	for (const char *c = v; *c && j + 5 < sizeof(buf); c++) {
		unsigned char ch = (unsigned char)*c;
		if (ch < 0x20 || ch == 0x7f || ch == '\\')
			j += (size_t)snprintf(buf + j, sizeof(buf) - j, "\\x%02x", ch);
		else
			buf[j++] = (char)ch;
	}
	buf[j] = '\0';
	return buf;
}

int hv_parse_onoff(const char *what, const char *v, enum hv_tristate *out)
{
	if (!strcmp(v, "on") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true"))
		*out = HV_YES;
	else if (!strcmp(v, "off") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false"))
		*out = HV_NO;
	else
		return hv_fail(EINVAL, "%s: '%s' is not on or off", what, shown(v));
	return 0;
}

int hv_parse_yesno(const char *what, const char *v, enum hv_tristate *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on"))
		*out = HV_YES;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "off"))
		*out = HV_NO;
	else
		return hv_fail(EINVAL, "%s: '%s' is not yes or no", what, shown(v));
	return 0;
}

static const char *const bl_names[] = {"auto", "grubby", "grub", "kernel-install", "manual"};

const char *hv_bootloader_name(int bl)
{
	return bl >= 0 && bl < (int)(sizeof(bl_names) / sizeof(bl_names[0])) ? bl_names[bl] : "?";
}

int hv_parse_bootloader(const char *what, const char *v, int *out)
{
	for (int i = 0; i < (int)(sizeof(bl_names) / sizeof(bl_names[0])); i++)
		if (!strcmp(v, bl_names[i])) {
			*out = i;
			return 0;
		}
	return hv_fail(EINVAL, "%s: unknown boot loader '%s' (auto, grubby, grub, kernel-install or manual)", what,
		       shown(v));
}

#define POOL_FORMS "SIZE:AMOUNT or SIZE:AMOUNT@NODE, AMOUNT a page count, a size or (--pages) a change: 1G:64, 1G:64G, 2M:+512, 2M:-1G@1"
#define OVERCOMMIT_FORMS "SIZE:AMOUNT, AMOUNT a page count, a size or (--overcommit) a change: 2M:512, 1G:4G, 2M:+256"

/* flag: the command-line option the form belongs to, for messages */
static int parse_one_pool(const char *what, const char *item, struct hv_pool_req *r, bool relative,
			  const char *flag)
{
	char buf[64];
	const char *forms = strcmp(flag, "--pages") ? OVERCOMMIT_FORMS : POOL_FORMS;
	if (strlen(item) >= sizeof(buf) || !word_ok(item))
		return hv_fail(EINVAL, "%s: '%s' is not %s", what, shown(item), forms);
	snprintf(buf, sizeof(buf), "%s", item);
	char *colon = strchr(buf, ':');
	if (!colon || strchr(colon + 1, ':'))
		return hv_fail(EINVAL, "%s: '%s' is not %s", what, shown(item), forms);
	*colon = '\0';
	char *at = strchr(colon + 1, '@');
	if (at)
		*at = '\0';
	uint64_t size, count, node;
	hv_clear_error();
	if (hv_parse_size(buf, &size) < 0 || size < 4096 || (size & (size - 1)))
		return hv_fail(EINVAL, "%s: '%s' is not a hugepage size (e.g. 2M, 1G)", what, shown(buf));
	const char *c = colon + 1;
	memset(r, 0, sizeof(*r));
	snprintf(r->amount, sizeof(r->amount), "%s", c);
	bool neg = *c == '-';
	r->relative = *c == '+' || neg;
	if (r->relative && !relative)
		return hv_fail(EINVAL, "%s: '%s' changes the %s by %s: only %s takes a change (a second run would "
				       "change it again); give the count",
			       what, shown(item), strcmp(flag, "--pages") ? "limit" : "pool", c, flag); /* word_ok(): printable */
	c += r->relative;
	size_t digits = strspn(c, "0123456789");
	if (!digits || digits > 12)
		return hv_fail(EINVAL, "%s: '%s' is not a page count or a size", what, shown(colon + 1));
	if (!c[digits]) {
		hv_parse_u64(c, &count);
	} else {
		/* a memory size: a whole number of pages, or it is not what was meant */
		uint64_t bytes;
		hv_clear_error();
		if (hv_parse_size(c, &bytes) < 0)
			return hv_fail(EINVAL, "%s: '%s' is not a page count or a size (e.g. 64, 64G)", what,
				       shown(colon + 1));
		if (bytes % size)
			return hv_fail(EINVAL, "%s: %s is not a whole number of %s pages", what, c, buf); /* word_ok() */
		count = bytes / size;
		if (count > 999999999999ull)
			return hv_fail(EINVAL, "%s: '%s' is more pages than any host has", what, shown(colon + 1));
	}
	r->size = size;
	r->count = neg ? -(int64_t)count : (int64_t)count;
	r->node = -1;
	snprintf(r->from, sizeof(r->from), "%s", what);
	if (at) {
		if (!at[1] || strspn(at + 1, "0123456789") != strlen(at + 1) || strlen(at + 1) > 4 ||
		    hv_parse_u64(at + 1, &node) < 0 || node > 1023)
			return hv_fail(EINVAL, "%s: '%s' is not a NUMA node number", what, shown(at + 1));
		r->node = (int)node;
	}
	return 0;
}

/* The items of v (white space or commas between them) appended to
 * reqs[*n]; overcommit: no @NODE (one limit per size). */
static int parse_list(const char *what, const char *v, struct hv_pool_req *reqs, int *n, bool relative,
		      bool overcommit)
{
	char *copy = strdup(v);
	if (!copy)
		return hv_fail(ENOMEM, "out of memory");
	int rc = 0, got = 0;
	char *save = NULL;
	const char *flag = overcommit ? "--overcommit" : "--pages";
	for (char *t = strtok_r(copy, " \t,", &save); t; t = strtok_r(NULL, " \t,", &save)) {
		struct hv_pool_req r;
		if ((rc = parse_one_pool(what, t, &r, relative, flag)) < 0)
			break;
		if (overcommit && r.node >= 0) {
			rc = hv_fail(EINVAL,
				     "%s: '%s' names a node, but the kernel keeps one overcommit limit per hugepage size "
				     "(nr_overcommit_hugepages has no per-node file): drop '@%d'",
				     what, shown(t), r.node);
			break;
		}
		for (int i = 0; i < *n; i++)
			if (reqs[i].size == r.size && reqs[i].node == r.node) {
				rc = hv_fail(EINVAL, "%s: '%s' names a %s already given", what, shown(t),
					     overcommit ? "size" : "pool");
				goto out;
			}
		if (*n >= HV_MAX_POOL_REQS) {
			rc = hv_fail(E2BIG, "%s: more than %d pool sizes", what, HV_MAX_POOL_REQS);
			break;
		}
		reqs[(*n)++] = r;
		got++;
	}
	if (rc == 0 && got == 0)
		rc = hv_fail(EINVAL, overcommit ? "%s: empty list (expected e.g. 2M:512 or 1G:4G)"
						: "%s: empty pool list (expected e.g. 1G:64, 1G:64G or 2M:1024@1)",
			     what);
out:
	free(copy);
	return rc;
}

int hv_parse_pages(const char *what, const char *v, struct hv_apply_settings *s, bool relative)
{
	return parse_list(what, v, s->pools, &s->npools, relative, false);
}

int hv_parse_overcommit(const char *what, const char *v, struct hv_apply_settings *s, bool relative)
{
	return parse_list(what, v, s->overcommit, &s->novercommit, relative, true);
}

/* ---- the file ---- */

enum { SEEN_HVO = 1, SEEN_PERSIST = 2, SEEN_REOPT = 4, SEEN_BL = 8, SEEN_BATCH = 16 };

struct ctx {
	const char *name;
	struct hv_apply_settings *s;
	unsigned seen;
	char key[64];
	char msg[400];
	int failed;
};

static int once(struct ctx *c, unsigned bit)
{
	if (c->seen & bit) {
		snprintf(c->msg, sizeof(c->msg), "given twice");
		return 0;
	}
	c->seen |= bit;
	return 1;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct ctx *c = user;
	if (c->failed)
		return 1; /* report only the first error */
	snprintf(c->key, sizeof(c->key), "%s", name);
	c->msg[0] = '\0';
	static const char *const others[] = {"report", "plan", "top", "snapshot"};
	if (strcmp(section, "apply") != 0) {
		for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
			if (!strcmp(section, others[i]))
				return 1; /* read by other commands */
		snprintf(c->msg, sizeof(c->msg), "%s", *section ? "unknown section" : "key outside the [apply] section");
		if (*section)
			snprintf(c->key, sizeof(c->key), "[%s]", section);
		c->failed = 1;
		return 0;
	}
	char what[96];
	snprintf(what, sizeof(what), "%s", name);
	int rc = -1, v;
	hv_clear_error();
	if (!strcmp(name, "hvo")) {
		if (!once(c, SEEN_HVO))
			goto bad;
		rc = hv_parse_onoff(what, value, &c->s->hvo);
	} else if (!strcmp(name, "pages")) {
		int before = c->s->npools;
		rc = hv_parse_pages(what, value, c->s, false);
		/* checked against the host later, far from this file: say where */
		for (int i = before; rc == 0 && i < c->s->npools; i++)
			snprintf(c->s->pools[i].from, sizeof(c->s->pools[i].from), "%.140s: pages", c->name);
	} else if (!strcmp(name, "overcommit")) {
		int before = c->s->novercommit;
		rc = hv_parse_overcommit(what, value, c->s, false);
		for (int i = before; rc == 0 && i < c->s->novercommit; i++)
			snprintf(c->s->overcommit[i].from, sizeof(c->s->overcommit[i].from), "%.140s: overcommit",
				 c->name);
	} else if (!strcmp(name, "persist")) {
		if (!once(c, SEEN_PERSIST))
			goto bad;
		rc = hv_parse_yesno(what, value, &c->s->persist);
	} else if (!strcmp(name, "reoptimize")) {
		if (!once(c, SEEN_REOPT))
			goto bad;
		rc = hv_parse_yesno(what, value, &c->s->reoptimize);
	} else if (!strcmp(name, "bootloader")) {
		if (!once(c, SEEN_BL))
			goto bad;
		rc = hv_parse_bootloader(what, value, &v);
		if (rc == 0)
			c->s->bootloader = v;
	} else if (!strcmp(name, "batch")) {
		uint64_t b;
		if (!once(c, SEEN_BATCH))
			goto bad;
		if (strspn(value, "0123456789") != strlen(value) || hv_parse_u64(value, &b) < 0 || b < 1 ||
		    b > 1000000) {
			rc = hv_fail(EINVAL, "%s: '%s' is not a page count from 1 to 1000000", what, shown(value));
		} else {
			c->s->batch = (int64_t)b;
			rc = 0;
		}
	} else {
		snprintf(c->msg, sizeof(c->msg),
			 "unknown key (known: hvo, pages, overcommit, persist, reoptimize, bootloader, batch)");
		goto bad;
	}
	if (rc == 0)
		return 1;
	{
		/* the parsers say "KEY: ..."; the key is printed once, by the caller */
		const char *m = hv_last_error() ? hv_last_error() : "invalid value";
		size_t l = strlen(what);
		if (!strncmp(m, what, l) && m[l] == ':' && m[l + 1] == ' ')
			m += l + 2;
		snprintf(c->msg, sizeof(c->msg), "%s", m);
	}
bad:
	c->failed = 1;
	return 0;
}

/* inih, opened when a settings file is parsed (apply; never by report). */
static struct {
	__typeof__(ini_parse_string) *p_ini_parse_string;
} ini;

int hv_config_parse_string(const char *name, const char *text, struct hv_apply_settings *s)
{
	static void *lib;
	static const struct hv_dlsym syms[] = {HV_DLSYM(ini, ini_parse_string)};
	int lrc = hv_dlopen("libinih.so.1", "libinih1", &lib, syms, 1);
	if (lrc < 0)
		return hv_fail(-lrc, "%s: %s", name, hv_last_error());
	/* inih splits lines longer than its buffer; refuse them rather than
	 * read half a pool list. */
	int line = 1;
	size_t col = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '\n') {
			line++;
			col = 0;
		} else if (++col >= INI_MAX_LINE - 1) {
			return hv_fail(EINVAL, "%s:%d: line longer than %d characters", name, line, INI_MAX_LINE - 2);
		}
	}
	struct ctx c = {.name = name, .s = s};
	int rc = ini.p_ini_parse_string(text, handler, &c);
	if (rc == 0)
		return 0;
	if (rc < 0)
		return hv_fail(ENOMEM, "%s: cannot parse (out of memory)", name);
	if (c.failed)
		return hv_fail(EINVAL, "%s:%d: %s: %s", name, rc, c.key, c.msg);
	return hv_fail(EINVAL, "%s:%d: syntax error (expected [section] or key = value)", name, rc);
}

static int parse_buffer(const char *name, char *buf, size_t len, struct hv_apply_settings *s)
{
	if (memchr(buf, '\0', len))
		return hv_fail(EINVAL, "%s: binary data (NUL byte) in a config file", name);
	return hv_config_parse_string(name, buf, s);
}

int hv_config_load(const char *path, bool must_exist, struct hv_apply_settings *s)
{
	/* O_NONBLOCK: a FIFO named as the config must fail, not wait for a
	 * writer; anything but a regular file is refused by its type. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		return hv_fail(errno, "%s: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return hv_fail(e, "%s: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return hv_fail(HV_ENOTREG, "%s: not a regular file: not read as a config", path);
	}
	FILE *f = fdopen(fd, "r");
	if (!f) {
		int e = errno;
		close(fd);
		return hv_fail(e, "%s: %s", path, strerror(e));
	}
	char *buf = malloc(CONF_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		return hv_fail(ENOMEM, "out of memory");
	}
	size_t len = fread(buf, 1, CONF_MAX_BYTES + 1, f);
	int err = ferror(f);
	fclose(f);
	int rc;
	if (err)
		rc = hv_fail(EIO, "%s: read error", path);
	else if (len > CONF_MAX_BYTES)
		rc = hv_fail(EFBIG, "%s: larger than %d bytes", path, CONF_MAX_BYTES);
	else {
		buf[len] = '\0';
		rc = parse_buffer(path, buf, len, s);
	}
	free(buf);
	return rc;
}

int hv_config_load_at(const struct hv_root *r, const char *rel, struct hv_apply_settings *s)
{
	if (!hv_root_exists(r, rel))
		return 0;
	char *buf;
	size_t len;
	int rc = hv_root_read(r, rel, CONF_MAX_BYTES, &buf, &len);
	if (rc < 0)
		return rc;
	char name[4200];
	snprintf(name, sizeof(name), "%s", hv_root_name(r, rel));
	rc = parse_buffer(name, buf, len, s);
	free(buf);
	return rc;
}

int hv_settings_from_env(struct hv_apply_settings *s)
{
	const char *v;
	int rc = 0, x;
	if ((v = secure_getenv("HVOPLAN_HVO")) && *v && (rc = hv_parse_onoff("HVOPLAN_HVO", v, &s->hvo)) < 0)
		return rc;
	if ((v = secure_getenv("HVOPLAN_PAGES")) && *v && (rc = hv_parse_pages("HVOPLAN_PAGES", v, s, false)) < 0)
		return rc;
	if ((v = secure_getenv("HVOPLAN_OVERCOMMIT")) && *v &&
	    (rc = hv_parse_overcommit("HVOPLAN_OVERCOMMIT", v, s, false)) < 0)
		return rc;
	if ((v = secure_getenv("HVOPLAN_PERSIST")) && *v && (rc = hv_parse_yesno("HVOPLAN_PERSIST", v, &s->persist)) < 0)
		return rc;
	if ((v = secure_getenv("HVOPLAN_REOPTIMIZE")) && *v &&
	    (rc = hv_parse_yesno("HVOPLAN_REOPTIMIZE", v, &s->reoptimize)) < 0)
		return rc;
	if ((v = secure_getenv("HVOPLAN_BOOTLOADER")) && *v) {
		if ((rc = hv_parse_bootloader("HVOPLAN_BOOTLOADER", v, &x)) < 0)
			return rc;
		s->bootloader = x;
	}
	if ((v = secure_getenv("HVOPLAN_BATCH")) && *v) {
		uint64_t b;
		if (strspn(v, "0123456789") != strlen(v) || hv_parse_u64(v, &b) < 0 || b < 1 || b > 1000000)
			return hv_fail(EINVAL, "HVOPLAN_BATCH: '%s' is not a page count from 1 to 1000000", shown(v));
		s->batch = (int64_t)b;
	}
	return 0;
}
