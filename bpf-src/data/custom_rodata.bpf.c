/* A custom `.rodata.*` section is global data: its own read-only map holding its initial values, apart from `.rodata`. */
#include "conformance.h"

const volatile __u32 dflt_rodata = 0x0e0e0e0e;
const volatile __s32 dflt_rodata_b = 0x0e0e0e0e;  /* .rodata as large as .rodata.conform */
const volatile __u32 custom_rodata_a SEC(".rodata.conform") = 0x600dbeef;
const volatile __s32 custom_rodata_b SEC(".rodata.conform") = -0x2468ace;

TEST(custom_rodata, "data.section.custom", "pass", "required");
CONFORM(custom_rodata, "desc", "variables in SEC(.rodata.conform) read their initial values, apart from .rodata");
CONFORM(custom_rodata, "ref", "libbpf bpf_object__elf_collect (SEC_RODATA for .rodata.*), libbpf#274");
SEC("socket")
int custom_rodata(void *ctx)
{
	ASSERT_EQ(custom_rodata_a, 0x600dbeef);   /* unpatched: load error (section unknown) */
	ASSERT_EQ(custom_rodata_b, -0x2468ace);   /* unpatched: load error */
	ASSERT_EQ(dflt_rodata, 0x0e0e0e0e);       /* merged into one map: another value */
	PASS();
}
