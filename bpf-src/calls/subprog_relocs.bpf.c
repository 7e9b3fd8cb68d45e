/* Relocations inside subprograms (`.text`) are applied when they are appended: data, rodata, bss and map references from a callee. */
#include "conformance.h"

__u32 sub_data = 0x1234abcd;
const volatile __u64 sub_rodata = 0xfeedfacecafebeefULL;
static __u32 sub_static_data = 0x5a5a1234;
__u64 sub_bss;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} sub_map SEC(".maps");

/* deliberately not the kernel's layout of struct list_head (next at 0, prev at 8): only a
 * CO-RE relocation against vmlinux BTF gives the kernel's offsets */
struct list_head___sub {
	struct list_head___sub *prev;
	long pad;
	struct list_head___sub *next;
} __core_pai;

/* A CO-RE relocation in .text: its record is the subprogram's, rebased when it is appended. */
static __noinline int sub_core_check(void)
{
	struct list_head___sub *l = 0;

	ASSERT_EQ(bpf_core_field_offset(l->next), 0);  /* unpatched (subprogram CO-RE records dropped): 16 */
	ASSERT_EQ(bpf_core_field_offset(l->prev), 8);  /* unpatched: 0 */
	return 0;
}

/* Every reference below is an ld_imm64 relocated in .text, not in the program's section. */
static __noinline int sub_static_check(__u32 bias)
{
	__u32 key = 0, v = 0x600d0000 + bias, *got;

	if (READ_ONCE(sub_data) != 0x1234abcd + bias)              /* unpatched (.text relos skipped): load error */
		return __LINE__;
	if (sub_rodata != 0xfeedfacecafebeefULL)                    /* unpatched: load error */
		return __LINE__;
	if (READ_ONCE(sub_static_data) != 0x5a5a1234)               /* unpatched: load error */
		return __LINE__;
	WRITE_ONCE(sub_bss, 0x1111222233334444ULL);
	if (bpf_map_update_elem(&sub_map, &key, &v, BPF_ANY))       /* unpatched: load error (map arg is a scalar) */
		return __LINE__;
	got = bpf_map_lookup_elem(&sub_map, &key);
	if (!got || *got != 0x600d0000 + bias)
		return __LINE__;
	return 0;
}

__noinline int sub_global_check(__u32 bias)
{
	if (READ_ONCE(sub_data) != 0x1234abcd + bias)               /* unpatched: load error */
		return __LINE__;
	if (READ_ONCE(sub_bss) != 0x1111222233334444ULL)            /* unpatched: load error */
		return __LINE__;
	return 0;
}

TEST(subprog_relocs, "calls.subprog_relocs", "pass", "required");
CONFORM(subprog_relocs, "desc", "a static and a global subprogram read .data, .rodata and a static, write .bss and use a map, all through relocations in .text; a static subprogram's CO-RE field offsets are relocated against vmlinux");
CONFORM(subprog_relocs, "requires", "btf_vmlinux");
CONFORM(subprog_relocs, "ref", "libbpf bpf_object__relocate_data / bpf_object__reloc_code (relos of appended subprograms are applied too); cilium/ebpf#586");
SEC("socket")
int subprog_relocs(void *ctx)
{
	volatile __u32 bias = 0;

	ASSERT_OK(sub_core_check());  /* unpatched (CO-RE records of .text dropped, cilium/ebpf#586, aya#601): a line of sub_core_check */
	ASSERT_OK(sub_static_check(bias));
	ASSERT_OK(sub_global_check(bias));
	WRITE_ONCE(sub_bss, 0);
	PASS();
}
