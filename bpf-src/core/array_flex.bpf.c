/* A flexible array member p->data[3]: indexing past the declared zero length is allowed and scaled by the target element. */
#include "core_types.h"

CORE_TEST(array_flex, "core.array", "required",
	  "libbpf is_flex_arr in bpf_core_parse_spec / bpf_core_spec_match",
	  "offset of p->data[3] is offsetof(data) + 3 * 8 in target A (long long elements)");
SEC("socket")
int array_flex(void *ctx)
{
	struct cr_flex *p = 0;

	/* unpatched: 4 + 3 * 4 = 16; a loader bounding the index by nelems (0) fails the load */
	ASSERT_EQ(bpf_core_field_offset(p->data[3]), __builtin_offsetof(IMG(cr_flex), data[3]));
	ASSERT_EQ(bpf_core_field_size(p->data[3]), 8); /* unpatched: 4; control: 2 */
	ASSERT_EQ(bpf_core_field_offset(p->n), __builtin_offsetof(IMG(cr_flex), n));
	PASS();
}
