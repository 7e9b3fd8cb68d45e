/* An inner map definition carrying `__uint(pinning, LIBBPF_PIN_BY_NAME)` is refused: inner maps cannot be pinned. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_ARRAY);
		__uint(max_entries, 1);
		__type(key, __u32);
		__type(value, __u32);
#ifndef CONFORM_CONTROL  /* positive control: the same inner definition, not pinned */
		__uint(pinning, LIBBPF_PIN_BY_NAME);
#endif
	});
} outer_pinned_inner SEC(".maps");

TEST(pin_inner_rejected, "pinning.inner", "load_error", "required");
CONFORM(pin_inner_rejected, "control", "define");
CONFORM(pin_inner_rejected, "desc", "an ARRAY_OF_MAPS whose inner definition has pinning=LIBBPF_PIN_BY_NAME is refused");
CONFORM(pin_inner_rejected, "ref", "libbpf parse_btf_map_def: inner def can't be pinned");
SEC("socket")
int pin_inner_rejected(void *ctx)
{
	__u32 k = 0;

#ifdef CONFORM_CONTROL
	/* the control's outer map has no .values: slot 0 is empty */
	ASSERT_NULL(bpf_map_lookup_elem(&outer_pinned_inner, &k));  /* control unpatched (inner map put in slot 0): non-NULL */
	PASS();
#else
	return bpf_map_lookup_elem(&outer_pinned_inner, &k) != NULL; /* unpatched (pinning ignored): loads, returns 0 */
#endif
}
