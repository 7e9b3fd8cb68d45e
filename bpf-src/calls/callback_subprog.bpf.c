/* A bpf_loop call made inside a subprogram: the callback's function-address ld_imm64 sits in appended code and must still become a BPF_PSEUDO_FUNC reference to the right function. */
#include "conformance.h"

struct sub_loop_ctx {
	__u64 acc;
	__u32 calls;
};

/* grows by a value the verifier cannot know (see callback.bpf.c: kernels before 6.7) */
__u32 sub_loop_one = 1;
const volatile __u32 sub_loop_mul = 7;

/* the first function of .text: a valid callback of the same type that counts nothing */
static int sub_cb_decoy(__u32 index, void *data)
{
	struct sub_loop_ctx *c = data;

	c->acc += (__u64)READ_ONCE(sub_loop_one) << 20;  /* not a constant to a kernel before 6.7 */
	return 0;
}

static int sub_cb_add(__u32 index, void *data)
{
	struct sub_loop_ctx *c = data;

	c->acc = c->acc * sub_loop_mul + index + 1;
	c->calls += READ_ONCE(sub_loop_one);
	return 0;
}

static int sub_cb_stop(__u32 index, void *data)
{
	struct sub_loop_ctx *c = data;

	c->calls += READ_ONCE(sub_loop_one);
	return index == 1;  /* stops after two iterations */
}

/* the subprogram that makes the bpf_loop calls: its ld_imm64s of sub_cb_add and sub_cb_stop are relocated in appended code */
static __noinline __u64 sub_run_loops(__u32 n, __u32 which)
{
	struct sub_loop_ctx c = { .acc = 0, .calls = 0 };
	long r;

	if (which == 0)
		r = bpf_loop(n, sub_cb_decoy, &c, 0);
	else if (which == 1)
		r = bpf_loop(n, sub_cb_add, &c, 0);
	else
		r = bpf_loop(n, sub_cb_stop, &c, 0);
	return ((__u64)r << 48) | ((__u64)c.calls << 32) | (c.acc & 0xffffffff);
}

TEST(callback_in_subprog, "calls.callback", "pass", "required");
CONFORM(callback_in_subprog, "desc", "a static subprogram hands bpf_loop one of two static callbacks (4 iterations, then one that stops after 2): each runs, not the first function of .text");
CONFORM(callback_in_subprog, "requires", "bpf_loop");
CONFORM(callback_in_subprog, "ref", "llvm_reloc.rst R_BPF_64_64 to .text; libbpf bpf_object__reloc_code (relos of appended subprograms, insn_is_pseudo_func); aya#601");
SEC("socket")
int callback_in_subprog(void *ctx)
{
	__u64 want = 0, got;
	volatile __u32 which = 1;

	struct sub_loop_ctx d = { .acc = 0, .calls = 0 };

	ASSERT_EQ(bpf_loop(2, sub_cb_decoy, &d, 0), 2);      /* unpatched (addend dropped): the same 2, the decoy is at offset 0 */
	ASSERT_EQ(d.acc, 0x200000);                          /* unpatched (no BPF_PSEUDO_FUNC): load error */
	for (__u32 i = 0; i < 4; i++)
		want = want * 7 + i + 1;
	got = sub_run_loops(4, which);
	ASSERT_EQ(got >> 48, 4);                            /* unpatched (no BPF_PSEUDO_FUNC): load error */
	ASSERT_EQ((got >> 32) & 0xffff, 4);                 /* unpatched (addend dropped, sub_cb_decoy): 0 */
	ASSERT_EQ(got & 0xffffffff, want);                  /* unpatched: 0x400000 */
	which = 2;
	got = sub_run_loops(10, which);
	ASSERT_EQ(got >> 48, 2);                            /* unpatched (sub_cb_decoy never stops): 10 */
	ASSERT_EQ((got >> 32) & 0xffff, 2);                 /* unpatched: 0 */
	PASS();
}
