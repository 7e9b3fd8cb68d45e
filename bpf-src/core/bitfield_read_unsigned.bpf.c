/* Unsigned bitfields read directly (BPF_CORE_READ_BITFIELD): offset, size, lshift, rshift all from the target. */
#include "core_types.h"

IMG(cr_bits) cr_ubits_mem = {
	.plain = 0x55555555, .pad = 0x3f, .s5 = -7, .u3 = 5, .u7 = 100, .pad2 = -1, .s12 = -1000,
	.pad3 = 0x3ff, .u40 = 0x123456789aULL, .w4 = 0x1a5,
};

CORE_TEST(bitfield_read_unsigned, "core.bitfield", "required",
	  "libbpf bpf_core_calc_field_relo (bitfields) and BPF_CORE_READ_BITFIELD (bpf_core_read.h)",
	  "unsigned bitfields u3, u7, u40, w4 moved and resized in the target read their stored values");
SEC("socket")
int bitfield_read_unsigned(void *ctx)
{
	struct cr_bits *p = CORE_PTR(struct cr_bits, cr_ubits_mem);

	/* unpatched: local offsets/shifts extract other bits of the same bytes */
	ASSERT_EQ(BPF_CORE_READ_BITFIELD(p, u3), 5);
	ASSERT_EQ(BPF_CORE_READ_BITFIELD(p, u7), 100);
	ASSERT_EQ(BPF_CORE_READ_BITFIELD(p, u40), 0x123456789aULL);
	ASSERT_EQ(BPF_CORE_READ_BITFIELD(p, w4), 0x1a5); /* 9 bits in the target, 4 locally */
	PASS();
}
