/* An array element access p->arr[2]: the index is scaled by the target element size (int -> long long). */
#include "core_types.h"

CORE_OFF_DIFFERS(cr_arr, arr[2]);

IMG(cr_arr) cr_arr_mem = { .arr = { 10, 11, 12, 13, 14, 15, 16, 17 }, .n = 77 };

CORE_TEST(array_index, "core.array", "required",
	  "libbpf bpf_core_spec_match (array accessor: idx * btf__resolve_size(elem))",
	  "offset of p->arr[2] is 16 in target A (8-byte elements), and a load there reads 12");
SEC("socket")
int array_index(void *ctx)
{
	struct cr_arr *p = CORE_PTR(struct cr_arr, cr_arr_mem);

	/* unpatched: 4 + 2 * 4 = 12 */
	ASSERT_EQ(bpf_core_field_offset(p->arr[2]), __builtin_offsetof(IMG(cr_arr), arr[2]));
	ASSERT_EQ(bpf_core_field_offset(p->n), __builtin_offsetof(IMG(cr_arr), n));
	ASSERT_EQ(p->n, 77); /* unpatched: offset 0 -> 10 */
	PASS();
}
