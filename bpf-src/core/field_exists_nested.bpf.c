/* BPF_CORE_FIELD_EXISTS along a multi-step access (struct member, array element, anonymous member). */
#include "core_types.h"

CORE_TEST(field_exists_nested, "core.field_exists", "required",
	  "libbpf bpf_core_spec_match (every accessor must match)",
	  "p->in.b, p->items[1].b and an anonymous-member field exist, p->in.gone and p->items[1].gone do not");
SEC("socket")
int field_exists_nested(void *ctx)
{
	struct cr_nested *n = 0;
	struct cr_arr *a = 0;
	struct cr_anon *an = 0;

	ASSERT_EQ(bpf_core_field_exists(n->in.b), 1);  /* unpatched (left at clang's 1): 1, unchanged */
	ASSERT_EQ(bpf_core_field_exists(a->items[1].b), 1);  /* unpatched (left at clang's 1): 1, unchanged */
	ASSERT_EQ(bpf_core_field_exists(an->b), 1);  /* unpatched (left at clang's 1): 1, unchanged */
	/* missing one step down: unpatched 1; control B has it */
	ASSERT_EQ(bpf_core_field_exists(n->in.gone), 0);  /* unpatched (left at clang's 1): 1 */
	ASSERT_EQ(bpf_core_field_exists(a->items[1].gone), 0);  /* unpatched (left at clang's 1): 1 */
	PASS();
}
