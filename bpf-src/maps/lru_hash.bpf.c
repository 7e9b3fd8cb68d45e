/* A BPF_MAP_TYPE_LRU_HASH map is created as an LRU hash: more keys than max_entries are all accepted (the oldest evicted), where a plain hash refuses with -E2BIG. */
#include "conformance.h"

#define LRU_ENTRIES 32
#define LRU_INSERTS 128

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LRU_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} lru_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LRU_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} plain_map SEC(".maps");

TEST(map_lru_hash, "maps.type", "pass", "required");
CONFORM(map_lru_hash, "desc", "128 sparse keys into a 32-entry LRU hash all succeed and the last one is found; the 33rd key into a plain 32-entry hash is -E2BIG");
CONFORM(map_lru_hash, "ref", "libbpf parse_btf_map_def (type); kernel Documentation/bpf/map_hash.rst (LRU eviction), htab_lru_map_update_elem");
SEC("socket")
int map_lru_hash(void *ctx)
{
	__u32 i, key;
	__u64 v, *got;

	for (i = 0; i < LRU_INSERTS; i++) {
		key = 0x10000 + i * 7;
		v = 0xab00000000ULL + i;
		/* unpatched (created as an array): -E2BIG; as a plain hash: -E2BIG from key 33 on */
		ASSERT_EQ((int)bpf_map_update_elem(&lru_map, &key, &v, BPF_ANY), 0);
	}
	key = 0x10000 + (LRU_INSERTS - 1) * 7;
	got = bpf_map_lookup_elem(&lru_map, &key);
	ASSERT_NOT_NULL(got);  /* the newest key is never the one evicted; unpatched (created as an array): NULL */
	ASSERT_EQ(*got, 0xab00000000ULL + LRU_INSERTS - 1);  /* unpatched (created as an array): never reached */

	for (i = 0; i < LRU_ENTRIES; i++) {
		key = 0x20000 + i;
		ASSERT_EQ((int)bpf_map_update_elem(&plain_map, &key, &v, BPF_ANY), 0);  /* unpatched (plain_map created as an array): -E2BIG */
	}
	key = 5;  /* a 33rd key, and an index an array of LRU_ENTRIES would accept */
	/* (int): before 6.4 ("bpf: return long from bpf_map_ops funcs") the program gets
	 * htab_map_update_elem's int zero-extended: -E2BIG is right only in the low 32 bits */
	ASSERT_EQ((int)bpf_map_update_elem(&plain_map, &key, &v, BPF_ANY), -E2BIG);  /* unpatched (created as an array): 0, index 5 written; created as LRU: 0 */
	PASS();
}
