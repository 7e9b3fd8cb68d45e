/* Against the running kernel's BTF: uapi enum values (bpf_map_type, bpf_func_id) through local flavours. */
#include "conformance.h"

/* flavours (___cr) with wrong local values: the kernel's enums have the essential names */
enum bpf_map_type___cr {
	BPF_MAP_TYPE_HASH___cr = 101,
	BPF_MAP_TYPE_ARRAY___cr = 102,
	BPF_MAP_TYPE_PROG_ARRAY___cr = 103,
	BPF_MAP_TYPE_CONFORM_NONE___cr = 104,
};
enum bpf_func_id___cr {
	BPF_FUNC_map_lookup_elem___cr = 50,
	BPF_FUNC_trace_printk___cr = 51,
};

TEST(vmlinux_enum, "core.vmlinux", "pass", "required");
CONFORM(vmlinux_enum, "ref", "libbpf bpf_core_calc_enumval_relo; include/uapi/linux/bpf.h (fixed uapi values)");
CONFORM(vmlinux_enum, "desc", "BPF_MAP_TYPE_HASH/ARRAY/PROG_ARRAY read 1/2/3 and BPF_FUNC_trace_printk 6 from vmlinux BTF");
CONFORM(vmlinux_enum, "requires", "btf_vmlinux");
CONFORM(vmlinux_enum, "btf_control_path", "btf/layout_b.btf.o");
SEC("socket")
int vmlinux_enum(void *ctx)
{
	/* unpatched: 101, 102, 103, 51 and exists 1 */
	ASSERT_EQ(bpf_core_enum_value(enum bpf_map_type___cr, BPF_MAP_TYPE_HASH___cr), 1);
	ASSERT_EQ(bpf_core_enum_value(enum bpf_map_type___cr, BPF_MAP_TYPE_ARRAY___cr), 2);
	ASSERT_EQ(bpf_core_enum_value(enum bpf_map_type___cr, BPF_MAP_TYPE_PROG_ARRAY___cr), 3);
	ASSERT_EQ(bpf_core_enum_value(enum bpf_func_id___cr, BPF_FUNC_trace_printk___cr), 6);
	ASSERT_EQ(bpf_core_enum_value_exists(enum bpf_map_type___cr, BPF_MAP_TYPE_CONFORM_NONE___cr), 0);
	PASS();
}
