/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/cpuinfo text -> the first processor block's model name and pdpe1gb. */
#include <string.h>

#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = fuzz_buf(data, size);
	size_t block = hv_cpuinfo_block_len(b, size);
	/* the block ends at the first blank line, and nothing before it is one */
	FUZZ_ASSERT(block <= size);
	if (block) {
		FUZZ_ASSERT(block >= 2 && b[block - 1] == '\n' && b[block - 2] == '\n');
		FUZZ_ASSERT(!memmem(b, block - 1, "\n\n", 2));
	} else {
		FUZZ_ASSERT(!memmem(b, size, "\n\n", 2));
	}
	struct hv_cpuinfo ci;
	memset(&ci, 0x55, sizeof(ci));
	hv_parse_cpuinfo_block(b, size, &ci);
	FUZZ_ASSERT(memchr(ci.model, '\0', sizeof(ci.model)));
	FUZZ_ASSERT(ci.gbpages == HV_YES || ci.gbpages == HV_NO || ci.gbpages == HV_TRI_UNKNOWN);
	/* the model never holds a line break: it is one line's value */
	FUZZ_ASSERT(!strchr(ci.model, '\n'));
	/* only what the first block says: text after it changes nothing */
	if (block) {
		struct hv_cpuinfo first;
		hv_parse_cpuinfo_block(b, block, &first);
		FUZZ_ASSERT(!strcmp(first.model, ci.model) && first.gbpages == ci.gbpages);
	}
	free(b);
	return 0;
}
