/* BPF_CORE_FIELD_LSHIFT_U64 of bitfields: the left shift is computed from the target bit offset and size. */
#include "core_types.h"

CORE_TEST(bitfield_shifts, "core.field_lshift_u64", "required",
	  "libbpf bpf_core_calc_field_relo (BPF_CORE_FIELD_LSHIFT_U64, little-endian)",
	  "lshift of u3, s5, u7, s12, u40, w4 and of a plain int equal the values derived from the target");
SEC("socket")
int bitfield_shifts(void *ctx)
{
	struct cr_bits *p = 0;
	struct cr_sizes *z = 0;

	/* unpatched: 61, 56, 49, 37, 24, 60 (local positions) */
	ASSERT_EQ(bpf_core_field_lshift(p->u3), CR_BITS_U3_LSHIFT_T);
	ASSERT_EQ(bpf_core_field_lshift(p->s5), CR_BITS_S5_LSHIFT_T);
	ASSERT_EQ(bpf_core_field_lshift(p->u7), CR_BITS_U7_LSHIFT_T);
	ASSERT_EQ(bpf_core_field_lshift(p->s12), CR_BITS_S12_LSHIFT_T);
	ASSERT_EQ(bpf_core_field_lshift(p->u40), CR_BITS_U40_LSHIFT_T);
	ASSERT_EQ(bpf_core_field_lshift(p->w4), CR_BITS_W4_LSHIFT_T);
	/* a plain field: 64 - 8 * size; unpatched: 56 (char), target long long: 0 */
	ASSERT_EQ(bpf_core_field_lshift(z->c), 0);
	PASS();
}
