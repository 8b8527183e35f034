/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernels installed later (src/apply/bootentry.c). Byte 0 even: the rest is
 * a record (hvoplan.conf text): whatever parses names HVO or a pool, and the
 * record written from it parses back to the same state. Byte 0 odd: bytes
 * 1-3 pick a desired state (fuzz_boot_common.h), the rest is a boot entry:
 * a result is NUL-terminated and keeps every line that is not an options
 * line, in order; its options hold exactly ours among the managed
 * parameters (the independent next_arg() split of fuzz_boot_common.h); a
 * second pass changes nothing; "unchanged" is the text itself. */
#include "fuzz_boot_common.h"
#include "fuzz_config_stubs.h"

static void record(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct hv_desired d, back;
	hv_clear_error();
	int rc = hv_boot_record_desired("r", text, &d);
	if (rc < 0) {
		fuzz_check_error(rc, "hv_boot_record_desired");
		free(text);
		return;
	}
	FUZZ_ASSERT(d.hvo >= -1 && d.hvo <= 1 && (d.hvo >= 0 || d.npools > 0));
	char *t;
	FUZZ_ASSERT(hv_boot_record_text("r", NULL, &d, &t) == 0);
	FUZZ_ASSERT(hv_boot_record_desired("r2", t, &back) == 0);
	FUZZ_ASSERT(back.hvo == d.hvo);
	/* the same pools (merging a list into itself keeps one request per
	 * size and node, the last), whatever the order */
	char a[4096], b[4096];
	bool dropped;
	FUZZ_ASSERT(hv_bootparams(&back, 6, 12, b, sizeof(b), &dropped) == 0);
	char *t2;
	FUZZ_ASSERT(hv_boot_record_text("r2", t, &back, &t2) == 0);
	FUZZ_ASSERT(strcmp(t, t2) == 0);
	struct hv_desired merged;
	FUZZ_ASSERT(hv_boot_record_desired("r3", t2, &merged) == 0);
	FUZZ_ASSERT(hv_bootparams(&merged, 6, 12, a, sizeof(a), &dropped) == 0);
	FUZZ_ASSERT(strcmp(a, b) == 0);
	free(t);
	free(t2);
	free(text);
}

/* The lines of s that are not options lines ("options" then a blank, or
 * alone), each with its newline. */
static char *other_lines(const char *s)
{
	char *o = calloc(1, strlen(s) + 2);
	if (!o)
		abort();
	size_t l = 0;
	for (const char *p = s; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		bool opt = n >= 7 && !strncmp(p, "options", 7) &&
			   (n == 7 || p[7] == ' ' || p[7] == '\t' || p[7] == '\r');
		if (!opt) {
			memcpy(o + l, p, n);
			l += n;
			o[l++] = '\n';
		}
		p += n + (e != NULL);
	}
	o[l] = '\0';
	return o;
}

static void entry(const uint8_t *data, size_t size)
{
	struct hv_desired d;
	uint64_t defsz;
	size_t off = boot_desired(data, size, &d, &defsz);
	char *text = fuzz_cstr(data + off, size - off);
	char params[2048], removed[4096], *out = NULL;
	bool dropped;
	FUZZ_ASSERT(hv_bootparams(&d, 6, 12, params, sizeof(params), &dropped) == 0);
	hv_clear_error();
	int rc = hv_entry_with_params("e", text, &d, defsz, params, &out, removed, sizeof(removed));
	if (rc < 0) {
		FUZZ_ASSERT(rc == -EINVAL || rc == -ENOTSUP || rc == -E2BIG || rc == -ENOMEM);
		FUZZ_ASSERT(out == NULL);
		fuzz_check_error(rc, "hv_entry_with_params");
		free(text);
		return;
	}
	FUZZ_ASSERT(out != NULL && (rc == 0 || rc == 1));
	if (rc == 0)
		FUZZ_ASSERT(strcmp(out, text) == 0);
	else
		FUZZ_ASSERT(strcmp(out, text) != 0);
	/* the other lines, in order (the one inserted is an options line) */
	char *a = other_lines(text), *b = other_lines(out);
	FUZZ_ASSERT(strcmp(a, b) == 0);
	free(a);
	free(b);
	/* what the kernel gets: the options lines joined, split as next_arg()
	 * does: the managed ones are ours, as a set of groups */
	size_t cap = strlen(out) + 2;
	char *joined = calloc(1, cap), *want_r = calloc(1, cap + 1);
	if (!joined || !want_r)
		abort();
	for (const char *p = out; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n >= 7 && !strncmp(p, "options", 7) && (n == 7 || p[7] == ' ' || p[7] == '\t' || p[7] == '\r')) {
			size_t l = strlen(joined);
			if (l)
				joined[l++] = ' ';
			memcpy(joined + l, p + 7, n - 7);
			joined[l + n - 7] = '\0';
		}
		p += n + (e != NULL);
	}
	struct o_state st = {.params = true};
	o_split(joined, &d, defsz, true, &st, want_r, cap + 1);
	/* ours, in any group order: same tokens, same count */
	size_t pos = 0, l;
	int nr = 0, np = 0;
	while ((l = o_token(want_r, &pos)) > 0) {
		char tok[512];
		snprintf(tok, sizeof(tok), "%.*s", (int)l, want_r + pos);
		FUZZ_ASSERT(l < sizeof(tok) && strstr(params, tok) != NULL);
		nr++;
		pos += l;
	}
	pos = 0;
	while ((l = o_token(params, &pos)) > 0) {
		np++;
		pos += l;
	}
	FUZZ_ASSERT(nr == np);
	/* a second pass has nothing to do */
	char *again = NULL;
	int rc2 = hv_entry_with_params("e", out, &d, defsz, params, &again, removed, sizeof(removed));
	FUZZ_ASSERT(rc2 == 0 && strcmp(again, out) == 0);
	free(again);
	free(joined);
	free(want_r);
	free(out);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0)
		record(data + 1, size - 1);
	else
		entry(data + 1, size - 1);
	return 0;
}
