/* BPF_CORE_TYPE_EXISTS: 1 for structs, unions, enums, typedefs the target has; 0 for a type it lacks. */
#include "core_types.h"

CORE_TEST(type_exists, "core.type_exists", "required",
	  "libbpf bpf_core_calc_type_relo (BPF_CORE_TYPE_EXISTS), bpf_core_types_are_compat",
	  "cr_point, cr_un, cr_color, cr_scalar_t exist in target A; cr_gone does not (it does in B)");
SEC("socket")
int type_exists(void *ctx)
{
	ASSERT_EQ(bpf_core_type_exists(struct cr_point), 1);  /* unpatched (left at clang's 1): 1, unchanged */
	ASSERT_EQ(bpf_core_type_exists(union cr_un), 1);  /* unpatched (left at clang's 1): 1, unchanged */
	ASSERT_EQ(bpf_core_type_exists(enum cr_color), 1);  /* unpatched (left at clang's 1): 1, unchanged */
	ASSERT_EQ(bpf_core_type_exists(cr_scalar_t), 1);  /* unpatched (left at clang's 1): 1, unchanged */
	ASSERT_EQ(bpf_core_type_exists(struct cr_gone), 0); /* unpatched: 1; control: 1 */
	PASS();
}
