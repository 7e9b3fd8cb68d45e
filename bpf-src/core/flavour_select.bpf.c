/* Choosing between two struct flavours at run time with field_exists, the libbpf idiom for renamed fields. */
#include "core_types.h"

IMG(cr_flav) cr_flav_mem = { .pad = 1, .new_name = 0x4e4e, .common = 0x4343 };

CORE_TEST(flavour_select, "core.flavour", "required",
	  "libbpf bpf_core_essential_name_len; BPF CO-RE reference guide (handling incompatible field changes)",
	  "exists(new->new_name) picks the ___new flavour, whose load reads 0x4e4e from target memory");
SEC("socket")
int flavour_select(void *ctx)
{
	struct cr_flav___new *n = CORE_PTR(struct cr_flav___new, cr_flav_mem);
	struct cr_flav___old *o = CORE_PTR(struct cr_flav___old, cr_flav_mem);
	int v;

	if (bpf_core_field_exists(n->new_name))
		v = n->new_name;
	else if (bpf_core_field_exists(o->old_name))
		v = o->old_name;
	else
		v = -1;
	ASSERT_EQ(v, 0x4e4e); /* unpatched: new_name at local offset 4 -> 0 (pad's high half) */
	ASSERT_EQ(n->common, 0x4343);
	PASS();
}
