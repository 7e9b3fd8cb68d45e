/* Static linking, functions (first object): a call to the other object's global function, and a strong function the other object also defines __weak and calls. */
#include "conformance.h"

extern int link_triple(int x);
extern int link_choose_via_b(void);

/*
 * A decoy at .text's start (offset 0): a call resolved to the start of .text (the callee's
 * st_value dropped) runs it and gets 7, which no assertion below accepts.
 */
__noinline int link_decoy(void)
{
	return 7;
}

/*
 * The strong definition, not first in .text.  It is not called from this unit: clang folds a call to a
 * strong definition it can see (the call disappears, `return 2` is inlined as a
 * constant), so the call that tests the binding is in funcs_b.part.c, where
 * link_choose is __weak and the call must stay a relocation the linker resolves.
 */
__noinline int link_choose(void)
{
	return 2;
}

TEST(link_funcs, "link.funcs", "pass", "required");
CONFORM(link_funcs, "desc", "after bpftool gen object: link_triple(5) runs the other object's body (15); the other object's call to its own __weak link_choose() runs this object's strong one (2)");
CONFORM(link_funcs, "ref", "libbpf linker.c (linker_append_elf_syms: strong beats weak); bpf_object__relocate_calls");
SEC("socket")
int link_funcs(void *ctx)
{
	ASSERT_EQ(link_triple(5), 15);  /* unpatched (callee st_value ignored: .text's start runs): link_decoy(), 7 */
	ASSERT_EQ(link_choose_via_b(), 2);  /* unpatched (callee st_value ignored): link_decoy(), 7; the weak body called: 1 */
	PASS();
}
