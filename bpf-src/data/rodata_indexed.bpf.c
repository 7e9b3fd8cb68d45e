/* A `.rodata` struct array indexed by a run-time value: the verifier sees real loads at a variable offset of the frozen map, and they read the compiler's values. */
#include "conformance.h"

struct rec {
	__u32 key;
	__u16 weight;
	__u8 tag;
	__u8 flags;
	__u64 mask;
};

/* 5 records of 16 bytes, every field non-zero, no two records alike */
const volatile struct rec ro_recs[5] = {
	{ 0x11110001, 0x0101, 'a', 0x81, 0x0123456789abcdefULL },
	{ 0x22220002, 0x0202, 'b', 0x82, 0x1122334455667788ULL },
	{ 0x33330003, 0x0303, 'c', 0x83, 0x8877665544332211ULL },
	{ 0x44440004, 0x0404, 'd', 0x84, 0xfedcba9876543210ULL },
	{ 0x55550005, 0x0505, 'e', 0x85, 0x0f0f0f0f0f0f0f0fULL },
};

/* the first index, in .data: a value the verifier cannot know, so every index below is a real variable offset */
__u32 ro_first = 1;

TEST(rodata_indexed, "data.rodata", "pass", "required");
CONFORM(rodata_indexed, "desc", "a const struct array in .rodata, read field by field at an index the verifier cannot know (a .data variable), gives each record's initial values");
CONFORM(rodata_indexed, "ref", "libbpf bpf_object__init_internal_map, bpf_object__populate_internal_map (.rodata value = section bytes, then frozen); kernel check_map_access (variable offset into a map value)");
SEC("socket")
int rodata_indexed(void *ctx)
{
	__u64 sum = 0;
	__u32 i = READ_ONCE(ro_first);

	if (i >= 5)
		return __LINE__;  /* .data not written: 0, still in range */
	ASSERT_EQ(ro_recs[i].key, 0x22220002);               /* unpatched (.rodata bytes not written): 0 */
	ASSERT_EQ(ro_recs[i].weight, 0x0202);  /* unpatched: 0 */
	ASSERT_EQ(ro_recs[i].tag, 'b');  /* unpatched: 0 */
	ASSERT_EQ(ro_recs[i].mask, 0x1122334455667788ULL);  /* unpatched: 0 */
	i = i + 3;  /* record 4, the last one */
	if (i >= 5)
		return __LINE__;
	ASSERT_EQ(ro_recs[i].flags, 0x85);  /* unpatched: 0 */
	ASSERT_EQ(ro_recs[i].mask, 0x0f0f0f0f0f0f0f0fULL);  /* unpatched: 0 */
	for (__u32 j = 0; j < 5; j++) {
		__u32 k = j + READ_ONCE(ro_first);

		if (k >= 5)
			k -= 5;
		barrier_var(k);  /* clang drops no bound check below */
		if (k >= 5)
			return __LINE__;
		sum += ro_recs[k].key + ro_recs[k].weight + ro_recs[k].tag;
	}
	ASSERT_EQ(sum, 0xffff000fULL + 0x0f0f + 'a' + 'b' + 'c' + 'd' + 'e');  /* unpatched: 0 */
	PASS();
}
