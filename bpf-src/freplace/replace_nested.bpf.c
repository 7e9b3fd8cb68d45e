/* An extension replaces a global function this program calls only from one of its static subprograms: the function is found in the BTF of the program as loaded, with its subprograms appended. */
#include "conformance.h"

struct __sk_buff {
	__u32 len;
};

__noinline int deep_value(int x)
{
	return x + 3;
}

/* static: appended to the program, and the only caller of deep_value */
static __noinline int middle(int x)
{
	return deep_value(x) + 1;
}

TEST(freplace_nested, "freplace.attach", "pass", "required");
CONFORM(freplace_nested, "requires", "freplace");
CONFORM(freplace_nested, "extension", "replace_nested_ext.bpf.o:new_deep_value");
CONFORM(freplace_nested, "desc", "the extension new_deep_value (x * 7) replaces deep_value, which this program calls only through its static subprogram middle: middle(len) gives len * 7 + 1");
CONFORM(freplace_nested, "ref", "libbpf bpf_program__set_attach_target, libbpf_find_prog_btf_id (the FUNC in the loaded program's BTF, its subprograms appended by bpf_object__relocate), bpf_program__attach_freplace; kernel bpf_check_attach_target (a global subprogram of the target)");
SEC("socket")
int freplace_nested(struct __sk_buff *skb)
{
	int len = (int)skb->len;

	ASSERT_EQ(middle(len), len * 7 + 1);  /* unpatched (extension not attached): len + 4 */
	PASS();
}
