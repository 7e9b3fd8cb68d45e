/* BPF_CORE_TYPE_SIZE of structs, unions and enums comes from the target BTF. */
#include "core_types.h"

CORE_SIZE_DIFFERS(struct cr_point, IMG(cr_point), CTL(cr_point));
CORE_SIZE_DIFFERS(struct cr_arr, IMG(cr_arr), CTL(cr_arr));

CORE_TEST(type_size, "core.type_size", "required",
	  "libbpf bpf_core_calc_type_relo (BPF_CORE_TYPE_SIZE: btf__resolve_size)",
	  "sizes of struct cr_point (20), struct cr_arr (168), union cr_un (16) are the target ones");
SEC("socket")
int type_size(void *ctx)
{
	/* unpatched: the local sizes 12, 60; control: 12, 88 */
	ASSERT_EQ(bpf_core_type_size(struct cr_point), sizeof(IMG(cr_point)));
	ASSERT_EQ(bpf_core_type_size(struct cr_arr), sizeof(IMG(cr_arr)));
	ASSERT_EQ(bpf_core_type_size(union cr_un), sizeof(union cr_un__img));
	ASSERT_EQ(bpf_core_type_size(struct cr_gone), 0); /* missing type: 0; unpatched: 8 */
	PASS();
}
