/* Static linking, variables (first object): an extern defined in the other object, and a weak variable the other object overrides. */
#include "conformance.h"

extern int link_counter;
__weak int link_level = 1;
int link_a_only = 5;

TEST(link_vars, "link.vars", "pass", "required");
CONFORM(link_vars, "desc", "after bpftool gen object: an extern variable reads the other object's 42, a weak one the other object's strong 7");
CONFORM(link_vars, "ref", "libbpf linker.c (linker_append_elf_syms: extern resolved, strong beats weak); bpf_object__relocate_data");
SEC("socket")
int link_vars(void *ctx)
{
	ASSERT_EQ(link_counter, 42);  /* unlinked extern: load error; symbol offset ignored: 5 */
	ASSERT_EQ(link_level, 7);     /* weak kept over strong: 1 */
	ASSERT_EQ(link_a_only, 5);    /* unpatched (.data not written): 0 */
	PASS();
}
