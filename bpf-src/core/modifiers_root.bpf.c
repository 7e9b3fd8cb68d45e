/* A relocation rooted at a typedef of a const volatile typedef of a struct: candidates are typedefs named like the root. */
#include "core_types.h"

CORE_TEST(modifiers_root, "core.modifiers", "required",
	  "libbpf bpf_core_add_cands (root kind and essential name), skip_mods_and_typedefs",
	  "through cr_mod_cv_t * the offsets of a and b and the type size are the target ones");
SEC("socket")
int modifiers_root(void *ctx)
{
	cr_mod_cv_t *p = 0;

	/* unpatched: 0, 8, 24 */
	ASSERT_EQ(bpf_core_field_offset(p->a), __builtin_offsetof(IMG(cr_mod), a));
	ASSERT_EQ(bpf_core_field_offset(p->b), __builtin_offsetof(IMG(cr_mod), b));
	ASSERT_EQ(bpf_core_type_size(cr_mod_cv_t), sizeof(IMG(cr_mod)));
	ASSERT_EQ(bpf_core_type_exists(cr_mod_cv_t), 1);
	PASS();
}
