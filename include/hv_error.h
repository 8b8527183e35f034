/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One place for error text: callers return negative errno codes and leave
 * the human explanation here; main() prints it once. */
#ifndef HV_ERROR_H
#define HV_ERROR_H

#include <stdarg.h>

/* Exit codes are part of the command-line contract: the EXIT STATUS
 * sections of man/hvoplan*.8, held to by tests/cli/exitcodes.bats. */
enum hv_exit {
	HV_EXIT_OK = 0,
	HV_EXIT_FINDINGS = 1,
	HV_EXIT_USAGE = 2,
	HV_EXIT_ENV = 3,
	HV_EXIT_APPLY = 4,	   /* failed, every change rolled back */
	HV_EXIT_APPLY_PARTIAL = 5, /* failed, and rolling back failed too: backup kept */
};

/* Records the message for the failure being returned; always returns -code
 * (code given positive, e.g. EINVAL) so call sites read `return hv_fail(...)`. */
int hv_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int hv_vfail(int code, const char *fmt, va_list ap);

/* In place: every control character, and every byte that is not part of
 * valid UTF-8, becomes '?'. Errors and notes pass through it already;
 * strings read from a snapshot and shown elsewhere must too. */
void hv_sanitize(char *s);

const char *hv_last_error(void);
void hv_clear_error(void);

/* A warning while changing the system (apply, revert): printed at once to
 * stderr as "hvoplan: warning: MESSAGE", because what it says (a change not
 * undone, a backup not removed) must be seen where it happens, between the
 * progress lines, not in a report. */
void hv_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Non-fatal notes gathered while probing (degraded sources); printed by the
 * renderers, never lost. */
#define HV_MAX_NOTES 32
void hv_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int hv_note_count(void);
const char *hv_note_get(int i);
void hv_notes_clear(void);

#endif
