/* An array of structs p->items[1].b: element size and member offset both come from the target. */
#include "core_types.h"

CORE_OFF_DIFFERS(cr_arr, items[1].b);

IMG(cr_arr) cr_items_mem = { .items = { { .a = 1, .b = 2 }, { .a = 3, .b = 4 }, { .a = 5, .b = 6 } } };

CORE_TEST(array_of_structs, "core.array", "required",
	  "libbpf bpf_core_spec_match (array of composite, then member)",
	  "p->items[1].b is found at the target offset and a load there reads 4");
SEC("socket")
int array_of_structs(void *ctx)
{
	struct cr_arr *p = CORE_PTR(struct cr_arr, cr_items_mem);

	ASSERT_EQ(bpf_core_field_offset(p->items[1].b), __builtin_offsetof(IMG(cr_arr), items[1].b));  /* unpatched (array accessor not relocated): the local 60 */
	ASSERT_EQ(p->items[1].b, 4);  /* unpatched: a read at the local offset 60, 0 */
	ASSERT_EQ(p->items[2 - 1].a, 3);
	PASS();
}
