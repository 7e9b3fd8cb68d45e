/* CO-RE relocations of a program that is not loaded (SEC("?socket")) are not resolved: its ambiguous one does not fail the object. */
#include "core_types.h"

/*
 * Not autoloaded, so never relocated: against target A its relocation is ambiguous
 * (cr_amb___x / cr_amb___y).  role=fixture: part of the object, never test-run.
 */
CONFORM(cr_not_loaded, "role", "fixture");
CONFORM(cr_not_loaded, "desc", "SEC(?socket) program whose CO-RE relocation is ambiguous");
SEC("?socket")
int cr_not_loaded(void *ctx)
{
	struct cr_amb *p = 0;

	return bpf_core_field_offset(p->b);
}

CORE_TEST(not_autoloaded, "core.not_autoloaded", "optional",
	  "libbpf bpf_object__relocate_core (skips programs with autoload off)",
	  "an object whose SEC(?socket) program has an ambiguous relocation loads; the loaded one is relocated");
SEC("socket")
int not_autoloaded(void *ctx)
{
	struct cr_point *p = 0;

	/* a loader that resolves every program's relocations fails the load on cr_amb */
	ASSERT_EQ(bpf_core_field_offset(p->y), __builtin_offsetof(IMG(cr_point), y)); /* unpatched: 4 */
	PASS();
}
