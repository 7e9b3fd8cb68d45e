/* BPF_CORE_FIELD_BYTE_OFFSET into anonymous members: a target field inside an anonymous union/struct is found. */
#include "core_types.h"

CORE_OFF_DIFFERS(cr_anon, a);
CORE_OFF_DIFFERS(cr_anon, b);

CORE_TEST(field_offset_anon, "core.field_byte_offset", "required",
	  "libbpf bpf_core_match_member (embedded anonymous struct/union: go deeper)",
	  "fields a and b, moved in the target into an anonymous union and struct, are found there");
SEC("socket")
int field_offset_anon(void *ctx)
{
	struct cr_anon *p = 0;

	/* unpatched: 0 and 4; a loader that does not descend into anonymous members fails the load */
	ASSERT_EQ(bpf_core_field_offset(p->a), __builtin_offsetof(IMG(cr_anon), a));
	ASSERT_EQ(bpf_core_field_offset(p->b), __builtin_offsetof(IMG(cr_anon), b));
	ASSERT_EQ(bpf_core_field_exists(p->b), 1);
	PASS();
}
