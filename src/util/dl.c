/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dlopen of a library and its symbols, with a message that names it. */
#include <dlfcn.h>
#include <errno.h>

#include "dl.h"
#include "hv_error.h"

int hv_dlopen(const char *soname, const char *pkg, void **handle, const struct hv_dlsym *syms, size_t n)
{
	if (*handle)
		return 0;
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *err = dlerror();
		return hv_fail(ENOPKG, "cannot load %s (package %s): %s", soname, pkg, err ? err : "unknown error");
	}
	for (size_t i = 0; i < n; i++) {
		dlerror();
		*syms[i].slot = dlsym(h, syms[i].name);
		if (!*syms[i].slot) {
			const char *err = dlerror();
			int rc = hv_fail(ENOPKG, "%s (package %s) has no symbol %s: %s", soname, pkg, syms[i].name,
					 err ? err : "null");
			for (size_t j = 0; j < i; j++)
				*syms[j].slot = NULL;
			dlclose(h);
			return rc;
		}
	}
	*handle = h;
	return 0;
}
