/* `max_entries` is honoured: a hash takes exactly that many keys, an array has exactly that many slots. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u32);
} small_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u32);
} small_array SEC(".maps");

TEST(max_entries_hash, "maps.max_entries", "pass", "required");
CONFORM(max_entries_hash, "desc", "a hash with max_entries 3 refuses a fourth key with -E2BIG");
CONFORM(max_entries_hash, "ref", "libbpf parse_btf_map_def (max_entries); kernel htab_map_update_elem (-E2BIG)");
SEC("socket")
int max_entries_hash(void *ctx)
{
	__u32 k1 = 0x101, k2 = 0x202, k3 = 0x303, k4 = 0x404, v = 0x1234abcd;
	int ret;

	ASSERT_EQ(bpf_map_update_elem(&small_hash, &k1, &v, BPF_NOEXIST), 0);  /* unpatched (max_entries 4096): 0, unchanged */
	ASSERT_EQ(bpf_map_update_elem(&small_hash, &k2, &v, BPF_NOEXIST), 0);  /* unpatched (max_entries 4096): 0, unchanged */
	ASSERT_EQ(bpf_map_update_elem(&small_hash, &k3, &v, BPF_NOEXIST), 0);  /* unpatched (max_entries 4096): 0, unchanged */
	ret = bpf_map_update_elem(&small_hash, &k4, &v, BPF_NOEXIST);
	/* Empty the map again so a repeated run starts from the same state. */
	bpf_map_delete_elem(&small_hash, &k1);
	bpf_map_delete_elem(&small_hash, &k2);
	bpf_map_delete_elem(&small_hash, &k3);
	bpf_map_delete_elem(&small_hash, &k4);
	ASSERT_EQ(ret, -E2BIG);  /* unpatched (max_entries ignored, 4096): 0 */
	PASS();
}

TEST(max_entries_array, "maps.max_entries", "pass", "required");
CONFORM(max_entries_array, "desc", "an array with max_entries 5 has slot 4 and no slot 5");
CONFORM(max_entries_array, "ref", "libbpf parse_btf_map_def (max_entries); kernel array_map_lookup_elem");
SEC("socket")
int max_entries_array(void *ctx)
{
	__u32 k = 4;

	ASSERT_NOT_NULL(bpf_map_lookup_elem(&small_array, &k));  /* unpatched (max_entries 4096): a slot, unchanged */
	k = 5;
	ASSERT_NULL(bpf_map_lookup_elem(&small_array, &k));  /* unpatched (max_entries ignored): a slot */
	PASS();
}
