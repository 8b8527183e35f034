/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the unit tests; include after <cmocka.h>. */
#ifndef HV_UNIT_UTIL_H
#define HV_UNIT_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* A fixture file (at most 1 MiB, read from the top of the tree) as a
 * NUL-terminated malloc'ed text; *len its length. */
static inline char *slurp_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	if (!fp)
		fail_msg("%s: cannot open (run from the top of the tree)", path);
	char *buf = malloc(1 << 20);
	if (!buf)
		fail_msg("out of memory");
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	buf[*len] = '\0';
	fclose(fp);
	return buf;
}

#endif
