/* `.rodata` holds the compiler's initial values: signed and unsigned, global and static const, every width. */
#include "conformance.h"

const volatile __u8 ro_u8 = 0xc3;
const volatile __u16 ro_u16 = 0xabcd;
const volatile __u32 ro_u32 = 0x1234abcd;
const volatile __u64 ro_u64 = 0xfedcba9876543210ULL;
const volatile __s8 ro_s8 = -100;
const volatile __s16 ro_s16 = -30000;
const volatile __s32 ro_s32 = -0x1234abc;
const volatile __s64 ro_s64 = -0x0102030405060708LL;
static const volatile __u32 ro_static_u32 = 0x5eed1234;
static const volatile __s16 ro_static_s16 = -0x1357;
/* Plain const (not volatile): read through READ_ONCE so clang cannot fold it. */
const __u32 ro_plain = 0x0badcafe;

TEST(rodata_unsigned, "data.rodata", "pass", "required");
CONFORM(rodata_unsigned, "desc", "unsigned const volatile globals of 8 to 64 bits read their initial values");
CONFORM(rodata_unsigned, "ref", "libbpf bpf_object__init_internal_map (.rodata map value = section bytes)");
SEC("socket")
int rodata_unsigned(void *ctx)
{
	ASSERT_EQ(ro_u8, 0xc3);                    /* unpatched: 0 */
	ASSERT_EQ(ro_u16, 0xabcd);                 /* unpatched: 0 */
	ASSERT_EQ(ro_u32, 0x1234abcd);             /* unpatched: 0 */
	ASSERT_EQ(ro_u64, 0xfedcba9876543210ULL);  /* unpatched: 0 */
	PASS();
}

TEST(rodata_signed, "data.rodata", "pass", "required");
CONFORM(rodata_signed, "desc", "negative const volatile globals of 8 to 64 bits read back sign-extended");
CONFORM(rodata_signed, "ref", "libbpf bpf_object__init_internal_map (.rodata map value = section bytes)");
SEC("socket")
int rodata_signed(void *ctx)
{
	__s64 wide = ro_s8;

	ASSERT_EQ(wide, -100);                     /* unpatched: 0 */
	ASSERT_EQ(ro_s16, -30000);                 /* unpatched: 0 */
	ASSERT_EQ(ro_s32, -0x1234abc);             /* unpatched: 0 */
	ASSERT_EQ(ro_s64, -0x0102030405060708LL);  /* unpatched: 0 */
	PASS();
}

TEST(rodata_static, "data.rodata", "pass", "required");
CONFORM(rodata_static, "desc", "static const volatile and plain global const values in .rodata read their initial values");
CONFORM(rodata_static, "ref", "libbpf bpf_object__init_internal_map (.rodata map value = section bytes)");
SEC("socket")
int rodata_static(void *ctx)
{
	ASSERT_EQ(ro_static_u32, 0x5eed1234);   /* unpatched: 0 */
	ASSERT_EQ(ro_static_s16, -0x1357);      /* unpatched: 0 */
	ASSERT_EQ(READ_ONCE(ro_plain), 0x0badcafe);  /* unpatched: 0 */
	PASS();
}
