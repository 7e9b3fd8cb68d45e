/* A BTF `.maps` value given as `__type(value, ..)` of a typedef of an array of a typedef: the size resolves through both. */
#include "conformance.h"

/* The value type is a typedef of an array of a typedef: the size resolves through both. */
typedef __u32 conform_word_t;
typedef conform_word_t conform_quad_t[4];

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, conform_quad_t);
} quad_map SEC(".maps");

/*
 * The key and the value lie at the start of larger stack buffers, all initialised: the
 * helpers read key_size/value_size bytes there, so a map given larger sizes is not refused
 * by the verifier but observed at run time: the update's and the lookup's keys differ
 * after their first 4 bytes, which only a 4-byte key ignores.
 */
struct quad_key {
	__u32 key;
	__u32 after[7];
};

struct quad_value {
	conform_quad_t v;
	__u32 after[28];
};

TEST(btf_type_typedef_array, "maps.btf.type", "pass", "required");
CONFORM(btf_type_typedef_array, "desc", "a hash map whose value is a typedef of u32[4] has 16-byte values (the last word is usable) and a u32 key of 4 bytes");
CONFORM(btf_type_typedef_array, "ref", "libbpf parse_btf_map_def (value size via btf__resolve_size through typedefs and arrays)");
SEC("socket")
int btf_type_typedef_array(void *ctx)
{
	struct quad_key k = { .key = 1 };
	struct quad_key again = { .key = 1, .after = { 1, 2, 3, 4, 5, 6, 7 } };
	struct quad_value v = { .v = { 1, 2, 3, 4 } };
	conform_word_t *got;

	ASSERT_EQ(bpf_map_update_elem(&quad_map, &k, &v, BPF_ANY), 0);  /* unpatched (value size 0): map creation fails, load error */
	got = bpf_map_lookup_elem(&quad_map, &again);
	ASSERT_NOT_NULL(got);                /* unpatched (an INT sized by its bits: a 32-byte key): NULL */
	ASSERT_EQ(READ_ONCE(got[3]), 4);     /* value shorter than 16 bytes: verifier refuses, load error */
	WRITE_ONCE(got[3], 0x1234abcd);
	got = bpf_map_lookup_elem(&quad_map, &k);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(READ_ONCE(got[3]), 0x1234abcd);
	ASSERT_EQ(bpf_map_delete_elem(&quad_map, &k), 0);
	PASS();
}
