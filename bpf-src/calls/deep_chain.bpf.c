/* A call chain eight frames deep (the kernel's MAX_CALL_FRAMES), global and static functions alternating: every callee is brought in and every call reaches its own callee. */
#include "conformance.h"

/*
 * The first function of .text, with the chain's signature: a loader that ignores the
 * callee symbol's st_value sends every call through a global symbol here.  Global
 * functions (deep_g*) are reached through their own symbols (R_BPF_64_32, imm -1), static
 * ones (deep_s*) through a pc-relative call from the global function before them.
 * Frames: deep_chain, g1, s2, g3, s4, g5, s6, g7 = 8.
 */
__noinline __u32 deep_decoy(__u32 x)
{
	return x ^ 0x0dec0ded;
}

__noinline __u32 deep_g7(__u32 x)
{
	return x * 3 + 7;
}

static __noinline __u32 deep_s6(__u32 x)
{
	return deep_g7(x + 6) * 3;
}

__noinline __u32 deep_g5(__u32 x)
{
	return deep_s6(x * 5) + 5;
}

static __noinline __u32 deep_s4(__u32 x)
{
	return deep_g5(x + 4) ^ 0x40;
}

__noinline __u32 deep_g3(__u32 x)
{
	return deep_s4(x * 3) + 3;
}

static __noinline __u32 deep_s2(__u32 x)
{
	return deep_g3(x + 2) * 2;
}

__noinline __u32 deep_g1(__u32 x)
{
	return deep_s2(x) + 1;
}

static __u32 deep_want(__u32 x)
{
	x = x + 2;          /* s2 */
	x = x * 3;          /* g3 */
	x = x + 4;          /* s4 */
	x = x * 5;          /* g5 */
	x = x + 6;          /* s6 */
	x = x * 3 + 7;      /* g7 */
	x = x * 3;          /* s6 */
	x = x + 5;          /* g5 */
	x = x ^ 0x40;       /* s4 */
	x = x + 3;          /* g3 */
	x = x * 2;          /* s2 */
	return x + 1;       /* g1 */
}

TEST(call_deep_chain, "calls.global", "pass", "required");
CONFORM(call_deep_chain, "desc", "a chain of seven functions below the program (8 frames, the kernel's limit), global ones reached through their symbols and static ones pc-relative, gives the composed value");
CONFORM(call_deep_chain, "ref", "llvm_reloc.rst R_BPF_64_32 (global callee: its symbol, imm -1); libbpf bpf_object__reloc_code (callees appended recursively); kernel check_max_stack_depth (MAX_CALL_FRAMES 8)");
SEC("socket")
int call_deep_chain(void *ctx)
{
	volatile __u32 seed = 0x101;

	ASSERT_EQ(deep_g1(seed), deep_want(0x101));  /* unpatched (st_value ignored): every global call reaches deep_decoy, 0x0dec0dec */
	ASSERT_EQ(deep_g5(seed), (((0x101 * 5 + 6) * 3 + 7) * 3) + 5);  /* unpatched: deep_decoy's 0x0dec0cec */
	PASS();
}
