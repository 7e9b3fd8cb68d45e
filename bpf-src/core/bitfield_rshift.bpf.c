/* BPF_CORE_FIELD_RSHIFT_U64: 64 minus the target bit size, for a resized bitfield and resized plain fields. */
#include "core_types.h"

CORE_TEST(bitfield_rshift, "core.field_rshift_u64", "required",
	  "libbpf bpf_core_calc_field_relo (BPF_CORE_FIELD_RSHIFT_U64 = 64 - bit_sz)",
	  "rshift of w4 (4 -> 9 bits) and of plain fields c (1 -> 8 bytes), i (4 -> 2 bytes)");
SEC("socket")
int bitfield_rshift(void *ctx)
{
	struct cr_bits *p = 0;
	struct cr_sizes *z = 0;

	ASSERT_EQ(bpf_core_field_rshift(p->w4), CR_BITS_W4_RSHIFT_T); /* unpatched: 60; control: 62 */
	ASSERT_EQ(bpf_core_field_rshift(p->u3), CR_BITS_U3_RSHIFT_T); /* same width everywhere */
	ASSERT_EQ(bpf_core_field_rshift(z->c), 0);                    /* unpatched: 56; control: 32 */
	ASSERT_EQ(bpf_core_field_rshift(z->i), 48);                   /* unpatched: 32; control: 0 */
	PASS();
}
