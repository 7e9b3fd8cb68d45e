/* CO-RE relocations inside a global subprogram (verified on its own) are applied too. */
#include "core_types.h"

__noinline int cr_check_global(int k)
{
	struct cr_point *p = 0;

	/* unpatched: 8 and 2 */
	if (bpf_core_field_offset(p->z) != __builtin_offsetof(IMG(cr_point), z) + k)
		return __LINE__;
	if (bpf_core_enum_value(enum cr_color, CR_BLUE) != CR_BLUE_T + k)
		return __LINE__;
	return 0;
}

CORE_TEST(subprog_global, "core.subprog.global", "required",
	  "libbpf bpf_object__relocate_core; kernel BTF global function verification",
	  "a global function's field offset and enum value relocations are applied");
SEC("socket")
int subprog_global(void *ctx)
{
	int k = 0;

	barrier_var(k);
	ASSERT_OK(cr_check_global(k));  /* unpatched (global subprogram's relocations unapplied): 10 */
	PASS();
}
