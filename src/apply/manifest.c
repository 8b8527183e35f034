/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The backup manifest: writer and parser of one line format.
 *
 *   # comment
 *   hvoplan-backup 1                        (first record, required)
 *   file present MODE REL                   MODE octal, at most 07777
 *   file absent - REL
 *   value N REL                             N decimal, >= 0
 *   grubby-added PARAMS                     PARAMS may be empty; always
 *   grubby-removed PARAMS                   followed by grubby-removed
 *   tool update-grub|grub-mkconfig|grub2-mkconfig
 *   tool kernel-install VERSION /IMAGE
 *   mkdir REL
 *
 * Fields are separated by one space; paths pass hv_rel_ok() (no spaces,
 * no "..") and the rules below. The manifest is data from disk that
 * --revert turns into writes as root, so the parser takes nothing the
 * writer would not write. */
#include "manifest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "hv_error.h"
#include "parse.h"

#define HEADER "hvoplan-backup 1"
#define LINE_MAX_BYTES (HV_MF_TEXT_MAX + 64)

bool hv_mf_file_rel_ok(const char *rel)
{
	return hv_rel_ok(rel) && !strncmp(rel, "etc/", 4);
}

bool hv_mf_value_rel_ok(const char *rel)
{
	size_t l = strlen(rel), k = strlen("/nr_overcommit_hugepages");
	static const char hp[] = "sys/kernel/mm/hugepages/";
	return hv_rel_ok(rel) &&
	       (!strcmp(rel, HV_SYSCTL_REL) ||
		(!strncmp(rel, "sys/", 4) && l > 13 && !strcmp(rel + l - 13, "/nr_hugepages")) ||
		(!strncmp(rel, hp, sizeof(hp) - 1) && l > k && !strcmp(rel + l - k, "/nr_overcommit_hugepages")));
}

bool hv_mf_dir_rel_ok(const char *rel)
{
	/* a root without etc/ gets "mkdir etc" first */
	return !strcmp(rel, "etc") || hv_mf_file_rel_ok(rel);
}

static bool tool_ok(const char *t)
{
	return !strcmp(t, "update-grub") || !strcmp(t, "grub-mkconfig") || !strcmp(t, "grub2-mkconfig");
}

static bool version_ok(const char *v)
{
	size_t l = strlen(v);
	return l > 0 && l < sizeof(((struct hv_mf_entry *)0)->tool) &&
	       strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_+") == l;
}

static bool image_ok(const char *img)
{
	return img[0] == '/' && hv_rel_ok(img + 1);
}

/* Boot parameters go to grubby's argv: no shell or quoting characters, no
 * control characters, single spaces between words. */
static bool params_ok(const char *s)
{
	size_t l = strlen(s);
	if (l >= HV_MF_TEXT_MAX || (l && (s[0] == ' ' || s[l - 1] == ' ')) || strstr(s, "  "))
		return false;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f || strchr("'\"\\$`;|&<>", *c))
			return false;
	return true;
}

/* ---- writing ---- */

