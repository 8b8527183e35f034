/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure parsers of kernel text formats. No I/O: the probe layer hands them
 * buffers, and the fuzz targets call them directly. Each returns 0 or a
 * negative errno and, on error, sets hv_fail() text naming the value. */
#ifndef HV_PARSE_H
#define HV_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "host.h"

/* Whole-string decimal number; surrounding white space allowed. */
int hv_parse_u64(const char *s, uint64_t *out);
int hv_parse_i64_nonneg(const char *s, int64_t *out);
/* Like hv_parse_u64 but also accepts 0x-prefixed or bare hex (block_size_bytes). */
int hv_parse_hex_u64(const char *s, uint64_t *out);

/* "2M", "1G", "2048kB", "1T", "4096", "1.00 GiB": binary units. */
int hv_parse_size(const char *s, uint64_t *out);
/* lib/cmdline.c memparse() as the kernel applies it to hugepagesz= and
 * default_hugepagesz=: a C number (0x hex, 0 octal) and an optional
 * K/M/G/T/P/E, anything after ignored, 0 without digits; never fails. */
uint64_t hv_kmemparse(const char *s);

/* "hugepages-2048kB" -> bytes. */
int hv_parse_hstate_dirname(const char *name, uint64_t *out);

/* One "Name: value [kB]" (meminfo) or "name value" (vmstat) line.
 * name is copied into namebuf; *value set; *has_kb set when the unit is kB. */
int hv_parse_kv_line(const char *line, size_t len, char *namebuf, size_t namecap, uint64_t *value,
		     int *has_kb);

/* Fills the fields of *mi it recognizes from /proc/meminfo text. */
int hv_parse_meminfo(const char *buf, size_t len, struct hv_meminfo *mi);

/* Finds nr_memmap_pages / nr_memmap_boot_pages (left HV_UNKNOWN when absent). */
int hv_parse_vmstat(const char *buf, size_t len, int64_t *memmap_pages, int64_t *memmap_boot_pages);

/* /proc/iomem's top-level System RAM ranges into *rr, sorted; -EACCES when
 * every address is 0 (read without root). */
int hv_parse_iomem(const char *buf, size_t len, struct hv_ram_ranges *rr);
/* The hugetlbfs lines of /proc/mounts ("SPEC PATH hugetlbfs OPTS 0 0",
 * octal escapes in SPEC and PATH); other lines are skipped unread. */
int hv_parse_mounts(const char *buf, size_t len, struct hv_mounts *m);
/* hvoplan-hugetlbfs-statfs.txt: "PATH BSIZE BLOCKS BFREE FILES FFREE" per
 * line, PATH escaped as in /proc/mounts; fills the mounts it names. */
int hv_parse_mount_statfs(const char *buf, size_t len, struct hv_mounts *m);
/* The record hv_parse_mount_statfs() reads, for the mounts with statfs
 * figures: malloc'ed into *out. */
int hv_format_mount_statfs(const struct hv_mounts *m, char **out, size_t *len);
/* /proc/mounts' octal escapes (\040 and the like) undone into out. */
int hv_mount_unescape(const char *in, size_t n, char *out, size_t cap);
/* One range (a /sys/firmware/memmap entry); hv_ram_sort() after the last. */
int hv_ram_add(struct hv_ram_ranges *rr, uint64_t start, uint64_t end);
void hv_ram_sort(struct hv_ram_ranges *rr);
/* The sum of "zone Device" spanned pages over the nodes of /proc/zoneinfo. */
int hv_parse_zoneinfo_device(const char *buf, size_t len, int64_t *pages);
/* /proc/buddyinfo's free blocks per order into fb (malloc'ed zones;
 * hv_free_blocks_release() frees them). */
int hv_parse_buddyinfo(const char *buf, size_t len, struct hv_free_blocks *fb);
/* /proc/zoneinfo's free pages, min watermark and protection of each zone
 * into the zones of fb (those buddyinfo did not list are added). */
