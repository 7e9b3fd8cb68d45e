/* A custom `.bss.*` section is global data: its own zero-filled writable map, apart from `.bss`. */
#include "conformance.h"

__u32 dflt_bss;
__u64 dflt_bss_b;  /* .bss as large as .bss.conform: a merged custom_bss_b lands here */
__u32 custom_bss_a SEC(".bss.conform");
__u64 custom_bss_b SEC(".bss.conform");

TEST(custom_bss, "data.section.custom", "pass", "required");
CONFORM(custom_bss, "desc", "variables in SEC(.bss.conform) read zero, each at its own offset, and take stores that .bss does not see");
CONFORM(custom_bss, "ref", "libbpf bpf_object__elf_collect (SEC_BSS for .bss.*), libbpf#274");
SEC("socket")
int custom_bss(void *ctx)
{
	ASSERT_EQ(READ_ONCE(custom_bss_a), 0);    /* unpatched: load error (section unknown) */
	ASSERT_EQ(READ_ONCE(custom_bss_b), 0);    /* unpatched: load error */
	WRITE_ONCE(custom_bss_a, 0xabcdef01);
	WRITE_ONCE(custom_bss_b, 0x1122334455667788ULL);
	ASSERT_EQ(READ_ONCE(custom_bss_a), 0xabcdef01);  /* offsets dropped (a and b at 0): 0x55667788 */
	ASSERT_EQ(READ_ONCE(custom_bss_b), 0x1122334455667788ULL);
	ASSERT_EQ(READ_ONCE(dflt_bss), 0);               /* merged into .bss at offset 0: 0xabcdef01 */
	WRITE_ONCE(custom_bss_a, 0);
	WRITE_ONCE(custom_bss_b, 0);
	PASS();
}
