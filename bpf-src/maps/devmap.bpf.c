/* A BPF_MAP_TYPE_DEVMAP is created as one, with its declared key and value sizes and max_entries: an empty slot looks up as NULL, where an array's would be a zeroed value. */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} devs SEC(".maps");

TEST(map_devmap, "maps.type", "pass", "required");
CONFORM(map_devmap, "desc", "a DEVMAP declared with a 4-byte key, a 4-byte value and max_entries 4 is created with map_type BPF_MAP_TYPE_DEVMAP, key_size 4, value_size 4 and max_entries 4 (read from the kernel's struct bpf_map); an empty slot looks up as NULL");
CONFORM(map_devmap, "ref", "libbpf parse_btf_map_def (type), bpf_object__create_map (created without BTF); kernel dev_map_alloc, dev_map_init_map (key_size 4, value_size 4 or 8)");
CONFORM(map_devmap, "requires", "btf_vmlinux");
SEC("socket")
int map_devmap(void *ctx)
{
	__u32 key = 0;

	ASSERT_EQ(CREATED_MAP_TYPE(devs), BPF_MAP_TYPE_DEVMAP);  /* unpatched (type ignored, created as an array): BPF_MAP_TYPE_ARRAY */
	ASSERT_EQ(CREATED_KEY_SIZE(devs), 4);
	ASSERT_EQ(CREATED_VALUE_SIZE(devs), 4);
	ASSERT_EQ(CREATED_MAX_ENTRIES(devs), 4);
	ASSERT_NULL(bpf_map_lookup_elem(&devs, &key));  /* no device in slot 0: NULL (an array's slot 0 would be a zeroed value) */
	PASS();
}
