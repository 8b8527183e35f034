/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hvoplan apply: a desired state and a probed host become an action list
 * (plain data, printed as the dry run); an executor carries it out with
 * backups, a lock and rollback. Every path is relative to the root. */
#ifndef HV_APPLY_H
#define HV_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "config.h"
#include "host.h"
#include "model.h"

struct hv_root; /* probe.h: the run's root, its fd and display name */
struct hv_persisted; /* verify.h */

#define HV_MAX_ACTIONS 256
#define HV_MAX_ARGV 8
#define HV_MAX_GRUB_FILES 32
#define HV_MAX_SAME 48 /* unchanged targets listed: sysctl, pools, files */

#define HV_SYSCTL_REL "proc/sys/vm/hugetlb_optimize_vmemmap"
#define HV_SYSCTL_DROPIN "etc/sysctl.d/90-hvoplan.conf"
#define HV_GRUB_MAIN "etc/default/grub"
#define HV_GRUB_DIR "etc/default/grub.d"
#define HV_GRUB_DROPIN "etc/default/grub.d/90-hvoplan.cfg"
#define HV_KERNEL_CMDLINE "etc/kernel/cmdline"
/* what kernel-install takes without it (systemd's 90-loaderentry) */
#define HV_KERNEL_CMDLINE_VENDOR "usr/lib/kernel/cmdline"
/* overcommit limits at boot: systemd-tmpfiles writes them to sysfs (no
 * sysctl or kernel parameter sets a size other than the default's) */
#define HV_TMPFILES_DROPIN "etc/tmpfiles.d/90-hvoplan.conf"
#define HV_BACKUP_DIR "var/lib/hvoplan/backup"

/* Removes a backup (rel under the root, e.g. HV_BACKUP_DIR "/STAMP") so
 * that no half-removed directory can pass for a backup afterwards. */
int hv_discard_backup(const struct hv_root *root, const char *backup);
#define HV_LOCK_REL "run/hvoplan.lock"

/* What the user asked for, after merging all sources and validation. */
struct hv_desired {
	int hvo; /* -1: leave alone */
	int npools;
	struct hv_pool_req pools[HV_MAX_POOL_REQS];
	int novercommit; /* nr_overcommit_hugepages per size, resolved (no change left) */
	struct hv_pool_req overcommit[HV_MAX_POOL_REQS];
	bool persist, reoptimize;
	enum hv_bootloader bootloader;
	int64_t batch; /* 0: automatic (1 GiB per write, at least 1 page) */
};

/* A file as read from under the root (no symlinks followed). */
struct hv_file {
	char rel[256];
	bool exists;
	char *data; /* NUL-terminated; NULL when absent */
	size_t len;
	mode_t mode;
};

/* Another file that sets an overcommit limit at boot: a sysctl.d
 * vm.nr_overcommit_hugepages (the default size: size 0) or a tmpfiles.d
 * `w` line (size UINT64_MAX when its path is a glob or spelled otherwise). */
#define HV_MAX_OC_WRITERS 16
struct hv_oc_writer {
	char where[200]; /* "/etc/sysctl.d/50-x.conf:3" */
	uint64_t size;
	char value[24]; /* as written, printable */
	bool sysctl;	/* a sysctl.d or sysctl.conf line, not a tmpfiles.d one */
	bool exact;	/* tmpfiles.d: the very path hvoplan's line writes */
	bool before_ours; /* its file name sorts before 90-hvoplan.conf */
};

