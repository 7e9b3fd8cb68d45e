/* A BTF `.maps` definition with `__uint(key_size, ..)`/`__uint(value_size, ..)` instead of types. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__uint(key_size, 8);
	__uint(value_size, 24);
} sized_map SEC(".maps");

/*
 * The key and the value lie at the start of larger stack buffers, all initialised: the
 * helpers read key_size/value_size bytes there, so a map given larger sizes is not refused
 * by the verifier but observed at run time: the update's and the lookup's keys differ
 * after their first 8 bytes, which only an 8-byte key ignores.
 */
struct sized_key {
	__u64 key;
	__u64 after[3];
};

struct sized_value {
	__u64 v[3];
	__u64 after[9];
};

TEST(btf_size, "maps.btf.size", "pass", "required");
CONFORM(btf_size, "desc", "a hash map sized by key_size=8/value_size=24 keys on exactly 8 bytes and stores and returns all 24 value bytes");
CONFORM(btf_size, "ref", "libbpf parse_btf_map_def (key_size/value_size: __uint members, the array's element count)");
SEC("socket")
int btf_size(void *ctx)
{
	struct sized_key k = { .key = 0x0a0b0c0d01020304ULL };
	struct sized_key again = { .key = 0x0a0b0c0d01020304ULL, .after = { 1, 2, 3 } };
	struct sized_value v = { .v = { 0x1111222233334444ULL, 0x1234abcd, 0x5555666677778888ULL } };
	__u64 *got;

	ASSERT_EQ(bpf_map_update_elem(&sized_map, &k, &v, BPF_ANY), 0);  /* unpatched (sizes 0): map creation fails */
	got = bpf_map_lookup_elem(&sized_map, &again);
	ASSERT_NOT_NULL(got);  /* unpatched (__uint sized as int[N], 4N bytes: a 32-byte key): NULL */
	ASSERT_EQ(got[0], 0x1111222233334444ULL);
	ASSERT_EQ(got[2], 0x5555666677778888ULL);  /* a value shorter than 24 bytes: load error */
	ASSERT_EQ(bpf_map_delete_elem(&sized_map, &k), 0);
	PASS();
}
