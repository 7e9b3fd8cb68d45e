/* BPF_CORE_TYPE_MATCHES on enums: every local enumerator must exist by name in the target, values ignored. */
#include "core_types.h"

CORE_TEST(type_matches_enum, "core.type_matches", "required",
	  "libbpf bpf_core_enums_match (names, not values; same size)",
	  "enum cr_match_enum matches target A (values changed, extra enumerator); B lacks CR_ME_B");
CONFORM(type_matches_enum, "requires", "cc:type_matches");
SEC("socket")
int type_matches_enum(void *ctx)
{
	ASSERT_EQ(bpf_core_type_matches(enum cr_match_enum), 1);  /* unpatched (left at clang's 1): 1, unchanged; control: 0 */
	ASSERT_EQ(bpf_core_type_matches(enum cr_color), 0);      /* CR_GONE missing; unpatched: 1 */
	PASS();
}
