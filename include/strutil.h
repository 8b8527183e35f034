/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef HV_STRUTIL_H
#define HV_STRUTIL_H

#include <string.h>

/* Bounded copy that always terminates; truncation is intended where used
 * (display fields), so it is not a warning. */
static inline void hv_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

#endif
