/* A call to a `__weak` global function (STB_WEAK symbol) defined in the same object reaches that definition. */
#include "conformance.h"

__noinline __u32 weak_decoy(__u32 x)
{
	return x ^ 0xdec0dec0;
}

__weak __noinline __u32 weak_fn(__u32 x)
{
	return x + 0x1234abcd;
}

TEST(call_weak, "calls.weak", "pass", "required");
CONFORM(call_weak, "desc", "a program calls a __weak global function and gets its result");
CONFORM(call_weak, "ref", "libbpf bpf_object__collect_prog_relos / bpf_program__record_reloc (STB_WEAK function symbol); cilium/ebpf PR#1936");
SEC("socket")
int call_weak(void *ctx)
{
	volatile __u32 seed = 0x100;

	ASSERT_EQ(weak_fn(seed), 0x1234accd);     /* unpatched (weak symbol treated as unresolved extern): load error */
	ASSERT_EQ(weak_decoy(seed), 0xdec0dfc0);
	PASS();
}
