/* A BPF_MAP_TYPE_LRU_PERCPU_HASH map is created as a per-CPU LRU hash: the kernel's struct bpf_map says so and more keys than max_entries are all accepted. */
#include "conformance.h"
#include "map_type.h"

#define CONFORM_MAP_TYPE_LRU_PERCPU_HASH 10 /* enum bpf_map_type */
#define LRU_ENTRIES 32
#define LRU_INSERTS 128

struct {
	__uint(type, CONFORM_MAP_TYPE_LRU_PERCPU_HASH);
	__uint(max_entries, LRU_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} lru_pcpu SEC(".maps");

TEST(map_lru_percpu_hash, "maps.type", "pass", "required");
CONFORM(map_lru_percpu_hash, "requires", "btf_vmlinux");
CONFORM(map_lru_percpu_hash, "desc", "128 sparse keys into a 32-entry LRU per-CPU hash all succeed, the newest reads back, and the map's struct bpf_map has map_type BPF_MAP_TYPE_LRU_PERCPU_HASH");
CONFORM(map_lru_percpu_hash, "ref", "libbpf parse_btf_map_def (type); kernel htab_lru_percpu_map_update_elem, check_ptr_to_map_access (struct bpf_map through the map pointer)");
SEC("socket")
int map_lru_percpu_hash(void *ctx)
{
	__u32 i, key;
	__u64 v, *got;

	for (i = 0; i < LRU_INSERTS; i++) {
		key = 0x30000 + i * 5;
		v = 0xcd00000000ULL + i;
		/* unpatched (created as an array): -E2BIG; as a per-CPU hash: -E2BIG from key 33 on */
		ASSERT_EQ(bpf_map_update_elem(&lru_pcpu, &key, &v, BPF_ANY), 0);
	}
	key = 0x30000 + (LRU_INSERTS - 1) * 5;
	got = bpf_map_lookup_elem(&lru_pcpu, &key);  /* a per-CPU map's lookup from a program: this CPU's value */
	ASSERT_NOT_NULL(got);                                  /* unpatched (created as an array): not reached, -E2BIG above */
	ASSERT_EQ(*got, 0xcd00000000ULL + LRU_INSERTS - 1);  /* unpatched (created as an array): not reached */
	/* unpatched (created as an array): not reached; created as a shared LRU hash: 9, the inserts succeed too */
	ASSERT_EQ(CREATED_MAP_TYPE(lru_pcpu), CONFORM_MAP_TYPE_LRU_PERCPU_HASH);
	PASS();
}
