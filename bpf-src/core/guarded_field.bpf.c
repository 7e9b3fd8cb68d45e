/* A missing field reads 0 when guarded by field_exists: the poisoned load sits in a branch the verifier prunes. */
#include "core_types.h"

IMG(cr_fields) cr_guard_mem = { .pad = 0x70, .new_name = 0x71, .kept = 0x72 };

CORE_TEST(guarded_field, "core.guarded", "required",
	  "libbpf bpf_core_calc_field_relo (-EUCLEAN: poison), bpf_core_poison_insn; FIELD_EXISTS = 0",
	  "exists(p->removed) ? p->removed : 0 is 0 in target A; p->kept reads 0x72");
SEC("socket")
int guarded_field(void *ctx)
{
	struct cr_fields *p = CORE_PTR(struct cr_fields, cr_guard_mem);
	int v = 0, k = 0;

	if (bpf_core_field_exists(p->removed))
		v = p->removed; /* unpatched: exists 1, reads local offset 8 -> 0x72 */
	if (bpf_core_field_exists(p->kept))
		k = p->kept;
	ASSERT_EQ(v, 0);
	ASSERT_EQ(k, 0x72);
	PASS();
}
