/* HASH_OF_MAPS slots are filled from `.values` (named and anonymous inner definitions): a lookup of a slot gives the very map named there, a hole gives NULL. */
#include "conformance.h"

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
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_def);
} outer_named SEC(".maps") = {
	.values = { [1] = &named_a, [3] = &named_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
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

/*
 * Inner maps start empty: write a distinct value through the direct reference to each
 * inner map, then read it back through the outer map's slot, which proves the slot holds
 * that very map (and not the other one, nor nothing).
 */
static __always_inline int check(void *outer, void *a, void *b)
{
	__u32 zero = 0, k;
	__u64 va = 0xa11ce, vb = 0xb0b, *got;
	void *inner;

	ASSERT_EQ(bpf_map_update_elem(a, &zero, &va, BPF_ANY), 0);
	ASSERT_EQ(bpf_map_update_elem(b, &zero, &vb, BPF_ANY), 0);
	k = 1;
	inner = bpf_map_lookup_elem(outer, &k);
	ASSERT_NOT_NULL(inner);               /* unpatched (slots not filled): NULL */
	got = bpf_map_lookup_elem(inner, &zero);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0xa11ce);             /* wrong map in slot 1 (e.g. b): 0xb0b */
	k = 3;
	inner = bpf_map_lookup_elem(outer, &k);
	ASSERT_NOT_NULL(inner);               /* unpatched: NULL */
	got = bpf_map_lookup_elem(inner, &zero);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0xb0b);               /* wrong map in slot 3: 0xa11ce */
	k = 0;
	ASSERT_NULL(bpf_map_lookup_elem(outer, &k)); /* hole: a loader filling from 0 puts a map here */
	k = 2;
	ASSERT_NULL(bpf_map_lookup_elem(outer, &k)); /* hole */
	PASS();
}

TEST(hash_of_maps_named, "values.map_in_map", "pass", "required");
CONFORM(hash_of_maps_named, "desc", "HASH_OF_MAPS with a named inner definition: slots 1 and 3 hold named_a and named_b, slots 0 and 2 are empty");
CONFORM(hash_of_maps_named, "ref", "libbpf bpf_object__collect_map_relos, init_map_in_map_slots; parse_btf_map_def (__array values)");
SEC("socket")
int hash_of_maps_named(void *ctx)
{
	return check(&outer_named, &named_a, &named_b);
}

TEST(hash_of_maps_anon, "values.map_in_map", "pass", "required");
CONFORM(hash_of_maps_anon, "desc", "HASH_OF_MAPS with an anonymous inner definition: slots 1 and 3 hold anon_a and anon_b, slots 0 and 2 are empty");
CONFORM(hash_of_maps_anon, "ref", "libbpf bpf_object__collect_map_relos, init_map_in_map_slots; parse_btf_map_def (__array values)");
SEC("socket")
int hash_of_maps_anon(void *ctx)
{
	return check(&outer_anon, &anon_a, &anon_b);
}
