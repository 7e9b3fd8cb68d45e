/* Static callbacks handed to bpf_loop and bpf_for_each_map_elem: an ld_imm64 of a function address becomes a BPF_PSEUDO_FUNC reference. */
#include "conformance.h"

struct loop_ctx {
	__u64 acc;
	__u32 calls;
};

/*
 * Counters grow by a value the verifier cannot know (.data, not .rodata): kernels before
 * 6.7 verify a callback as if it ran once, and would otherwise treat the count after
 * bpf_loop as the constant 1 and hard-wire the check below to fail.
 */
__u32 loop_one = 1;

static int loop_step(__u32 index, void *data)
{
	struct loop_ctx *c = data;

	c->acc = c->acc * 31 + index + 0x1234abcd;
	c->calls += READ_ONCE(loop_one);
	return 0;
}

static int loop_stop_at_3(__u32 index, void *data)
{
	struct loop_ctx *c = data;

	c->calls += READ_ONCE(loop_one);
	return index == 2;  /* 1 stops the loop */
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} cb_array SEC(".maps");

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

TEST(callback_loop, "calls.callback", "pass", "required");
CONFORM(callback_loop, "desc", "bpf_loop calls a static callback 5 times and then one that stops itself after 3 iterations");
CONFORM(callback_loop, "requires", "bpf_loop");
CONFORM(callback_loop, "ref", "llvm_reloc.rst R_BPF_64_64 to .text; libbpf bpf_object__reloc_code (insn_is_pseudo_func, src_reg BPF_PSEUDO_FUNC)");
SEC("socket")
int callback_loop(void *ctx)
{
	struct loop_ctx c = { .acc = 0, .calls = 0 };
	__u64 want = 0;
	long n;

	n = bpf_loop(5, loop_step, &c, 0);  /* unpatched (plain constant, no BPF_PSEUDO_FUNC): load error */
	ASSERT_EQ(n, 5);
	ASSERT_EQ(c.calls, 5);
	for (__u32 i = 0; i < 5; i++)
		want = want * 31 + i + 0x1234abcd;
	ASSERT_EQ(c.acc, want);
	c.calls = 0;
	n = bpf_loop(10, loop_stop_at_3, &c, 0);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(c.calls, 3);              /* unpatched: load error */
	PASS();
}

TEST(callback_for_each, "calls.callback", "pass", "required");
CONFORM(callback_for_each, "desc", "bpf_for_each_map_elem visits 4 array slots through a static callback that calls another function");
CONFORM(callback_for_each, "ref", "llvm_reloc.rst R_BPF_64_64 to .text; libbpf bpf_object__reloc_code (BPF_PSEUDO_FUNC, callee of the callback appended)");
CONFORM(callback_for_each, "requires", "bpf_for_each_map_elem");
SEC("socket")
int callback_for_each(void *ctx)
{
	__u64 sum = 0, v = 0x10;
	__u32 k = 2;
	long n;

	ASSERT_EQ(bpf_map_update_elem(&cb_array, &k, &v, BPF_ANY), 0);
	n = bpf_for_each_map_elem(&cb_array, sum_elem, &sum, 0);  /* unpatched (no BPF_PSEUDO_FUNC): load error */
	ASSERT_EQ(n, 4);
	/* 4 * 0x1234abcd + 0x1000 * (0 + 1 + 2 + 3) + 0x10 */
	ASSERT_EQ(sum, 4 * 0x1234abcdULL + 0x6000 + 0x10);
	v = 0;
	bpf_map_update_elem(&cb_array, &k, &v, BPF_ANY);
	PASS();
}
