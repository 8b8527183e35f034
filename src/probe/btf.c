/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sizeof(struct page) from the kernel's BTF. mmap() where the kernel allows
 * it (6.x): reading the 5 MB blob through sysfs 4 KiB at a time costs 5x
 * more than everything else a report reads. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv_error.h"
#include "parse.h"
#include "probe.h"
#include "probe_util.h"

#define BTF_MAX (256u << 20)

int hv_probe_btf(const struct hv_root *r, struct hv_host *h)
{
	static const char rel[] = "sys/kernel/btf/vmlinux";
	h->btf_struct_page_size = HV_UNKNOWN;
	char ident[512] = "";
	int64_t cached;
	bool cache = hv_cache_usable(r);
	if (cache) {
		hv_cache_ident(r, rel, ident, sizeof(ident));
		/* the model trusts 16 to 1024 bytes; anything else is read again */
		if (hv_cache_get(r, HV_CACHE_BTF, ident, &cached, sizeof(cached)) && cached >= 16 && cached <= 1024) {
			h->btf_struct_page_size = cached;
			return 0;
		}
	}
	int fd = hv_root_open_file(r, rel);
	if (fd < 0) {
		if (fd == -HV_ENOTREG)
			hv_note("%s", hv_last_error());
		else if (fd != -ENOENT)
			hv_note("%s: %s", hv_root_name(r, rel), strerror(-fd));
		return 0;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size <= 0 || (uint64_t)st.st_size > BTF_MAX) {
		close(fd);
		hv_note("%s: unusable size", hv_root_name(r, rel));
		return 0;
	}
	size_t len = (size_t)st.st_size;
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	char *buf = NULL;
	if (map == MAP_FAILED) {
		map = NULL;
		buf = malloc(len);
		size_t got = 0;
		while (buf && got < len) {
			ssize_t n = read(fd, buf + got, len - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (!buf || got != len) {
			free(buf);
			close(fd);
			hv_note("%s: short read", hv_root_name(r, rel));
			return 0;
		}
	}
	close(fd);
	uint32_t size;
	int rc = hv_btf_struct_size(map ? map : buf, len, "page", &size);
	if (rc == 0) {
		h->btf_struct_page_size = size;
		cached = size;
		if (cache)
			hv_cache_put(r, HV_CACHE_BTF, ident, &cached, sizeof(cached));
	} else
		hv_note("%s: %s", hv_root_name(r, rel), hv_last_error());
	if (map)
		munmap(map, len);
	free(buf);
	return 0;
}
