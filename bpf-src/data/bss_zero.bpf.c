/* `.bss` variables of every width start at zero, and the map really backs them (a store is read back). */
#include "conformance.h"

__u8 bss_u8;
__u16 bss_u16;
__u32 bss_u32;
__u64 bss_u64;
static __u64 bss_static_u64;
struct { __u32 a; __u64 b; } bss_struct;

TEST(bss_zero, "data.bss", "pass", "required");
CONFORM(bss_zero, "desc", "uninitialised globals (global and static, scalars and a struct) read as zero");
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
	PASS();
}
