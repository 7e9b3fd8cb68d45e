/* A large `.rodata` (an 8 KiB array) is one map holding every byte: the values at its very end read back, not only its first page. */
#include "conformance.h"

#define RO_LARGE_WORDS 2048 /* 8 KiB */

/* first and last words set, the rest zero: a loader writing a truncated image reads 0 at the end */
const volatile __u32 ro_large[RO_LARGE_WORDS] = {
	[0] = 0x0f1e2d3c,
	[1023] = 0x4b5a6978,
	[1024] = 0x8796a5b4,
	[RO_LARGE_WORDS - 1] = 0xc3d2e1f0,
};
const volatile __u64 ro_after = 0x7766554433221100ULL;

TEST(rodata_large, "data.rodata", "pass", "required");
CONFORM(rodata_large, "desc", "an 8 KiB const volatile array in .rodata reads its first word, both sides of the 4 KiB boundary, its last word and the variable after it");
CONFORM(rodata_large, "ref", "libbpf bpf_object__init_internal_map (value_size = section size), bpf_object__populate_internal_map");
SEC("socket")
int rodata_large(void *ctx)
{
	volatile __u32 at = RO_LARGE_WORDS - 1;
	__u32 last = at & (RO_LARGE_WORDS - 1);  /* bounded for the verifier */

	ASSERT_EQ(ro_large[0], 0x0f1e2d3c);          /* unpatched (.rodata not written): 0 */
	ASSERT_EQ(ro_large[1023], 0x4b5a6978);       /* unpatched: 0 */
	ASSERT_EQ(ro_large[1024], 0x8796a5b4);       /* unpatched, or image cut at 4 KiB: 0 */
	ASSERT_EQ(ro_large[last], 0xc3d2e1f0);       /* unpatched: 0 */
	ASSERT_EQ(ro_after, 0x7766554433221100ULL);  /* unpatched: 0 */
	PASS();
}
