/* A static callback handed to bpf_for_each_map_elem, itself calling a subprogram: an ld_imm64 of a function address becomes a BPF_PSEUDO_FUNC reference to the right function. */
#include "conformance.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} cb_array SEC(".maps");

/*
 * Referenced first, so clang places it first in .text: a loader that resolves every
 * function address to the start of .text (the ld_imm64's addend dropped) hands it to the
 * second walk as well, which then sums nothing.
 */
/* a step the verifier cannot know (.data): it would otherwise explore every constant count */
__u64 elem_one = 1;

static long count_elem(void *map, __u32 *key, __u64 *val, void *data)
{
	*(__u64 *)data += READ_ONCE(elem_one);
	return 0;
}

static __noinline __u64 cb_weight(__u32 key)
{
	return (__u64)key * 0x1000 + 0x1234abcd;
}

/* A callback that itself calls a subprogram (a relocation-less call inside the callback). */
static long sum_elem(void *map, __u32 *key, __u64 *val, void *data)
{
	*(__u64 *)data += *val + cb_weight(*key);
	return 0;
}

TEST(callback_for_each, "calls.callback", "pass", "required");
CONFORM(callback_for_each, "desc", "bpf_for_each_map_elem visits 4 array slots through two static callbacks, each reached through its own address (the second calls another function)");
CONFORM(callback_for_each, "ref", "llvm_reloc.rst R_BPF_64_64 to .text; libbpf bpf_object__reloc_code (BPF_PSEUDO_FUNC, callee of the callback appended)");
CONFORM(callback_for_each, "requires", "bpf_for_each_map_elem");
SEC("socket")
int callback_for_each(void *ctx)
{
	__u64 sum = 0, v = 0x10, count = 0;
	__u32 k = 2;
	long n;

	n = bpf_for_each_map_elem(&cb_array, count_elem, &count, 0);
	ASSERT_EQ(n, 4);  /* unpatched (callback addend dropped): 4, unchanged: count_elem is .text's first function */
	ASSERT_EQ(count, 4);  /* unpatched (callback addend dropped): 4, unchanged (count_elem still called) */
	ASSERT_EQ(bpf_map_update_elem(&cb_array, &k, &v, BPF_ANY), 0);  /* unpatched (callback addend dropped): 0, unchanged (no callback) */
	n = bpf_for_each_map_elem(&cb_array, sum_elem, &sum, 0);  /* unpatched (no BPF_PSEUDO_FUNC): load error */
	ASSERT_EQ(n, 4);
	/* 4 * 0x1234abcd + 0x1000 * (0 + 1 + 2 + 3) + 0x10 */
	ASSERT_EQ(sum, 4 * 0x1234abcdULL + 0x6000 + 0x10);  /* count_elem called instead: 4 */
	v = 0;
	bpf_map_update_elem(&cb_array, &k, &v, BPF_ANY);
	PASS();
}
