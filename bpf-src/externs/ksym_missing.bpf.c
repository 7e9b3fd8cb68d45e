/* A strong .ksyms extern that the kernel does not have fails the load, even when only dead code uses it (negative test). */
#include "conformance.h"

#ifdef CONFORM_CONTROL
/* Positive control: a kernel function kallsyms always lists. */
extern const void bpf_prog_put __ksym;
#define KSYM bpf_prog_put
#else
extern const void bpfconform_no_such_ksym __ksym;
#define KSYM bpfconform_no_such_ksym
#endif

/* Frozen .rodata: the verifier knows the branch below is never taken. */
const volatile __u32 ksym_switch = 0;

TEST(ksym_missing, "externs.ksym.missing", "load_error", "required");
CONFORM(ksym_missing, "control", "define");
CONFORM(ksym_missing, "desc", "a strong typeless ksym absent from kallsyms: the load must fail");
CONFORM(ksym_missing, "ref", "libbpf bpf_object__resolve_externs (extern (ksym) ... failed to find kernel symbol)");
SEC("socket")
int ksym_missing(void *ctx)
{
	if (ksym_switch) {
		__u64 a = (__u64)&KSYM;

		barrier_var(a);  /* keeps the reference: clang folds &strong_extern != 0 */
		return a >> 32;  /* unpatched (address 0): loads, passes */
	}
#ifdef CONFORM_CONTROL
	{
		/* the control also reads the address it has: the loader resolved it from kallsyms */
		__u64 a = (__u64)&KSYM;

		barrier_var(a);
		ASSERT_NE(a, 0);  /* control unpatched (ld_imm64 left 0): 0 */
	}
#endif
	PASS();
}
