/* The maps a loader makes for global data are created memory-mappable (BPF_F_MMAPABLE), .rodata's read-only for programs as well: each map's map_flags are read from the kernel's struct bpf_map, found behind the address of one of its variables. */
#include "conformance.h"

static long (*const bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;

/* include/uapi/linux/bpf.h */
#define CONFORM_F_RDONLY_PROG (1U << 7)
#define CONFORM_F_MMAPABLE (1U << 10)

/* the kernel's struct bpf_map and the ARRAY around it, only what is read (CO-RE): a global
 * variable's address is the address of its map's value, array->value */
struct bpf_map {
	__u32 map_flags;
} __core_pai;

struct bpf_array {
	char value[0];
} __core_pai;

__u32 data_var = 1;                  /* .data */
const volatile __u32 rodata_var = 2; /* .rodata */
__u64 bss_var;                       /* .bss */

/* the map_flags of the ARRAY whose value `value` points into the start of */
static __always_inline __u32 flags_of(const void *value)
{
	const char *map = (const char *)value - bpf_core_field_offset(((struct bpf_array *)0)->value);
	__u32 flags = 0xffffffff;

	if (bpf_probe_read_kernel(&flags, sizeof(flags),
				  map + bpf_core_field_offset(((struct bpf_map *)0)->map_flags)))
		return 0xffffffff;
	return flags;
}

TEST(map_internal_flags_data, "maps.internal.flags", "pass", "required");
CONFORM(map_internal_flags_data, "requires", "btf_vmlinux,bpf_probe_read_kernel");
CONFORM(map_internal_flags_data, "desc", "the .data map (a global __u32 initialised to 1) is created with map_flags BPF_F_MMAPABLE, read from its struct bpf_map");
CONFORM(map_internal_flags_data, "ref", "libbpf bpf_object__init_internal_map (map_is_mmapable: a DATASEC with a global variable gets BPF_F_MMAPABLE); kernel array_map_alloc (BPF_F_MMAPABLE), bpf_map_mmap");
SEC("socket")
int map_internal_flags_data(void *ctx)
{
	/* unpatched (data maps created with flags 0): 0 */
	ASSERT_EQ(flags_of(&data_var), CONFORM_F_MMAPABLE);
	PASS();
}

TEST(map_internal_flags_bss, "maps.internal.flags", "pass", "required");
CONFORM(map_internal_flags_bss, "requires", "btf_vmlinux,bpf_probe_read_kernel");
CONFORM(map_internal_flags_bss, "desc", "the .bss map (a global __u64) is created with map_flags BPF_F_MMAPABLE, read from its struct bpf_map");
CONFORM(map_internal_flags_bss, "ref", "libbpf bpf_object__init_internal_map (map_is_mmapable); kernel array_map_alloc (BPF_F_MMAPABLE)");
SEC("socket")
int map_internal_flags_bss(void *ctx)
{
	/* unpatched (data maps created with flags 0): 0 */
	ASSERT_EQ(flags_of(&bss_var), CONFORM_F_MMAPABLE);
	PASS();
}

TEST(map_internal_flags_rodata, "maps.internal.flags", "pass", "required");
CONFORM(map_internal_flags_rodata, "requires", "btf_vmlinux,bpf_probe_read_kernel");
CONFORM(map_internal_flags_rodata, "desc", "the .rodata map (a const volatile __u32) is created with map_flags BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, read from its struct bpf_map");
CONFORM(map_internal_flags_rodata, "ref", "libbpf bpf_object__init_internal_map (LIBBPF_MAP_RODATA: BPF_F_RDONLY_PROG; map_is_mmapable: BPF_F_MMAPABLE); kernel array_map_alloc, bpf_map_mmap (a frozen mmapable map maps read-only)");
SEC("socket")
int map_internal_flags_rodata(void *ctx)
{
	/* unpatched (data maps created without BPF_F_MMAPABLE): BPF_F_RDONLY_PROG alone */
	ASSERT_EQ(flags_of((const void *)&rodata_var), CONFORM_F_RDONLY_PROG | CONFORM_F_MMAPABLE);
	PASS();
}
