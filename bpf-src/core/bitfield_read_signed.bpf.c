/* Signed bitfields read directly: the relocated SIGNED flag selects the arithmetic right shift. */
#include "core_types.h"

IMG(cr_bits) cr_sbits_mem = {
	.plain = 0x55555555, .pad = 0x3f, .s5 = -7, .u3 = 5, .u7 = 100, .pad2 = -1, .s12 = -1000,
	.pad3 = 0x3ff, .u40 = 0x123456789aULL, .w4 = 0x1a5,
};

CORE_TEST(bitfield_read_signed, "core.bitfield", "required",
	  "libbpf bpf_core_calc_field_relo (bitfields, BPF_CORE_FIELD_SIGNED) and BPF_CORE_READ_BITFIELD",
	  "signed bitfields s5 = -7 and s12 = -1000, moved in the target, read back sign-extended");
SEC("socket")
int bitfield_read_signed(void *ctx)
{
	struct cr_bits *p = CORE_PTR(struct cr_bits, cr_sbits_mem);

	/* unpatched: bits 3..7 and 15..26 of the target bytes */
	ASSERT_EQ((long long)BPF_CORE_READ_BITFIELD(p, s5), -7);
	ASSERT_EQ((long long)BPF_CORE_READ_BITFIELD(p, s12), -1000);
	ASSERT_EQ((int)BPF_CORE_READ_BITFIELD(p, plain), 0x55555555);
	PASS();
}
