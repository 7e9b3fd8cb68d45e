/* BPF_CORE_FIELD_BYTE_OFFSET on a load: the loader patches the LDX offset, the program reads target-layout memory. */
#include "core_types.h"

CORE_OFF_DIFFERS(cr_ldx, a);
CORE_OFF_DIFFERS(cr_ldx, h);

/* target-layout bytes in .data, read through a preserve_access_index pointer */
IMG(cr_ldx) cr_ldx_mem = {
	.h = 0xabcd, .big = 0x55667788, .guard = 0xdeadbeef, .w = 0x99aabbcc, .a = 0x11223344,
};

CORE_TEST(field_ldx, "core.field_byte_offset.ldx", "required",
	  "libbpf bpf_core_patch_insn (BPF_LDX: insn->off = new offset)",
	  "p->a and p->h, loaded with CO-RE-relocated LDX offsets, read their target-layout values");
SEC("socket")
int field_ldx(void *ctx)
{
	struct cr_ldx *p = CORE_PTR(struct cr_ldx, cr_ldx_mem);

	ASSERT_EQ(p->a, 0x11223344); /* unpatched: offset 0 -> 0x7788abcd */
	ASSERT_EQ(p->h, 0xabcd);     /* unpatched: offset 12 -> 0xbbcc */
	PASS();
}
