/* CO-RE load width: an unsigned field resized in the target gets its LDX width adjusted (u64 -> u32, u32 -> u64). */
#include "core_types.h"

IMG(cr_ldx) cr_msz_mem = {
	.h = 0xabcd, .big = 0x55667788, .guard = 0xdeadbeef, .w = 0x99aabbcc, .a = 0x11223344,
};

CORE_TEST(field_mem_size, "core.field_mem_size", "required",
	  "libbpf bpf_core_calc_relo (orig_sz != new_sz, unsigned ints) and bpf_core_patch_insn (BPF_SIZE)",
	  "p->big (local u64, target u32 followed by 0xdeadbeef) is read with a 4-byte load");
SEC("socket")
int field_mem_size(void *ctx)
{
	struct cr_ldx *p = CORE_PTR(struct cr_ldx, cr_msz_mem);
	__u64 big = p->big;
	__u32 w = p->w;

	/* width not adjusted: an 8-byte load -> 0xdeadbeef55667788 */
	ASSERT_EQ(big, 0x55667788);  /* unpatched (8-byte load kept): 0xdeadbeef55667788 */
	ASSERT_EQ(w, 0x99aabbcc);  /* unpatched (4-byte load of the target u64 kept): 0x99aabbcc, unchanged: the value fits in the low half */
	PASS();
}
