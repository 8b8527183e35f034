/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPU identity from libcpuid where Debian builds it (amd64, i386): the
 * codename for the report header, and PDPE1GB from CPUID leaf 0x80000001
 * (libcpuid has no flag for it) when /proc/cpuinfo did not say. Live hosts
 * only: a snapshot's CPU is not the one running this code. */
#include "probe_util.h"
#include "strutil.h"

#ifdef HAVE_LIBCPUID
#include <libcpuid.h>

int hv_probe_cpuid(const struct hv_root *r, struct hv_host *h)
{
	if (!r->live || !cpuid_present())
		return 0;
	struct cpu_raw_data_t raw;
	struct cpu_id_t id;
	if (cpuid_get_raw_data(&raw) < 0 || cpu_identify(&raw, &id) < 0)
		return 0; /* an identity is a nicety, never a reason to fail */
	hv_copy(h->cpu_codename, sizeof(h->cpu_codename), id.cpu_codename);
	if (h->cpu_gbpages == HV_TRI_UNKNOWN)
		h->cpu_gbpages = (raw.ext_cpuid[1][3] >> 26) & 1 ? HV_YES : HV_NO; /* EDX bit 26 */
	return 0;
}
#else
int hv_probe_cpuid(const struct hv_root *r, struct hv_host *h)
{
	(void)r;
	(void)h;
	return 0;
}
#endif
