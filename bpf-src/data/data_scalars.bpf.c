/* `.data` holds the compiler's initial values: scalars of every width, signed and unsigned. */
#include "conformance.h"

__u8 data_u8 = 0xa5;
__u16 data_u16 = 0xbeef;
__u32 data_u32 = 0x1234abcd;
__u64 data_u64 = 0x0123456789abcdefULL;
__s32 data_s32 = -123456789;
__s64 data_s64 = -0x1122334455667788LL;

TEST(data_scalars, "data.data", "pass", "required");
CONFORM(data_scalars, "desc", "global scalars in .data read their initial values at run time");
CONFORM(data_scalars, "ref", "libbpf bpf_object__init_internal_map (.data map value = section bytes)");
SEC("socket")
int data_scalars(void *ctx)
{
	ASSERT_EQ(READ_ONCE(data_u8), 0xa5);                    /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_u16), 0xbeef);                 /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_u32), 0x1234abcd);             /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_u64), 0x0123456789abcdefULL);  /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_s32), -123456789);             /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_s64), -0x1122334455667788LL);  /* unpatched: 0 */
	PASS();
}
