/* An ambiguous candidate set is rejected: two target flavours of cr_amb put field b at different offsets. */
#include "core_types.h"

TEST(ambiguous, "core.ambiguous", "load_error", "required");
CONFORM(ambiguous, "control", "define");
CONFORM(ambiguous, "ref", "libbpf bpf_core_calc_relo_insn (field offset ambiguity / relocation decision ambiguity)");
CONFORM(ambiguous, "desc", "cr_amb___x (b at 4) and cr_amb___y (b at 0) both match struct cr_amb: the load fails");
CONFORM(ambiguous, "btf_custom_path", "btf/layout_a.btf.o");
CONFORM(ambiguous, "btf_control_path", "btf/layout_b.btf.o");
#ifdef CONFORM_CONTROL
CORE_OFF_DIFFERS(cr_ldx, a);  /* the control's answer is neither the local nor the B offset */
#endif
SEC("socket")
int ambiguous(void *ctx)
{
#ifdef CONFORM_CONTROL
	/* positive control: the same relocation (field byte offset) on a struct with one
	 * candidate in the same target BTF, cr_ldx (a: local offset 0, target 24) */
	struct cr_ldx *q = 0;

	ASSERT_EQ(bpf_core_field_offset(q->a), __builtin_offsetof(IMG(cr_ldx), a));  /* control unpatched (relocation not applied): 0 */
#else
	struct cr_amb *p = 0;

	/* a loader that takes the first candidate loads this and returns 0 or this line */
	ASSERT_EQ(bpf_core_field_offset(p->b), 4);  /* unpatched (first candidate wins, cr_amb___x): 4, loads and returns 0 */
#endif
	PASS();
}
