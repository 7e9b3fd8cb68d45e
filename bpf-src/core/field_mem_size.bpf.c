/* CO-RE load width: an unsigned field resized in the target gets its LDX width adjusted (u64 -> u32, u32 -> u64). */
#include "core_types.h"

IMG(cr_ldx) cr_msz_mem = {
	.h = 0xabcd, .big = 0x55667788, .guard = 0xdeadbeef, .w = 0x1122334499aabbccULL, .a = 0x11223344,
};

CORE_TEST(field_mem_size, "core.field_mem_size", "required",
	  "libbpf bpf_core_calc_relo (orig_sz != new_sz, unsigned ints) and bpf_core_patch_insn (BPF_SIZE)",
	  "p->big (local u64, target u32 followed by 0xdeadbeef) is read with a 4-byte load, p->w (local u32, target u64 0x1122334499aabbcc) with an 8-byte one");
SEC("socket")
int field_mem_size(void *ctx)
{
	struct cr_ldx *p = CORE_PTR(struct cr_ldx, cr_msz_mem);
	__u64 big = p->big;
	__u64 w = p->w;  /* compiled as a 4-byte load */

	barrier_var(w);  /* the compiler may not assume the load zero-extends (u64 in A: 8 bytes) */
	ASSERT_EQ(big, 0x55667788);  /* unpatched (8-byte load kept): 0xdeadbeef55667788 */
	ASSERT_EQ(w, 0x1122334499aabbccULL);  /* unpatched (4-byte load of the target u64 kept): its low half, 0x99aabbcc */
	PASS();
}
