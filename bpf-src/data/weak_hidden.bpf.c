/* `__weak` (STB_WEAK) and `__hidden` (STV_HIDDEN) global variables are ordinary global data: reached through their symbols. */
#include "conformance.h"

__u32 wh_decoy = 0xdec0dec0;
__weak __u32 wh_weak = 0x1234abcd;
__weak __u64 wh_weak_bss;
__hidden __u32 wh_hidden = 0x0abcdef0;
__weak const volatile __u32 wh_weak_ro = 0x600dbeef;

TEST(weak_globals, "data.weak", "pass", "required");
CONFORM(weak_globals, "desc", "__weak variables in .data, .bss and .rodata read their values and take a store");
CONFORM(weak_globals, "ref", "libbpf bpf_program__record_reloc (STB_WEAK data symbols are relocated like STB_GLOBAL ones)");
SEC("socket")
int weak_globals(void *ctx)
{
	ASSERT_EQ(READ_ONCE(wh_weak), 0x1234abcd);     /* unpatched (weak symbol treated as an unresolved extern): load error */
	ASSERT_EQ(READ_ONCE(wh_weak_bss), 0);          /* unpatched: load error */
	ASSERT_EQ(wh_weak_ro, 0x600dbeef);             /* unpatched: load error */
	WRITE_ONCE(wh_weak_bss, 0x1122334455667788ULL);
	ASSERT_EQ(READ_ONCE(wh_weak_bss), 0x1122334455667788ULL);
	WRITE_ONCE(wh_weak_bss, 0);
	PASS();
}

TEST(hidden_globals, "data.reloc.symbol", "pass", "required");
CONFORM(hidden_globals, "desc", "a __hidden variable at a non-zero offset of .data reads its own initial value");
CONFORM(hidden_globals, "ref", "llvm_reloc.rst R_BPF_64_64 (S + A); libbpf bpf_program__record_reloc (visibility does not matter)");
SEC("socket")
int hidden_globals(void *ctx)
{
	ASSERT_EQ(READ_ONCE(wh_hidden), 0x0abcdef0);   /* unpatched (st_value ignored): 0xdec0dec0 */
	ASSERT_EQ(READ_ONCE(wh_decoy), 0xdec0dec0);
	PASS();
}
