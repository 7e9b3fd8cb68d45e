/* Struct flavours: struct cr_flav___new and cr_flav___old both relocate against target struct cr_flav (suffix stripped). */
#include "core_types.h"

CORE_TEST(flavour_struct, "core.flavour", "required",
	  "libbpf bpf_core_essential_name_len, bpf_core_add_cands (candidates by essential name)",
	  "the ___new flavour finds new_name and common at the target offsets; the ___old one lacks old_name");
SEC("socket")
int flavour_struct(void *ctx)
{
	struct cr_flav___new *n = 0;
	struct cr_flav___old *o = 0;

	/* a loader that keeps the ___suffix finds no candidate: exists 0, offsets unpatched */
	ASSERT_EQ(bpf_core_field_exists(n->new_name), 1);  /* unpatched (___new kept, no candidate): 0; control B: 0 */
	ASSERT_EQ(bpf_core_field_exists(o->old_name), 0);      /* unpatched: 1; control B: 1 */
	ASSERT_EQ(bpf_core_field_offset(n->new_name), __builtin_offsetof(IMG(cr_flav), new_name));
	ASSERT_EQ(bpf_core_field_offset(o->common), __builtin_offsetof(IMG(cr_flav), common));
	ASSERT_EQ(bpf_core_type_size(struct cr_flav___new), sizeof(IMG(cr_flav)));
	PASS();
}
