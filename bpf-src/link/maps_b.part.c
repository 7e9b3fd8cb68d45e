/* Static linking, maps (second object): the shared map as an extern, the same weak map, and the function that writes them. */
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

__noinline int link_store(__u64 shared, __u64 weak)
{
	__u32 key = 0;

	if (bpf_map_update_elem(&link_shared, &key, &shared, BPF_ANY))
		return 1;
	if (bpf_map_update_elem(&link_weak_map, &key, &weak, BPF_ANY))
		return 2;
	return 0;
}
