/* Calls between static functions of `.text` carry no relocation: the loader must still bring in their callees, forward and backward. */
#include "conformance.h"

/*
 * clang resolves a call from one static function of .text to another itself (a
 * pc-relative imm, no relocation); only the entry program's calls into .text (to
 * pc_leaf_back and pc_entry) are relocated.  clang creates static functions in order of
 * first reference, a whole function body at a time, so this file's .text is (checked
 * with llvm-objdump for clang 19):
 *   pc_leaf_back, pc_entry, pc_mid, pc_side, pc_leaf_fwd
 * pc_mid calls pc_leaf_back backward and pc_leaf_fwd forward; pc_entry calls pc_mid and
 * pc_side.  A loader appending callees depth-first (as libbpf) lays the program out as
 *   pc_leaf_back, pc_entry, pc_mid, pc_leaf_fwd, pc_side
 * so a loader keeping clang's imm instead of rewriting it calls pc_leaf_fwd for pc_side
 * and pc_side for pc_leaf_fwd (the two leaves have the same length): every function has
 * its own result, and the sum below tells them apart.
 */
static __noinline __u32 pc_leaf_back(__u32 x)
{
	return x * 3 + 0x10000;
}

static __noinline __u32 pc_leaf_fwd(__u32 x)
{
	return x + 0x1234abcd;
}

static __noinline __u32 pc_side(__u32 x)
{
	return x + 0x00500000;
}

static __noinline __u32 pc_mid(__u32 x)
{
	return pc_leaf_back(x) ^ pc_leaf_fwd(x);
}

static __noinline __u32 pc_entry(__u32 x)
{
	return pc_mid(x) + (pc_side(x) << 1);
}

TEST(call_pcrel, "calls.pcrel", "pass", "required");
CONFORM(call_pcrel, "desc", "a subprogram calls one static function placed before it and one placed after it in .text, another calls it and a sibling: every call reaches its own callee");
CONFORM(call_pcrel, "ref", "libbpf bpf_object__reloc_code (a call without a relo targets insn + imm + 1 in the same section)");
SEC("socket")
int call_pcrel(void *ctx)
{
	volatile __u32 seed = 0x100;

	ASSERT_EQ(pc_leaf_back(seed), 0x10300);  /* unpatched: relocated call, right (pc_leaf_back is first in both layouts) */
	/* ((0x100*3 + 0x10000) ^ (0x100 + 0x1234abcd)) + ((0x100 + 0x500000) << 1) */
	ASSERT_EQ(pc_entry(seed), (0x10300 ^ 0x1234accd) + 0xa00200);  /* unpatched (clang's imm kept, callees laid out depth-first): pc_side and pc_leaf_fwd swapped, wrong sum */
	PASS();
}
