/* Static linking, maps (second object): the shared map as an extern, the same weak map, and the function that adds to them. */
#include "conformance.h"

extern struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} link_shared __attribute__((section(".maps")));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} link_weak_map SEC(".maps") __weak;

/* Adds, not stores: a loader sending both references to one map leaves their sum there,
 * which neither map's expected value is. */
__noinline int link_store(__u64 shared, __u64 weak)
{
	__u32 key = 0;
	__u64 *v;

	v = bpf_map_lookup_elem(&link_shared, &key);
	if (!v)
		return 1;
	*v += shared;
	v = bpf_map_lookup_elem(&link_weak_map, &key);
	if (!v)
		return 2;
	*v += weak;
	return 0;
}
