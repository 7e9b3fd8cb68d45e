/* Static linking, functions (first object): a call to the other object's global function, and a strong function the other object also defines __weak. */
#include "conformance.h"

extern int link_triple(int x);

__noinline int link_choose(void)
{
	return 2;
}

TEST(link_funcs, "link.funcs", "pass", "required");
CONFORM(link_funcs, "desc", "after bpftool gen object: link_triple(5) runs the other object's body (15), link_choose() the strong one (2)");
CONFORM(link_funcs, "ref", "libbpf linker.c (linker_append_elf_syms: strong beats weak); bpf_object__relocate_calls");
SEC("socket")
int link_funcs(void *ctx)
{
	ASSERT_EQ(link_triple(5), 15);  /* a loader ignoring the callee offset: link_choose(), 2 */
	ASSERT_EQ(link_choose(), 2);    /* the weak body called: 1 */
	PASS();
}
