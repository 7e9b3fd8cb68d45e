/* BPF_CORE_ENUMVAL_VALUE of negative enumerators: the target's 32-bit value is sign-extended to 64 bits. */
#include "core_types.h"

CORE_TEST(enumval_negative, "core.enumval_value", "required",
	  "libbpf bpf_core_calc_enumval_relo (btf_enum.val is __s32: sign-extended)",
	  "CR_NEG and CR_NEG2 read -5 and -70000 (target A) as 64-bit values, not 2^32 - 5");
SEC("socket")
int enumval_negative(void *ctx)
{
	long long neg = bpf_core_enum_value(enum cr_sign, CR_NEG);
	long long neg2 = bpf_core_enum_value(enum cr_sign, CR_NEG2);

	ASSERT_EQ(neg, CR_NEG_T);   /* unpatched: -1; zero-extended: 4294967291; control: -100 */
	ASSERT_EQ(neg2, CR_NEG2_T); /* unpatched: -2; zero-extended: 4294897296 */
	ASSERT_EQ(bpf_core_enum_value(enum cr_sign, CR_POS), 7);
	PASS();
}
