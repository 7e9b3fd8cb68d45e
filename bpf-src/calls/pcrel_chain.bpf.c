/* A chain of static `.text` functions, each calling the next without a relocation: the loader must bring in every callee. */
#include "conformance.h"

/*
 * clang resolves a call from one static function of .text to another itself (a
 * pc-relative imm, no relocation); only the entry program's call into .text is
 * relocated: pc_chain2, pc_chain3 and pc_chain_side are reached only through
 * relocation-less calls.  clang creates static functions in order of first reference, a
 * whole function body at a time, so .text is (checked with llvm-objdump for clang 19)
 *   pc_chain1, pc_chain2, pc_chain_side, pc_chain3
 * while a loader appending callees depth-first (as libbpf) lays out
 *   pc_chain1, pc_chain2, pc_chain3, pc_chain_side
 * A loader keeping clang's imm would call pc_chain3 for pc_chain_side and pc_chain_side
 * for pc_chain3 (the two leaves have the same length): the result tells.
 */
static __noinline __u32 pc_chain3(__u32 x)
{
	return x + 0x300;
}

static __noinline __u32 pc_chain_side(__u32 x)
{
	return x + 0x50000;
}

static __noinline __u32 pc_chain2(__u32 x)
{
	return pc_chain3(x) * 2;
}

static __noinline __u32 pc_chain1(__u32 x)
{
	return pc_chain2(x) + (pc_chain_side(x) << 4);
}

TEST(call_chain, "calls.pcrel", "pass", "required");
CONFORM(call_chain, "desc", "a chain of three static functions, each calling the next without a relocation, the first also a side leaf");
CONFORM(call_chain, "ref", "libbpf bpf_object__reloc_code (a call without a relo targets insn + imm + 1 in the same section)");
SEC("socket")
int call_chain(void *ctx)
{
	volatile __u32 seed = 0x100;

	/* (0x100 + 0x300) * 2 + ((0x100 + 0x50000) << 4) */
	ASSERT_EQ(pc_chain1(seed), 0x800 + 0x501000);  /* unpatched (clang's imm kept, callees laid out depth-first): pc_chain3 and pc_chain_side swapped, wrong sum */
	PASS();
}
