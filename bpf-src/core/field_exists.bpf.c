/* BPF_CORE_FIELD_EXISTS: 1 for a field the target has, 0 for one renamed, removed or changed to an incompatible kind. */
#include "core_types.h"

CORE_TEST(field_exists, "core.field_exists", "required",
	  "libbpf bpf_core_calc_field_relo (BPF_CORE_FIELD_EXISTS), bpf_core_fields_are_compat",
	  "kept exists; old_name (renamed), removed and kind_changed (int -> struct) do not");
SEC("socket")
int field_exists(void *ctx)
{
	struct cr_fields *p = 0;

	ASSERT_EQ(bpf_core_field_exists(p->kept), 1);  /* unpatched (left at clang's 1): 1, unchanged */
	/* unpatched: the compiler's 1 for each of these; control B has all three as int */
	ASSERT_EQ(bpf_core_field_exists(p->old_name), 0);
	ASSERT_EQ(bpf_core_field_exists(p->removed), 0);
	ASSERT_EQ(bpf_core_field_exists(p->kind_changed), 0);
	PASS();
}
