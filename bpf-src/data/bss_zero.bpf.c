/* `.bss` variables of every width start at zero, and the map really backs them (a store is read back). */
#include "conformance.h"

__u8 bss_u8;
__u16 bss_u16;
__u32 bss_u32;
__u64 bss_u64;
static __u64 bss_static_u64;
struct { __u32 a; __u64 b; } bss_struct;

TEST(bss_zero, "data.bss", "pass", "required");
CONFORM(bss_zero, "desc", "uninitialised globals (global and static, scalars and a struct) read as zero, and each is its own storage: distinct stores to all of them read back unchanged");
CONFORM(bss_zero, "ref", "libbpf bpf_object__init_internal_map (.bss: SHT_NOBITS, zero-filled to sh_size)");
SEC("socket")
int bss_zero(void *ctx)
{
	ASSERT_EQ(READ_ONCE(bss_u8), 0);           /* unpatched (0xa5 fill): 0xa5 */
	ASSERT_EQ(READ_ONCE(bss_u16), 0);          /* unpatched (0xa5 fill): 0xa5a5 */
	ASSERT_EQ(READ_ONCE(bss_u32), 0);          /* unpatched (0xa5 fill): 0xa5a5a5a5 */
	ASSERT_EQ(READ_ONCE(bss_u64), 0);          /* unpatched (0xa5 fill): 0xa5a5a5a5a5a5a5a5 */
	ASSERT_EQ(READ_ONCE(bss_static_u64), 0);   /* unpatched (0xa5 fill): 0xa5a5a5a5a5a5a5a5 */
	ASSERT_EQ(READ_ONCE(bss_struct.a), 0);     /* unpatched (0xa5 fill): 0xa5a5a5a5 */
	ASSERT_EQ(READ_ONCE(bss_struct.b), 0);     /* unpatched (0xa5 fill): 0xa5a5a5a5a5a5a5a5 */
	/* Every variable at its own offset: a loader putting them all at offset 0 reads the last store. */
	WRITE_ONCE(bss_u8, 0x11);
	WRITE_ONCE(bss_u16, 0x2222);
	WRITE_ONCE(bss_u32, 0x33333333);
	WRITE_ONCE(bss_u64, 0x4444444444444444ULL);
	WRITE_ONCE(bss_static_u64, 0x5555555555555555ULL);
	WRITE_ONCE(bss_struct.a, 0x66666666);
	WRITE_ONCE(bss_struct.b, 0x7777777777777777ULL);
	ASSERT_EQ(READ_ONCE(bss_u8), 0x11);                          /* offsets dropped: 0x77 */
	ASSERT_EQ(READ_ONCE(bss_u16), 0x2222);
	ASSERT_EQ(READ_ONCE(bss_u32), 0x33333333);
	ASSERT_EQ(READ_ONCE(bss_u64), 0x4444444444444444ULL);
	ASSERT_EQ(READ_ONCE(bss_static_u64), 0x5555555555555555ULL);
	ASSERT_EQ(READ_ONCE(bss_struct.a), 0x66666666);
	ASSERT_EQ(READ_ONCE(bss_struct.b), 0x7777777777777777ULL);
	/* Put the run's changes back so a repeated run sees the initial state again. */
	WRITE_ONCE(bss_u8, 0);
	WRITE_ONCE(bss_u16, 0);
	WRITE_ONCE(bss_u32, 0);
	WRITE_ONCE(bss_u64, 0);
	WRITE_ONCE(bss_static_u64, 0);
	WRITE_ONCE(bss_struct.a, 0);
	WRITE_ONCE(bss_struct.b, 0);
	PASS();
}
