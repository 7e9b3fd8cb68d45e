/* BPF_CORE_ENUMVAL_EXISTS: 1 for an enumerator the target enum has, 0 for one it lacks. */
#include "core_types.h"

CORE_TEST(enumval_exists, "core.enumval_exists", "required",
	  "libbpf bpf_core_calc_enumval_relo (BPF_CORE_ENUMVAL_EXISTS)",
	  "CR_RED, CR_GREEN, CR_BLUE exist in target A's enum cr_color; CR_GONE does not (it does in B)");
SEC("socket")
int enumval_exists(void *ctx)
{
	ASSERT_EQ(bpf_core_enum_value_exists(enum cr_color, CR_RED), 1);  /* unpatched (left at clang's 1): 1, unchanged */
	ASSERT_EQ(bpf_core_enum_value_exists(enum cr_color, CR_BLUE), 1);  /* unpatched (left at clang's 1): 1, unchanged */
	ASSERT_EQ(bpf_core_enum_value_exists(enum cr_color, CR_GONE), 0); /* unpatched: 1; control: 1 */
	PASS();
}