static int add(struct hv_mf_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int add(struct hv_mf_writer *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || w->len + (size_t)n + 1 > HV_MANIFEST_MAX)
		return hv_fail(E2BIG, "backup manifest: larger than %d bytes", HV_MANIFEST_MAX);
	if (w->len + (size_t)n + 1 > w->cap) {
		size_t cap = (w->len + (size_t)n + 1) * 2;
		char *b = realloc(w->buf, cap);
		if (!b)
			return hv_fail(ENOMEM, "out of memory");
		w->buf = b;
		w->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(w->buf + w->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	w->len += (size_t)n;
	return 0;
}

static int refuse(const char *what, const char *value)
{
	return hv_fail(EINVAL, "backup manifest: cannot record %s '%.300s' (--revert would refuse it)", what, value);
}

int hv_mf_begin(struct hv_mf_writer *w)
{
	w->len = 0;
	return add(w, "# hvoplan apply --persist backup; read by hvoplan apply --revert\n" HEADER "\n");
}

int hv_mf_file_present(struct hv_mf_writer *w, unsigned mode, const char *rel)
{
	if (!hv_mf_file_rel_ok(rel))
		return refuse("the file", rel);
	if (mode > 07777)
		return refuse("a mode for", rel);
	return add(w, "file present %04o %s\n", mode, rel);
}

int hv_mf_file_absent(struct hv_mf_writer *w, const char *rel)
{
	if (!hv_mf_file_rel_ok(rel))
		return refuse("the file", rel);
	return add(w, "file absent - %s\n", rel);
}

int hv_mf_value(struct hv_mf_writer *w, int64_t value, const char *rel)
{
	if (!hv_mf_value_rel_ok(rel))
		return refuse("the value file", rel);
	if (value < 0)
		return refuse("an unknown value of", rel);
	return add(w, "value %" PRId64 " %s\n", value, rel);
}

int hv_mf_grubby(struct hv_mf_writer *w, const char *added, const char *removed)
{
	if (!params_ok(added))
		return refuse("the boot parameters", added);
	if (!params_ok(removed))
		return refuse("the boot parameters", removed);
	return add(w, "grubby-added %s\ngrubby-removed %s\n", added, removed);
}

int hv_mf_tool(struct hv_mf_writer *w, const char *tool)
{
	if (!tool_ok(tool))
		return refuse("the tool", tool);
	return add(w, "tool %s\n", tool);
}

int hv_mf_kernel_install(struct hv_mf_writer *w, const char *version, const char *image)
{
	if (!version_ok(version))
		return refuse("the kernel version", version);
	if (!image_ok(image))
		return refuse("the kernel image", image);
	return add(w, "tool kernel-install %s %s\n", version, image);
}

int hv_mf_mkdir(struct hv_mf_writer *w, const char *rel)
{
	if (!hv_mf_dir_rel_ok(rel))
		return refuse("the directory", rel);
	return add(w, "mkdir %s\n", rel);
}

void hv_mf_writer_free(struct hv_mf_writer *w)
{
	free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

/* ---- reading ---- */

void hv_manifest_free(struct hv_manifest *m)
{
	free(m->e);
	memset(m, 0, sizeof(*m));
}

static struct hv_mf_entry *push(struct hv_manifest *m, enum hv_mf_kind k, int line)
{
	if (m->n == m->cap) {
		int cap = m->cap ? m->cap * 2 : 16;
		struct hv_mf_entry *e = realloc(m->e, (size_t)cap * sizeof(*e));
		if (!e)
			return NULL;
		m->e = e;
		m->cap = cap;
	}
	struct hv_mf_entry *e = &m->e[m->n++];
	memset(e, 0, sizeof(*e));
	e->kind = k;
	e->line = line;
	return e;
}

/* "PREFIX rest": rest, or NULL when ln does not start with PREFIX and a space */
static const char *after(const char *ln, const char *prefix)
{
	size_t l = strlen(prefix);
	return !strncmp(ln, prefix, l) && ln[l] == ' ' ? ln + l + 1 : NULL;
}

/* Copies one space-free field of s into out (cap bytes); returns what follows
 * it (after one space), "" at the end, NULL when empty or too long. */
static const char *field(const char *s, char *out, size_t cap)
{
	size_t l = strcspn(s, " ");
	if (l == 0 || l >= cap)
		return NULL;
	memcpy(out, s, l);
	out[l] = '\0';
	if (!s[l])
		return s + l;
	return s[l + 1] ? s + l + 1 : NULL; /* a trailing space is not ours */
}

static bool octal_mode(const char *s, unsigned *mode)
{
	size_t l = strlen(s);
	if (l < 1 || l > 5 || strspn(s, "01234567") != l)
		return false;
	*mode = (unsigned)strtoul(s, NULL, 8);
	return *mode <= 07777;
}

static bool decimal(const char *s, int64_t *v)
{
	size_t l = strlen(s);
	return l > 0 && l <= 19 && strspn(s, "0123456789") == l && hv_parse_i64_nonneg(s, v) == 0;
}

/* "KEY" or "KEY PARAMS": the parameter list (maybe empty), or NULL. Older
 * writers left "KEY " for an empty list. */
static const char *params(const char *ln, const char *key)
{
	size_t l = strlen(key);
	if (strncmp(ln, key, l) != 0 || (ln[l] && ln[l] != ' '))
		return NULL;
	const char *r = ln[l] ? ln + l + 1 : ln + l;
	return params_ok(r) ? r : NULL;
}

/* One record; false when it is not one the writer produces. */
static bool record(struct hv_manifest *m, const char *ln, int line, bool *grubby_open, bool *oom)
{
	const char *r;
	char a[64];
	struct hv_mf_entry *e = NULL;

	if (*grubby_open) {
		*grubby_open = false;
		if (!(r = params(ln, "grubby-removed")))
			return false;
		snprintf(m->grubby_removed, sizeof(m->grubby_removed), "%s", r);
		if (!(e = push(m, HV_MF_GRUBBY, line)))
			return *oom = true, false;
		return true;
	}
	if ((r = params(ln, "grubby-added"))) {
		snprintf(m->grubby_added, sizeof(m->grubby_added), "%s", r);
		*grubby_open = true;
		return true;
	}
	if ((r = after(ln, "file present"))) {
		unsigned mode;
		if (!(r = field(r, a, sizeof(a))) || !*r || !octal_mode(a, &mode) || !hv_mf_file_rel_ok(r))
			return false;
		if (!(e = push(m, HV_MF_FILE_PRESENT, line)))
			return *oom = true, false;
		e->mode = mode;
	} else if ((r = after(ln, "file absent -"))) {
		if (!hv_mf_file_rel_ok(r))
			return false;
		if (!(e = push(m, HV_MF_FILE_ABSENT, line)))
			return *oom = true, false;
	} else if ((r = after(ln, "mkdir"))) {
		if (!hv_mf_dir_rel_ok(r))
			return false;
		if (!(e = push(m, HV_MF_MKDIR, line)))
			return *oom = true, false;
	} else if ((r = after(ln, "value"))) {
		int64_t v;
		if (!(r = field(r, a, sizeof(a))) || !*r || !decimal(a, &v) || !hv_mf_value_rel_ok(r))
			return false;
		if (!(e = push(m, HV_MF_VALUE, line)))
			return *oom = true, false;
		e->value = v;
	} else if ((r = after(ln, "tool kernel-install"))) {
		if (!(r = field(r, a, sizeof(a))) || !*r || !version_ok(a) || !image_ok(r))
			return false;
		if (!(e = push(m, HV_MF_KERNEL_INSTALL, line)))
			return *oom = true, false;
		snprintf(e->tool, sizeof(e->tool), "%s", a);
	} else if ((r = after(ln, "tool"))) {
		if (!tool_ok(r))
			return false;
		if (!(e = push(m, HV_MF_TOOL, line)))
			return *oom = true, false;
		snprintf(e->tool, sizeof(e->tool), "%s", r);
		return true;
	} else {
		return false;
	}
	/* every path above passed hv_rel_ok(): shorter than rel */
	snprintf(e->rel, sizeof(e->rel), "%s", r);
	return true;
}

int hv_manifest_parse(const char *name, const char *text, size_t len, struct hv_manifest *m)
{
	memset(m, 0, sizeof(*m));
	char *ln = malloc(LINE_MAX_BYTES + 1);
	if (!ln)
		return hv_fail(ENOMEM, "out of memory");
	bool header = false, grubby_open = false, oom = false;
	int line = 0, rc = 0;
	size_t pos = 0;
	while (pos < len && rc == 0) {
		line++;
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (l > LINE_MAX_BYTES || memchr(text + pos, '\0', l)) {
			rc = hv_fail(EINVAL, "%s:%d: not a line hvoplan writes (%s); refusing to revert from this backup",
				     name, line, l > LINE_MAX_BYTES ? "too long" : "NUL byte");
			break;
		}
		memcpy(ln, text + pos, l);
		ln[l] = '\0';
		pos += l + (nl ? 1 : 0);
		if (ln[0] == '#' || !ln[0])
			continue;
		if (!header) {
			if (strcmp(ln, HEADER) != 0)
				rc = hv_fail(EINVAL, "%s:%d: not an hvoplan backup manifest (expected '" HEADER
						     "'); refusing to revert from this backup",
					     name, line);
			header = true;
			continue;
		}
		if (!record(m, ln, line, &grubby_open, &oom))
			rc = oom ? hv_fail(ENOMEM, "out of memory")
				 : hv_fail(EINVAL, "%s:%d: not a line hvoplan writes; refusing to revert from this backup",
					   name, line);
	}
	if (rc == 0 && !header)
		rc = hv_fail(EINVAL, "%s: empty, not an hvoplan backup manifest; refusing to revert from this backup", name);
	if (rc == 0 && grubby_open)
		rc = hv_fail(EINVAL, "%s:%d: grubby-added without grubby-removed; refusing to revert from this backup",
			     name, line);
	free(ln);
	if (rc < 0)
		hv_manifest_free(m);
	return rc;
}
