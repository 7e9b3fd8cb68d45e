/* A struct and an array in `.data` keep their initial values, field by field and element by element. */
#include "conformance.h"

struct conform_point {
	__u32 x;
	__u16 y;
	__u8 tag;
	__u64 z;
};

struct conform_point data_point = { .x = 0x1234abcd, .y = 0x5a5a, .tag = 0x7e, .z = 0xfeedfacecafef00dULL };
__u32 data_words[8] = { 0x10000001, 0x20000002, 0x30000003, 0x40000004,
			0x50000005, 0x60000006, 0x70000007, 0x80000008 };

TEST(data_struct, "data.data", "pass", "required");
CONFORM(data_struct, "desc", "every field of a struct in .data reads its initial value");
CONFORM(data_struct, "ref", "libbpf bpf_object__init_internal_map (.data map value = section bytes)");
SEC("socket")
int data_struct(void *ctx)
{
	ASSERT_EQ(READ_ONCE(data_point.x), 0x1234abcd);             /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_point.y), 0x5a5a);                 /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_point.tag), 0x7e);                 /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_point.z), 0xfeedfacecafef00dULL);  /* unpatched: 0 */
	PASS();
}

TEST(data_array, "data.data", "pass", "required");
CONFORM(data_array, "desc", "the first, a middle and the last element of an array in .data read their initial values");
CONFORM(data_array, "ref", "libbpf bpf_object__init_internal_map (.data map value = section bytes)");
SEC("socket")
int data_array(void *ctx)
{
	ASSERT_EQ(READ_ONCE(data_words[0]), 0x10000001);  /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_words[4]), 0x50000005);  /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(data_words[7]), 0x80000008);  /* unpatched: 0 */
	PASS();
}
