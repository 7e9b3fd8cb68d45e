/* BPF_CORE_FIELD_BYTE_OFFSET on a store: the loader patches the STX offset, the write lands on the target field. */
#include "core_types.h"

IMG(cr_ldx) cr_stx_mem = { .h = 1, .big = 2, .guard = 3, .w = 4, .a = 5 };

CORE_TEST(field_stx, "core.field_byte_offset.ldx", "required",
	  "libbpf bpf_core_patch_insn (BPF_STX/BPF_ST: insn->off = new offset)",
	  "stores through p->a and p->h land on the target offsets of a and h, nowhere else");
SEC("socket")
int field_stx(void *ctx)
{
	struct cr_ldx *p = CORE_PTR(struct cr_ldx, cr_stx_mem);
	__u32 v = 0x5a5a5a5a;
	__u16 h = 0x1234;

	barrier_var(v);
	barrier_var(h);
	p->a = v;
	p->h = h;
	asm volatile("" ::: "memory");
	ASSERT_EQ(READ_ONCE(cr_stx_mem.a), 0x5a5a5a5a); /* unpatched: a written at offset 0 */
	ASSERT_EQ(READ_ONCE(cr_stx_mem.h), 0x1234);     /* unpatched: h written at offset 12 */
	ASSERT_EQ(READ_ONCE(cr_stx_mem.big), 2);        /* untouched */
	ASSERT_EQ(READ_ONCE(cr_stx_mem.guard), 3);      /* untouched */
	PASS();
}
