/* Fields behind const/volatile/typedef chains, in the program and in the target, relocate like plain ones. */
#include "core_types.h"

CORE_OFF_DIFFERS(cr_mod, a);
CORE_OFF_DIFFERS(cr_mod, b);
CORE_OFF_DIFFERS(cr_mod, d);

CORE_TEST(modifiers_fields, "core.modifiers", "required",
	  "libbpf skip_mods_and_typedefs in bpf_core_fields_are_compat / bpf_core_calc_field_relo",
	  "const int a, volatile long long b, typedef'd c and const volatile typedef'd d: target offsets and sizes");
SEC("socket")
int modifiers_fields(void *ctx)
{
	struct cr_mod *p = 0;

	/* unpatched: 0, 8, 16, 20 */
	ASSERT_EQ(bpf_core_field_offset(p->a), __builtin_offsetof(IMG(cr_mod), a));
	ASSERT_EQ(bpf_core_field_offset(p->b), __builtin_offsetof(IMG(cr_mod), b));
	ASSERT_EQ(bpf_core_field_offset(p->c), __builtin_offsetof(IMG(cr_mod), c));
	ASSERT_EQ(bpf_core_field_offset(p->d), __builtin_offsetof(IMG(cr_mod), d));
	ASSERT_EQ(bpf_core_field_size(p->b), 8);
	ASSERT_EQ(bpf_core_field_signed(p->d), 1);
	PASS();
}
