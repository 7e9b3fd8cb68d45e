/* A program named in an ARRAY_OF_MAPS's `.values` is a wrong target: the object is refused. */
#include "conformance.h"

int not_a_map(void *ctx);

#ifdef CONFORM_CONTROL
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} a_map SEC(".maps");
#endif

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_ARRAY);
		__uint(max_entries, 1);
		__type(key, __u32);
		__type(value, __u32);
	});
#ifdef CONFORM_CONTROL
} bad_outer SEC(".maps") = {
	.values = { [1] = &a_map },  /* positive control: a map in the slot */
};
#else
} bad_outer SEC(".maps") = {
	.values = { [1] = (void *)&not_a_map },
};
#endif

CONFORM(not_a_map, "role", "fixture");
CONFORM(not_a_map, "desc", "the program wrongly named as a map-in-map slot");
SEC("socket")
int not_a_map(void *ctx)
{
	return 0;
}

TEST(values_prog_in_map_of_maps, "values.target", "load_error", "required");
CONFORM(values_prog_in_map_of_maps, "control", "define");
CONFORM(values_prog_in_map_of_maps, "desc", "an ARRAY_OF_MAPS whose .values names a program, not a map, is refused");
CONFORM(values_prog_in_map_of_maps, "ref", "libbpf bpf_object__collect_map_relos: '%s' isn't a BTF-defined map");
SEC("socket")
int values_prog_in_map_of_maps(void *ctx)
{
	__u32 k = 1;
#ifdef CONFORM_CONTROL
	ASSERT_NOT_NULL(bpf_map_lookup_elem(&bad_outer, &k));  /* control unpatched (slot skipped): NULL */
	return 0;
#else
	return bpf_map_lookup_elem(&bad_outer, &k) != NULL; /* unpatched (slot skipped): loads, returns 0 */
#endif
}
