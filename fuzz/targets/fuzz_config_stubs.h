/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For the targets linked with src/config/config.c: it reads a settings file
 * through the root, but the targets feed it strings only, so these are
 * never reached. Included by one translation unit per target. */
#ifndef HV_FUZZ_CONFIG_STUBS_H
#define HV_FUZZ_CONFIG_STUBS_H

#include <stdlib.h>

#include "probe.h"

int hv_root_exists(const struct hv_root *r, const char *rel)
{
	(void)r, (void)rel;
	abort();
}
int hv_root_read(const struct hv_root *r, const char *rel, size_t max, char **buf, size_t *len)
{
	(void)r, (void)rel, (void)max, (void)buf, (void)len;
	abort();
}
const char *hv_root_name(const struct hv_root *r, const char *rel)
{
	(void)r, (void)rel;
	abort();
}

#endif
