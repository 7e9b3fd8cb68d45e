/* An existing pin made by another object is reused when compatible, even though this definition spells the sizes differently (key_size/value_size, no BTF key/value types). */
#include "conformance.h"

#define PIN_MAGIC 0x5eed1234cafeULL

/* by_name.bpf.c's conform_pinned: ARRAY, 4-byte key, 8-byte value, 2 entries, flags 0 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, 4);
	__uint(value_size, 8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} conform_pinned SEC(".maps");

TEST(pin_reuse_other_object, "pinning.reuse", "pass", "required");
CONFORM(pin_reuse_other_object, "before", "by_name.bpf.o:pin_write");
CONFORM(pin_reuse_other_object, "desc", "a map pinned by by_name.bpf.o is reused by this object: slot 1 holds PIN_MAGIC");
CONFORM(pin_reuse_other_object, "ref", "libbpf bpf_object__reuse_map, map_is_reuse_compat (type, key/value size, max_entries, flags, map_extra)");
SEC("socket")
int pin_reuse_other_object(void *ctx)
{
	__u32 k = 1;
	__u64 *got;

	got = bpf_map_lookup_elem(&conform_pinned, &k);
	ASSERT_NOT_NULL(got);  /* unpatched (a new map pinned over the old one): its slot, unchanged */
	ASSERT_EQ(*got, PIN_MAGIC); /* unpatched (a new map created and pinned over the old one): 0 */
	PASS();
}
