/* BPF_MAP_TYPE_PERCPU_HASH is created per-CPU: bpf_map_lookup_percpu_elem (per-CPU maps only) reads this CPU's slot. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} pcpu_hash SEC(".maps");

TEST(map_percpu_hash, "maps.type", "pass", "required");
CONFORM(map_percpu_hash, "desc", "a value stored in a per-CPU hash is read back for this CPU through bpf_map_lookup_percpu_elem");
CONFORM(map_percpu_hash, "ref", "libbpf parse_btf_map_def (type); kernel bpf_map_lookup_percpu_elem (check_map_func_compatibility)");
CONFORM(map_percpu_hash, "requires", "bpf_map_lookup_percpu_elem");
SEC("socket")
int map_percpu_hash(void *ctx)
{
	__u32 key = 0xc0ffee, cpu = bpf_get_smp_processor_id();
	__u64 v = 0x0ddba11cafebabeULL, *got;

	ASSERT_EQ(bpf_map_update_elem(&pcpu_hash, &key, &v, BPF_ANY), 0);  /* unpatched (plain array): -E2BIG */
	got = bpf_map_lookup_percpu_elem(&pcpu_hash, &key, cpu);         /* unpatched: verifier rejects the helper */
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x0ddba11cafebabeULL);
	ASSERT_EQ(bpf_map_delete_elem(&pcpu_hash, &key), 0);
	PASS();
}
