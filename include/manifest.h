/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The backup manifest of `apply --persist`: what was in place before the
 * run, one record per line, written by the executor and read back by
 * --revert. Writer and parser live together (src/apply/manifest.c) so that
 * whatever is written can be read: the writer refuses a record the parser
 * would refuse, and the parser accepts only what the writer can produce.
 * Both are pure (no I/O); the parser is fed bytes from disk and by a fuzz
 * target. */
#ifndef HV_MANIFEST_H
#define HV_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_MANIFEST_MAX (1 << 20) /* bytes; a real one is well under 4 KiB */
#define HV_MF_TEXT_MAX 2048	  /* grubby parameter lists, as in struct hv_actions */

enum hv_mf_kind {
	HV_MF_FILE_PRESENT, /* rel existed with mode; its bytes are in files/rel */
	HV_MF_FILE_ABSENT,  /* rel did not exist */
	HV_MF_VALUE,	    /* the kernel value file rel read value */
	HV_MF_GRUBBY,	    /* grubby added/removed these parameters (in struct hv_manifest) */
	HV_MF_TOOL,	    /* the boot loader tool that was run: update-grub, grub-mkconfig, grub2-mkconfig */
	HV_MF_KERNEL_INSTALL, /* kernel-install add version image */
	HV_MF_MKDIR,	    /* the directory rel did not exist (apply may have made it) */
};

struct hv_mf_entry {
	enum hv_mf_kind kind;
	int line;      /* 1-based, in the text parsed */
	char rel[256]; /* file, value, mkdir; kernel-install: the image, absolute */
	unsigned mode; /* file present: 0..07777 */
	int64_t value; /* value: >= 0 */
	char tool[64]; /* tool: its name; kernel-install: the kernel version */
};

struct hv_manifest {
	int n, cap;
	struct hv_mf_entry *e; /* heap */
	/* the last grubby record; "" when none or nothing on that side */
	char grubby_added[HV_MF_TEXT_MAX], grubby_removed[HV_MF_TEXT_MAX];
};

/* ---- writing ---- */
struct hv_mf_writer {
	char *buf; /* NUL-terminated */
	size_t len, cap;
};
/* Starts a manifest (comment and version header). */
int hv_mf_begin(struct hv_mf_writer *w);
int hv_mf_file_present(struct hv_mf_writer *w, unsigned mode, const char *rel);
int hv_mf_file_absent(struct hv_mf_writer *w, const char *rel);
int hv_mf_value(struct hv_mf_writer *w, int64_t value, const char *rel);
int hv_mf_grubby(struct hv_mf_writer *w, const char *added, const char *removed);
int hv_mf_tool(struct hv_mf_writer *w, const char *tool);
int hv_mf_kernel_install(struct hv_mf_writer *w, const char *version, const char *image);
int hv_mf_mkdir(struct hv_mf_writer *w, const char *rel);
void hv_mf_writer_free(struct hv_mf_writer *w);

/* ---- reading ---- */
/* Parses len bytes of text (need not be NUL-terminated). name is used in
 * messages ("ROOT/var/lib/hvoplan/backup/STAMP/manifest:LINE: ..."). On
 * error -EINVAL (or -ENOMEM) with hv_fail() text and m left empty. */
int hv_manifest_parse(const char *name, const char *text, size_t len, struct hv_manifest *m);
void hv_manifest_free(struct hv_manifest *m);

/* The path rules shared by writer and parser. */
bool hv_mf_file_rel_ok(const char *rel);  /* under etc/ */
bool hv_mf_value_rel_ok(const char *rel); /* the HVO sysctl, an nr_hugepages under sys/, an overcommit limit */
bool hv_mf_dir_rel_ok(const char *rel);	  /* etc or under etc/ */

#endif
