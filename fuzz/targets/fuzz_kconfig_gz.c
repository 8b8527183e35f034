/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/config.gz: random bytes through zlib's gz reader exactly as
 * src/probe/kconfig.c reads them (gzdopen on a file descriptor, gzgets into
 * a 512-byte line buffer, over-long lines skipped), into the line parser.
 * zlib reads non-gzip input transparently, as the probe relies on. */
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("config.gz", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t off = 0; off < size;) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	gzFile gz = gzdopen(fd, "rb");
	if (!gz)
		abort();
	gzbuffer(gz, 128 * 1024);
	struct hv_kconfig kc;
	hv_kconfig_init(&kc);
	char line[512];
	int skipping = 0, lineno = 0;
	while (gzgets(gz, line, sizeof(line))) {
		size_t len = strlen(line);
		int complete = len > 0 && line[len - 1] == '\n';
		if (!skipping) {
			lineno++;
			hv_clear_error();
			int rc = hv_parse_kconfig_line(line, len, &kc);
			fuzz_check_error(rc, "hv_parse_kconfig_line");
			if (rc < 0)
				break;
		}
		skipping = !complete;
		if (lineno > 100000)
			break; /* a gzip bomb of short lines: bounded like the probe's time */
	}
	int zerr = Z_OK;
	const char *msg = gzerror(gz, &zerr);
	FUZZ_ASSERT(msg != NULL);
	gzclose(gz); /* closes fd */
	hv_kconfig_finish(&kc);
	FUZZ_ASSERT(kc.hvo == HV_NO || kc.hvo == HV_YES);
	return 0;
}
