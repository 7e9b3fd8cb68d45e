/* Calls between static functions of `.text` carry no relocation: the loader must still bring in their callees, forward and backward. */
#include "conformance.h"

/*
 * clang resolves a call from one static function of .text to another itself (a
 * pc-relative imm, no relocation); only the entry program's call into .text (to
 * pc_entry) is relocated.  clang emits static functions in order of first reference, so
 * this file's .text is (checked with llvm-objdump for clang 19):
 *   pc_entry, pc_leaf_back, pc_mid, pc_leaf_fwd
 * pc_mid calls pc_leaf_back backward and pc_leaf_fwd forward; the leaves are reached
 * only through relocation-less calls.
 */
static __noinline __u32 pc_leaf_back(__u32 x)
{
	return x * 3 + 0x10000;
}

static __noinline __u32 pc_leaf_fwd(__u32 x)
{
	return x + 0x1234abcd;
}

static __noinline __u32 pc_mid(__u32 x)
{
	return pc_leaf_back(x) ^ pc_leaf_fwd(x);
}

/* Refers to pc_leaf_back first, so that clang places it before pc_mid. */
static __noinline __u32 pc_entry(__u32 x)
{
	return pc_leaf_back(x) + pc_mid(x);
}

TEST(call_pcrel, "calls.pcrel", "pass", "required");
CONFORM(call_pcrel, "desc", "a subprogram calls one static function placed before it and one placed after it in .text");
CONFORM(call_pcrel, "ref", "libbpf bpf_object__reloc_code (a call without a relo targets insn + imm + 1 in the same section)");
SEC("socket")
int call_pcrel(void *ctx)
{
	volatile __u32 seed = 0x100;

	/* (0x100*3 + 0x10000) + ((0x100*3 + 0x10000) ^ (0x100 + 0x1234abcd)) */
	ASSERT_EQ(pc_entry(seed), 0x10300 + (0x10300 ^ 0x1234accd));  /* unpatched (callees not brought in): load error */
	PASS();
}
