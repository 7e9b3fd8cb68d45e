/* An array map reached through its relocated ld_imm64 reference: update, lookup, in-place write seen by a second lookup. */
#include "conformance.h"

/*
 * Defined first, so a loader resolving a map reference to the wrong map (the section's
 * first) gets this one: the same key and value, but only two entries, so the update of
 * key 2 below fails (-E2BIG) instead of being refused by the verifier.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} reloc_decoy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} reloc_array SEC(".maps");

TEST(map_reloc_array, "maps.reloc", "pass", "required");
CONFORM(map_reloc_array, "desc", "helpers on an array map (the second of two) relocated by ld_imm64 see that map across calls");
CONFORM(map_reloc_array, "ref", "llvm_reloc.rst R_BPF_64_64 to a .maps symbol; libbpf bpf_object__relocate_data (BPF_PSEUDO_MAP_FD)");
SEC("socket")
int map_reloc_array(void *ctx)
{
	__u32 key = 2, v = 0x1234abcd, *got;

	ASSERT_NULL(bpf_map_lookup_elem(&reloc_decoy, &key));  /* unpatched: the first map, reloc_decoy, NULL too */
	/* unpatched (the reference resolved to the first map, reloc_decoy): -E2BIG */
	ASSERT_EQ(bpf_map_update_elem(&reloc_array, &key, &v, BPF_ANY), 0);
	got = bpf_map_lookup_elem(&reloc_array, &key);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x1234abcd);
	*got = 0x600d600d;                       /* write through the value pointer */
	got = bpf_map_lookup_elem(&reloc_array, &key);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x600d600d);
	*got = 0;
	PASS();
}
