/* A chain of static `.text` functions, each calling the next without a relocation: the loader must bring in every callee. */
#include "conformance.h"

/*
 * clang resolves a call from one static function of .text to another itself (a
 * pc-relative imm, no relocation); only the entry program's call into .text is
 * relocated: pc_chain2 and pc_chain3 are reached only through relocation-less calls.
 */
static __noinline __u32 pc_chain3(__u32 x)
{
	return x + 0x300;
}

static __noinline __u32 pc_chain2(__u32 x)
{
	return pc_chain3(x) * 2;
}

static __noinline __u32 pc_chain1(__u32 x)
{
	return pc_chain2(x) + 0x10;
}

TEST(call_chain, "calls.pcrel", "pass", "required");
CONFORM(call_chain, "desc", "a chain of three static functions, each calling the next without a relocation");
CONFORM(call_chain, "ref", "libbpf bpf_object__reloc_code (a call without a relo targets insn + imm + 1 in the same section)");
SEC("socket")
int call_chain(void *ctx)
{
	volatile __u32 seed = 0x100;

	ASSERT_EQ(pc_chain1(seed), (0x100 + 0x300) * 2 + 0x10);  /* unpatched (callees not brought in): load error */
	PASS();
}
