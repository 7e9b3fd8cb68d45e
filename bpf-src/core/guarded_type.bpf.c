/* A missing type reads 0 when guarded by type_exists: its size is 0 and its field read is never reached. */
#include "core_types.h"

char cr_gone_mem[16] = { 1, 2, 3, 4, 5, 6, 7, 8 };

CORE_TEST(guarded_type, "core.guarded", "required",
	  "libbpf bpf_core_calc_type_relo (no target: 0), bpf_core_calc_field_relo (poison)",
	  "type_exists(struct cr_gone) is 0 in target A; the guarded read is skipped; type_size 0");
SEC("socket")
int guarded_type(void *ctx)
{
	struct cr_gone *g = CORE_PTR(struct cr_gone, cr_gone_mem);
	int v = 0;

	if (bpf_core_type_exists(struct cr_gone))
		v = g->b; /* unpatched: exists 1, reads 0x08070605 */
	ASSERT_EQ(v, 0);
	ASSERT_EQ(bpf_core_type_size(struct cr_gone), 0); /* unpatched: 8 */
	PASS();
}