/* Everything hv_actions_build() needs besides the host, read by hv_apply_read_inputs(). */
struct hv_apply_inputs {
	struct hv_file sysctl_dropin;
	struct hv_file grub_main;
	struct hv_file grub_dropin;
	int ngrub_others;
	struct hv_file grub_others[HV_MAX_GRUB_FILES]; /* etc/default/grub.d/ *.cfg, not ours */
	struct hv_file kernel_cmdline;
	struct hv_file kernel_cmdline_vendor; /* HV_KERNEL_CMDLINE_VENDOR, read only; absent when unreadable */
	struct hv_file tmpfiles_dropin;
	struct hv_file boot_record; /* HV_BOOT_RECORD */
	/* what else sets an overcommit limit at boot (sysctl.d, tmpfiles.d) */
	int noc_writers;
	struct hv_oc_writer oc_writers[HV_MAX_OC_WRITERS];
	const char *proc_cmdline; /* the host's cmdline_text; NULL when it was not read */
	/* tools found under the root (relative path, "" when absent) */
	char grubby[64], update_grub[64], grub_mkconfig[64], kernel_install[64];
	bool grub_cfg_dir; /* boot/grub or boot/grub2 exists */
	char release[128];	/* the host's release, "" when unusable in a path */
	bool kernel_image;	/* boot/vmlinuz-<release> exists */
	enum hv_bootloader detected;
	/* the buddy allocator's free blocks: the forecast of a growing pool */
	struct hv_free_blocks free;
	/* what the other boot-time writers set (hvoplan verify's reading), for
	 * the --persist checks; NULL when not read */
	const struct hv_persisted *persisted;
};

enum hv_act_kind {
	HV_ACT_SYSCTL,	   /* write `to` to rel */
	HV_ACT_POOL,	   /* write `to` to rel (nr_hugepages) */
	HV_ACT_REOPTIMIZE, /* cycle `count` free pages through rel */
	HV_ACT_OVERCOMMIT, /* write `to` to rel (nr_overcommit_hugepages) */
	HV_ACT_FILE,	   /* replace rel with new_data, or remove it */
	HV_ACT_EXEC,	   /* run a boot loader tool */
	HV_ACT_MANUAL,	   /* instructions only */
};

/* What became of one action: set to PLANNED (or NOT_RUN) by
 * hv_actions_mark() for the dry run and by the executor as it goes, so
 * that the text and JSON forms only show what the apply layer recorded.
 * The names are part of hvoplan.apply/1 (hv_act_state_name). */
enum hv_act_state {
	HV_ST_PLANNED,	       /* dry run: --yes would carry it out */
	HV_ST_DONE,	       /* carried out (and read back) */
	HV_ST_UNCHANGED,       /* already in the desired state: no step (hv_actions.same) */
	HV_ST_FAILED,	       /* this step failed; what it half-did was undone */
	HV_ST_ROLLED_BACK,     /* done, then undone because a later step failed */
	HV_ST_ROLLBACK_FAILED, /* done, and undoing it failed: the host keeps it */
	HV_ST_SKIPPED,	       /* not attempted: an earlier step or the backup failed */
	HV_ST_NOT_RUN,	       /* a manual step, or a tool not run under --root */
};
const char *hv_act_state_name(enum hv_act_state s);

struct hv_action {
	enum hv_act_kind kind;
	char rel[256];
	int64_t from, to;
	uint64_t size;
	int node;      /* -1 global */
	int64_t count; /* reoptimize: free pages to cycle */
	int64_t left;  /* reoptimize: un-optimized pages that cannot be cycled now (last node's action) */
	int64_t batch;
	/* files */
	bool existed, remove;
	char *old_data, *new_data;
	size_t old_len, new_len;
	mode_t mode;
	/* exec: argv[0] is the tool's name as shown; path resolved at run time */
	int argc;
	char *argv[HV_MAX_ARGV + 1];
	char tool[32]; /* "update-grub", "grubby", ... */
	char text[1024]; /* one-line description, or manual instructions */
	/* the outcome, recorded by hv_actions_mark() or the executor */
	enum hv_act_state state;
	int64_t got;	  /* sysctl, pool: the value read back after the write; HV_UNKNOWN before */
	/* pool growing by to - from: what the buddy allocator has free for it now */
	struct hv_forecast forecast;
	char error[1024]; /* FAILED, ROLLBACK_FAILED: why (the message the text mode prints) */
};

