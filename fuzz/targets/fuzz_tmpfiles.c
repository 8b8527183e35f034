/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The overcommit drop-in (src/apply/tmpfiles.c): hv_tmpfiles_text() reads
 * /etc/tmpfiles.d/90-hvoplan.conf as found and writes it again with the
 * limits asked for; hv_overcommit_writers() scans any sysctl.d or
 * tmpfiles.d file for the lines that set a limit at boot. Beyond no crash:
 * a file accepted is rewritten to a fixed point (reading what was written
 * with nothing asked gives it back byte for byte), holds every limit asked
 * for exactly once (a size asked 0 gone); the writers found are within bounds
 * with printable values. The first input byte picks the limits asked for. */
#include "apply.h"
#include "fuzz_common.h"

static int count_lines(const char *t, const char *line)
{
	int n = 0;
	for (const char *s = t; (s = strstr(s, line)); s += strlen(line))
		n += (s == t || s[-1] == '\n') && s[strlen(line)] == '\n';
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *text = fuzz_cstr(data + 1, size - 1);
	uint8_t pick = data[0];

	struct hv_oc_writer w[HV_MAX_OC_WRITERS];
	for (int sysctl = 0; sysctl < 2; sysctl++) {
		int n = 0;
		FUZZ_ASSERT(hv_overcommit_writers(sysctl ? "etc/sysctl.d/00-a.conf" : "usr/lib/tmpfiles.d/00-a.conf", text,
						  sysctl, w, &n, HV_MAX_OC_WRITERS) == 0);
		FUZZ_ASSERT(n >= 0 && n <= HV_MAX_OC_WRITERS);
		for (int i = 0; i < n; i++) {
			FUZZ_ASSERT(w[i].where[0] == '/' && memchr(w[i].where, '\0', sizeof(w[i].where)));
			for (const char *c = w[i].value; *c; c++)
				FUZZ_ASSERT(*c >= 0x20 && *c <= 0x7e);
			FUZZ_ASSERT(w[i].sysctl == (sysctl == 1) && w[i].before_ours);
			FUZZ_ASSERT(w[i].size == 0 || w[i].size == UINT64_MAX || (!sysctl && w[i].size % 1024 == 0));
			FUZZ_ASSERT(!w[i].exact || (!sysctl && w[i].size != 0 && w[i].size != UINT64_MAX));
		}
	}

	struct hv_desired d;
	memset(&d, 0, sizeof(d));
	static const uint64_t sizes[] = {2ull << 20, 1ull << 30, 64ull << 10, 32ull << 20};
	for (int i = 0; i < 4; i++)
		if (pick & (1u << i)) {
			d.overcommit[d.novercommit].size = sizes[i];
			d.overcommit[d.novercommit].node = -1;
			d.overcommit[d.novercommit++].count = (pick >> 4) & (i % 2 ? 3 : 12);
		}
	struct hv_file cur = {.rel = HV_TMPFILES_DROPIN, .exists = true, .data = text};
	char *out = NULL;
	hv_clear_error();
	int rc = hv_tmpfiles_text(&cur, &d, &out);
	fuzz_check_error(rc, "hv_tmpfiles_text");
	if (rc == 0) {
		for (int j = 0; j < d.novercommit; j++) {
			char rel[160], line[224];
			hv_overcommit_rel(rel, sizeof(rel), d.overcommit[j].size);
			snprintf(line, sizeof(line), "w /%s - - - - %lld", rel, (long long)d.overcommit[j].count);
			FUZZ_ASSERT(count_lines(out ? out : "", line) == (d.overcommit[j].count > 0));
		}
		if (out) {
			struct hv_desired none;
			memset(&none, 0, sizeof(none));
			struct hv_file again = {.rel = HV_TMPFILES_DROPIN, .exists = true, .data = out};
			char *out2 = NULL;
			FUZZ_ASSERT(hv_tmpfiles_text(&again, &none, &out2) == 0 && out2 && !strcmp(out, out2));
			free(out2);
		}
	}
	free(out);
	free(text);
	return 0;
}
