/* Static linking, functions, weak first: this object's __weak function is overridden by the second object's strong one, whose body the linker places after it. */
#include "conformance.h"

extern int link_wf_triple(int x);

__weak __noinline int link_wf_choose(void)
{
	return 1;
}

TEST(link_funcs_weak_first, "link.funcs", "pass", "required");
CONFORM(link_funcs_weak_first, "desc", "after bpftool gen object the replaced weak body stays first in .text without a symbol; calls reach the strong link_wf_choose (2) and link_wf_triple (15)");
CONFORM(link_funcs_weak_first, "ref", "libbpf linker.c (strong beats weak; the weak body is left in place); libbpf: BTF.ext records of an eliminated weak subprogram are skipped");
SEC("socket")
int link_funcs_weak_first(void *ctx)
{
	ASSERT_EQ(link_wf_choose(), 2);  /* unpatched (callee st_value ignored): the weak body at .text's start, 1 */
	ASSERT_EQ(link_wf_triple(5), 15);  /* unpatched (callee st_value ignored): the weak body at .text's start, 1 */
	PASS();
}
