/* A BPF_MAP_TYPE_XSKMAP is created as one, with its declared key and value sizes (an AF_XDP socket's fd) and max_entries: an empty slot looks up as NULL. */
#include "conformance.h"
#include "map_type.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 11);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

TEST(map_xskmap, "maps.type", "pass", "required");
CONFORM(map_xskmap, "desc", "a XSKMAP declared with a 4-byte key, a 4-byte value and max_entries 11 is created with map_type BPF_MAP_TYPE_XSKMAP, key_size 4, value_size 4 and max_entries 11 (read from the kernel's struct bpf_map); an empty slot looks up as NULL");
CONFORM(map_xskmap, "ref", "libbpf parse_btf_map_def (type), bpf_object__create_map (created without BTF); kernel xsk_map_alloc (key_size 4, value_size 4), xsk_map_lookup_elem");
CONFORM(map_xskmap, "requires", "btf_vmlinux");
SEC("socket")
int map_xskmap(void *ctx)
{
	__u32 key = 0;

	ASSERT_EQ(CREATED_MAP_TYPE(xsks), BPF_MAP_TYPE_XSKMAP);  /* unpatched (type ignored, created as an array): BPF_MAP_TYPE_ARRAY */
	ASSERT_EQ(CREATED_KEY_SIZE(xsks), 4);
	ASSERT_EQ(CREATED_VALUE_SIZE(xsks), 4);
	ASSERT_EQ(CREATED_MAX_ENTRIES(xsks), 11);
	ASSERT_NULL(bpf_map_lookup_elem(&xsks, &key));  /* no socket in slot 0: NULL (an array's slot 0 would be a zeroed value) */
	PASS();
}
