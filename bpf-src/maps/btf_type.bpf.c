/* BTF `.maps` definitions with `__type(key, ..)`/`__type(value, ..)`: the sizes come from the BTF types, through typedefs and arrays. */
#include "conformance.h"

struct typed_value {
	__u64 a;
	__u32 b;
	__u32 c;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u64);
	__type(value, struct typed_value);
} typed_map SEC(".maps");

TEST(btf_type, "maps.btf.type", "pass", "required");
CONFORM(btf_type, "desc", "a hash map with a u64 key and a 16-byte struct value from __type() stores and returns the whole value");
CONFORM(btf_type, "ref", "libbpf parse_btf_map_def (key/value: pointer to the type, size from btf__resolve_size)");
SEC("socket")
int btf_type(void *ctx)
{
	__u64 key = 0xfeedbeef12345678ULL;
	struct typed_value v = { .a = 0x0123456789abcdefULL, .b = 0x1234abcd, .c = 0x600df00d };
	struct typed_value *got;

	ASSERT_EQ(bpf_map_update_elem(&typed_map, &key, &v, BPF_ANY), 0);  /* unpatched (sizes 0): map creation fails */
	got = bpf_map_lookup_elem(&typed_map, &key);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(got->a, 0x0123456789abcdefULL);  /* unpatched: load error */
	ASSERT_EQ(got->c, 0x600df00d);             /* unpatched: load error (value too short) */
	ASSERT_EQ(bpf_map_delete_elem(&typed_map, &key), 0);
	PASS();
}

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