int hv_parse_zoneinfo_marks(const char *buf, size_t len, struct hv_free_blocks *fb);
/* /proc/pagetypeinfo's "Pages per block:" (a power of two). */
int hv_parse_pagetypeinfo_block(const char *buf, size_t len, int64_t *pages);
/* The managed pages above the high watermark of the zones up to Normal in
 * /proc/zoneinfo (nr_free_buffer_pages()), and how many of those zones are
 * populated (present pages) over all nodes. */
int hv_parse_zoneinfo_lowmem(const char *buf, size_t len, int64_t *pages, int *zones);
/* The bracketed mode of /sys/kernel/mm/transparent_hugepage/enabled into
 * mode (NUL-terminated buf). */
int hv_parse_thp_enabled(const char *buf, char *mode, size_t cap);
/* The group(5) line of gid in buf (NAME:PASSWORD:GID:MEMBERS; lines that
 * are not one are skipped, as getgrgid() does): 1 with its name and
 * members (truncated to the caps), 0 when no line has gid. */
int hv_parse_group(const char *buf, size_t len, int64_t gid, char *name, size_t ncap, char *members, size_t mcap);

int hv_parse_cmdline(const char *buf, size_t len, struct hv_cmdline *cl);
/* lib/kstrtox.c kstrtobool(): y/n, 1/0, on/off by their first letters; 0 or -EINVAL. */
int hv_kstrtobool(const char *v, int *out);
/* One parameter the way the kernel's next_arg() (lib/cmdline.c) splits a
 * command line: a double quote toggles quoting and blanks inside quotes do
 * not split. Skips blanks from *pos, leaves *pos at the parameter and
 * returns its length; 0 at len or a NUL. */
size_t hv_karg_next(const char *buf, size_t len, size_t *pos);
/* next_arg()'s name and value of one parameter: the name without a leading
 * quote, up to the first '=' after its first byte; the value (NULL when
 * there is no such '=') without the quote that opens it; a closing quote
 * goes when the parameter or its value opened one. */
void hv_karg_split(const char *tok, size_t len, const char **name, size_t *name_len, const char **val,
		   size_t *val_len);

/* /proc/cpuinfo: the length of the first processor block, through the
 * blank line that ends it; 0 while buf holds no whole block. */
size_t hv_cpuinfo_block_len(const char *buf, size_t len);
/* The first block's "model name" ("" when none) and whether its "flags"
 * list pdpe1gb (HV_TRI_UNKNOWN when it has no flags line); a buf without a
 * blank line is one block. */
struct hv_cpuinfo {
	char model[128];
	enum hv_tristate gbpages;
};
void hv_parse_cpuinfo_block(const char *buf, size_t len, struct hv_cpuinfo *ci);

/* Plain-text kernel config; call once per line or with the whole text. */
void hv_kconfig_init(struct hv_kconfig *kc);
int hv_parse_kconfig_line(const char *line, size_t len, struct hv_kconfig *kc);
int hv_parse_kconfig(const char *buf, size_t len, struct hv_kconfig *kc);
/* After the last line: a symbol absent from a present config is "not set". */
void hv_kconfig_finish(struct hv_kconfig *kc);

/* Kernel log: picks the HugeTLB lines out of dmesg text (with or without
 * timestamps, with or without "<6>" priorities or /dev/kmsg prefixes). */
void hv_bootlog_init(struct hv_bootlog *bl);
int hv_parse_dmesg_line(const char *line, size_t len, struct hv_bootlog *bl);
int hv_parse_dmesg(const char *buf, size_t len, struct hv_bootlog *bl);

/* Size of `struct <name>` in a raw BTF blob; -ENOENT when absent,
 * -EINVAL on a malformed blob, -ENOTSUP for an unknown future BTF kind. */
int hv_btf_struct_size(const void *blob, size_t len, const char *name, uint32_t *size);

/* Node list "0-3,5" -> count of nodes. */
int hv_parse_nodelist(const char *s, int *count);

/* "6.18.44-fc-v669" -> 6, 18, 44. */
int hv_parse_release(const char *s, int *major, int *minor, int *patch);

/* util-linux style human size: "2M", "1G", "28K", "1.5G", "0B". */
void hv_fmt_size(uint64_t bytes, char *buf, size_t cap);

#endif
