/* A BTF `.maps` value given as `__type(value, ..)` of a typedef of an array of a typedef: the size resolves through both. */
#include "conformance.h"

/* The value type is a typedef of an array of a typedef: the size resolves through both. */
typedef __u32 conform_word_t;
typedef conform_word_t conform_quad_t[4];

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, conform_quad_t);
} quad_map SEC(".maps");

TEST(btf_type_typedef_array, "maps.btf.type", "pass", "required");
CONFORM(btf_type_typedef_array, "desc", "an array map whose value is a typedef of u32[4] has 16-byte values: the last word is usable");
CONFORM(btf_type_typedef_array, "ref", "libbpf parse_btf_map_def (value size via btf__resolve_size through typedefs and arrays)");
SEC("socket")
int btf_type_typedef_array(void *ctx)
{
	__u32 key = 1;
	conform_word_t *got = bpf_map_lookup_elem(&quad_map, &key);

	ASSERT_NOT_NULL(got);                /* unpatched (value size 0): map creation fails, load error */
	WRITE_ONCE(got[3], 0x1234abcd);      /* value shorter than 16 bytes: verifier refuses, load error */
	ASSERT_EQ(READ_ONCE(got[3]), 0x1234abcd);
	WRITE_ONCE(got[3], 0);
	PASS();
}
