/* A two-dimensional array access p->m[1][2]: both indices scale by the target dimensions (int[2][3] -> int[3][4]). */
#include "core_types.h"

CORE_OFF_DIFFERS(cr_arr, m[1][2]);

CORE_TEST(array_2d, "core.array", "required",
	  "libbpf bpf_core_parse_spec / bpf_core_spec_match (nested array accessors)",
	  "offset of p->m[1][2] is m + (1*4 + 2)*4 in target A");
SEC("socket")
int array_2d(void *ctx)
{
	struct cr_arr *p = 0;

	/* unpatched: 20 + (1*3 + 2)*4 = 40 */
	ASSERT_EQ(bpf_core_field_offset(p->m[1][2]), __builtin_offsetof(IMG(cr_arr), m[1][2]));
	ASSERT_EQ(bpf_core_field_offset(p->m[0][1]), __builtin_offsetof(IMG(cr_arr), m[0][1]));
	ASSERT_EQ(bpf_core_field_size(p->m[1]), sizeof(((IMG(cr_arr) *)0)->m[1])); /* 16; unpatched 12 */
	PASS();
}
