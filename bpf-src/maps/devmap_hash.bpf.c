/* A BPF_MAP_TYPE_DEVMAP_HASH is created as one, with its declared key size, 8-byte value (struct bpf_devmap_val) and max_entries: an absent key looks up as NULL. */
#include "conformance.h"
#include "map_type.h"

/* include/uapi/linux/bpf.h struct bpf_devmap_val: ifindex, then the XDP program's fd (or id) */
struct conform_devmap_val {
	__u32 ifindex;
	__u32 prog_fd;
};

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, struct conform_devmap_val);
} devs_by_id SEC(".maps");

TEST(map_devmap_hash, "maps.type", "pass", "required");
CONFORM(map_devmap_hash, "desc", "a DEVMAP_HASH declared with a 4-byte key, a 8-byte value and max_entries 5 is created with map_type BPF_MAP_TYPE_DEVMAP_HASH, key_size 4, value_size 8 and max_entries 5 (read from the kernel's struct bpf_map); an absent key looks up as NULL");
CONFORM(map_devmap_hash, "ref", "libbpf parse_btf_map_def (type), bpf_object__create_map (created without BTF); kernel dev_map_alloc, dev_map_init_map (key_size 4, value_size 4 or 8), dev_map_hash_lookup_elem");
CONFORM(map_devmap_hash, "requires", "btf_vmlinux");
SEC("socket")
int map_devmap_hash(void *ctx)
{
	__u32 key = 0;

	ASSERT_EQ(CREATED_MAP_TYPE(devs_by_id), BPF_MAP_TYPE_DEVMAP_HASH);  /* unpatched (type ignored, created as an array): BPF_MAP_TYPE_ARRAY */
	ASSERT_EQ(CREATED_KEY_SIZE(devs_by_id), 4);
	ASSERT_EQ(CREATED_VALUE_SIZE(devs_by_id), 8);
	ASSERT_EQ(CREATED_MAX_ENTRIES(devs_by_id), 5);
	ASSERT_NULL(bpf_map_lookup_elem(&devs_by_id, &key));  /* no device under key 0: NULL */
	PASS();
}
