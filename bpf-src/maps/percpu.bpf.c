/* BPF_MAP_TYPE_PERCPU_ARRAY is created per-CPU: bpf_map_lookup_percpu_elem (per-CPU maps only) reads this CPU's slot. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_array SEC(".maps");

TEST(map_percpu_array, "maps.type", "pass", "required");
CONFORM(map_percpu_array, "desc", "a value stored in a per-CPU array is read back for this CPU through bpf_map_lookup_percpu_elem");
CONFORM(map_percpu_array, "ref", "libbpf parse_btf_map_def (type); kernel bpf_map_lookup_percpu_elem (check_map_func_compatibility)");
CONFORM(map_percpu_array, "requires", "bpf_map_lookup_percpu_elem");
SEC("socket")
int map_percpu_array(void *ctx)
{
	__u32 key = 1, cpu = bpf_get_smp_processor_id();
	__u64 v = 0x1234abcd8badf00dULL, *got;

	ASSERT_EQ(bpf_map_update_elem(&pcpu_array, &key, &v, BPF_ANY), 0);  /* unpatched (plain array): never reached, the verifier refuses the load */
	got = bpf_map_lookup_percpu_elem(&pcpu_array, &key, cpu);  /* unpatched (plain array): verifier rejects the helper */
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x1234abcd8badf00dULL);
	v = 0;
	bpf_map_update_elem(&pcpu_array, &key, &v, BPF_ANY);
	PASS();
}