struct hv_actions {
	int n;
	struct hv_action a[HV_MAX_ACTIONS];
	enum hv_bootloader bootloader; /* resolved */
	char bootparams[2048];	       /* parameters we want on the command line */
	char removed[2048];	       /* conflicting parameters taken out */
	int nnotes;
	char notes[16][512];
	bool gigantic_release; /* --reoptimize would release >= 1G pages */
	/* targets already in the desired state (state UNCHANGED, from = to;
	 * a file's old_data = new_data): no step, listed by the JSON form */
	int nsame;
	struct hv_action same[HV_MAX_SAME];
	char backup[160]; /* the backup this run made and left (relative to the root), "" if none */
	bool shortfall;	  /* a pool came back smaller than asked */
};

/* Boot loader tooling names for messages and manifests. */
const char *hv_act_kind_name(enum hv_act_kind k);

/* ---- desired state (desired.c) ---- */
/* Settings -> desired state, checked against the host: sizes and nodes must
 * exist, totals must fit in memory. -EINVAL (usage) or -ENOTSUP (HVO not
 * available: environment) with hv_fail() text. */
int hv_desired_from_settings(const struct hv_apply_settings *s, const struct hv_host *h,
			     const struct hv_report *r, struct hv_desired *d);

/* ---- kernel command lines (cmdline.c), pure ---- */
/* "2M", "1G", "64K": the spelling hugepagesz= takes. */
void hv_bootsize_name(uint64_t size, char *buf, size_t cap);
/* Parameters wanted for d on kernel release major.minor. Returns 0;
 * *per_node_dropped set when node counts had to be summed (< 5.16). */
int hv_bootparams(const struct hv_desired *d, int major, int minor, char *out, size_t cap, bool *per_node_dropped);
/* Copies the tokens of `in` that do not conflict with d into out, and the
 * ones that do into removed (space separated, appended). default_size is
 * the size `hugepages=` means without a `hugepagesz=` before it (0 unknown).
 * Returns the number of tokens removed. */
/* grubby's fixed argv that takes `remove` out of every boot entry and puts
 * `add` in (either may be empty); returns the argument count, 2 when there
 * is nothing to do. The buffers hold the two --*-args= arguments. */
#define HV_GRUBBY_ARG_MAX 2100
int hv_grubby_argv(const char *remove, const char *add, char rmbuf[HV_GRUBBY_ARG_MAX],
		   char addbuf[HV_GRUBBY_ARG_MAX], const char *argv[5]);
int hv_cmdline_filter(const char *in, const struct hv_desired *d, uint64_t default_size, char *out, size_t cap,
		      char *removed, size_t rcap);
/* One kernel parameter the way lib/cmdline.c next_arg() splits them
 * (a double quote toggles quoting; blanks inside quotes do not split):
 * moves *p past leading blanks and returns the length at *p, 0 at the end. */
size_t hv_karg_step(const char **p);
/* Rewrites GRUB_CMDLINE_LINUX / GRUB_CMDLINE_LINUX_DEFAULT assignments of a
 * shell file (rel names it in messages) without conflicting tokens. Only an
 * assignment whose value is one plain word or one quoted string without
 * $ ` \ or inner quotes, on one line, outside any compound command, is
 * edited; a conflicting token anywhere else is refused (-ENOTSUP, naming
 * rel:line). *out gets a malloc'ed text, identical when nothing conflicts. */
int hv_grub_file_filter(const char *rel, const char *text, const struct hv_desired *d, uint64_t default_size,
			char *removed, size_t rcap, char **out);

/* ---- kernels installed later (bootentry.c), pure ---- */
/* The record (HV_BOOT_RECORD, config.h) apply --persist keeps for the
 * kernel-install plug-in: the hugepage boot parameters, as hvoplan.conf(5)
 * [apply] hvo and pages. */
/* The record after d: old (NULL when absent; name names it in messages)
 * with d's HVO setting and d's sizes replacing theirs. *out is malloc'ed. */
