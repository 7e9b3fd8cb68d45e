/* A BPF_MAP_TYPE_CPUMAP is created as one, with its declared key and value sizes (a 4-byte queue size) and max_entries (1: at most the possible CPUs, which cilium/ebpf clamps a larger one to). */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cpus SEC(".maps");

TEST(map_cpumap, "maps.type", "pass", "required");
CONFORM(map_cpumap, "desc", "a CPUMAP declared with a 4-byte key, a 4-byte value and max_entries 1 is created with map_type BPF_MAP_TYPE_CPUMAP, key_size 4, value_size 4 and max_entries 1 (read from the kernel's struct bpf_map)");
CONFORM(map_cpumap, "ref", "libbpf parse_btf_map_def (type), bpf_object__create_map (created without BTF); kernel cpu_map_alloc (key_size 4, value_size 4 or 8)");
CONFORM(map_cpumap, "requires", "btf_vmlinux");
SEC("socket")
int map_cpumap(void *ctx)
{
	ASSERT_EQ(CREATED_MAP_TYPE(cpus), BPF_MAP_TYPE_CPUMAP);  /* unpatched (type ignored, created as an array): BPF_MAP_TYPE_ARRAY */
	ASSERT_EQ(CREATED_KEY_SIZE(cpus), 4);
	ASSERT_EQ(CREATED_VALUE_SIZE(cpus), 4);
	ASSERT_EQ(CREATED_MAX_ENTRIES(cpus), 1);
	PASS();
}
