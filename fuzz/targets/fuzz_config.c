/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The apply settings: hvoplan.conf through libinih (hv_config_parse_string)
 * and a pool list as --pages, HVOPLAN_PAGES and the file's pages= take it
 * (hv_parse_pages), changes allowed or not by the first byte. Whatever is
 * accepted is a pool the desired state can take: a power-of-two size of at
 * least 4K, node -1 to 1023, a count of at most 10^12 pages, negative only
 * for a change; a change never where it is refused. */
#include "config.h"
#include "fuzz_common.h"
#include "fuzz_config_stubs.h"

static void check_pools(const struct hv_apply_settings *s, bool relative)
{
	FUZZ_ASSERT(s->npools >= 0 && s->npools <= HV_MAX_POOL_REQS);
	for (int i = 0; i < s->npools; i++) {
		const struct hv_pool_req *q = &s->pools[i];
		FUZZ_ASSERT(q->size >= 4096 && !(q->size & (q->size - 1)));
		FUZZ_ASSERT(q->node >= -1 && q->node <= 1023);
		FUZZ_ASSERT(q->count >= -999999999999ll && q->count <= 999999999999ll);
		FUZZ_ASSERT(q->relative || q->count >= 0);
		FUZZ_ASSERT(relative || !q->relative);
		FUZZ_ASSERT(memchr(q->amount, '\0', sizeof(q->amount)));
		for (int j = 0; j < i; j++)
			FUZZ_ASSERT(s->pools[j].size != q->size || s->pools[j].node != q->node);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static bool loaded;
	if (!loaded) {
		/* a run without libinih would fuzz nothing: an empty file must parse */
		struct hv_apply_settings e;
		hv_settings_init(&e);
		FUZZ_ASSERT(hv_config_parse_string("empty.conf", "", &e) == 0);
		loaded = true;
	}
	bool relative = data[0] & 1;
	char *b = fuzz_cstr(data + 1, size - 1);
	struct hv_apply_settings *s = malloc(sizeof(*s));
	if (!s)
		abort();
	hv_settings_init(s);
	hv_clear_error();
	int rc = hv_parse_pages("--pages", b, s, relative);
	fuzz_check_error(rc, "hv_parse_pages");
	if (rc == 0)
		check_pools(s, relative);
	hv_settings_init(s);
	hv_clear_error();
	rc = hv_config_parse_string("fuzz.conf", b, s);
	fuzz_check_error(rc, "hv_config_parse_string");
	if (rc == 0)
		check_pools(s, false);
	free(s);
	free(b);
	return 0;
}
