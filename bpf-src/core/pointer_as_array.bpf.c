/* A pointer used as an array, p[1].y: the first accessor scales by the target struct size. */
#include "core_types.h"

IMG(cr_point) cr_points_mem[2] = { { .x = 1, .y = 2, .z = 3 }, { .x = 4, .y = 5, .z = 6 } };

CORE_TEST(pointer_as_array, "core.array.pointer", "required",
	  "libbpf bpf_core_parse_spec (spec->bit_offset = access_idx * sz * 8 for the first accessor)",
	  "offset of p[1].y is sizeof(target cr_point) + offsetof(y) = 28, and p[1].y reads 5");
SEC("socket")
int pointer_as_array(void *ctx)
{
	struct cr_point *p = CORE_PTR(struct cr_point, cr_points_mem);

	/* unpatched: 12 + 4 = 16; a loader that ignores the first index: 8 */
	ASSERT_EQ(bpf_core_field_offset(p[1].y), sizeof(IMG(cr_point)) + __builtin_offsetof(IMG(cr_point), y));
	ASSERT_EQ(p[1].y, 5);
	ASSERT_EQ(p[1].x, 4);
	PASS();
}
