/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A snapshot: collecting the files hvoplan reads (src/probe/snapshot_collect.c),
 * writing them out as a directory or a tar archive (src/util/snapshot_write.c),
 * and extracting such an archive for --root (src/util/snapshot_untar.c). */
#ifndef HV_SNAPSHOT_H
#define HV_SNAPSHOT_H

#include <stddef.h>

#include "probe.h"

struct hv_snap_file {
	char *path; /* relative, e.g. "proc/meminfo" */
	char *data;
	size_t len;
	char *link; /* symlink target when not NULL (data unused) */
};

struct hv_snapshot {
	struct hv_snap_file *files;
	size_t n, cap;
	int skipped; /* unreadable files left out */
};

int hv_snapshot_collect(const struct hv_root *r, struct hv_snapshot *s);
void hv_snapshot_free(struct hv_snapshot *s);
/* Atomic: a temporary sibling is filled, synced and renamed into place. */
int hv_snapshot_write_dir(const struct hv_snapshot *s, const char *dir, int force);
int hv_snapshot_write_tar(const struct hv_snapshot *s, const char *file, int force);
/* Extracts a snapshot archive into a new private directory (mkdtemp under
 * $TMPDIR, name returned in dir) for use as --root; remove it with
 * hv_snapshot_untar_remove(), which works with no descriptor to spare (a
 * signal handler removes it on SIGTERM, SIGINT, SIGHUP until then).  Only regular files and directories with relative names
 * inside the archive are accepted: absolute names, "..", links and special
 * files fail the whole extraction (and nothing is left behind). */
int hv_snapshot_untar(const char *tar, char *dir, size_t cap);
void hv_snapshot_untar_remove(const char *dir);

#endif
