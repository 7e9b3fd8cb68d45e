/* Enum flavours: enum cr_color___v1 and its enumerators CR_RED___v1.. match target enum cr_color by essential name. */
#include "core_types.h"

CORE_TEST(enumval_flavour, "core.flavour", "required",
	  "libbpf bpf_core_essential_name_len (type and enumerator names), bpf_core_spec_match (enumval)",
	  "CR_RED___v1 and CR_BLUE___v1 of enum cr_color___v1 read target A's CR_RED and CR_BLUE; CR_GONE___v1 (no CR_GONE in A) does not exist");
SEC("socket")
int enumval_flavour(void *ctx)
{
	/* full names kept (no candidate): RED___v1 does not exist, the value reads stay unreached (poisoned) */
	ASSERT(bpf_core_enum_value_exists(enum cr_color___v1, CR_RED___v1) && !bpf_core_enum_value_exists(enum cr_color___v1, CR_GONE___v1));  /* unpatched (___v1 kept, no candidate): RED 0; exists left at clang's 1: GONE 1 */
	ASSERT_EQ(bpf_core_enum_value(enum cr_color___v1, CR_RED___v1), CR_RED_T);   /* unpatched (no candidate): poisoned; left at clang's: 100 */
	ASSERT_EQ(bpf_core_enum_value(enum cr_color___v1, CR_BLUE___v1), CR_BLUE_T); /* unpatched (no candidate): poisoned; left at clang's: 200 */
	PASS();
}
