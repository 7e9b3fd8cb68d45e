/* Two maps with identical definitions stay two maps: a write to one is not seen in the other. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} twin_a SEC(".maps"), twin_b SEC(".maps");

TEST(maps_distinct, "maps.distinct", "pass", "required");
CONFORM(maps_distinct, "desc", "the second of two identical array maps gets a value the first does not see, and vice versa");
CONFORM(maps_distinct, "ref", "libbpf bpf_program__record_reloc (map found by symbol st_value in .maps); llvm_reloc.rst R_BPF_64_64");
SEC("socket")
int maps_distinct(void *ctx)
{
	__u32 key = 1, va = 0x0aaaaaaa, vb = 0x1234abcd;
	__u32 *got;

	ASSERT_EQ(bpf_map_update_elem(&twin_b, &key, &vb, BPF_ANY), 0);  /* unpatched (both references on twin_a): 0, unchanged */
	got = bpf_map_lookup_elem(&twin_a, &key);
	ASSERT_NOT_NULL(got);  /* unpatched (both references on twin_a): twin_a's slot, unchanged */
	ASSERT_EQ(*got, 0);             /* unpatched (both references on twin_a): 0x1234abcd */
	ASSERT_EQ(bpf_map_update_elem(&twin_a, &key, &va, BPF_ANY), 0);
	got = bpf_map_lookup_elem(&twin_b, &key);
	ASSERT_NOT_NULL(got);
	ASSERT_EQ(*got, 0x1234abcd);    /* unpatched (both references on twin_a): 0x0aaaaaaa */
	/* Leave both maps as they were for a repeated run. */
	va = 0;
	bpf_map_update_elem(&twin_a, &key, &va, BPF_ANY);
	bpf_map_update_elem(&twin_b, &key, &va, BPF_ANY);
	PASS();
}
