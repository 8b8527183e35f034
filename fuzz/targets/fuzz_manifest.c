/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The backup manifest that `apply --revert` reads from disk and turns into
 * writes as root (src/apply/manifest.c). Beyond no crash: every record
 * accepted is one the writer can produce (paths under the allowed places,
 * modes and values in range), and writing the records out again and
 * parsing that gives the same records: the two halves agree. */
#include "apply.h"
#include "fuzz_common.h"
#include "manifest.h"

static void same(const struct hv_manifest *a, const struct hv_manifest *b)
{
	FUZZ_ASSERT(a->n == b->n);
	for (int i = 0; i < a->n; i++) {
		FUZZ_ASSERT(a->e[i].kind == b->e[i].kind);
		FUZZ_ASSERT(!strcmp(a->e[i].rel, b->e[i].rel));
		FUZZ_ASSERT(!strcmp(a->e[i].tool, b->e[i].tool));
		FUZZ_ASSERT(a->e[i].mode == b->e[i].mode);
		FUZZ_ASSERT(a->e[i].value == b->e[i].value);
	}
	FUZZ_ASSERT(!strcmp(a->grubby_added, b->grubby_added));
	FUZZ_ASSERT(!strcmp(a->grubby_removed, b->grubby_removed));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = fuzz_buf(data, size);
	struct hv_manifest m;
	hv_clear_error();
	int rc = hv_manifest_parse("fuzz/manifest", b, size, &m);
	fuzz_check_error(rc, "hv_manifest_parse");
	if (rc < 0) {
		FUZZ_ASSERT(m.n == 0 && m.e == NULL);
		free(b);
		return 0;
	}
	struct hv_mf_writer w = {0};
	FUZZ_ASSERT(hv_mf_begin(&w) == 0);
	for (int i = 0; i < m.n; i++) {
		const struct hv_mf_entry *e = &m.e[i];
		FUZZ_ASSERT(e->line >= 2);
		FUZZ_ASSERT(memchr(e->rel, '\0', sizeof(e->rel)) && memchr(e->tool, '\0', sizeof(e->tool)));
		switch (e->kind) {
		case HV_MF_FILE_PRESENT:
			FUZZ_ASSERT(e->mode <= 07777 && hv_mf_file_rel_ok(e->rel));
			rc = hv_mf_file_present(&w, e->mode, e->rel);
			break;
		case HV_MF_FILE_ABSENT:
			FUZZ_ASSERT(hv_mf_file_rel_ok(e->rel));
			rc = hv_mf_file_absent(&w, e->rel);
			break;
		case HV_MF_VALUE:
			FUZZ_ASSERT(e->value >= 0 && hv_mf_value_rel_ok(e->rel));
			rc = hv_mf_value(&w, e->value, e->rel);
			break;
		case HV_MF_MKDIR:
			FUZZ_ASSERT(hv_mf_dir_rel_ok(e->rel));
			rc = hv_mf_mkdir(&w, e->rel);
			break;
		case HV_MF_TOOL:
			rc = hv_mf_tool(&w, e->tool);
			break;
		case HV_MF_KERNEL_INSTALL:
			FUZZ_ASSERT(e->rel[0] == '/' && hv_rel_ok(e->rel + 1));
			rc = hv_mf_kernel_install(&w, e->tool, e->rel);
			break;
		case HV_MF_GRUBBY:
			/* the parameters are kept once, for the last record */
			rc = hv_mf_grubby(&w, m.grubby_added, m.grubby_removed);
			break;
		default:
			FUZZ_ASSERT(!"unknown record kind");
		}
		FUZZ_ASSERT(rc == 0); /* what was read can be written */
	}
	struct hv_manifest again;
	FUZZ_ASSERT(hv_manifest_parse("fuzz/again", w.buf, w.len, &again) == 0);
	/* grubby records all carry the last parameters once written back */
	if (m.n == again.n)
		same(&m, &again);
	else
		FUZZ_ASSERT(!"record count changed in the round trip");
	hv_manifest_free(&again);
	hv_mf_writer_free(&w);
	hv_manifest_free(&m);
	free(b);
	return 0;
}
