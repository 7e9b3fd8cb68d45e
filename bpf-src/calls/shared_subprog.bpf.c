/* One static subprogram called from two programs: it is appended to each, and each program's call reaches it with its own relocations applied. */
#include "conformance.h"

/* read by the shared subprogram: a data relocation inside the appended copy of each program */
const volatile __u32 shared_bias = 0x5000;

/* the first function of .text, the shared one's signature: where a call that dropped its addend lands */
static __noinline __u32 shared_decoy(__u32 x)
{
	return x ^ 0x0dec0ded;
}

static __noinline __u32 shared_leaf(__u32 x)
{
	return x * 3;
}

/* called from both programs, calls shared_leaf without a relocation */
static __noinline __u32 shared_mix(__u32 x)
{
	return shared_leaf(x) + shared_bias;
}

TEST(shared_first, "calls.static", "pass", "required");
CONFORM(shared_first, "desc", "the first of two programs calling one static subprogram (which calls another and reads .rodata) gets its result");
CONFORM(shared_first, "ref", "llvm_reloc.rst R_BPF_64_32 (static callee: section symbol, imm = offset/8 - 1); libbpf bpf_object__reloc_code (subprograms appended to every program that calls them)");
SEC("socket")
int shared_first(void *ctx)
{
	volatile __u32 seed = 0x11;

	ASSERT_EQ(shared_decoy(seed), 0x0dec0dfc);       /* unpatched (addend dropped): the same, the decoy is at offset 0 */
	ASSERT_EQ(shared_mix(seed), 0x11 * 3 + 0x5000);  /* unpatched (addend dropped): shared_decoy's 0x0dec0dfc */
	PASS();
}

TEST(shared_second, "calls.static", "pass", "required");
CONFORM(shared_second, "desc", "the second of two programs calling one static subprogram gets its own copy: the call and the subprogram's relocations are right in this program too");
CONFORM(shared_second, "ref", "llvm_reloc.rst R_BPF_64_32; libbpf bpf_object__reloc_code (subprograms appended to every program that calls them, relocated per program)");
SEC("socket")
int shared_second(void *ctx)
{
	volatile __u32 seed = 0x222;

	ASSERT_EQ(shared_mix(seed) + shared_mix(seed + 1), 0x222 * 3 + 0x223 * 3 + 0xa000);  /* unpatched (addend dropped): shared_decoy's results */
	PASS();
}
