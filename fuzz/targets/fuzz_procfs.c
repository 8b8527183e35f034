/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proc/PID/status (HugetlbPages, Uid, Name) and proc/PID/smaps, as `top`
 * reads them: a process's own name is in status, so the bytes are the
 * other user's to choose. Also /proc/sysvipc/shm, and the holder count
 * (src/model/holders.c) over the segments and mappings parsed from the same
 * bytes: its sums must hold whatever they say. */
#include "fuzz_common.h"
#include "holders.h"
#include "procs.h"

static void holders(const struct hv_htlb_vma *v, int n, const struct hv_shm_seg *seg, int nseg)
{
	static struct hv_host h; /* large: static, reset per input */
	memset(&h, 0, offsetof(struct hv_host, hstates));
	h.page_size = 4096;
	h.kver_major = 6;
	h.kver_minor = 18;
	h.nhstates = 2;
	h.hstates[0] = (struct hv_hstate){.size = 2u << 20, .nr = 64, .free = 8};
	h.hstates[1] = (struct hv_hstate){.size = 1u << 30, .nr = 4, .free = 1};
	struct hv_pid_vma pv[64];
	int npv = n < 64 ? n : 64;
	for (int i = 0; i < npv; i++)
		pv[i] = (struct hv_pid_vma){.pid = i, .dev_major = v[i].dev_major, .dev_minor = v[i].dev_minor,
					    .ino = v[i].ino, .page_size = (uint64_t)(v[i].page_kib & 0xfffffff) << 10,
					    .private_kib = v[i].private_kib, .shared_kib = v[i].shared_kib,
					    .sysv = v[i].sysv};
	struct hv_htlb_file f[2] = {
		{.path = "/f0", .ino = npv ? pv[0].ino : 1, .page_size = 2u << 20, .bytes = 6u << 20},
		{.path = "/f1", .ino = 77, .page_size = 1u << 30, .bytes = 1u << 30},
	};
	struct hv_holders_input in = {.scanned = true, .shm_read = true, .nseg = nseg, .seg = (struct hv_shm_seg *)seg,
				      .nfiles = 2, .files = f, .nvma = npv, .vma = pv};
	static struct hv_holders o;
	hv_model_holders(&h, &in, &o);
	FUZZ_ASSERT(o.nsizes == 2 && o.norphans <= HV_MAX_ORPHANS && o.norphans <= o.norphans_total);
	for (int i = 0; i < o.nsizes; i++) {
		const struct hv_holder_size *z = &o.sizes[i];
		FUZZ_ASSERT(z->files >= 0 && z->sysv >= 0 && z->mapped >= 0 && z->unattributed >= 0);
		FUZZ_ASSERT(z->unattributed <= z->in_use && z->orphaned <= z->files + z->sysv);
		FUZZ_ASSERT(z->unattributed == 0 || z->files + z->sysv + z->mapped + z->unattributed == z->in_use);
	}
	for (int i = 0; i < o.norphans; i++)
		FUZZ_ASSERT(o.orphans[i].pages > 0 || o.orphans[i].kind == HV_ORPHAN_SHM_MAYBE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *b = fuzz_buf(data, size);
	int64_t kib = -42;
	long uid = -42;
	int rc = hv_parse_status_hugetlb(b, size, &kib);
	FUZZ_ASSERT(rc == 0 || rc == -ENOENT || rc == -EINVAL);
	if (rc == 0)
		FUZZ_ASSERT(kib >= 0);
	rc = hv_parse_status_euid(b, size, &uid);
	FUZZ_ASSERT(rc == 0 || rc == -ENOENT || rc == -EINVAL);
	if (rc == 0)
		FUZZ_ASSERT(uid >= 0 && uid <= 0xffffffffl);
	char name[8];
	memset(name, 'x', sizeof(name));
	rc = hv_parse_status_name(b, size, name, sizeof(name));
	FUZZ_ASSERT(rc == 0 || rc == -ENOENT);
	if (rc == 0)
		FUZZ_ASSERT(memchr(name, '\0', sizeof(name)) != NULL);

	struct hv_htlb_vma *v = NULL;
	int n = -1;
	rc = hv_parse_smaps_hugetlb(b, size, &v, &n);
	FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -ENOMEM);
	if (rc == 0) {
		FUZZ_ASSERT(n >= 0 && (n == 0 || v));
		for (int i = 0; i < n; i++)
			FUZZ_ASSERT(v[i].size_kib >= 0 && v[i].private_kib >= 0 && v[i].shared_kib >= 0);
	}
	/* numa_maps: entries sorted by size then node, each once, counts > 0 */
	struct hv_numa_use u[8];
	int nu = -1;
	bool tr;
	int nrc = hv_parse_numa_maps_hugetlb(b, size, u, 8, &nu, &tr);
	FUZZ_ASSERT(nrc == 0 || nrc == -EINVAL);
	FUZZ_ASSERT(nu >= 0 && nu <= 8 && (!tr || nu == 8));
	for (int i = 0; i < nu; i++) {
		FUZZ_ASSERT(u[i].page_kib > 0 && u[i].node >= 0 && u[i].pages > 0);
		FUZZ_ASSERT(i == 0 || u[i - 1].page_kib < u[i].page_kib ||
			    (u[i - 1].page_kib == u[i].page_kib && u[i - 1].node < u[i].node));
	}
	struct hv_shm_seg *seg = NULL;
	int nseg = -1;
	int src = hv_parse_sysvipc_shm(b, size, &seg, &nseg);
	FUZZ_ASSERT(src == 0 || src == -EINVAL || src == -ERANGE || src == -ENOMEM || src == -E2BIG);
	if (src == 0)
		FUZZ_ASSERT(nseg >= 0 && (nseg == 0 || seg));
	else
		FUZZ_ASSERT(seg == NULL);
	if (rc == 0 || src == 0)
		holders(rc == 0 ? v : NULL, rc == 0 ? n : 0, src == 0 ? seg : NULL, src == 0 ? nseg : 0);
	free(seg);
	free(v);
	free(b);
	return 0;
}
