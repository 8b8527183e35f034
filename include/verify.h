/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan verify: does what the host persisted give back the running
 * state at the next boot, and did the kernel honour what this boot asked?
 * (doc/kernel-rules.md, "What the next boot sets").
 *
 * The probe (hv_probe_persisted(), src/probe/persisted.c) reads the files
 * the boot-time consumers read: sysctl.d and tmpfiles.d in systemd's
 * order, the GRUB defaults as grub-mkconfig sources them, grub.cfg's
 * entries, Boot Loader Specification entries and /etc/kernel/cmdline. The
 * model (hv_model_verify(), src/model/verify.c) is pure and makes the
 * checks. */
#ifndef HV_VERIFY_H
#define HV_VERIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "host.h"
#include "model.h"

struct hv_root;

/* ---- parsers (src/parse/bootcfg.c), pure ---- */

/* The last assignment of key (dots; a file's "/" separators count as
 * dots) in sysctl.d text: 1 with its value (trimmed) and line, 0 when the
 * text does not set it. */
int hv_sysctl_conf_get(const char *text, size_t len, const char *key, char *val, size_t cap, int *line);

/* A tmpfiles.d `w` line that writes a hugepage pool or overcommit file. */
struct hv_tmpfiles_write {
	char where[300]; /* "etc/tmpfiles.d/x.conf:3" */
	uint64_t size;	 /* the hugepage size in the path */
	int node;	 /* -1: the global file */
	bool overcommit; /* nr_overcommit_hugepages, else nr_hugepages */
	int64_t value;	 /* -1 when the argument is not a count */
};
/* Appends the text's writes to v (at most max in all; *n counts them). */
int hv_tmpfiles_hugepage_writes(const char *rel, const char *text, size_t len, struct hv_tmpfiles_write *v, int *n,
				int max);

#define HV_MAX_BOOT_ENTRIES 64
struct hv_boot_entry {
	char where[300];   /* "boot/grub/grub.cfg:42" or "boot/loader/entries/x.conf" */
	char title[128];
	char release[128]; /* vmlinuz-RELEASE of its image, or a BLS version; "" */
	bool top;	   /* GRUB: a menu entry outside any submenu */
	/* GRUB: where `set default=` finds it: the index of its top-level item
	 * (its own, or its submenu's; -1 deeper than one submenu), its index
	 * in that submenu (-1 at the top), its --id, the submenu's title and id */
	int item, sub;
	char id[128], submenu[128], submenu_id[128];
	bool recovery;	   /* GRUB's recovery entry: GRUB_CMDLINE_LINUX only */
	bool args_unknown; /* the arguments name a variable ($kernelopts, ...) */
	char *args;	   /* malloc'ed */
};
/* The menu entries of a grub.cfg with their `linux` lines; *default_entry
 * gets `set default=` of the top level ("" when unset). */
int hv_parse_grub_cfg(const char *rel, const char *text, size_t len, struct hv_boot_entry *v, int *n, int max,
		      char *default_entry, size_t cap);
/* KEY=VALUE of a GRUB environment block (grubenv: `#` lines are padding):
 * 1 with the value, 0 when the key is not set. */
int hv_parse_grubenv(const char *text, size_t len, const char *key, char *out, size_t cap);
/* One Boot Loader Specification entry (title, version, linux, options). */
int hv_parse_bls_entry(const char *rel, const char *text, size_t len, struct hv_boot_entry *e);

/* ---- what the host persisted (probe) ---- */

struct hv_sysctl_setting {
	bool set;
	char value[32];
	char where[300]; /* "etc/sysctl.d/90-hvoplan.conf:3" of the assignment that wins */
};

/* A kernel command line and where it comes from. */
struct hv_cmdline_source {
	bool present;
	bool unknown;	   /* could not be evaluated (why in where) */
	char where[300];
	struct hv_cmdline cl;
	char *text;	   /* malloc'ed */
};

