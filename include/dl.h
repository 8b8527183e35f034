/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Libraries a run needs only sometimes (ncursesw for top's screen, zlib for
 * a kernel config read, inih for apply's settings), opened with dlopen when
 * first needed, as systemd opens its optional libraries: the soname, then
 * the few symbols into a table of pointers. A report or --version that does
 * not need one never loads it (tests/cli/libraries.bats). */
#ifndef HV_DL_H
#define HV_DL_H

#include <stddef.h>

struct hv_dlsym {
	const char *name;
	void **slot;
};

/* Opens soname once (*handle caches it) and fills every slot; on failure
 * nothing is kept and the message names the library and its Debian package
 * (pkg) and what is missing. */
int hv_dlopen(const char *soname, const char *pkg, void **handle, const struct hv_dlsym *syms, size_t n);

#define HV_DLSYM(table, name) {#name, (void **)&(table).p_##name}

#endif
