/* BYTE_OFFSET and BYTE_SIZE of bitfields: the smallest aligned load that covers the target bits. */
#include "core_types.h"

CORE_TEST(bitfield_offsets, "core.bitfield", "required",
	  "libbpf bpf_core_calc_field_relo (bitfield: byte_off = bit_off / 8 / byte_sz * byte_sz)",
	  "byte offset/size of bitfields s12 (8, 4), u3 (4, 4), u40 (8, 8) in the target");
SEC("socket")
int bitfield_offsets(void *ctx)
{
	struct cr_bits *p = 0;

	ASSERT_EQ(bpf_core_field_offset(p->s12), CR_BITS_S12_BYTE_OFF_T); /* unpatched: 0 */
	ASSERT_EQ(bpf_core_field_size(p->s12), 4);
	ASSERT_EQ(bpf_core_field_offset(p->u3), CR_BITS_U3_BYTE_OFF_T);   /* unpatched: 0 */
	ASSERT_EQ(bpf_core_field_offset(p->u40), 8);
	ASSERT_EQ(bpf_core_field_size(p->u40), 8);
	ASSERT_EQ(bpf_core_field_offset(p->w4), 16);                       /* unpatched: 20 */
	PASS();
}
