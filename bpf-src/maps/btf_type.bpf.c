/* BTF `.maps` definitions with `__type(key, ..)`/`__type(value, ..)`: the key and value sizes come from the BTF types. */
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

/*
 * The key lies at the start of a larger stack buffer, all initialised: the helpers read
 * key_size bytes there, so a map given a larger key is not refused by the verifier but
 * observed at run time: the update's and the lookup's keys differ after their first 8
 * bytes, which only an 8-byte key ignores.
 */
struct typed_key {
	__u64 key;
	__u64 after[7];
};

TEST(btf_type, "maps.btf.type", "pass", "required");
CONFORM(btf_type, "desc", "a hash map with a u64 key and a 16-byte struct value from __type() keys on exactly 8 bytes and stores and returns the whole value");
CONFORM(btf_type, "ref", "libbpf parse_btf_map_def (key/value: pointer to the type, size from btf__resolve_size)");
SEC("socket")
int btf_type(void *ctx)
{
	struct typed_key k = { .key = 0xfeedbeef12345678ULL };
	struct typed_key again = { .key = 0xfeedbeef12345678ULL, .after = { 1, 2, 3, 4, 5, 6, 7 } };
	struct typed_value v = { .a = 0x0123456789abcdefULL, .b = 0x1234abcd, .c = 0x600df00d };
	struct typed_value *got;

	ASSERT_EQ(bpf_map_update_elem(&typed_map, &k, &v, BPF_ANY), 0);  /* unpatched (sizes 0): map creation fails */
	got = bpf_map_lookup_elem(&typed_map, &again);
	ASSERT_NOT_NULL(got);  /* unpatched (an INT sized by its bits: a 64-byte key): NULL */
	ASSERT_EQ(got->a, 0x0123456789abcdefULL);
	ASSERT_EQ(got->c, 0x600df00d);             /* a value shorter than 16 bytes: load error */
	ASSERT_EQ(bpf_map_delete_elem(&typed_map, &k), 0);
	PASS();
}
