/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "hv_error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char last_error[1024];

/* Snapshots come from other machines: a file name, model name or release in
 * a message must not drive the terminal it is printed on. C0 controls, DEL,
 * C1 controls (raw or as UTF-8) and bytes that are not UTF-8 become '?';
 * valid UTF-8 text is kept. */
void hv_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		if (*p < 0x20 || *p == 0x7f) {
			*p++ = '?';
			continue;
		}
		if (*p < 0x80) {
			p++;
			continue;
		}
		size_t n = *p >= 0xf5 ? 0 : *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 ? 2 : 0;
		size_t i = 1;
		while (n && i < n && (p[i] & 0xc0) == 0x80)
			i++;
		unsigned cp = n == 2 ? (unsigned)(p[0] & 0x1f) << 6 | (p[1] & 0x3f) : 0x100;
		int overlong = (n == 3 && p[0] == 0xe0 && i > 1 && p[1] < 0xa0) ||
			       (n == 4 && p[0] == 0xf0 && i > 1 && p[1] < 0x90) ||
			       (n == 4 && p[0] == 0xf4 && i > 1 && p[1] > 0x8f) ||
			       (n == 3 && p[0] == 0xed && i > 1 && p[1] > 0x9f); /* surrogates */
		if (!n || i < n || overlong || (n == 2 && cp < 0xa0)) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}
static char notes[HV_MAX_NOTES][512];
static int nnotes;

int hv_vfail(int code, const char *fmt, va_list ap)
{
	/* Callers often wrap the previous message ("%s: %s", file,
	 * hv_last_error()): format into a copy so the source is not overwritten. */
	char tmp[sizeof(last_error)];
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	hv_sanitize(tmp);
	memcpy(last_error, tmp, sizeof(tmp));
	return code > 0 ? -code : (code < 0 ? code : -EINVAL);
}

int hv_fail(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = hv_vfail(code, fmt, ap);
	va_end(ap);
	return rc;
}

const char *hv_last_error(void)
{
	return last_error[0] ? last_error : NULL;
}

void hv_clear_error(void)
{
	last_error[0] = '\0';
}

void hv_warn(const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		/* no memory for the line: still say it, in pieces */
		fputs("hvoplan: warning: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
		return;
	}
	fprintf(stderr, "hvoplan: warning: %s\n", msg);
	free(msg);
}

void hv_note(const char *fmt, ...)
{
	if (nnotes >= HV_MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(notes[nnotes], sizeof(notes[nnotes]), fmt, ap);
	va_end(ap);
	hv_sanitize(notes[nnotes]);
	/* The same degraded source can be reached by several probes. */
	for (int i = 0; i < nnotes; i++)
		if (strcmp(notes[i], notes[nnotes]) == 0)
			return;
	nnotes++;
}

int hv_note_count(void)
{
	return nnotes;
}

const char *hv_note_get(int i)
{
	return (i >= 0 && i < nnotes) ? notes[i] : NULL;
}

void hv_notes_clear(void)
{
	nnotes = 0;
}
