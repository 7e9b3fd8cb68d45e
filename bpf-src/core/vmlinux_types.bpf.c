/* Against the running kernel's BTF: task_struct exists and has pid; an invented type and field do not. */
#include "conformance.h"

struct task_struct {
	int pid;
	int cr_no_such_field;
} __core_pai;
struct bpfconform_no_such_type {
	int x;
} __core_pai;

TEST(vmlinux_types, "core.vmlinux", "pass", "required");
CONFORM(vmlinux_types, "ref", "libbpf bpf_core_calc_type_relo / bpf_core_calc_field_relo against vmlinux BTF");
CONFORM(vmlinux_types, "desc", "type_exists(task_struct) 1, field_exists(pid) 1, invented type/field 0");
CONFORM(vmlinux_types, "requires", "btf_vmlinux");
CONFORM(vmlinux_types, "btf_control_path", "btf/layout_b.btf.o");
SEC("socket")
int vmlinux_types(void *ctx)
{
	struct task_struct *t = 0;

	ASSERT_EQ(bpf_core_type_exists(struct task_struct), 1);  /* unpatched (left at clang's 1): 1, unchanged; control B: 0 */
	ASSERT_EQ(bpf_core_field_exists(t->pid), 1);  /* unpatched (left at clang's 1): 1, unchanged */
	ASSERT_EQ(bpf_core_field_exists(t->cr_no_such_field), 0);         /* unpatched: 1 */
	ASSERT_EQ(bpf_core_type_exists(struct bpfconform_no_such_type), 0); /* unpatched: 1 */
	ASSERT_GT(bpf_core_type_size(struct task_struct), 1000);          /* unpatched: 8 */
	PASS();
}