int hv_boot_record_text(const char *name, const char *old, const struct hv_desired *d, char **out);
/* The record as a desired state (HVO and pools only); -EINVAL naming name
 * when it does not parse or names nothing. */
int hv_boot_record_desired(const char *name, const char *text, struct hv_desired *d);
/* major.minor of a BLS entry's `version` line; -ENOENT when it has none. */
int hv_entry_version(const char *text, int *major, int *minor);
/* A BLS entry whose options hold exactly params among the parameters d
 * manages (hv_cmdline_filter), the others kept: *out malloc'ed, the
 * taken-out ones appended to removed. Returns 1 when *out differs from
 * text, 0 when it is the same, negative (naming name) when the entry is
 * not one or a quote left open would swallow ours. */
int hv_entry_with_params(const char *name, const char *text, const struct hv_desired *d, uint64_t defsz,
			 const char *params, char **out, char *removed, size_t rcap);

/* ---- GRUB defaults files as /bin/sh sources them (grubsh.c), pure ---- */
#define HV_SH_MAX_WORDS 64
#define HV_SH_MAX_VARS 256
struct hv_sh_stmt {
	size_t start, end; /* bytes of the statement, without its terminator */
	int line, last_line;
	int nwords;
	struct {
		size_t b, e;
	} words[HV_SH_MAX_WORDS];
	bool complex;	    /* operators, redirections, reserved words, too many words */
	bool simple;	    /* only NAME=WORD words, after an optional `export` */
	bool nested;	    /* inside if/case/loop/function/subshell, or after a here-document */
	bool names_cmdline; /* mentions GRUB_CMDLINE_LINUX or _DEFAULT */
};
/* Splits shell text into statements (newline or ; ends one; && || | &
 * join them into one complex statement) and calls cb for each. */
int hv_sh_statements(const char *text, int (*cb)(const struct hv_sh_stmt *, void *), void *arg);

struct hv_sh_var {
	char name[64];
	char *val;
	bool unknown;	 /* set by something outside the subset */
	char where[300]; /* rel:line of the last assignment (why, when unknown) */
};
struct hv_grub_env {
	int nvars;
	struct hv_sh_var vars[HV_SH_MAX_VARS];
};
/* Called after each assignment to GRUB_CMDLINE_LINUX[_DEFAULT] with the old
 * and new value; a negative return stops sourcing with that error. */
typedef int (*hv_grub_step_fn)(void *arg, const char *rel, int line, const char *var, const char *old,
			       const char *val);
/* Sources text (file rel) into e as grub-mkconfig's sh would, for plain
 * assignments; anything else that touches GRUB_CMDLINE_* makes it unknown. */
int hv_grub_env_source(struct hv_grub_env *e, const char *rel, const char *text, hv_grub_step_fn cb, void *arg);
/* *val gets the value ("" when never set); -ENOTSUP with rel:line and why
 * when it is not known. */
int hv_grub_env_get(const struct hv_grub_env *e, const char *name, const char **val);
void hv_grub_env_free(struct hv_grub_env *e);
/* The value of the shell word s[b..e) when it needs no variable or command
 * (malloc'ed), else NULL. */
char *hv_sh_word_value(const char *s, size_t b, size_t e);
/* The drop-in text appending params to GRUB_CMDLINE_LINUX. */
char *hv_grub_dropin_text(const char *params);
char *hv_sysctl_dropin_text(int hvo);

/* ---- the overcommit drop-in for systemd-tmpfiles (tmpfiles.c), pure ---- */
/* "sys/kernel/mm/hugepages/hugepages-2048kB/nr_overcommit_hugepages" */
void hv_overcommit_rel(char *rel, size_t cap, uint64_t size);
/* The kind of a value file restored from a manifest, by its path. */
enum hv_act_kind hv_value_kind(const char *rel);
/* cur (HV_TMPFILES_DROPIN, maybe absent) with the limits of d: a size d
 * names gets its line (none for 0, the kernel's default), the others keep
 * theirs. *out gets a malloc'ed text, or NULL when no line is left (the
 * file is removed). A line hvoplan does not write is refused (-ENOTSUP,
 * naming rel:line): the file is hvoplan's own. */
