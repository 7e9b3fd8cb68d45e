/* BPF_CORE_ENUMVAL_VALUE: enumerator values come from the target enum (values changed, order changed). */
#include "core_types.h"

CORE_TEST(enumval_value, "core.enumval_value", "required",
	  "libbpf bpf_core_calc_enumval_relo (BPF_CORE_ENUMVAL_VALUE)",
	  "CR_RED, CR_GREEN, CR_BLUE read 40, 17, 7 (target A), not 0, 1, 2 (local)");
SEC("socket")
int enumval_value(void *ctx)
{
	ASSERT_EQ(bpf_core_enum_value(enum cr_color, CR_RED), CR_RED_T);     /* unpatched: 0; control: 1000 */
	ASSERT_EQ(bpf_core_enum_value(enum cr_color, CR_GREEN), CR_GREEN_T); /* unpatched: 1 */
	ASSERT_EQ(bpf_core_enum_value(enum cr_color, CR_BLUE), CR_BLUE_T);   /* unpatched: 2 */
	PASS();
}
