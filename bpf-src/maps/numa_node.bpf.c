/* `__uint(numa_node, N)` with BPF_F_NUMA_NODE in a BTF `.maps` definition reaches BPF_MAP_CREATE: the kernel's struct bpf_map records node 0, not NUMA_NO_NODE (-1). */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__uint(map_flags, BPF_F_NUMA_NODE);
	__uint(numa_node, 0);
	__type(key, __u32);
	__type(value, __u32);
} on_node0 SEC(".maps");

TEST(map_numa_node, "maps.numa_node", "pass", "required");
CONFORM(map_numa_node, "desc", "a HASH declared numa_node 0 with BPF_F_NUMA_NODE is created on node 0 (struct bpf_map numa_node read back), with the flag");
CONFORM(map_numa_node, "ref", "libbpf parse_btf_map_def (numa_node), bpf_object__create_map (numa_node, map_flags); kernel bpf_map_init_from_attr (numa_node = attr->numa_node if BPF_F_NUMA_NODE, else NUMA_NO_NODE)");
SEC("socket")
int map_numa_node(void *ctx)
{
	ASSERT_EQ(CREATED_NUMA_NODE(on_node0), 0);  /* unpatched (numa_node or its flag dropped): -1, NUMA_NO_NODE */
	ASSERT_EQ(CREATED_MAP_FLAGS(on_node0), BPF_F_NUMA_NODE);  /* unpatched (flag dropped): 0 */
	PASS();
}
