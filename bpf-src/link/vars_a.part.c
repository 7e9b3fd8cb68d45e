/* Static linking, variables (first object): an extern defined in the other object, and a strong variable the other object also defines __weak. */
#include "conformance.h"

extern int link_counter;
int link_decoy_var = 3;  /* .data's first variable (offset 0): what a dropped symbol offset reads */
int link_level = 7;  /* strong here, __weak in the second object (strong first: see link.vars) */
int link_a_only = 5;

TEST(link_vars, "link.vars", "pass", "required");
CONFORM(link_vars, "desc", "after bpftool gen object: an extern variable reads the other object's 42; the strong link_level (7) wins over the other object's weak one (1)");
CONFORM(link_vars, "ref", "libbpf linker.c (linker_append_elf_syms: extern resolved, strong beats weak); bpf_object__relocate_data");
SEC("socket")
int link_vars(void *ctx)
{
	ASSERT_EQ(link_counter, 42);  /* unpatched (symbol offset ignored): 3, .data's first variable */
	ASSERT_EQ(link_level, 7);  /* unpatched (symbol offset ignored): 3; the weak definition kept: 1 */
	ASSERT_EQ(link_a_only, 5);  /* unpatched (symbol offset ignored): 3; .data not written: 0 */
	PASS();
}