int hv_tmpfiles_text(const struct hv_file *cur, const struct hv_desired *d, char **out);
/* Appends the overcommit writers of text (file rel, a sysctl.d file when
 * sysctl, else a tmpfiles.d one) to w[*n], at most max in all. */
int hv_overcommit_writers(const char *rel, const char *text, bool sysctl, struct hv_oc_writer *w, int *n, int max);

/* ---- the action list (actions.c), pure ---- */
int hv_actions_build(const struct hv_desired *d, const struct hv_host *h, const struct hv_report *r,
		     const struct hv_apply_inputs *in, struct hv_actions *p);
void hv_actions_free(struct hv_actions *p);
/* One more action of kind k (node -1), or NULL past HV_MAX_ACTIONS; the
 * builders of apply and of --revert both add through it. */
struct hv_action *hv_actions_add(struct hv_actions *p, enum hv_act_kind k);
/* One more target already in the desired state (UNCHANGED, node -1), or
 * NULL past HV_MAX_SAME (the list only informs). */
struct hv_action *hv_actions_same(struct hv_actions *p, enum hv_act_kind k, const char *rel);
/* cur, read and found as wanted, as an unchanged file target (its content copied). */
int hv_actions_same_file(struct hv_actions *p, const struct hv_file *cur);
/* a's argv (copied) and its text "run ARGV... (why)". */
int hv_action_set_argv(struct hv_action *a, const char *const *argv, const char *why);
/* The command that regenerates grub.cfg for tool (update-grub,
 * grub-mkconfig or grub2-mkconfig), NULL-terminated, for apply and revert. */
void hv_grub_tool_argv(const char *tool, const char *argv[4]);
void hv_inputs_free(struct hv_apply_inputs *in);

/* ---- unified diff (diff.c), pure ---- */
/* Writes a unified diff (3 lines of context) of a -> b to out; names as
 * given ("/dev/null" for a missing side). */
int hv_udiff(FILE *out, const char *aname, const char *a, size_t alen, const char *bname, const char *b,
	     size_t blen);

/* ---- files under the root, never following symlinks (rootfs.c) ---- */
/* Checks rel is a plain relative path: no "..", no "//", safe characters. */
int hv_rel_ok(const char *rel);
/* Opens rel's parent directory under root (root->path names it), refusing symlinks on the way.
 * With create, missing directories are made (mode 0755) and, when
 * created/ncreated are given, recorded there (outermost first). */
int hv_open_parent(const struct hv_root *root, const char *rel, bool create, int *dirfd, const char **base,
		   char (*created)[256], int *ncreated, int maxcreated);
/* Reads a regular file; a symlink or other non-regular file is an error
 * (-ELOOP / -EINVAL), a missing one gives f->exists = false. */
int hv_read_file_at(const struct hv_root *root, const char *rel, size_t max, struct hv_file *f);
/* Atomic replace (temp, fsync, rename, fsync dir), refusing symlinks. */
int hv_replace_file_at(const struct hv_root *root, const char *rel, const void *data, size_t len, mode_t mode,
		       char (*created)[256], int *ncreated, int maxcreated);
int hv_remove_file_at(const struct hv_root *root, const char *rel);
/* Removes the directory rel if it is empty (0 also when it is absent or not
 * empty); an error (a symlink on the way, an I/O error) has hv_fail() text. */
int hv_remove_dir_at(const struct hv_root *root, const char *rel);
/* Removes the temporary files an atomic replace of rel left when its run
 * was killed (".BASE.hvoplan-PID-NSEC" next to it). Only under the apply
 * lock: no other run can be writing one. */
int hv_remove_stale_temps_at(const struct hv_root *root, const char *rel);
/* Writes "value\n" to a kernel file (sysfs/procfs, or its copy in a test
 * tree) and reads the value back. */