#define HV_MAX_TMPFILES_WRITES 64
struct hv_persisted {
	/* systemd-sysctl's result, and hvoplan's own drop-in */
	struct hv_sysctl_setting hvo, nr_hugepages, nr_overcommit, hvo_ours;
	int nwrites;
	struct hv_tmpfiles_write writes[HV_MAX_TMPFILES_WRITES];
	/* what new boot entries get: GRUB_CMDLINE_LINUX (+ _DEFAULT) and
	 * /etc/kernel/cmdline */
	struct hv_cmdline_source grub_linux, grub_default, kernel_cmdline;
	char grub_default_entry[256]; /* grub.cfg's `set default=` */
	/* grubenv next to that grub.cfg: saved_entry (GRUB_DEFAULT=saved,
	 * grub-set-default) and next_entry (grub-reboot, once) */
	bool grubenv_read;
	char grub_saved_entry[256], grub_next_entry[256];
	bool grub_cfg_read, bls_read; /* a grub.cfg, an entries directory */
	int nentries;
	struct hv_boot_entry entries[HV_MAX_BOOT_ENTRIES];
	struct hv_cmdline *entry_cl; /* parsed args of each entry (nentries), malloc'ed */
	/* apply --persist's record for the kernel-install plug-in
	 * (HV_BOOT_RECORD): its parameters with the node form of hugepages=
	 * (5.16+) and with node totals; unknown when it does not parse. */
	struct hv_cmdline_source boot_record, boot_record_flat;
	bool record_hvo;	   /* it sets HVO */
	int nrecord_sizes;	   /* the sizes it sets, a count of 0 too */
	uint64_t record_sizes[HV_MAX_CMDLINE_POOLS];
	enum { HV_PLUGIN_NONE, HV_PLUGIN_INSTALLED, HV_PLUGIN_MASKED } ki_plugin;
	char ki_plugin_where[64];
	int nunread;		     /* files that exist but could not be read */
	char unread[300];	     /* the first of them, with why */
};

int hv_probe_persisted(const struct hv_root *r, struct hv_persisted *p);
/* The files it reads, one call each (those that do not exist too): how
 * the snapshot keeps them. HV_PF_HUGEPAGES_ONLY: only a file that names
 * hugepages or hugetlb sets anything verify reads; HV_PF_GRUB_CFG: keep
 * no password line. A negative return stops the walk with it. */
enum hv_persisted_kind { HV_PF_WHOLE, HV_PF_HUGEPAGES_ONLY, HV_PF_GRUB_CFG };
typedef int (*hv_persisted_file_fn)(void *arg, const char *rel, enum hv_persisted_kind kind);
int hv_persisted_files(const struct hv_root *r, hv_persisted_file_fn fn, void *arg);
void hv_persisted_free(struct hv_persisted *p);

/* ---- the checks (model, pure) ---- */

enum hv_check_state {
	HV_CHECK_OK,	  /* holds */
	HV_CHECK_INFO,	  /* worth knowing; does not fail */
	HV_CHECK_UNKNOWN, /* the inputs cannot tell; does not fail */
	HV_CHECK_DRIFT,	  /* the next boot gives something else than runs now */
	HV_CHECK_FAILED,  /* the kernel did not do what this boot asked */
};
const char *hv_check_state_name(enum hv_check_state s);

#define HV_MAX_CHECKS 64
struct hv_check {
	char id[40];	   /* hvo, pool, overcommit, boot-entry, boot-pool-short, ... */
	char subject[64];  /* "vm.hugetlb_optimize_vmemmap", "2M", "2M node 1", an entry */
	enum hv_check_state state;
	char now[48];	   /* the running value, "" when not a value */
	char next[48];	   /* what the next boot gives */
	char source[300];  /* where the next boot's value comes from */
	char message[600];
	char fix[300];
};

struct hv_verify {
	int nchecks;
	struct hv_check checks[HV_MAX_CHECKS];
	bool truncated;
	int ndrift, nfailed;
	char entry_basis[768]; /* how the next boot's entry was chosen, and which; "" none */
	int nnotes;
	char notes[4][400];
};

void hv_model_verify(const struct hv_host *h, const struct hv_report *r, const struct hv_persisted *p,
		     struct hv_verify *v);
/* A sysctl.d setting as a whole integer: false when unset or not one. */
bool hv_sysctl_int(const struct hv_sysctl_setting *s, long long *v);
/* The tmpfiles.d write of a size's file (node -1: the global one) that
 * counts: the first, as systemd-tmpfiles ignores later lines for a path it
 * has ("Duplicate line for path"); NULL when none. */
const struct hv_tmpfiles_write *hv_tmpfiles_write_of(const struct hv_persisted *p, uint64_t size, int node,
						   bool overcommit);

int hv_render_verify_text(FILE *out, const struct hv_verify *v);
int hv_render_verify_json(FILE *out, const struct hv_verify *v, const struct hv_report *r);

#endif
