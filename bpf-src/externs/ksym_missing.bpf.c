/* A strong .ksyms extern that the kernel does not have fails the load, even when only dead code uses it (negative test). */
#include "conformance.h"

extern const void bpfconform_no_such_ksym __ksym;

/* Frozen .rodata: the verifier knows the branch below is never taken. */
const volatile __u32 ksym_switch = 0;

TEST(ksym_missing, "externs.ksym.missing", "load_error", "required");
CONFORM(ksym_missing, "desc", "a strong typeless ksym absent from kallsyms: the load must fail");
CONFORM(ksym_missing, "ref", "libbpf bpf_object__resolve_externs (extern (ksym) ... failed to find kernel symbol)");
SEC("socket")
int ksym_missing(void *ctx)
{
	if (ksym_switch) {
		__u64 a = (__u64)&bpfconform_no_such_ksym;

		barrier_var(a);  /* keeps the reference: clang folds &strong_extern != 0 */
		return a >> 32;  /* unpatched (address 0): loads, passes */
	}
	PASS();
}
