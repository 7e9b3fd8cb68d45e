/* A BPF_MAP_TYPE_SOCKHASH is created as one, with its declared key size, 4-byte value (a socket's fd) and max_entries. */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 9);
	__type(key, __u32);
	__type(value, __u32);
} socks_by_key SEC(".maps");

TEST(map_sockhash, "maps.type", "pass", "required");
CONFORM(map_sockhash, "desc", "a SOCKHASH declared with a 4-byte key, a 4-byte value and max_entries 9 is created with map_type BPF_MAP_TYPE_SOCKHASH, key_size 4, value_size 4 and max_entries 9 (read from the kernel's struct bpf_map)");
CONFORM(map_sockhash, "ref", "libbpf parse_btf_map_def (type), bpf_object__create_map (created without BTF); kernel sock_hash_alloc (value_size 4 or 8)");
CONFORM(map_sockhash, "requires", "btf_vmlinux");
SEC("socket")
int map_sockhash(void *ctx)
{
	ASSERT_EQ(CREATED_MAP_TYPE(socks_by_key), BPF_MAP_TYPE_SOCKHASH);  /* unpatched (type ignored, created as an array): BPF_MAP_TYPE_ARRAY */
	ASSERT_EQ(CREATED_KEY_SIZE(socks_by_key), 4);
	ASSERT_EQ(CREATED_VALUE_SIZE(socks_by_key), 4);
	ASSERT_EQ(CREATED_MAX_ENTRIES(socks_by_key), 9);
	PASS();
}
