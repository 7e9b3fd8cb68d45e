/* BPF_CORE_FIELD_BYTE_OFFSET/BYTE_SIZE in a union: members stay at 0, their sizes come from the target. */
#include "core_types.h"

CORE_TEST(field_offset_union, "core.field_byte_size", "required",
	  "libbpf bpf_core_calc_field_relo; btf.rst BTF_KIND_UNION",
	  "union members keep offset 0 and take the target sizes (int i: 4, char c[12]: 12)");
SEC("socket")
int field_offset_union(void *ctx)
{
	union cr_un *p = 0;

	ASSERT_EQ(bpf_core_field_offset(p->i), 0);  /* unpatched (BYTE_SIZE unapplied, offsets applied): 0, unchanged */
	ASSERT_EQ(bpf_core_field_offset(p->c), 0);  /* unpatched (BYTE_SIZE unapplied, offsets applied): 0, unchanged */
	/* unpatched: 4 (char c[4]); control: 5 */
	ASSERT_EQ(bpf_core_field_size(p->c), sizeof(((union cr_un__img *)0)->c));
	/* unpatched (BYTE_SIZE unapplied, TYPE_SIZE applied): 16, unchanged; TYPE_SIZE unapplied: 4; control: 6 */
	ASSERT_EQ(bpf_core_type_size(union cr_un), sizeof(union cr_un__img));
	PASS();
}
