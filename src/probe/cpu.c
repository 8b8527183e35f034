/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PDPE1GB from the CPUID instruction (leaf 0x80000001, EDX bit 26) on a live
 * x86 host whose /proc/cpuinfo did not say, the one thing CPUID adds to what
 * the kernel prints. libcpuid used to name the CPU too, wrongly on hosts it
 * does not know (an EPYC as "Athlon X2 (Kuma)"), at the price of a library
 * and dozens of CPUID instructions, each a trip to the hypervisor in a VM:
 * the model is the kernel's "model name" (cpuinfo) alone. Live hosts only: a
 * snapshot's CPU is not the one running this code. */
#include "probe_util.h"
#include "strutil.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

int hv_probe_cpuid(const struct hv_root *r, struct hv_host *h)
{
	unsigned int a, b, c, d;
	if (!r->live || h->cpu_gbpages != HV_TRI_UNKNOWN)
		return 0;
	if (__get_cpuid_max(0x80000000, NULL) < 0x80000001 || !__get_cpuid(0x80000001, &a, &b, &c, &d))
		return 0; /* a fact of the CPU is a nicety, never a reason to fail */
	h->cpu_gbpages = (d >> 26) & 1 ? HV_YES : HV_NO;
	hv_copy(h->cpu_gbpages_source, sizeof(h->cpu_gbpages_source), "cpuid");
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
