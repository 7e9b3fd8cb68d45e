/* A `__hidden` global function is treated as static: verified in its caller's context, so an unchecked pointer dereference is fine. */
#include "conformance.h"

__hidden __noinline __u32 hidden_deref(__u32 *p)
{
	return *p + 1;  /* static verification: p is the caller's stack slot */
}

TEST(hidden_as_static, "calls.hidden", "pass", "optional");
CONFORM(hidden_as_static, "desc", "a __hidden function dereferencing its pointer argument without a NULL check loads: its BTF linkage is made static");
CONFORM(hidden_as_static, "ref", "libbpf bpf_object__init_progs (STV_HIDDEN: mark_btf_static), bpf_object__load_progs (BTF_FUNC_STATIC)");
SEC("socket")
int hidden_as_static(void *ctx)
{
	__u32 v = 0x1234abcd;

	ASSERT_EQ(hidden_deref(&v), 0x1234abce);  /* unpatched (linkage left global): load error, mem_or_null */
	PASS();
}
