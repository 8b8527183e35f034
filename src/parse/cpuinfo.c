/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/cpuinfo's first processor block: the CPU model the kernel names and
 * whether it lists the pdpe1gb flag (1G pages on x86). One block is all a
 * report needs, and a 256-CPU host has megabytes of the same blocks. */
#include <string.h>

#include "parse.h"
#include "strutil.h"

size_t hv_cpuinfo_block_len(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			return i + 2;
	return 0;
}

/* "NAME<tabs/blanks>: VALUE": the value when the line's key is name. */
static const char *value_of(const char *line, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name);
	if (len < n || memcmp(line, name, n))
		return NULL;
	size_t i = n;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i >= len || line[i] != ':')
		return NULL;
	i++;
	if (i < len && line[i] == ' ')
		i++;
	*vlen = len - i;
	return line + i;
}

void hv_parse_cpuinfo_block(const char *buf, size_t len, struct hv_cpuinfo *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->gbpages = HV_TRI_UNKNOWN;
	size_t block = hv_cpuinfo_block_len(buf, len);
	if (block)
		len = block;
	for (size_t pos = 0; pos < len;) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t l = nl ? (size_t)(nl - line) : len - pos;
		pos += l + 1;
		size_t vl;
		const char *v;
		if (!ci->model[0] && (v = value_of(line, l, "model name", &vl))) {
			if (vl >= sizeof(ci->model))
				vl = sizeof(ci->model) - 1;
			memcpy(ci->model, v, vl);
			ci->model[vl] = '\0';
		} else if (ci->gbpages == HV_TRI_UNKNOWN && (v = value_of(line, l, "flags", &vl))) {
			ci->gbpages = HV_NO;
			for (size_t i = 0; i < vl;) {
				while (i < vl && v[i] == ' ')
					i++;
				size_t s = i;
				while (i < vl && v[i] != ' ')
					i++;
				if (i - s == 7 && !memcmp(v + s, "pdpe1gb", 7))
					ci->gbpages = HV_YES;
			}
		}
	}
}
