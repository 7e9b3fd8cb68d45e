/* A custom `.data.*` section is global data: its own writable map holding its initial values, apart from `.data`. */
#include "conformance.h"

__u32 dflt_data = 0x0d0d0d0d;
__u64 dflt_data_b = 0x0d0d0d0d0d0d0d0dULL;  /* .data as large as .data.conform */
__u32 custom_data_a SEC(".data.conform") = 0x1234abcd;
__u64 custom_data_b SEC(".data.conform") = 0x1122334455667788ULL;

TEST(custom_data, "data.section.custom", "pass", "required");
CONFORM(custom_data, "desc", "variables in SEC(.data.conform) read their initial values and take a store, apart from .data");
CONFORM(custom_data, "ref", "libbpf bpf_object__elf_collect (SEC_DATA for .data.*), libbpf#274");
SEC("socket")
int custom_data(void *ctx)
{
	ASSERT_EQ(READ_ONCE(custom_data_a), 0x1234abcd);             /* unpatched: load error (section unknown) */
	ASSERT_EQ(READ_ONCE(custom_data_b), 0x1122334455667788ULL);  /* unpatched: load error */
	ASSERT_EQ(READ_ONCE(dflt_data), 0x0d0d0d0d);                 /* merged into one map: another value */
	WRITE_ONCE(custom_data_a, 0x600d600d);
	ASSERT_EQ(READ_ONCE(custom_data_a), 0x600d600d);             /* read-only map: load error */
	WRITE_ONCE(custom_data_a, 0x1234abcd);
	PASS();
}
