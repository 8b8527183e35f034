/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel .config lines: "CONFIG_X=y", "CONFIG_X=123", "# CONFIG_X is not set".
 * Symbols were renamed across releases, so each fact lists every name it had. */
#include <errno.h>
#include <string.h>

#include "hv_error.h"
#include "parse.h"

void hv_kconfig_init(struct hv_kconfig *kc)
{
	memset(kc, 0, sizeof(*kc));
	kc->hugetlb_page = kc->hvo = kc->hvo_default_on = HV_TRI_UNKNOWN;
	kc->memmap_on_memory = kc->page_extension = kc->vmemmap_preinit = HV_TRI_UNKNOWN;
	kc->page_size = HV_UNKNOWN;
}

static void set_tri(enum hv_tristate *t, int on)
{
	/* Either name of a renamed symbol being "y" makes the fact true. */
	if (on || *t != HV_YES)
		*t = on ? HV_YES : HV_NO;
}

int hv_parse_kconfig_line(const char *line, size_t len, struct hv_kconfig *kc)
{
	char buf[256];
	if (len >= sizeof(buf))
		return 0; /* long string values are never ones we read */
	memcpy(buf, line, len);
	buf[len] = '\0';
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';

	const char *name, *val;
	int on;
	if (strncmp(buf, "# CONFIG_", 9) == 0) {
		char *end = strstr(buf, " is not set");
		if (!end || end[11] != '\0')
			return 0;
		*end = '\0';
		name = buf + 9;
		val = "n";
		on = 0;
	} else if (strncmp(buf, "CONFIG_", 7) == 0) {
		char *eq = strchr(buf, '=');
		if (!eq)
			return hv_fail(EINVAL, "config line without '=': '%.60s'", buf);
		*eq = '\0';
		name = buf + 7;
		val = eq + 1;
		on = strcmp(val, "y") == 0 || strcmp(val, "m") == 0;
	} else {
		return 0;
	}

	if (!strcmp(name, "HUGETLB_PAGE"))
		set_tri(&kc->hugetlb_page, on);
	else if (!strcmp(name, "HUGETLB_PAGE_OPTIMIZE_VMEMMAP") || !strcmp(name, "HUGETLB_PAGE_FREE_VMEMMAP")) {
		set_tri(&kc->hvo, on);
		kc->hvo_symbol = name[13] == 'O' ? HV_KC_HVO_OPTIMIZE : HV_KC_HVO_FREE;
	} else if (!strcmp(name, "ARCH_WANT_HUGETLB_VMEMMAP_PREINIT"))
		set_tri(&kc->vmemmap_preinit, on);
	else if (!strcmp(name, "HUGETLB_PAGE_OPTIMIZE_VMEMMAP_DEFAULT_ON") ||
		 !strcmp(name, "HUGETLB_PAGE_FREE_VMEMMAP_DEFAULT_ON"))
		set_tri(&kc->hvo_default_on, on);
	else if (!strcmp(name, "MHP_MEMMAP_ON_MEMORY"))
		set_tri(&kc->memmap_on_memory, on);
	else if (!strcmp(name, "PAGE_EXTENSION"))
		set_tri(&kc->page_extension, on);
	else if (!strcmp(name, "PAGE_SHIFT")) {
		uint64_t sh;
		if (hv_parse_u64(val, &sh) < 0 || sh < 12 || sh > 18)
			return hv_fail(EINVAL, "CONFIG_PAGE_SHIFT=%s is not a page shift", val);
		kc->page_size = 1L << sh;
	} else if (on && (!strcmp(name, "ARM64_4K_PAGES") || !strcmp(name, "PAGE_SIZE_4KB")))
		kc->page_size = kc->page_size > 0 ? kc->page_size : 4096;
	else if (on && (!strcmp(name, "ARM64_16K_PAGES") || !strcmp(name, "PAGE_SIZE_16KB")))
		kc->page_size = kc->page_size > 0 ? kc->page_size : 16384;
	else if (on && (!strcmp(name, "ARM64_64K_PAGES") || !strcmp(name, "PPC_64K_PAGES") ||
			!strcmp(name, "PAGE_SIZE_64KB")))
		kc->page_size = kc->page_size > 0 ? kc->page_size : 65536;
	return 0;
}

int hv_parse_kconfig(const char *buf, size_t len, struct hv_kconfig *kc)
{
	size_t pos = 0;
	int lineno = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		lineno++;
		int rc = hv_parse_kconfig_line(buf + pos, ll, kc);
		if (rc < 0)
			return hv_fail(-rc, "line %d: %s", lineno, hv_last_error());
		pos += ll + 1;
	}
	hv_kconfig_finish(kc);
	return 0;
}

void hv_kconfig_finish(struct hv_kconfig *kc)
{
	kc->present = true;
	/* In a present config an absent symbol means "not set". */
	enum hv_tristate *all[] = {&kc->hugetlb_page, &kc->hvo, &kc->hvo_default_on, &kc->memmap_on_memory,
				   &kc->page_extension, &kc->vmemmap_preinit};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (*all[i] == HV_TRI_UNKNOWN)
			*all[i] = HV_NO;
}
