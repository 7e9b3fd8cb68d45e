/* A call to an extern function that has no body anywhere is refused, even when the call is dead code (negative test). */
#include "conformance.h"

extern __u32 conform_no_such_function(__u32 x);

#ifdef CONFORM_CONTROL
/* Positive control: the same object with the function's body, which must load and run. */
__noinline __u32 conform_no_such_function(__u32 x)
{
	return x + 1;
}
#endif

/* Frozen .rodata: the verifier knows the call below is never reached. */
const volatile __u32 extern_switch = 0;

TEST(extern_unresolved, "calls.extern.unresolved", "load_error", "required");
CONFORM(extern_unresolved, "control", "define");
CONFORM(extern_unresolved, "desc", "a strong extern function with no definition and no kernel BTF makes the object fail (libbpf: failed to find BTF for extern)");
CONFORM(extern_unresolved, "ref", "libbpf bpf_object__collect_externs / bpf_object__resolve_externs (a strong extern must resolve)");
SEC("socket")
int extern_unresolved(void *ctx)
{
	if (extern_switch)
		return conform_no_such_function(3);  /* unpatched (poisoned like a weak kfunc): loads, never runs */
#ifdef CONFORM_CONTROL
	/* the control also calls the body it has: the loader linked the call to it */
	ASSERT_EQ(conform_no_such_function(0x1234abcc), 0x1234abcd);  /* control unpatched (call not relocated): refused by the verifier */
#endif
	PASS();
}
