/* BPF_CORE_FIELD_SIGNED: signedness of integer fields comes from the target (unsigned<->signed flips). */
#include "core_types.h"

CORE_TEST(field_signed, "core.field_signed", "required",
	  "libbpf bpf_core_calc_field_relo (BPF_CORE_FIELD_SIGNED: BTF_INT_SIGNED encoding)",
	  "a: unsigned -> int, b: int -> unsigned, c: unsigned char -> signed char, d stays signed");
SEC("socket")
int field_signed(void *ctx)
{
	struct cr_signed *p = 0;

	ASSERT_EQ(bpf_core_field_signed(p->a), 1); /* unpatched and control: 0 */
	ASSERT_EQ(bpf_core_field_signed(p->b), 0); /* unpatched and control: 1 */
	ASSERT_EQ(bpf_core_field_signed(p->c), 1); /* unpatched and control: 0 */
	ASSERT_EQ(bpf_core_field_signed(p->d), 1); /* control: 0 (unsigned long long) */
	PASS();
}
