/* BPF_CORE_FIELD_BYTE_OFFSET on sign-extending loads: with -mcpu=v4 (compiler id clang-NN-v4) clang reads signed fields with BPF_MEMSX loads, whose offsets the loader must patch like any LDX. */
#include "ldsx_types.h"

CORE_OFF_DIFFERS(cr_ldsx, c);
CORE_OFF_DIFFERS(cr_ldsx, h);
CORE_OFF_DIFFERS(cr_ldsx, i);

/* target-layout bytes in .data, read through a preserve_access_index pointer; guards of 0x7f */
IMG(cr_ldsx) cr_ldsx_mem = {
	.i = -100000, .guard = 0x7f7f7f7f, .h = -1234, .guard2 = 0x7f7f, .c = -5,
};

TEST(field_ldsx, "core.field_byte_offset.ldx", "pass", "required");
CONFORM(field_ldsx, "ref", "libbpf bpf_core_patch_insn (class BPF_LDX, mode BPF_MEM or BPF_MEMSX: insn->off = new offset); Documentation/bpf/standardization/instruction-set.rst (sign-extension load operations)");
CONFORM(field_ldsx, "desc", "signed char, short and int fields read as long (BPF_MEMSX loads under -mcpu=v4, loads and shifts before) through CO-RE-relocated offsets give their negative target-layout values");
CONFORM(field_ldsx, "btf_custom_path", "btf/ldsx_a.btf.o");
CONFORM(field_ldsx, "btf_control_path", "btf/ldsx_b.btf.o");
#if defined(__BPF_CPU_VERSION__) && __BPF_CPU_VERSION__ >= 4
CONFORM(field_ldsx, "requires", "insn_set_v4"); /* a cpu v4 build: kernels before 6.6 refuse it */
#endif
SEC("socket")
int field_ldsx(void *ctx)
{
	struct cr_ldsx *p = CORE_PTR(struct cr_ldsx, cr_ldsx_mem);
	long c = p->c, h = p->h, i = p->i;

	barrier_var(c);  /* the whole 64-bit value: the compiler may not narrow the comparisons */
	barrier_var(h);
	barrier_var(i);

	ASSERT_EQ(c, -5);      /* unpatched (local offset 4): the guard's 0x7f, 127 */
	ASSERT_EQ(h, -1234);   /* unpatched (local offset 6): the guard's 0x7f7f, 32639 */
	ASSERT_EQ(i, -100000); /* unpatched (local offset 8): h and the second guard, 0x7f7ffb2e */
	PASS();
}
