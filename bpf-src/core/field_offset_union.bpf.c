/* BPF_CORE_FIELD_BYTE_SIZE in a union: a member's size and the union's come from the target. */
#include "core_types.h"

CORE_TEST(field_offset_union, "core.field_byte_size", "required",
	  "libbpf bpf_core_calc_field_relo; btf.rst BTF_KIND_UNION",
	  "a union member and the union take the target sizes (char c[12]: 12; the union: 16)");
SEC("socket")
int field_offset_union(void *ctx)
{
	union cr_un *p = 0;

	/* No offset checks: a union member is at 0 locally, in A and in B, so no loader's
	 * mistake shows in them (field_offset_anon reaches a union member at a non-zero offset). */
	/* unpatched: 4 (char c[4]); control: 5 */
	ASSERT_EQ(bpf_core_field_size(p->c), sizeof(((union cr_un__img *)0)->c));
	/* unpatched (BYTE_SIZE unapplied, TYPE_SIZE applied): 16, unchanged; TYPE_SIZE unapplied: 4; control: 6 */
	ASSERT_EQ(bpf_core_type_size(union cr_un), sizeof(union cr_un__img));
	PASS();
}
