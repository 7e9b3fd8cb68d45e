/* Static callbacks handed to bpf_loop: an ld_imm64 of a function address becomes a BPF_PSEUDO_FUNC reference to the right function. */
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
	ASSERT_EQ(n, 3);                    /* the first function of .text (loop_step) called instead: 10 */
	ASSERT_EQ(c.calls, 3);              /* unpatched: load error */
	PASS();
}
