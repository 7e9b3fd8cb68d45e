/* A load of a signed field whose size changes in the target is not resized: libbpf poisons it and the load fails (implementation-defined). */
#include "core_types.h"

IMG(cr_ldx) cr_msig_mem = { .sg = -2, .big = 0x55667788, .guard = 0xdeadbeef };

TEST(field_mem_size_signed, "core.field_mem_size", "load_error", "implementation-defined");
CONFORM(field_mem_size_signed, "control", "define");
CONFORM(field_mem_size_signed, "ref", "libbpf bpf_core_calc_relo (fail_memsz_adjust: only unsigned ints and pointers may change width), bpf_core_patch_insn");
CONFORM(field_mem_size_signed, "desc", "p->sg (local int, target long long) is loaded unguarded: poisoned, so the verifier refuses the program");
CONFORM(field_mem_size_signed, "btf_custom_path", "btf/layout_a.btf.o");
CONFORM(field_mem_size_signed, "btf_control_path", "btf/layout_b.btf.o");
SEC("socket")
int field_mem_size_signed(void *ctx)
{
	struct cr_ldx *p = CORE_PTR(struct cr_ldx, cr_msig_mem);
#ifdef CONFORM_CONTROL
	/* positive control: the unsigned resized field of the same struct, which may be resized */
	__u64 big = p->big;

	ASSERT_EQ(big, 0x55667788);  /* unpatched (width kept): 0xdeadbeef55667788 */
#else
	int sg = p->sg;

	/* a loader that patches the offset and keeps the 4-byte width loads and reads -2 */
	ASSERT_EQ(sg, -2);  /* unpatched (width neither adjusted nor checked): loads, -2, returns 0 */
#endif
	PASS();
}
