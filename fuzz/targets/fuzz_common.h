/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the libFuzzer targets: the parsers take either a (buf, len)
 * pair or a C string; both shapes get exactly the fuzz bytes, in a heap
 * copy of their own size so ASan sees any read past the end. */
#ifndef HV_FUZZ_COMMON_H
#define HV_FUZZ_COMMON_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv_error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated heap copy (the input may itself contain NULs: the
 * string parsers then see a prefix, as they would from a C caller). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* An exact-size heap copy: no terminator, no slack. */
static inline char *fuzz_buf(const uint8_t *data, size_t size)
{
	char *b = malloc(size ? size : 1);
	if (!b)
		abort();
	memcpy(b, data, size);
	return b;
}

/* A failing parser must leave an explanation (HACKING.md: errors name the
 * value); a crash-free run that returns an error with no text is a bug. */
static inline void fuzz_check_error(int rc, const char *where)
{
	if (rc < 0 && (!hv_last_error() || !hv_last_error()[0])) {
		fprintf(stderr, "%s returned %d without error text\n", where, rc);
		abort();
	}
}

#define FUZZ_ASSERT(cond)                                                                              \
	do {                                                                                           \
		if (!(cond)) {                                                                         \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                                       \
		}                                                                                      \
	} while (0)

#endif
