/* A BPF_MAP_TYPE_STACK_TRACE is created as one, and its `__uint(value_size, N)` (room for N/8 instruction pointers) is the value size it is created with. */
#include "conformance.h"
#include "map_type.h"

/* 16 frames of 8 bytes: the usual declaration is PERF_MAX_STACK_DEPTH * sizeof(__u64) */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16);
	__type(key, __u32);
	__uint(value_size, 16 * sizeof(__u64));
} stacks SEC(".maps");

TEST(map_stack_trace, "maps.type", "pass", "required");
CONFORM(map_stack_trace, "desc", "a STACK_TRACE declared with a 4-byte key, value_size 128 and max_entries 16 is created with map_type BPF_MAP_TYPE_STACK_TRACE and max_entries 16 (read from the kernel's struct bpf_map)");
CONFORM(map_stack_trace, "ref", "libbpf parse_btf_map_def (type), bpf_object__create_map (created without BTF); kernel stack_map_alloc");
CONFORM(map_stack_trace, "requires", "btf_vmlinux");
SEC("socket")
int map_stack_trace(void *ctx)
{
	ASSERT_EQ(CREATED_MAP_TYPE(stacks), BPF_MAP_TYPE_STACK_TRACE);  /* unpatched (type ignored, created as an array): BPF_MAP_TYPE_ARRAY */
	ASSERT_EQ(CREATED_KEY_SIZE(stacks), 4);
	ASSERT_EQ(CREATED_MAX_ENTRIES(stacks), 16);
	PASS();
}

TEST(map_stack_trace_value_size, "maps.btf.size", "pass", "required");
CONFORM(map_stack_trace_value_size, "desc", "a STACK_TRACE's `__uint(value_size, 128)` is created as value_size 128 (16 frames; read from the kernel's struct bpf_map), not the 512 bytes of the int[128] the member points to");
CONFORM(map_stack_trace_value_size, "ref", "libbpf parse_btf_map_def (value_size: get_map_field_int, the array's nelems); kernel stack_map_alloc (value_size a multiple of 8, at most perf_event_max_stack frames)");
CONFORM(map_stack_trace_value_size, "requires", "btf_vmlinux");
SEC("socket")
int map_stack_trace_value_size(void *ctx)
{
	ASSERT_EQ(CREATED_MAP_TYPE(stacks), BPF_MAP_TYPE_STACK_TRACE);  /* unpatched (value size taken from the pointee): STACK_TRACE as well; the next line tells */
	ASSERT_EQ(CREATED_VALUE_SIZE(stacks), 128);  /* unpatched (sized as the pointed-to int[128]): 512, 64 frames */
	PASS();
}
