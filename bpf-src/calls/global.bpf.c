/* A call to a global function goes through the function's own symbol (imm -1); the kernel verifies the function alone. */
#include "conformance.h"

__noinline __u32 global_first(__u32 x)
{
	return x ^ 0x0dec0ded;
}

__noinline __u32 global_second(__u32 x)
{
	return x + 0x1234abcd;
}

TEST(call_global, "calls.global", "pass", "required");
CONFORM(call_global, "desc", "a program calls the second of two global functions in .text, which takes and returns scalars");
CONFORM(call_global, "ref", "llvm_reloc.rst R_BPF_64_32 (global callee: its symbol, imm -1); libbpf bpf_object__relocate_calls; kernel btf_check_subprog_call");
SEC("socket")
int call_global(void *ctx)
{
	volatile __u32 seed = 0x100;

	ASSERT_EQ(global_second(seed), 0x1234accd);  /* unpatched (st_value ignored, first function): 0x0dec0ced */
	ASSERT_EQ(global_first(seed), 0x0dec0ced);
	PASS();
}
