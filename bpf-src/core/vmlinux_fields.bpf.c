/* Against the running kernel's BTF: struct list_head and hlist_node offsets and sizes, stable from 5.10 to 7.x. */
#include "conformance.h"

/* deliberately not the kernel layout: unpatched answers differ from the kernel's */
struct list_head {
	struct list_head *prev;
	long cr_pad;
	struct list_head *next;
} __core_pai;
struct hlist_node {
	struct hlist_node **pprev;
	struct hlist_node *next;
} __core_pai;

TEST(vmlinux_fields, "core.vmlinux", "pass", "required");
CONFORM(vmlinux_fields, "ref", "libbpf bpf_object__relocate_core (target: /sys/kernel/btf/vmlinux); include/linux/types.h");
CONFORM(vmlinux_fields, "desc", "list_head.next at 0, .prev at 8, size 16; hlist_node.next at 0, .pprev at 8 in vmlinux BTF");
CONFORM(vmlinux_fields, "requires", "btf_vmlinux");
CONFORM(vmlinux_fields, "btf_control_path", "btf/layout_b.btf.o");
SEC("socket")
int vmlinux_fields(void *ctx)
{
	struct list_head *l = 0;
	struct hlist_node *h = 0;

	ASSERT_EQ(bpf_core_field_offset(l->next), 0);                 /* unpatched: 16 */
	ASSERT_EQ(bpf_core_field_offset(l->prev), 8);                 /* unpatched: 0 */
	ASSERT_EQ(bpf_core_type_size(struct list_head), 16);          /* unpatched: 24 */
	ASSERT_EQ(bpf_core_field_offset(h->next), 0);                 /* unpatched: 8 */
	ASSERT_EQ(bpf_core_field_offset(h->pprev), 8);                /* unpatched: 0 */
	ASSERT_EQ(bpf_core_field_size(l->next), 8);
	PASS();
}
