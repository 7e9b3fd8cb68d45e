/* A STACK_TRACE declared with `__uint(map_flags, BPF_F_STACK_BUILD_ID)` is created with that flag: its entries are build-id + offset records, not instruction pointers. */
#include "conformance.h"
#include "map_type.h"

/* include/uapi/linux/bpf.h struct bpf_stack_build_id: status, build_id[20], offset/ip: 32 bytes */
#define CONFORM_BUILD_ID_FRAME 32

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 8);
	__uint(map_flags, BPF_F_STACK_BUILD_ID);
	__type(key, __u32);
	__uint(value_size, 4 * CONFORM_BUILD_ID_FRAME);
} build_id_stacks SEC(".maps");

TEST(map_stack_trace_build_id, "maps.flags", "pass", "required");
CONFORM(map_stack_trace_build_id, "desc", "a STACK_TRACE declared with map_flags BPF_F_STACK_BUILD_ID (value_size 128: four 32-byte build-id frames) is created with map_flags BPF_F_STACK_BUILD_ID (read from the kernel's struct bpf_map)");
CONFORM(map_stack_trace_build_id, "ref", "libbpf parse_btf_map_def (map_flags), bpf_object__create_map (create_attr.map_flags); kernel stack_map_alloc (BPF_F_STACK_BUILD_ID: value_size a multiple of sizeof(struct bpf_stack_build_id))");
CONFORM(map_stack_trace_build_id, "requires", "btf_vmlinux");
SEC("socket")
int map_stack_trace_build_id(void *ctx)
{
	ASSERT_EQ(CREATED_MAP_TYPE(build_id_stacks), BPF_MAP_TYPE_STACK_TRACE);  /* unpatched (map_flags ignored): STACK_TRACE as well */
	ASSERT_EQ(CREATED_VALUE_SIZE(build_id_stacks), 4 * CONFORM_BUILD_ID_FRAME);  /* unpatched (map_flags ignored): the same size, valid without the flag too */
	ASSERT_EQ(CREATED_MAP_FLAGS(build_id_stacks), BPF_F_STACK_BUILD_ID);  /* unpatched (map_flags ignored): 0, a stack of 16 instruction pointers */
	PASS();
}
