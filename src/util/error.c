#include "hv_error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static char last_error[1024];
static char notes[HV_MAX_NOTES][512];
static int nnotes;

int hv_vfail(int code, const char *fmt, va_list ap)
{
	/* Callers often wrap the previous message ("%s: %s", file,
	 * hv_last_error()): format into a copy so the source is not overwritten. */
	char tmp[sizeof(last_error)];
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
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

void hv_note(const char *fmt, ...)
{
	if (nnotes >= HV_MAX_NOTES)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(notes[nnotes], sizeof(notes[nnotes]), fmt, ap);
	va_end(ap);
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
