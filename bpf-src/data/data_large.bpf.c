/* A large `.data` (a 10 KiB initialised array, several pages) is copied whole: its last elements hold their initial values. */
#include "conformance.h"

#define LARGE_WORDS 2560  /* 10 KiB of u32 */

/* Every element gets a value; the last ones are distinctive. */
__u32 data_big[LARGE_WORDS] = {
	[0] = 0x0f0f0f0f,
	[1 ... LARGE_WORDS - 3] = 0x01010101,
	[LARGE_WORDS - 2] = 0x1234abcd,
	[LARGE_WORDS - 1] = 0xfeedf00d,
};
__u32 data_after_big = 0x600dcafe;

TEST(data_large, "data.data", "pass", "required");
CONFORM(data_large, "desc", "the first, a middle, and the last two elements of a 10 KiB .data array, and the variable after it, read their initial values");
CONFORM(data_large, "ref", "libbpf bpf_object__init_internal_map (value_size = sh_size, whole image written)");
SEC("socket")
int data_large(void *ctx)
{
	ASSERT_EQ(READ_ONCE(data_big[0]), 0x0f0f0f0f);                /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_big[1300]), 0x01010101);             /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_big[LARGE_WORDS - 2]), 0x1234abcd);  /* unpatched (or first page only): 0 */
	ASSERT_EQ(READ_ONCE(data_big[LARGE_WORDS - 1]), 0xfeedf00d);  /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_after_big), 0x600dcafe);             /* unpatched: 0 */
	PASS();
}
