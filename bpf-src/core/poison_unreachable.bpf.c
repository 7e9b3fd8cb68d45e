/* An unresolvable relocation in dead code is poisoned (call 0xbad2310), the instruction count kept, and the object loads. */
#include "core_types.h"

IMG(cr_fields) cr_poison_mem = { .pad = 1, .new_name = 2, .kept = 3 };

CORE_TEST(poison_unreachable, "core.poison", "required",
	  "libbpf bpf_core_poison_insn (BPF_JMP|BPF_CALL imm 0xbad2310), bpf_core_patch_insn",
	  "loads of removed/old_name behind an enum-value guard are poisoned, never run, and the code after them still runs");
SEC("socket")
int poison_unreachable(void *ctx)
{
	struct cr_fields *p = CORE_PTR(struct cr_fields, cr_poison_mem);
	int v = 0;

	/* guard on something other than the field itself: CR_GONE is missing in target A */
	if (bpf_core_enum_value_exists(enum cr_color, CR_GONE)) {
		v = p->removed;         /* no target field: poisoned */
		v += p->old_name;       /* no target field: poisoned */
	}
	ASSERT_EQ(v, 0);                /* unpatched: guard 1, v = 2 + 1 */
	/* after the poisoned calls: jumps still land right only if the instruction count is kept */
	ASSERT_EQ(p->kept, 3);
	PASS();
}
