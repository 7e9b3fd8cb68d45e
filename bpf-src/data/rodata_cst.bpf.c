/* Constants the compiler merges into `.rodata.cst16` (no BTF DATASEC, referenced through the section symbol plus an offset) become a read-only map holding their bytes. */
#include "conformance.h"

/* Local const arrays indexed at run time: clang emits them into the mergeable .rodata.cst16
 * (flags AM, entsize 16) and loads them with ld_imm64 against the section symbol, imm = offset. */
static __noinline __u64 pick_u64(__u32 j)
{
	const __u64 tbl[2] = { 0x1122334455667788ULL, 0x99aabbccddeeff00ULL };

	return tbl[j & 1];
}

static __noinline __u32 pick_u32(__u32 j)
{
	const __u32 tbl[4] = { 0xa1a2a3a4, 0xb1b2b3b4, 0xc1c2c3c4, 0xd1d2d3d4 };

	return tbl[j & 3];
}

TEST(rodata_cst, "data.rodata.cst", "pass", "required");
CONFORM(rodata_cst, "desc", "two 16-byte literal arrays merged into .rodata.cst16 read back every element, the second one at offset 16");
CONFORM(rodata_cst, "ref", "libbpf bpf_object__elf_collect (.rodata.* is SEC_RODATA, also without BTF), bpf_object__init_internal_map");
SEC("socket")
int rodata_cst(void *ctx)
{
	volatile __u32 i = 0;

	ASSERT_EQ(pick_u64(i), 0x1122334455667788ULL);      /* unpatched (.rodata.cst16 not written): 0 */
	ASSERT_EQ(pick_u64(i + 1), 0x99aabbccddeeff00ULL);  /* unpatched: 0 */
	ASSERT_EQ(pick_u32(i), 0xa1a2a3a4);                 /* unpatched: 0; offset 16 dropped: 0x55667788 */
	ASSERT_EQ(pick_u32(i + 3), 0xd1d2d3d4);             /* unpatched: 0 */
	PASS();
}
