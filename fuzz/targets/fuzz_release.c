/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel release strings: "6.18.44-fc-v669", "5.14.0-427.el9.x86_64". */
#include "fuzz_common.h"
#include "model.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	int a = -1, b = -1, c = -1;
	hv_clear_error();
	int rc = hv_parse_release(s, &a, &b, &c);
	fuzz_check_error(rc, "hv_parse_release");
	if (rc == 0) {
		FUZZ_ASSERT(a >= 0 && a <= 100000 && b >= 0 && b <= 100000 && c >= 0 && c <= 100000);
		/* What the model does with it next: must not overflow (KV() multiplies). */
		enum hv_gen g = hv_generation(a, b);
		FUZZ_ASSERT(hv_gen_name(g) != NULL);
		(void)hv_gen_kept_pages(g);
		(void)hv_arch_supports_hvo("x86_64", a, b, c);
		(void)hv_arch_supports_hvo("aarch64", a, b, c);
		(void)hv_arch_supports_hvo("s390x", a, b, c);
	}
	free(s);
	return 0;
}
