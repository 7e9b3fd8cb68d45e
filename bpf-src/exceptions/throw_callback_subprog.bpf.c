/* An exception callback that calls a static subprogram: the loader appends the callback after the program's own subprograms and links the callback's calls too. */
#include "conformance.h"

extern void bpf_throw(__u64 cookie) __ksym;

/* libbpf's bpf_experimental.h __exception_cb(name) */
#define __exception_cb(name) __attribute__((btf_decl_tag("exception_callback:" #name)))

/* the cookie is the throw's own line (the _Static_assert below it checks): the default
 * callback returns it */
#define THROW_LINE 39

/* called by the program before it throws, and by the callback: one copy of it in the image,
 * reached from both */
static __noinline int conform_cookie_check(__u64 cookie)
{
	return cookie == THROW_LINE ? 0 : 1;
}

/* Global and not hidden; only the decl tag names it. Its return is the program's. */
__noinline int conform_exc_cb_sub(__u64 cookie)
{
	if (conform_cookie_check(cookie))
		return __LINE__;  /* the callback got another cookie, or its call went astray */
	return 0;
}

TEST(throw_callback_subprog, "exceptions.callback", "pass", "required");
CONFORM(throw_callback_subprog, "requires", "kfunc_bpf_throw");
CONFORM(throw_callback_subprog, "desc", "the exception callback calls a static subprogram the program also calls: appended after the program's subprograms, its call is linked to the one copy; it returns 0, the default callback would return the throw's line");
CONFORM(throw_callback_subprog, "ref", "libbpf bpf_object__relocate (the exception callback appended after the called subprogs, then bpf_object__reloc_code on it for its own calls); kernel find_exception_callback_insn_off");
SEC("classifier") __exception_cb(conform_exc_cb_sub)
int throw_callback_subprog(void *ctx)
{
	volatile int go = 1;   /* keeps the return below in the object */

	ASSERT_EQ(conform_cookie_check(THROW_LINE - 1), 1);  /* unpatched (call not linked): refused by the verifier */
	if (go)
		bpf_throw(__LINE__); /* unpatched (callback not appended, decl tag dropped): the default callback returns this line */
	_Static_assert(__LINE__ - 1 == THROW_LINE, "THROW_LINE is the line of the bpf_throw above");
	return __LINE__;           /* reached only if the throw did not end the program */
}
