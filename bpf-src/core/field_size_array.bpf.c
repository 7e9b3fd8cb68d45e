/* BPF_CORE_FIELD_BYTE_SIZE of an array element and of a whole array field, sized by the target. */
#include "core_types.h"

CORE_TEST(field_size_array, "core.field_byte_size", "required",
	  "libbpf bpf_core_calc_field_relo (a[n] accessor: btf__resolve_size of the element)",
	  "size of p->arr[2] is the target element size (8), of p->arr the target array (64)");
SEC("socket")
int field_size_array(void *ctx)
{
	struct cr_arr *p = 0;

	/* unpatched: 4 and 16; control: 4 and 24 */
	ASSERT_EQ(bpf_core_field_size(p->arr[2]), sizeof(((IMG(cr_arr) *)0)->arr[0]));
	ASSERT_EQ(bpf_core_field_size(p->arr), sizeof(((IMG(cr_arr) *)0)->arr));
	/* unpatched: 24; control: 40 */
	ASSERT_EQ(bpf_core_field_size(p->m), sizeof(((IMG(cr_arr) *)0)->m));
	PASS();
}
