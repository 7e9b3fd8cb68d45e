/* A BPF_MAP_TYPE_LRU_PERCPU_HASH map is created as a per-CPU LRU hash: per-CPU lookups work on it and more keys than max_entries are all accepted. */
#include "conformance.h"

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
CONFORM(map_lru_percpu_hash, "requires", "bpf_map_lookup_percpu_elem");
CONFORM(map_lru_percpu_hash, "desc", "128 sparse keys into a 32-entry LRU per-CPU hash all succeed; the newest reads back through bpf_map_lookup_percpu_elem on this CPU");
CONFORM(map_lru_percpu_hash, "ref", "libbpf parse_btf_map_def (type); kernel htab_lru_percpu_map_update_elem, check_map_func_compatibility (lookup_percpu_elem: per-CPU maps only)");
SEC("socket")
int map_lru_percpu_hash(void *ctx)
{
	__u32 i, key, cpu = bpf_get_smp_processor_id();
	__u64 v, *got;

	for (i = 0; i < LRU_INSERTS; i++) {
		key = 0x30000 + i * 5;
		v = 0xcd00000000ULL + i;
		/* unpatched (created as an array): -E2BIG; as a per-CPU hash: -E2BIG from key 33 on */
		ASSERT_EQ(bpf_map_update_elem(&lru_pcpu, &key, &v, BPF_ANY), 0);
	}
	key = 0x30000 + (LRU_INSERTS - 1) * 5;
	/* not a per-CPU map (e.g. a plain LRU hash or an array): the verifier refuses this call */
	got = bpf_map_lookup_percpu_elem(&lru_pcpu, &key, cpu);
	ASSERT_NOT_NULL(got);  /* unpatched (created as an array): never reached, the verifier refuses the load */
	ASSERT_EQ(*got, 0xcd00000000ULL + LRU_INSERTS - 1);  /* unpatched (created as an array): never reached, the verifier refuses the load */
	PASS();
}
