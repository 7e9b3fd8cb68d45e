/* A PERF_EVENT_ARRAY declared without max_entries is created with one slot per possible CPU (libbpf map_set_def_max_entries), read back from the kernel's struct bpf_map. */
#include "conformance.h"

#define CONFORM_MAP_TYPE_PERF_EVENT_ARRAY 4 /* enum bpf_map_type */

/* the kernel's struct bpf_map, only the member read; CO-RE finds its offset in vmlinux BTF */
struct bpf_map {
	__u32 max_entries;
} __core_pai;

struct {
	__uint(type, CONFORM_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

/* bpf_map_lookup_percpu_elem gives NULL for a cpu >= nr_cpu_ids: the number of possible CPUs */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cpus SEC(".maps");

TEST(perf_event_array_size, "maps.perf_event_array.size", "pass", "required");
CONFORM(perf_event_array_size, "requires", "btf_vmlinux,bpf_map_lookup_percpu_elem");
CONFORM(perf_event_array_size, "desc", "the max_entries of a PERF_EVENT_ARRAY declared without one, read through the map's struct bpf_map, is the number of possible CPUs: a per-CPU lookup of CPU max_entries - 1 finds a slot, of CPU max_entries none");
CONFORM(perf_event_array_size, "ref", "libbpf map_set_def_max_entries (bpf_object__create_map, libbpf_num_possible_cpus); kernel array_map_alloc_check (max_entries 0 is EINVAL), check_ptr_to_map_access");
SEC("socket")
int perf_event_array_size(void *ctx)
{
	struct bpf_map *map = (struct bpf_map *)&events;
	__u32 n = map->max_entries, key = 0;

	ASSERT_GT(n, 0);  /* unpatched (max_entries 0 passed on): the kernel refuses the map */
	/* unpatched (the highest possible CPU's index, one short): CPU n is possible, not NULL */
	ASSERT_NULL(bpf_map_lookup_percpu_elem(&cpus, &key, n));
	/* unpatched (a count above the possible CPUs): CPU n - 1 is not possible, NULL */
	ASSERT_NOT_NULL(bpf_map_lookup_percpu_elem(&cpus, &key, n - 1));
	PASS();
}
