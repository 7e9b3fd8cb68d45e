/* `.data` and `.bss` maps are writable by the program: a store is seen by a later load in the same run. */
#include "conformance.h"

__u32 wr_data = 0x11111111;
__u64 wr_bss;
static __u32 wr_static_bss;

TEST(data_writable, "data.writable", "pass", "required");
CONFORM(data_writable, "desc", "stores to .data and .bss variables are read back by the same run, each from its own offset");
CONFORM(data_writable, "ref", "libbpf bpf_object__init_internal_map (BPF_F_RDONLY_PROG only for .rodata/.kconfig)");
SEC("socket")
int data_writable(void *ctx)
{
	ASSERT_EQ(READ_ONCE(wr_data), 0x11111111);                  /* unpatched (.data not written): 0 */
	WRITE_ONCE(wr_data, 0x1234abcd);                            /* read-only map: verifier rejects the store */
	WRITE_ONCE(wr_bss, 0xa1b2c3d4e5f60718ULL);
	WRITE_ONCE(wr_static_bss, 0x7654321);
	ASSERT_EQ(READ_ONCE(wr_data), 0x1234abcd);
	ASSERT_EQ(READ_ONCE(wr_bss), 0xa1b2c3d4e5f60718ULL);        /* both .bss variables at offset 0: 0xa1b2c3d407654321 */
	ASSERT_EQ(READ_ONCE(wr_static_bss), 0x7654321);
	/* Put the run's changes back so a repeated run sees the initial state again. */
	WRITE_ONCE(wr_data, 0x11111111);
	WRITE_ONCE(wr_bss, 0);
	WRITE_ONCE(wr_static_bss, 0);
	PASS();
}
