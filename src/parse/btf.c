/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal reader of raw BTF (/sys/kernel/btf/vmlinux) that finds one
 * struct's size. libbpf would do it in 8x the time and pull libelf in;
 * we need a single lookup. Every offset is bounds-checked: the blob may come
 * from a damaged snapshot. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "hv_error.h"
#include "parse.h"

#define BTF_MAGIC 0xeB9F
#define BTF_KIND_STRUCT 4

struct btf_hdr {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len, type_off, type_len, str_off, str_len;
};

/* Bytes that follow `struct btf_type` (12 bytes) for each kind; vlen-scaled
 * kinds give the per-member size as a negative number. */
static int kind_extra(unsigned kind, unsigned vlen, size_t *extra)
{
	static const int tab[] = {
		[1] = 4,    /* INT */
		[2] = 0,    /* PTR */
		[3] = 12,   /* ARRAY */
		[4] = -12,  /* STRUCT */
		[5] = -12,  /* UNION */
		[6] = -8,   /* ENUM */
		[7] = 0,    /* FWD */
		[8] = 0,    /* TYPEDEF */
		[9] = 0,    /* VOLATILE */
		[10] = 0,   /* CONST */
		[11] = 0,   /* RESTRICT */
		[12] = 0,   /* FUNC */
		[13] = -8,  /* FUNC_PROTO */
		[14] = 4,   /* VAR */
		[15] = -12, /* DATASEC */
		[16] = 0,   /* FLOAT */
		[17] = 4,   /* DECL_TAG */
		[18] = 0,   /* TYPE_TAG */
		[19] = -12, /* ENUM64 */
	};
	if (kind == 0 || kind >= sizeof(tab) / sizeof(tab[0]))
		return -ENOTSUP;
	*extra = tab[kind] >= 0 ? (size_t)tab[kind] : (size_t)(-tab[kind]) * vlen;
	return 0;
}

int hv_btf_struct_size(const void *blob, size_t len, const char *name, uint32_t *size)
{
	struct btf_hdr h;
	if (len < sizeof(h))
		return hv_fail(EINVAL, "BTF blob too short (%zu bytes)", len);
	memcpy(&h, blob, sizeof(h));
	if (h.magic == 0x9FeB)
		return hv_fail(ENOTSUP, "BTF blob is of the other byte order");
	if (h.magic != BTF_MAGIC)
		return hv_fail(EINVAL, "not a BTF blob (magic 0x%04x)", h.magic);
	if (h.version != 1)
		return hv_fail(ENOTSUP, "BTF version %u is not supported", h.version);
	if (h.hdr_len < sizeof(h) || h.hdr_len > len)
		return hv_fail(EINVAL, "BTF header length %u out of bounds", h.hdr_len);
	const uint8_t *base = (const uint8_t *)blob + h.hdr_len;
	size_t avail = len - h.hdr_len;
	if ((uint64_t)h.type_off + h.type_len > avail || (uint64_t)h.str_off + h.str_len > avail)
		return hv_fail(EINVAL, "BTF sections out of bounds");
	const uint8_t *types = base + h.type_off, *strs = base + h.str_off;
	size_t nlen = strlen(name);

	size_t off = 0;
	while (off + 12 <= h.type_len) {
		uint32_t t[3];
		memcpy(t, types + off, sizeof(t));
		unsigned vlen = t[1] & 0xffff, kind = (t[1] >> 24) & 0x1f;
		size_t extra;
		if (kind_extra(kind, vlen, &extra) < 0)
			return hv_fail(ENOTSUP, "BTF has a type kind (%u) this reader does not know", kind);
		if (kind == BTF_KIND_STRUCT && t[0] < h.str_len && h.str_len - t[0] > nlen &&
		    memcmp(strs + t[0], name, nlen + 1) == 0) {
			*size = t[2];
			return 0;
		}
		if (extra > h.type_len - off - 12)
			return hv_fail(EINVAL, "BTF type record runs past the type section");
		off += 12 + extra;
	}
	return hv_fail(ENOENT, "BTF has no struct %s", name);
}
