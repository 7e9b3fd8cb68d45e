/* Custom `.data.*`, `.rodata.*` and `.bss.*` sections are global data, each its own map with its own initial value. */
#include "conformance.h"

__u32 dflt_data = 0x0d0d0d0d;
__u32 custom_data_a SEC(".data.conform") = 0x1234abcd;
__u64 custom_data_b SEC(".data.conform") = 0x1122334455667788ULL;
const volatile __u32 custom_rodata_a SEC(".rodata.conform") = 0x600dbeef;
const volatile __s32 custom_rodata_b SEC(".rodata.conform") = -0x2468ace;
__u32 custom_bss_a SEC(".bss.conform");
__u64 custom_bss_b SEC(".bss.conform");

TEST(custom_data, "data.section.custom", "pass", "required");
CONFORM(custom_data, "desc", "variables in SEC(.data.conform) read their initial values, apart from .data");
CONFORM(custom_data, "ref", "libbpf bpf_object__elf_collect (SEC_DATA for .data.*), libbpf#274");
SEC("socket")
int custom_data(void *ctx)
{
	ASSERT_EQ(READ_ONCE(custom_data_a), 0x1234abcd);             /* unpatched: load error (section unknown) or 0 */
	ASSERT_EQ(READ_ONCE(custom_data_b), 0x1122334455667788ULL);  /* unpatched: load error or 0 */
	ASSERT_EQ(READ_ONCE(dflt_data), 0x0d0d0d0d);                 /* merged into one map: another value */
	PASS();
}

TEST(custom_rodata, "data.section.custom", "pass", "required");
CONFORM(custom_rodata, "desc", "variables in SEC(.rodata.conform) read their initial values");
CONFORM(custom_rodata, "ref", "libbpf bpf_object__elf_collect (SEC_RODATA for .rodata.*), libbpf#274");
SEC("socket")
int custom_rodata(void *ctx)
{
	ASSERT_EQ(custom_rodata_a, 0x600dbeef);   /* unpatched: load error (section unknown) or 0 */
	ASSERT_EQ(custom_rodata_b, -0x2468ace);   /* unpatched: load error or 0 */
	PASS();
}

TEST(custom_bss, "data.section.custom", "pass", "required");
CONFORM(custom_bss, "desc", "variables in SEC(.bss.conform) read zero and take a store");
CONFORM(custom_bss, "ref", "libbpf bpf_object__elf_collect (SEC_BSS for .bss.*), libbpf#274");
SEC("socket")
int custom_bss(void *ctx)
{
	ASSERT_EQ(READ_ONCE(custom_bss_a), 0);    /* unpatched: load error (section unknown) */
	ASSERT_EQ(READ_ONCE(custom_bss_b), 0);    /* unpatched: load error */
	WRITE_ONCE(custom_bss_b, 0xabcdef0123456789ULL);
	ASSERT_EQ(READ_ONCE(custom_bss_b), 0xabcdef0123456789ULL);  /* unpatched: load error */
	PASS();
}