int hv_write_value_at(const struct hv_root *root, const char *rel, int64_t value);
int hv_read_value_at(const struct hv_root *root, const char *rel, int64_t *value);

/* ---- reading the inputs (inputs.c) ---- */
int hv_apply_read_inputs(const struct hv_root *root, const struct hv_host *h, struct hv_apply_inputs *in);

/* ---- execution (exec.c) ---- */
struct hv_exec_opts {
	const struct hv_root *root; /* its path is "" for "/" */
	const char *tool_dir; /* HVOPLAN_TOOL_DIR: run fakes from here */
	bool progress;	      /* draw a progress bar on stderr */
	bool no_backup;	      /* --revert: the backup being restored is the record */
	FILE *out;	      /* what is done, as it is done; NULL: nothing (--format json) */
};
enum hv_exec_result {
	HV_EXEC_DONE,
	HV_EXEC_REFUSED,     /* the backup could not be made: nothing was changed */
	HV_EXEC_ROLLED_BACK, /* a step failed; every change was undone */
	HV_EXEC_PARTIAL,     /* a step failed and undoing failed too: the backup is kept */
};
/* Carries the action list out. Returns 0 (with *shortfall set when a pool came
 * back smaller than asked), or a negative errno with *res saying what
 * state the failure left. */
/* Every step's state is recorded in p (DONE, FAILED, ROLLED_BACK, ...),
 * p->backup and p->shortfall too. */
int hv_apply_execute(struct hv_actions *p, const struct hv_exec_opts *o, bool *shortfall, enum hv_exec_result *res);
/* Runs a boot loader tool (or says why it is not run). */
int hv_run_tool(const struct hv_exec_opts *o, const char *tool, char *const argv[]);
int hv_lock(const struct hv_root *root, int *fd);

/* Whether a boot loader tool is run under this root: always on the live
 * host, under --root only with HVOPLAN_TOOL_DIR (fakes). */
bool hv_tools_run(const struct hv_root *root, const char *tool_dir);
/* Before the dry run or the executor: every step PLANNED, or NOT_RUN for
 * a manual step or a tool that would not be run. */
void hv_actions_mark(struct hv_actions *p, const struct hv_root *root, const char *tool_dir);
/* Whether the run changes the host: with dry_run, whether --yes would
 * (a step PLANNED); else whether it did (a step DONE or ROLLBACK_FAILED). */
bool hv_actions_changed(const struct hv_actions *p);

/* ---- printing (print.c, json.c) ---- */
void hv_actions_print(FILE *out, const struct hv_actions *p, const struct hv_root *root, const char *tool_dir,
		      bool dry_run);
/* The run as one hvoplan.apply/1 document (hvoplan-apply(8), JSON OUTPUT). */
struct hv_apply_summary {
	bool dry_run, revert;
	int exit_code;
	const char *revert_of; /* --revert: the backup restored (relative), or NULL */
	int nerrors;
	const char *const *errors; /* the messages the text mode prints, without "hvoplan: " */
	/* after a run that set pools: the host's pools read again, each size
	 * set shown whole and per node (pools_after); NULL otherwise */
	const struct hv_host *after;
};
/* The pools p sets, as h has them now: "2M pool now 272 pages: node 0 136,
 * node 1 136", one line per size. */
void hv_actions_print_pools_after(FILE *out, const struct hv_actions *p, const struct hv_host *h);
/* Whether p set a pool of that size (a step that was carried out). */
bool hv_actions_set_size(const struct hv_actions *p, uint64_t size);
int hv_actions_json(FILE *out, const struct hv_actions *p, const struct hv_root *root,
		    const struct hv_apply_summary *s);

/* ---- revert (revert.c) ---- */
/* Builds the action list that restores the newest backup; *backup gets its
 * directory (relative to the root). -ENOENT when there is none. */
int hv_revert_actions(const struct hv_root *root, struct hv_actions *p, char *backup, size_t cap);
/* After a successful revert: removes the backup directory. */
int hv_revert_finish(const struct hv_root *root, const char *backup);

#endif
