/* A BPF_MAP_TYPE_REUSEPORT_SOCKARRAY is created as one, with its declared key size, 8-byte value (a socket's fd or cookie) and max_entries. */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, 10);
	__type(key, __u32);
	__type(value, __u64);
} reuse SEC(".maps");

TEST(map_reuseport_sockarray, "maps.type", "pass", "required");
CONFORM(map_reuseport_sockarray, "desc", "a REUSEPORT_SOCKARRAY declared with a 4-byte key, a 8-byte value and max_entries 10 is created with map_type BPF_MAP_TYPE_REUSEPORT_SOCKARRAY, key_size 4, value_size 8 and max_entries 10 (read from the kernel's struct bpf_map)");
CONFORM(map_reuseport_sockarray, "ref", "libbpf parse_btf_map_def (type), bpf_object__create_map (created without BTF); kernel reuseport_array_alloc_check (value_size 4 or 8), reuseport_array_alloc");
CONFORM(map_reuseport_sockarray, "requires", "btf_vmlinux");
SEC("socket")
int map_reuseport_sockarray(void *ctx)
{
	ASSERT_EQ(CREATED_MAP_TYPE(reuse), BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);  /* unpatched (type ignored, created as an array): BPF_MAP_TYPE_ARRAY */
	ASSERT_EQ(CREATED_KEY_SIZE(reuse), 4);
	ASSERT_EQ(CREATED_VALUE_SIZE(reuse), 8);
	ASSERT_EQ(CREATED_MAX_ENTRIES(reuse), 10);
	PASS();
}
