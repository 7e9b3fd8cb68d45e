/* A BPF_MAP_TYPE_HASH map is created as a hash: sparse 32-bit keys, update/lookup/delete through the relocated reference. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} hash_map SEC(".maps");

TEST(map_hash, "maps.type", "pass", "required");
CONFORM(map_hash, "desc", "a hash map takes key 0xdeadbeef, finds it, deletes it, then misses it");
CONFORM(map_hash, "ref", "libbpf parse_btf_map_def (type), bpf_object__create_map; kernel htab_map_update_elem");
SEC("socket")
int map_hash(void *ctx)
{
	__u32 key = 0xdeadbeef;
	__u64 v = 0x1234abcd00c0ffeeULL;
	__u64 *got;

	ASSERT_EQ(bpf_map_update_elem(&hash_map, &key, &v, BPF_NOEXIST), 0);  /* unpatched (created as array): -E2BIG */
	got = bpf_map_lookup_elem(&hash_map, &key);
	ASSERT_NOT_NULL(got);                                  /* array: NULL (key out of range) */
	ASSERT_EQ(*got, 0x1234abcd00c0ffeeULL);
	ASSERT_EQ(bpf_map_delete_elem(&hash_map, &key), 0);    /* array: -EINVAL (arrays cannot delete) */
	ASSERT_NULL(bpf_map_lookup_elem(&hash_map, &key));
	PASS();
}
