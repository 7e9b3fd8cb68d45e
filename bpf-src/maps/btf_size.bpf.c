/* A BTF `.maps` definition with `__uint(key_size, ..)`/`__uint(value_size, ..)` instead of types. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__uint(key_size, 8);
	__uint(value_size, 24);
} sized_map SEC(".maps");

TEST(btf_size, "maps.btf.size", "pass", "required");
CONFORM(btf_size, "desc", "a hash map sized by key_size=8/value_size=24 stores and returns all 24 value bytes");
CONFORM(btf_size, "ref", "libbpf parse_btf_map_def (key_size/value_size: __uint members)");
SEC("socket")
int btf_size(void *ctx)
{
	__u64 key = 0x0a0b0c0d01020304ULL;
	__u64 v[3] = { 0x1111222233334444ULL, 0x1234abcd, 0x5555666677778888ULL };
	__u64 *got;

	ASSERT_EQ(bpf_map_update_elem(&sized_map, &key, v, BPF_ANY), 0);  /* unpatched (sizes 0): map creation fails */
	got = bpf_map_lookup_elem(&sized_map, &key);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(got[0], 0x1111222233334444ULL);  /* unpatched: load error */
	ASSERT_EQ(got[2], 0x5555666677778888ULL);  /* unpatched: load error (value too short) */
	ASSERT_EQ(bpf_map_delete_elem(&sized_map, &key), 0);
	PASS();
}
