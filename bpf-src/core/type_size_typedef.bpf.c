/* BPF_CORE_TYPE_SIZE through typedefs: a typedef of an array and of a scalar, resolved in the target. */
#include "core_types.h"

CORE_TEST(type_size_typedef, "core.type_size", "required",
	  "libbpf bpf_core_calc_type_relo (btf__resolve_size follows typedefs and arrays)",
	  "cr_arr_t (int[5] -> long long[7]) is 56 bytes, cr_scalar_t (int -> long long) 8");
SEC("socket")
int type_size_typedef(void *ctx)
{
	ASSERT_EQ(bpf_core_type_size(cr_arr_t), CR_ARR_T_SIZE_T);       /* unpatched: 20; control: 12 */
	ASSERT_EQ(bpf_core_type_size(cr_scalar_t), CR_SCALAR_T_SIZE_T); /* unpatched: 4; control: 2 */
	PASS();
}
