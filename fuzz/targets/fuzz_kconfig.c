/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plain-text kernel config, whole-buffer and line by line. */
#include "fuzz_common.h"
#include "parse.h"

static void check(const struct hv_kconfig *kc)
{
	const enum hv_tristate t[] = {kc->hugetlb_page, kc->hvo, kc->hvo_default_on, kc->memmap_on_memory,
				      kc->page_extension};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		FUZZ_ASSERT(t[i] == HV_NO || t[i] == HV_YES || t[i] == HV_TRI_UNKNOWN);
	FUZZ_ASSERT(kc->page_size == HV_UNKNOWN || (kc->page_size >= 4096 && kc->page_size <= (1L << 18) &&
					   !(kc->page_size & (kc->page_size - 1))));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = fuzz_buf(data, size);
	struct hv_kconfig kc;
	hv_kconfig_init(&kc);
	hv_clear_error();
	int rc = hv_parse_kconfig(b, size, &kc);
	fuzz_check_error(rc, "hv_parse_kconfig");
	check(&kc);
	if (rc == 0) {
		/* finish() leaves no symbol unknown in a present config. */
		FUZZ_ASSERT(kc.present && kc.hvo != HV_TRI_UNKNOWN && kc.hugetlb_page != HV_TRI_UNKNOWN);
	}

	/* The gzip probe's shape: each line with its newline, exact-size copies. */
	hv_kconfig_init(&kc);
	size_t pos = 0;
	while (pos < size) {
		const char *nl = memchr(b + pos, '\n', size - pos);
		size_t ll = nl ? (size_t)(nl - (b + pos)) + 1 : size - pos;
		char *line = fuzz_buf((const uint8_t *)b + pos, ll);
		hv_clear_error();
		int lr = hv_parse_kconfig_line(line, ll, &kc);
		fuzz_check_error(lr, "hv_parse_kconfig_line");
		free(line);
		pos += ll;
	}
	hv_kconfig_finish(&kc);
	check(&kc);
	free(b);
	return 0;
}
