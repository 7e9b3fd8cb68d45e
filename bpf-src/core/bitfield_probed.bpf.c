/* Bitfields read with the probe-and-shift pattern (BPF_CORE_READ_BITFIELD_PROBED): probe_read the relocated bytes, then shift. */
#include "core_types.h"

static long (*const bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;

IMG(cr_bits) cr_pbits_mem = {
	.plain = 0x55555555, .pad = 0x3f, .s5 = -7, .u3 = 5, .u7 = 100, .pad2 = -1, .s12 = -1000,
	.pad3 = 0x3ff, .u40 = 0x123456789aULL, .w4 = 0x1a5,
};

/* libbpf's BPF_CORE_READ_BITFIELD_PROBED, little-endian */
#define READ_BITFIELD_PROBED(s, field)                                                   \
	({                                                                               \
		unsigned long long __v = 0;                                              \
		bpf_probe_read_kernel(&__v, bpf_core_field_size((s)->field),             \
				      (const void *)(s) + bpf_core_field_offset((s)->field)); \
		__v <<= bpf_core_field_lshift((s)->field);                               \
		if (bpf_core_field_signed((s)->field))                                   \
			__v = ((long long)__v) >> bpf_core_field_rshift((s)->field);     \
		else                                                                     \
			__v = __v >> bpf_core_field_rshift((s)->field);                  \
		__v;                                                                     \
	})

CORE_TEST(bitfield_probed, "core.bitfield", "required",
	  "libbpf BPF_CORE_READ_BITFIELD_PROBED (bpf_core_read.h), bpf_core_calc_field_relo",
	  "signed and unsigned bitfields read with bpf_probe_read_kernel + relocated shifts");
SEC("socket")
int bitfield_probed(void *ctx)
{
	struct cr_bits *p = CORE_PTR(struct cr_bits, cr_pbits_mem);

	/* unpatched (local offsets and shifts read the target bytes): u3 5 as well (bits
	 * 0..2 of plain, by chance), s5 10, s12 -1366, u40 0x9e26bffc18 */
	ASSERT_EQ(READ_BITFIELD_PROBED(p, u3), 5);
	ASSERT_EQ((long long)READ_BITFIELD_PROBED(p, s5), -7);     /* unpatched: 10 */
	ASSERT_EQ((long long)READ_BITFIELD_PROBED(p, s12), -1000); /* unpatched: -1366 */
	ASSERT_EQ(READ_BITFIELD_PROBED(p, u40), 0x123456789aULL);  /* unpatched: 0x9e26bffc18 */
	PASS();
}
