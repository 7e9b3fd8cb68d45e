/* Several custom sections of one kind in one object: each `.data.<name>` and `.rodata.<name>` is its own map, every variable at its own offset behind a decoy at offset 0. */
#include "conformance.h"

/*
 * Every section below has the same layout (a u32 decoy at offset 0, then a u32 and a
 * u64) with different values: a loader that resolves a reference into one section to
 * another one's map (the default section's, or the first custom section's of its kind),
 * or that drops the symbol's offset (reading the decoy), reads a value the assertion
 * does not accept.
 */
__u32 many_d_decoy = 0xd0d0d0d0;
__u32 many_d_val = 0xd1d1d1d1;
__u64 many_d_wide = 0xd2d2d2d2d2d2d2d2ULL;
__u32 many_a_decoy SEC(".data.alpha") = 0xa0a0a0a0;
__u32 many_a_val SEC(".data.alpha") = 0x1111aaaa;
__u64 many_a_wide SEC(".data.alpha") = 0x1111aaaa1111aaaaULL;
__u32 many_b_decoy SEC(".data.beta") = 0xb0b0b0b0;
__u32 many_b_val SEC(".data.beta") = 0x2222bbbb;
__u64 many_b_wide SEC(".data.beta") = 0x2222bbbb2222bbbbULL;

const volatile __u32 many_r_decoy = 0xe0e0e0e0;
const volatile __u32 many_r_val = 0xe1e1e1e1;
const volatile __u64 many_r_wide = 0xe2e2e2e2e2e2e2e2ULL;
const volatile __u32 many_ra_decoy SEC(".rodata.alpha") = 0xa5a5a5a5;
const volatile __u32 many_ra_val SEC(".rodata.alpha") = 0x3333cccc;
const volatile __u64 many_ra_wide SEC(".rodata.alpha") = 0x3333cccc3333ccccULL;
const volatile __u32 many_rb_decoy SEC(".rodata.beta") = 0xb5b5b5b5;
const volatile __u32 many_rb_val SEC(".rodata.beta") = 0x4444dddd;
const volatile __u64 many_rb_wide SEC(".rodata.beta") = 0x4444dddd4444ddddULL;

TEST(custom_data_many, "data.section.custom", "pass", "required");
CONFORM(custom_data_many, "desc", "two custom sections .data.alpha and .data.beta beside .data: each variable reads its own initial value, and a store into one section leaves the same offset of the others alone");
CONFORM(custom_data_many, "ref", "libbpf bpf_object__elf_collect (SEC_DATA for each .data.*), bpf_object__init_global_data_maps (one map per section); libbpf#274, cilium/ebpf#1546");
SEC("socket")
int custom_data_many(void *ctx)
{
	ASSERT_EQ(READ_ONCE(many_a_val), 0x1111aaaa);                /* unpatched (.data's map): 0xd1d1d1d1; offset dropped: the decoy */
	ASSERT_EQ(READ_ONCE(many_b_val), 0x2222bbbb);                /* unpatched (.data.alpha's map): 0x1111aaaa */
	ASSERT_EQ(READ_ONCE(many_a_wide), 0x1111aaaa1111aaaaULL);    /* unpatched: another section's value */
	ASSERT_EQ(READ_ONCE(many_b_wide), 0x2222bbbb2222bbbbULL);    /* unpatched: another section's value */
	ASSERT_EQ(READ_ONCE(many_d_val), 0xd1d1d1d1);                /* unpatched: a custom section's value */
	WRITE_ONCE(many_a_val, 0x600d600d);
	ASSERT_EQ(READ_ONCE(many_a_val), 0x600d600d);                /* unpatched (read-only map): load error */
	ASSERT_EQ(READ_ONCE(many_b_val), 0x2222bbbb);                /* unpatched (one map for both): 0x600d600d */
	ASSERT_EQ(READ_ONCE(many_d_val), 0xd1d1d1d1);                /* unpatched (one map for all): 0x600d600d */
	WRITE_ONCE(many_a_val, 0x1111aaaa);
	ASSERT_EQ(READ_ONCE(many_a_decoy) ^ READ_ONCE(many_b_decoy), 0xa0a0a0a0 ^ 0xb0b0b0b0);  /* unpatched (one map): 0 */
	PASS();
}

TEST(custom_rodata_many, "data.section.custom", "pass", "required");
CONFORM(custom_rodata_many, "desc", "two custom sections .rodata.alpha and .rodata.beta beside .rodata: each const variable reads its own initial value");
CONFORM(custom_rodata_many, "ref", "libbpf bpf_object__elf_collect (SEC_RODATA for each .rodata.*), bpf_object__init_global_data_maps (one map per section); libbpf#274");
SEC("socket")
int custom_rodata_many(void *ctx)
{
	ASSERT_EQ(many_ra_val, 0x3333cccc);               /* unpatched (.rodata's map): 0xe1e1e1e1; offset dropped: the decoy */
	ASSERT_EQ(many_rb_val, 0x4444dddd);               /* unpatched (.rodata.alpha's map): 0x3333cccc */
	ASSERT_EQ(many_ra_wide, 0x3333cccc3333ccccULL);   /* unpatched: another section's value */
	ASSERT_EQ(many_rb_wide, 0x4444dddd4444ddddULL);   /* unpatched: another section's value */
	ASSERT_EQ(many_r_val, 0xe1e1e1e1);                /* unpatched: a custom section's value */
	ASSERT_EQ(many_ra_decoy ^ many_rb_decoy, 0xa5a5a5a5 ^ 0xb5b5b5b5);  /* unpatched (one map): 0 */
	PASS();
}
