/* BPF_F_NO_PREALLOC of a HASH definition reaches BPF_MAP_CREATE (elements allocated on update, not at creation): the map_flags are read back from the kernel's struct bpf_map. */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, __u64);
} lazy SEC(".maps");

TEST(map_flags_no_prealloc_hash, "maps.flags", "pass", "required");
CONFORM(map_flags_no_prealloc_hash, "desc", "a HASH declared BPF_F_NO_PREALLOC is created with it (map_flags read back) and takes an update and a lookup");
CONFORM(map_flags_no_prealloc_hash, "ref", "libbpf parse_btf_map_def (map_flags); kernel htab_map_alloc (prealloc = !(attr->map_flags & BPF_F_NO_PREALLOC))");
SEC("socket")
int map_flags_no_prealloc_hash(void *ctx)
{
	__u32 key = 3;
	__u64 value = 42, *got;

	ASSERT_EQ(CREATED_MAP_FLAGS(lazy), BPF_F_NO_PREALLOC);  /* unpatched (map_flags ignored): 0, a preallocated hash */
	ASSERT_EQ(bpf_map_update_elem(&lazy, &key, &value, BPF_ANY), 0);
	/* unpatched: 0 as well (a preallocated hash takes it too) */
	got = bpf_map_lookup_elem(&lazy, &key);
	ASSERT_NOT_NULL(got);  /* unpatched: found as well */
	ASSERT_EQ(*got, 42);  /* unpatched: 42 as well */
	PASS();
}
