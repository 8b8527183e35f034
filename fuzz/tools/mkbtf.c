/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writes tiny raw BTF blobs for the fuzz seed corpus with libbpf's writer
 * API (the real /sys/kernel/btf/vmlinux is 5 MB): a struct page of the size
 * given, between types of every kind the reader must step over.
 *   cc -o mkbtf mkbtf.c -lbpf && ./mkbtf 64 page64.btf */
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: mkbtf STRUCT_PAGE_SIZE OUT\n");
		return 2;
	}
	int size = atoi(argv[1]);
	struct btf *btf = btf__new_empty();
	if (!btf)
		return 1;
	int u64 = btf__add_int(btf, "long unsigned int", 8, 0);
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int ptr = btf__add_ptr(btf, 0);
	int arr = btf__add_array(btf, u32, u32, 4);
	int en = btf__add_enum(btf, "zone_type", 4);
	btf__add_enum_value(btf, "ZONE_DMA", 0);
	btf__add_enum_value(btf, "ZONE_NORMAL", 1);
	btf__add_typedef(btf, "pgoff_t", u64);
	btf__add_const(btf, u64);
	btf__add_volatile(btf, u32);
	btf__add_fwd(btf, "folio", BTF_FWD_STRUCT);
	int proto = btf__add_func_proto(btf, u32);
	btf__add_func_param(btf, "nid", u32);
	btf__add_func(btf, "hugetlb_vmemmap_optimizable_size", BTF_FUNC_GLOBAL, proto);
	int un = btf__add_union(btf, "page_union", 8);
	btf__add_field(btf, "lru", u64, 0, 0);
	btf__add_field(btf, "mapping", ptr, 0, 0);
	/* A decoy: a union named page must not count. */
	btf__add_union(btf, "page", 8);
	btf__add_field(btf, "x", u64, 0, 0);
	if (btf__add_struct(btf, "page", size) < 0)
		return 1;
	btf__add_field(btf, "flags", u64, 0, 0);
	btf__add_field(btf, "u", un, 64, 0);
	btf__add_field(btf, "index", arr, 128, 0);
	btf__add_field(btf, "zone", en, 256, 0);
	btf__add_struct(btf, "pagevec", 16);
	btf__add_field(btf, "nr", u32, 0, 0);
	int var = btf__add_var(btf, "max_pfn", BTF_VAR_GLOBAL_ALLOCATED, u64);
	btf__add_datasec(btf, ".data", 8);
	btf__add_datasec_var_info(btf, var, 0, 8);
	btf__add_float(btf, "double", 8);
	btf__add_decl_tag(btf, "rcu", u64 /* any type */, -1);
	btf__add_type_tag(btf, "percpu", u64);
	btf__add_enum64(btf, "big", 8, false);
	btf__add_enum64_value(btf, "BIG", 1ull << 40);

	unsigned int len;
	const void *raw = btf__raw_data(btf, &len);
	FILE *f = fopen(argv[2], "wb");
	if (!raw || !f || fwrite(raw, 1, len, f) != len || fclose(f) != 0)
		return 1;
	btf__free(btf);
	return 0;
}
