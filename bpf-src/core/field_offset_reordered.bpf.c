/* BPF_CORE_FIELD_BYTE_OFFSET on an ALU immediate: the offsets of reordered fields come from the target BTF. */
#include "core_types.h"

CORE_OFF_DIFFERS(cr_point, x);
CORE_OFF_DIFFERS(cr_point, y);

CORE_TEST(field_offset_reordered, "core.field_byte_offset", "required",
	  "libbpf bpf_core_calc_field_relo (BPF_CORE_FIELD_BYTE_OFFSET); llvm_reloc.rst CO-RE",
	  "offsetof-style relocations of reordered fields x, y, z read the target offsets");
SEC("socket")
int field_offset_reordered(void *ctx)
{
	struct cr_point *p = 0;

	/* unpatched: the local offsets 0, 4, 8 */
	ASSERT_EQ(bpf_core_field_offset(p->x), __builtin_offsetof(IMG(cr_point), x));
	ASSERT_EQ(bpf_core_field_offset(p->y), __builtin_offsetof(IMG(cr_point), y));
	ASSERT_EQ(bpf_core_field_offset(p->z), __builtin_offsetof(IMG(cr_point), z));
	PASS();
}
