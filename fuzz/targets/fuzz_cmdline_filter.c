/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hv_cmdline_filter: a command line with the parameters conflicting with a
 * desired state taken out. Oracle: the kept and the removed tokens are
 * exactly those the independent next_arg() split in fuzz_boot_common.h
 * gives, whole and in order; too small a buffer is an error, never a
 * truncated line. */
#include "fuzz_boot_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_desired d;
	uint64_t defsz;
	size_t off = boot_desired(data, size, &d, &defsz);
	char *in = fuzz_cstr(data + off, size - off);
	size_t cap = strlen(in) + 1;
	char *out = malloc(cap), *rem = calloc(1, cap), *want_k = calloc(1, cap + 1), *want_r = calloc(1, cap + 1);
	if (!out || !rem || !want_k || !want_r)
		abort();
	hv_clear_error();
	int n = hv_cmdline_filter(in, &d, defsz, out, cap, rem, cap);
	FUZZ_ASSERT(n >= 0);
	struct o_state st = {.params = true};
	o_split(in, &d, defsz, false, &st, want_k, cap + 1);
	st = (struct o_state){.params = true};
	o_split(in, &d, defsz, true, &st, want_r, cap + 1);
	FUZZ_ASSERT(strcmp(out, want_k) == 0);
	FUZZ_ASSERT(strcmp(rem, want_r) == 0);
	int count = 0;
	size_t pos = 0, l;
	while ((l = o_token(want_r, &pos)) > 0) {
		count++;
		pos += l;
	}
	FUZZ_ASSERT(n == count);
	/* a buffer one byte short of the kept line must fail cleanly */
	size_t need = strlen(want_k) + 1;
	if (need > 1) {
		char *small = malloc(need - 1);
		if (!small)
			abort();
		hv_clear_error();
		int r = hv_cmdline_filter(in, &d, defsz, small, need - 1, NULL, 0);
		FUZZ_ASSERT(r == -E2BIG);
		fuzz_check_error(r, "hv_cmdline_filter");
		free(small);
	}
	free(out);
	free(rem);
	free(want_k);
	free(want_r);
	free(in);
	return 0;
}
