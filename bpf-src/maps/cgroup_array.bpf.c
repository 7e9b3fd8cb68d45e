/* A BPF_MAP_TYPE_CGROUP_ARRAY is created as one, with its declared key and value sizes (a cgroup's fd) and max_entries. */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 12);
	__type(key, __u32);
	__type(value, __u32);
} cgroups SEC(".maps");

TEST(map_cgroup_array, "maps.type", "pass", "required");
CONFORM(map_cgroup_array, "desc", "a CGROUP_ARRAY declared with a 4-byte key, a 4-byte value and max_entries 12 is created with map_type BPF_MAP_TYPE_CGROUP_ARRAY, key_size 4, value_size 4 and max_entries 12 (read from the kernel's struct bpf_map)");
CONFORM(map_cgroup_array, "ref", "libbpf parse_btf_map_def (type), bpf_object__create_map (created without BTF); kernel fd_array_map_alloc_check (value_size 4), array_map_alloc");
CONFORM(map_cgroup_array, "requires", "btf_vmlinux");
SEC("socket")
int map_cgroup_array(void *ctx)
{
	ASSERT_EQ(CREATED_MAP_TYPE(cgroups), BPF_MAP_TYPE_CGROUP_ARRAY);  /* unpatched (type ignored, created as an array): BPF_MAP_TYPE_ARRAY */
	ASSERT_EQ(CREATED_KEY_SIZE(cgroups), 4);
	ASSERT_EQ(CREATED_VALUE_SIZE(cgroups), 4);
	ASSERT_EQ(CREATED_MAX_ENTRIES(cgroups), 12);
	PASS();
}
