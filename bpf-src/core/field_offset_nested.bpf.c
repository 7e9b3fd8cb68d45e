/* BPF_CORE_FIELD_BYTE_OFFSET through a nested struct: the access spec is walked member by member in the target. */
#include "core_types.h"

CORE_OFF_DIFFERS(cr_nested, in.b);
CORE_OFF_DIFFERS(cr_nested, in.a);
CORE_OFF_DIFFERS(cr_nested, a);

CORE_TEST(field_offset_nested, "core.field_byte_offset", "required",
	  "libbpf bpf_core_spec_match / bpf_core_match_member",
	  "offset of p->in.b sums the target offsets of in and of b inside the target cr_inner");
SEC("socket")
int field_offset_nested(void *ctx)
{
	struct cr_nested *p = 0;

	/* unpatched: 4 + 4 = 8 (local); a loader that relocates only the last step: 4 + 8 */
	ASSERT_EQ(bpf_core_field_offset(p->in.b), __builtin_offsetof(IMG(cr_nested), in.b));
	ASSERT_EQ(bpf_core_field_offset(p->in.a), __builtin_offsetof(IMG(cr_nested), in.a));
	ASSERT_EQ(bpf_core_field_offset(p->a), __builtin_offsetof(IMG(cr_nested), a));
	PASS();
}
