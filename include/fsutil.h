/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing files safely: temp file, fsync, rename, fsync of the directory. */
#ifndef HV_FSUTIL_H
#define HV_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* mkdir -p of rel under dirfd. */
int hv_mkdirs_at(int dirfd, const char *rel, mode_t mode);
/* Creates rel under dirfd (parents made), writes, fsyncs. Fails if it exists. */
int hv_write_new_at(int dirfd, const char *rel, const void *data, size_t len, mode_t mode);
/* The same without the fsync, for a private copy that no crash must keep
 * (the extraction of --root FILE.tar): a sync per member made reading an
 * archive take most of a second, and fleet reads hundreds. */
int hv_write_temp_at(int dirfd, const char *rel, const void *data, size_t len, mode_t mode);
/* Writes all of buf to fd, retrying short writes. */
int hv_write_all(int fd, const void *buf, size_t len);
/* Replaces path atomically with data (temp sibling, fsync, rename, fsync dir). */
int hv_atomic_replace(const char *path, const void *data, size_t len, mode_t mode);
/* The same inside an open directory; `shown` names the file in messages. */
int hv_atomic_replace_at(int dfd, const char *base, const char *shown, const void *data, size_t len, mode_t mode);
int hv_fsync_parent(const char *path);
/* rm -r of a directory tree we created (never follows symlinks). */
/* Reads fd to its end into a NUL-terminated malloc'ed buffer of at most max
 * bytes: -EFBIG past that, -ENOMEM, or -errno of read(); no message. */
int hv_read_fd(int fd, size_t max, char **buf, size_t *len);
int hv_remove_tree(const char *path);
/* name under the directory dfd and all below it, no symlink followed;
 * display names it in the error. */
int hv_remove_tree_at(int dfd, const char *name, const char *display);

#endif
