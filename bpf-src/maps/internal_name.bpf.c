/* The maps a loader makes for global data reach the kernel named after their sections: each map's name, read from the kernel's struct bpf_map found behind the address of one of its variables, ends in .data, .rodata or .bss (libbpf puts a prefix of the object's name before it, other loaders nothing). */
#include "conformance.h"

static long (*const bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;

/* the kernel's struct bpf_map and the ARRAY around it, only what is read (CO-RE): a global
 * variable's address is the address of its map's value, array->value */
struct bpf_map {
	char name[16];
} __core_pai;

struct bpf_array {
	char value[0];
} __core_pai;

__u32 data_var = 1;                  /* .data */
const volatile __u32 rodata_var = 2; /* .rodata */
__u64 bss_var;                       /* .bss */

/* the kernel's name of the ARRAY whose value `value` points into the start of, and its
 * length (-1: unreadable, or 16 characters without a NUL) */
static __always_inline int name_of(const void *value, char name[16])
{
	const char *map = (const char *)value - bpf_core_field_offset(((struct bpf_array *)0)->value);
	int i;

	if (bpf_probe_read_kernel(name, 16, map + bpf_core_field_offset(((struct bpf_map *)0)->name)))
		return -1;
#pragma unroll
	for (i = 0; i < 16; i++)
		if (!name[i])
			return i;
	return -1;
}

/* whether name[0..len) ends with the n characters s0..s6 (unused ones 0) */
static __always_inline int ends_with(const char name[16], int len, int n, char s0, char s1, char s2,
				     char s3, char s4, char s5, char s6)
{
	const char s[7] = { s0, s1, s2, s3, s4, s5, s6 };
	int i;

	if (len < n)
		return 0;
#pragma unroll
	for (i = 0; i < 7; i++)
		if (i < n && (len - n + i < 0 || len - n + i > 15 || name[len - n + i] != s[i]))
			return 0;
	return 1;
}

TEST(map_internal_name_data, "maps.name", "pass", "required");
CONFORM(map_internal_name_data, "requires", "btf_vmlinux,bpf_probe_read_kernel");
CONFORM(map_internal_name_data, "desc", "the .data map (a global __u32 initialised to 1) reaches the kernel under a name ending in .data (read from its struct bpf_map)");
CONFORM(map_internal_name_data, "ref", "libbpf bpf_object__init_internal_map, internal_map_name (<object name prefix>.data within 15 characters); cilium/ebpf loadDataSections (sanitizeName of the section name); kernel bpf_obj_name_cpy");
SEC("socket")
int map_internal_name_data(void *ctx)
{
	char name[16] = {};
	int len = name_of(&data_var, name);

	/* unpatched (created without a name): 0 */
	ASSERT_GT(len, 0);
	/* unpatched (created without a name): no suffix */
	ASSERT(ends_with(name, len, 5, '.', 'd', 'a', 't', 'a', 0, 0));
	PASS();
}

TEST(map_internal_name_rodata, "maps.name", "pass", "required");
CONFORM(map_internal_name_rodata, "requires", "btf_vmlinux,bpf_probe_read_kernel");
CONFORM(map_internal_name_rodata, "desc", "the .rodata map (a const volatile __u32) reaches the kernel under a name ending in .rodata (read from its struct bpf_map)");
CONFORM(map_internal_name_rodata, "ref", "libbpf bpf_object__init_internal_map, internal_map_name (<object name prefix>.rodata within 15 characters); kernel bpf_obj_name_cpy");
SEC("socket")
int map_internal_name_rodata(void *ctx)
{
	char name[16] = {};
	int len = name_of((const void *)&rodata_var, name);

	/* unpatched (created without a name): 0 */
	ASSERT_GT(len, 0);
	/* unpatched (created without a name): no suffix */
	ASSERT(ends_with(name, len, 7, '.', 'r', 'o', 'd', 'a', 't', 'a'));
	PASS();
}

TEST(map_internal_name_bss, "maps.name", "pass", "required");
CONFORM(map_internal_name_bss, "requires", "btf_vmlinux,bpf_probe_read_kernel");
CONFORM(map_internal_name_bss, "desc", "the .bss map (a global __u64) reaches the kernel under a name ending in .bss (read from its struct bpf_map)");
CONFORM(map_internal_name_bss, "ref", "libbpf bpf_object__init_internal_map, internal_map_name (<object name prefix>.bss within 15 characters); kernel bpf_obj_name_cpy");
SEC("socket")
int map_internal_name_bss(void *ctx)
{
	char name[16] = {};
	int len = name_of(&bss_var, name);

	/* unpatched (created without a name): 0 */
	ASSERT_GT(len, 0);
	/* unpatched (created without a name): no suffix */
	ASSERT(ends_with(name, len, 4, '.', 'b', 's', 's', 0, 0, 0));
	PASS();
}
