/* A missing enumerator reads 0 when guarded: the value relocation is poisoned in the dead branch, exists is 0. */
#include "core_types.h"

CORE_TEST(enumval_missing, "core.guarded", "required",
	  "libbpf bpf_core_calc_enumval_relo (no target: EXISTS 0, VALUE poisoned)",
	  "exists(CR_GONE) ? value(CR_GONE) : 0 is 0 against target A, which lacks CR_GONE");
SEC("socket")
int enumval_missing(void *ctx)
{
	__u64 v;

	if (bpf_core_enum_value_exists(enum cr_color, CR_GONE))
		v = bpf_core_enum_value(enum cr_color, CR_GONE); /* unpatched: 3; control: 4000 */
	else
		v = 0;
	ASSERT_EQ(v, 0);
	PASS();
}
