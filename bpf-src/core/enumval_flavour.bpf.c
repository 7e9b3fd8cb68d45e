/* Enum flavours: enum cr_color___v1 and its enumerators CR_RED___v1.. match target enum cr_color by essential name. */
#include "core_types.h"

CORE_TEST(enumval_flavour, "core.flavour", "required",
	  "libbpf bpf_core_essential_name_len (type and enumerator names), bpf_core_spec_match (enumval)",
	  "CR_RED___v1 and CR_BLUE___v1 of enum cr_color___v1 read target A's CR_RED and CR_BLUE");
SEC("socket")
int enumval_flavour(void *ctx)
{
	/* full names kept (no candidate): 0, and the value reads below stay unreached (poisoned) */
	ASSERT(bpf_core_enum_value_exists(enum cr_color___v1, CR_RED___v1));  /* unpatched (___v1 kept, no candidate): 0 */
	ASSERT_EQ(bpf_core_enum_value(enum cr_color___v1, CR_RED___v1), CR_RED_T);   /* unpatched: 100 */
	ASSERT_EQ(bpf_core_enum_value(enum cr_color___v1, CR_BLUE___v1), CR_BLUE_T); /* unpatched: 200 */
	ASSERT_EQ(bpf_core_enum_value_exists(enum cr_color___v1, CR_GONE___v1), 0);  /* unpatched: 1 */
	PASS();
}
