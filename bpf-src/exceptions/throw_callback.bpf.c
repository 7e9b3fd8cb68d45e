/* bpf_throw(cookie) in a program whose BTF FUNC carries the decl tag exception_callback:<name>: the loader appends that global function to the program and it, not the default callback, gives the return value. */
#include "conformance.h"

extern void bpf_throw(__u64 cookie) __ksym;

/* libbpf's bpf_experimental.h __exception_cb(name) */
#define __exception_cb(name) __attribute__((btf_decl_tag("exception_callback:" #name)))

/* the cookie is the throw's own line (checked by the _Static_assert below it): the default
 * callback returns it, so a loader that did not hand the kernel the callback makes the item
 * FAIL at the throw */
#define THROW_LINE 33

/* Global and not hidden (libbpf refuses a static or hidden exception callback). Nothing
 * calls it: only the decl tag names it. Its return is the program's. */
__noinline int conform_exc_cb(__u64 cookie)
{
	if (cookie != THROW_LINE)
		return __LINE__;  /* the callback got another cookie than the one thrown */
	return 0;
}

TEST(throw_callback, "exceptions.callback", "pass", "required");
CONFORM(throw_callback, "requires", "kfunc_bpf_throw");
CONFORM(throw_callback, "desc", "bpf_throw(__LINE__) in a program tagged __exception_cb(conform_exc_cb): the custom callback runs with the cookie and returns 0; the default callback would return the cookie, the throw's line");
CONFORM(throw_callback, "ref", "libbpf bpf_object__sanitize_and_load_btf (exception_callback: decl tag -> prog->exception_cb_idx, a global non-hidden subprog), bpf_object__relocate (bpf_object__append_subprog_code of the callback after the called subprogs, its func_info); kernel find_exception_callback_insn_off");
SEC("classifier") __exception_cb(conform_exc_cb)
int throw_callback(void *ctx)
{
	volatile int go = 1;   /* keeps the return below in the object */

	if (go)
		bpf_throw(__LINE__); /* unpatched (callback not appended, decl tag dropped): the default callback returns this line */
	_Static_assert(__LINE__ - 1 == THROW_LINE, "THROW_LINE is the line of the bpf_throw above");
	return __LINE__;           /* reached only if the throw did not end the program */
}
