/* A global function is verified alone, for any argument: dereferencing its pointer argument without a NULL check is refused (negative test). */
#include "conformance.h"

__noinline __u32 deref_unchecked(__u32 *p)
{
#ifdef CONFORM_CONTROL
	if (!p)  /* positive control: the NULL check the verifier wants */
		return 0;
#endif
	return *p + 1;  /* verified alone, p may be NULL: invalid mem access 'mem_or_null' */
}

TEST(global_verified_alone, "calls.global.linkage", "load_error", "required");
CONFORM(global_verified_alone, "control", "define");
CONFORM(global_verified_alone, "requires", "global_func_ptr_arg");
CONFORM(global_verified_alone, "desc", "a global function that dereferences its pointer argument without a NULL check is refused, although the caller passes a stack pointer");
CONFORM(global_verified_alone, "ref", "kernel btf_prepare_func_args (global func pointer args are PTR_TO_MEM_OR_NULL), BTF_FUNC_GLOBAL in func_info; libbpf keeps the linkage");
SEC("socket")
int global_verified_alone(void *ctx)
{
	__u32 v = 0x1234abcd;

	ASSERT_EQ(deref_unchecked(&v), 0x1234abce);  /* unpatched (linkage static, verified in context): loads and passes */
	PASS();
}
