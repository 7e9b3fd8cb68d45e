/* An inner map definition with its own `__array(values, ...)` (map-in-map nested two levels) is refused. */
#include "conformance.h"

struct leaf_def {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

#ifdef CONFORM_CONTROL
struct leaf_def leaf SEC(".maps");
#endif

struct middle_def {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct leaf_def);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
#ifdef CONFORM_CONTROL
	__array(values, struct leaf_def);  /* positive control: one level of nesting */
} two_levels SEC(".maps") = {
	.values = { [0] = &leaf },
};
#else
	__array(values, struct middle_def);
} two_levels SEC(".maps");
#endif

TEST(values_nested_two_levels, "values.nesting", "load_error", "required");
CONFORM(values_nested_two_levels, "control", "define");
CONFORM(values_nested_two_levels, "desc", "an ARRAY_OF_MAPS whose inner definition is itself a map-in-map is refused");
CONFORM(values_nested_two_levels, "ref", "libbpf parse_btf_map_def: multi-level inner maps not supported; kernel bpf_map_meta_alloc");
SEC("socket")
int values_nested_two_levels(void *ctx)
{
	__u32 k = 0;
#ifdef CONFORM_CONTROL
	ASSERT_NOT_NULL(bpf_map_lookup_elem(&two_levels, &k));  /* control unpatched (.values ignored): slot 0 empty */
	return 0;
#else
	return bpf_map_lookup_elem(&two_levels, &k) != NULL; /* unpatched: the kernel still refuses (see catalogue) */
#endif
}
