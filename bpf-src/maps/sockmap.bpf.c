/* A BPF_MAP_TYPE_SOCKMAP is created as one, with its declared key size, 8-byte value (a socket's fd or cookie) and max_entries. */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 7);
	__type(key, __u32);
	__type(value, __u64);
} socks SEC(".maps");

TEST(map_sockmap, "maps.type", "pass", "required");
CONFORM(map_sockmap, "desc", "a SOCKMAP declared with a 4-byte key, a 8-byte value and max_entries 7 is created with map_type BPF_MAP_TYPE_SOCKMAP, key_size 4, value_size 8 and max_entries 7 (read from the kernel's struct bpf_map)");
CONFORM(map_sockmap, "ref", "libbpf parse_btf_map_def (type), bpf_object__create_map (created without BTF); kernel sock_map_alloc (key_size 4, value_size 4 or 8)");
CONFORM(map_sockmap, "requires", "btf_vmlinux");
SEC("socket")
int map_sockmap(void *ctx)
{
	ASSERT_EQ(CREATED_MAP_TYPE(socks), BPF_MAP_TYPE_SOCKMAP);  /* unpatched (type ignored, created as an array): BPF_MAP_TYPE_ARRAY */
	ASSERT_EQ(CREATED_KEY_SIZE(socks), 4);
	ASSERT_EQ(CREATED_VALUE_SIZE(socks), 8);
	ASSERT_EQ(CREATED_MAX_ENTRIES(socks), 7);
	PASS();
}
