/* 64-bit enum values (BTF_KIND_ENUM64): BPF_CORE_ENUMVAL_VALUE patches both halves of an ld_imm64. */
#include "core_types.h"

CORE_TEST(enumval_64, "core.enum64", "required",
	  "libbpf bpf_core_calc_enumval_relo (btf_enum64_value), bpf_core_patch_insn (BPF_LD imm64)",
	  "CR_BIG_A and CR_BIG_B read 0x123456789 and 0x700000001 from target A's ENUM64");
CONFORM(enumval_64, "requires", "cc:enum64");
SEC("socket")
int enumval_64(void *ctx)
{
	/* unpatched: 0x100000001 and 0x100000002; control: 0x200000000, 0x300000000 */
	ASSERT_EQ(bpf_core_enum_value(enum cr_big, CR_BIG_A), CR_BIG_A_T);
	ASSERT_EQ(bpf_core_enum_value(enum cr_big, CR_BIG_B), CR_BIG_B_T); /* low half only patched: 0x100000001 */
	ASSERT_EQ(bpf_core_enum_value_exists(enum cr_big, CR_BIG_B), 1);
	PASS();
}
