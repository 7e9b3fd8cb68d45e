/* An existing pin that does not match this definition (max_entries 3, pinned map has 2) is refused, not reused. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
#ifdef CONFORM_CONTROL
	__uint(max_entries, 2);  /* positive control: the pinned map's own definition: reused */
#else
	__uint(max_entries, 3);
#endif
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} conform_pinned SEC(".maps");

TEST(pin_incompatible, "pinning.incompatible", "load_error", "required");
CONFORM(pin_incompatible, "control", "define");
CONFORM(pin_incompatible, "before", "by_name.bpf.o:pin_write");
CONFORM(pin_incompatible, "desc", "conform_pinned is already pinned with max_entries 2; this definition says 3: the load is refused");
CONFORM(pin_incompatible, "ref", "libbpf map_is_reuse_compat, bpf_object__reuse_map (couldn't reuse pinned map)");
SEC("socket")
int pin_incompatible(void *ctx)
{
	__u32 k = 1;
#ifdef CONFORM_CONTROL
	__u64 *got = bpf_map_lookup_elem(&conform_pinned, &k);

	/* control unpatched (a fresh map, not the pin): slot 1 exists, holds 0 */
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x5eed1234cafeULL);  /* PIN_MAGIC of by_name.bpf.c; control unpatched (a fresh map, not the pin): 0 */
	return 0;
#else
	return bpf_map_lookup_elem(&conform_pinned, &k) == NULL; /* unpatched (reused as is): loads, returns 0 */
#endif
}
