/* Data references at a non-zero offset: a global through its own symbol (st_value), a static through the section symbol plus the addend in imm. */
#include "conformance.h"

/* Decoys first, at offset 0 of each section, so a reference that loses its offset reads them. */
__u32 off_decoy_global = 0xdec0dec0;
__u32 off_pad[3] = { 0x01010101, 0x02020202, 0x03030303 };
__u32 off_global = 0x1234abcd;
__u64 off_global_wide = 0x0fedcba987654321ULL;
static __u32 off_static_decoy = 0x5ca1ab1e;
static __u32 off_static = 0x7a7b7c7d;
static __u64 off_static_wide = 0x1020304050607080ULL;

TEST(reloc_global_offset, "data.reloc.symbol", "pass", "required");
CONFORM(reloc_global_offset, "desc", "global variables at offsets 16 and 24 of .data are reached through their symbols' st_value");
CONFORM(reloc_global_offset, "ref", "llvm_reloc.rst R_BPF_64_64 (S + A, S = st_value); libbpf bpf_program__record_reloc");
SEC("socket")
int reloc_global_offset(void *ctx)
{
	ASSERT_EQ(READ_ONCE(off_global), 0x1234abcd);                /* unpatched (st_value ignored): 0xdec0dec0 */
	ASSERT_EQ(READ_ONCE(off_global_wide), 0x0fedcba987654321ULL); /* unpatched: 0x01010101dec0dec0 */
	ASSERT_EQ(READ_ONCE(off_decoy_global), 0xdec0dec0);          /* offset 0 still works */
	PASS();
}

TEST(reloc_static_addend, "data.reloc.addend", "pass", "required");
CONFORM(reloc_static_addend, "desc", "static variables reached through the .data section symbol with the offset in the ld_imm64 imm");
CONFORM(reloc_static_addend, "ref", "llvm_reloc.rst R_BPF_64_64 (static variable: section symbol, addend in imm); libbpf bpf_program__record_reloc");
SEC("socket")
int reloc_static_addend(void *ctx)
{
	ASSERT_EQ(READ_ONCE(off_static), 0x7a7b7c7d);                 /* unpatched (imm dropped): 0xdec0dec0 */
	ASSERT_EQ(READ_ONCE(off_static_wide), 0x1020304050607080ULL); /* unpatched (imm dropped): 0x01010101dec0dec0 */
	ASSERT_EQ(READ_ONCE(off_static_decoy), 0x5ca1ab1e);           /* unpatched (imm dropped): 0xdec0dec0 */
	PASS();
}
