/* HASH_OF_MAPS slots are filled from `.values` (named and anonymous inner definitions): a lookup of a slot gives the very map named there, a hole gives NULL. */
#include "conformance.h"
#define MAP_IN_MAP_TYPE BPF_MAP_TYPE_HASH_OF_MAPS
#include "map_in_map.h" /* named_a/b, anon_a/b; outer_named, outer_anon */

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

	ASSERT_EQ(bpf_map_update_elem(a, &zero, &va, BPF_ANY), 0);  /* unpatched (slots not filled): 0, unchanged */
	ASSERT_EQ(bpf_map_update_elem(b, &zero, &vb, BPF_ANY), 0);  /* unpatched (slots not filled): 0, unchanged */
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
