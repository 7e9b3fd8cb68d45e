/* CO-RE relocations inside a static (bpf-to-bpf) subprogram are applied too (cilium/ebpf#586). */
#include "core_types.h"

static __noinline int check_point(int k)
{
	struct cr_point *p = 0;

	/* unpatched: 4 and 8 */
	if (bpf_core_field_offset(p->y) != __builtin_offsetof(IMG(cr_point), y) + k)
		return __LINE__;
	if (bpf_core_enum_value(enum cr_color, CR_RED) != CR_RED_T + k)
		return __LINE__;
	return 0;
}

CORE_TEST(subprog_static, "core.subprog.static", "required",
	  "libbpf bpf_object__relocate_core (relocations of every function in the section); cilium/ebpf#586",
	  "a static noinline callee's field offset and enum value relocations are applied");
SEC("socket")
int subprog_static(void *ctx)
{
	int k = 0;

	barrier_var(k);
	ASSERT_OK(check_point(k));  /* unpatched (static subprogram's relocations unapplied): 10 */
	PASS();
}
