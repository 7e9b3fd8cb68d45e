/* An ambiguous candidate set is rejected: two target flavours of cr_amb put field b at different offsets. */
#include "core_types.h"

TEST(ambiguous, "core.ambiguous", "load_error", "required");
CONFORM(ambiguous, "control", "define");
CONFORM(ambiguous, "ref", "libbpf bpf_core_calc_relo_insn (field offset ambiguity / relocation decision ambiguity)");
CONFORM(ambiguous, "desc", "cr_amb___x (b at 4) and cr_amb___y (b at 0) both match struct cr_amb: the load fails");
CONFORM(ambiguous, "btf_custom_path", "btf/layout_a.btf.o");
CONFORM(ambiguous, "btf_control_path", "btf/layout_b.btf.o");
SEC("socket")
int ambiguous(void *ctx)
{
#ifdef CONFORM_CONTROL
	/* positive control: a field of a struct with one candidate in the same target BTF */
	struct cr_ldx *q = 0;

	ASSERT_EQ(bpf_core_field_exists(q->a), 1);  /* unpatched (relocation not applied): also 1; the control proves only that one candidate loads */
#else
	struct cr_amb *p = 0;

	/* a loader that takes the first candidate loads this and returns 0 or this line */
	ASSERT_EQ(bpf_core_field_offset(p->b), 4);
#endif
	PASS();
}
