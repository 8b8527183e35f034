/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /sys/devices/system/node/online: "0-3,5". */
#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	int n = -42;
	hv_clear_error();
	int rc = hv_parse_nodelist(s, &n);
	fuzz_check_error(rc, "hv_parse_nodelist");
	if (rc == 0)
		FUZZ_ASSERT(n >= 0 && n <= (1 << 20));
	free(s);
	return 0;
}
