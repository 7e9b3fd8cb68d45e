/* iproute2's `struct bpf_elf_map` in SEC("maps") (bpf_map_def plus id, pinning, inner_id, inner_idx): 36-byte definitions, each field at its place. */
#include "conformance.h"

/* iproute2 include/bpf_elf.h */
struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
	__u32 inner_id;
	__u32 inner_idx;
};

#define PIN_NONE 0

/* ids set (iproute2 uses them only to wire inner maps): a loader must not take them for sizes */
struct bpf_elf_map SEC("maps") elf_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u64),
	.max_elem = 2,
	.id = 7,
	.pinning = PIN_NONE,
};

struct bpf_elf_map SEC("maps") elf_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.size_key = sizeof(__u32),
	.size_value = sizeof(__u32),
	.max_elem = 6,
	.id = 9,
	.pinning = PIN_NONE,
};

TEST(legacy_elf_map, "legacy.elf_map", "pass", "optional");
CONFORM(legacy_elf_map, "desc", "two 36-byte bpf_elf_map definitions (ids 7 and 9): a 2-entry hash of u64 and a 6-entry array of u32");
CONFORM(legacy_elf_map, "ref", "iproute2 include/bpf_elf.h, lib/bpf_legacy.c bpf_fetch_maps_end; libbpf < 1.0 bpf_object__init_user_maps (map_def_sz)");
SEC("socket")
int legacy_elf_map(void *ctx)
{
	__u32 k;
	__u64 v = 0xabcdef0123456789ULL, *got;
	__u32 *slot;

	/* unpatched (extra fields refused, or the maps section ignored): the object does not load */
	/* (int): kernels before 6.4 call htab_map_update_elem (int) directly from the program, and
	 * r0 keeps only its low half (upper half zero), so -E2BIG reads 0xfffffff9 in 64 bits (kernel commit "bpf:
	 * return long from bpf_map_ops funcs", iovisor/bcc#4571): only the low 32 bits are the
	 * kernel's answer, and the loader's part (max_entries read right) shows in them */
	k = 40;
	ASSERT_EQ((int)bpf_map_update_elem(&elf_hash, &k, &v, BPF_NOEXIST), 0); /* read as an array: -E2BIG */
	k = 41;
	ASSERT_EQ((int)bpf_map_update_elem(&elf_hash, &k, &v, BPF_NOEXIST), 0);
	k = 42;
	ASSERT_EQ((int)bpf_map_update_elem(&elf_hash, &k, &v, BPF_NOEXIST), -E2BIG); /* max_elem misread: 0 */
	k = 41;
	got = bpf_map_lookup_elem(&elf_hash, &k);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0xabcdef0123456789ULL);
	/* a 20-byte stride would read elf_array from inside elf_hash's extra fields */
	k = 5;
	slot = bpf_map_lookup_elem(&elf_array, &k);
	ASSERT_NOT_NULL(slot);                  /* max_elem misread (< 6): NULL */
	ASSERT_EQ(*slot, 0);
	k = 6;
	ASSERT_NULL(bpf_map_lookup_elem(&elf_array, &k)); /* max_elem misread (> 6): a slot */
	PASS();
}
