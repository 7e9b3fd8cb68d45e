/* bpf_throw(cookie) in a program without an exception callback: the verifier's default callback ends the program and its return value is the cookie's low 32 bits. */
#include "conformance.h"

extern void bpf_throw(__u64 cookie) __ksym;

/* the low 32 bits are 0 (a PASS), the high ones are not: a return of the whole cookie or of
 * its high half shows as a FAIL without a line */
#define COOKIE 0x5eed000000000000ULL

TEST(throw_default, "exceptions.throw.default", "pass", "required");
CONFORM(throw_default, "requires", "kfunc_bpf_throw");
CONFORM(throw_default, "desc", "bpf_throw(0x5eed000000000000) with no __exception_cb: the program returns the cookie's low 32 bits (0), the code after the throw never runs");
CONFORM(throw_default, "ref", "libbpf bpf_object__resolve_ksym_func_btf_id (bpf_throw is a kfunc), no exception_callback: decl tag so nothing appended; kernel verifier add_subprog_and_kfunc (hidden default callback: r0 = r1, the cookie), bpf_throw");
SEC("classifier")
int throw_default(void *ctx)
{
	volatile int go = 1;   /* keeps the return below in the object */

	if (go)
		bpf_throw(COOKIE); /* unpatched (call left poisoned or unresolved): refused by the verifier */
	return __LINE__;       /* reached only if the throw did not end the program */
}
