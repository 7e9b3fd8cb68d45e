/* `map_extra` of a BTF map definition reaches BPF_MAP_CREATE: a BLOOM_FILTER with map_extra 3 hashes every value 3 times, not the kernel's default 5. */
#include "conformance.h"

#define CONFORM_MAP_TYPE_BLOOM_FILTER 30 /* enum bpf_map_type */
#define CONFORM_F_ZERO_SEED (1U << 6)    /* BPF_F_ZERO_SEED: hash seed 0, so the bits are known */

static long (*const bpf_map_push_elem)(void *map, const void *value, __u64 flags) = (void *)87;
static long (*const bpf_map_peek_elem)(void *map, void *value) = (void *)89;

/*
 * max_entries 1 gives a 64-bit bitset for 1 to 15 hash functions (kernel bloom_map_alloc:
 * nr_bits = 1 * k * 7 / 5, at least BITS_PER_LONG). Bit i of value v is
 * jhash2(&v, 1, seed + i) & 63 (kernel bloom_filter.c hash()). The values below were
 * computed that way: after pushing 0x1000..0x1005, 0x2003a is a false positive with 3
 * hash functions (its 3 bits are all set) but not with 5 (its 4th or 5th bit is clear),
 * and 0x90000 is absent with 3.
 */
struct {
	__uint(type, CONFORM_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 1);
	__uint(map_flags, CONFORM_F_ZERO_SEED);
	__type(value, __u32);
	__ulong(map_extra, 3);
} bloom SEC(".maps");

TEST(bloom_map_extra, "maps.map_extra", "pass", "required");
CONFORM(bloom_map_extra, "requires", "map_bloom_filter,bloom_hash_layout"); /* 6.1 sizes the bit array otherwise */
CONFORM(bloom_map_extra, "desc", "a zero-seed bloom filter with map_extra 3 finds its pushed values, reports 0x2003a present (3-hash false positive) and 0x90000 absent");
CONFORM(bloom_map_extra, "ref", "libbpf parse_btf_map_def (map_extra), bpf_map_create opts.map_extra; kernel Documentation/bpf/map_bloom_filter.rst, bloom_map_alloc");
SEC("socket")
int bloom_map_extra(void *ctx)
{
	__u32 i, v;

	for (i = 0; i < 6; i++) {
		v = 0x1000 + i;  /* a copy: the helper's stack argument loses the loop bound */
		ASSERT_EQ(bpf_map_push_elem(&bloom, &v, BPF_ANY), 0);  /* unpatched (map_extra 0: 5 hashes): 0, unchanged */
	}
	v = 0x1003;
	ASSERT_EQ(bpf_map_peek_elem(&bloom, &v), 0);  /* unpatched (map_extra 0: 5 hashes): 0, unchanged: a pushed value is always present */
	v = 0x2003a;
	ASSERT_EQ(bpf_map_peek_elem(&bloom, &v), 0);         /* unpatched (map_extra 0: 5 hashes): -ENOENT */
	v = 0x90000;
	ASSERT_EQ(bpf_map_peek_elem(&bloom, &v), -ENOENT);   /* a random seed could make it present */
	PASS();
}
