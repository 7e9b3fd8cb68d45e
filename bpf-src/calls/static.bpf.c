/* A call to a static function goes through the `.text` section symbol with the callee's offset in the call's imm. */
#include "conformance.h"

/* Two static callees in .text; the test calls the second, so a lost addend lands on the first. */
static __noinline __u32 static_first(__u32 x)
{
	return x ^ 0xdec0dec0;
}

static __noinline __u32 static_second(__u32 x)
{
	return x + 0x1234abcd;
}

TEST(call_static, "calls.static", "pass", "required");
CONFORM(call_static, "desc", "a program calls the second of two static functions in .text and gets its result");
CONFORM(call_static, "ref", "llvm_reloc.rst R_BPF_64_32 (static callee: section symbol, (offset/8 - 1) in imm); libbpf bpf_object__relocate_calls");
SEC("socket")
int call_static(void *ctx)
{
	volatile __u32 seed = 0x100;

	/* clang emits static functions in order of first call: static_first lands at offset 0. */
	ASSERT_EQ(static_first(seed), 0xdec0dfc0);  /* unpatched (addend lost, offset 0): 0xdec0dfc0, unchanged: the precondition of the next line */
	ASSERT_EQ(static_second(seed), 0x1234accd);  /* unpatched (addend lost, offset 0): 0xdec0dfc0 */
	PASS();
}
