/* The maps of the map-in-map `.values` tests: four inner ARRAYs and two outer maps of MAP_IN_MAP_TYPE whose slots 1 and 3 name them. */
#ifndef BPFCONFORM_VALUES_MAP_IN_MAP_H
#define BPFCONFORM_VALUES_MAP_IN_MAP_H

/*
 * A test defines MAP_IN_MAP_TYPE (BPF_MAP_TYPE_ARRAY_OF_MAPS or _HASH_OF_MAPS) before the
 * include; the checks (ASSERTs) stay in the test's .bpf.c, so a FAIL names its line there.
 */
#ifndef MAP_IN_MAP_TYPE
#error "define MAP_IN_MAP_TYPE (the outer map type) before including map_in_map.h"
#endif

struct inner_def {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
};

/* two inner maps of the named definition, two of an anonymous one of the same shape */
struct inner_def named_a SEC(".maps"), named_b SEC(".maps");
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} anon_a SEC(".maps"), anon_b SEC(".maps");

struct {
	__uint(type, MAP_IN_MAP_TYPE);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_def);
} outer_named SEC(".maps") = {
	.values = { [1] = &named_a, [3] = &named_b },
};

struct {
	__uint(type, MAP_IN_MAP_TYPE);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct {
		__uint(type, BPF_MAP_TYPE_ARRAY);
		__uint(max_entries, 1);
		__type(key, __u32);
		__type(value, __u64);
	});
} outer_anon SEC(".maps") = {
	.values = { [1] = (void *)&anon_a, [3] = (void *)&anon_b },
};

#endif
