/* An extension program (SEC("freplace/<func>"), BPF_PROG_TYPE_EXT) of another object replaces a global function of this loaded program: the library loads it with attach_prog_fd = this program and attach_btf_id = <func>'s FUNC in this program's BTF, and attaches it; the next test run calls the extension's body. */
#include "conformance.h"

/* include/uapi/linux/bpf.h, up to the one field read */
struct __sk_buff {
	__u32 len;
};

/* Two global functions (BTF_FUNC_GLOBAL) of one prototype: the extension object
 * (replace_global_ext.bpf.c) replaces only scale_second. Their argument is the run's
 * skb->len, so the compiler cannot fold their results into the caller. */
__noinline int scale_first(int x)
{
	return x + 1;
}

__noinline int scale_second(int x)
{
	return x + 2;
}

TEST(freplace_global, "freplace.attach", "pass", "required");
CONFORM(freplace_global, "requires", "freplace");
CONFORM(freplace_global, "extension", "replace_global_ext.bpf.o:new_second");
CONFORM(freplace_global, "desc", "the extension new_second (x * 10) is loaded against this program and attached: scale_second(len) gives len * 10, and scale_first, of the same prototype, is untouched");
CONFORM(freplace_global, "ref", "libbpf section_defs (freplace+: EXT, SEC_ATTACH_BTF), bpf_program__set_attach_target (attach_prog_fd), libbpf_find_prog_btf_id (the FUNC in the target program's BTF), bpf_program__attach_freplace; kernel bpf_check_attach_target (prog_extension), bpf_tracing_prog_attach (BPF_TRAMP_REPLACE)");
SEC("socket")
int freplace_global(struct __sk_buff *skb)
{
	int len = (int)skb->len;

	ASSERT_EQ(scale_second(len), len * 10);  /* unpatched (extension not attached): len + 2 */
	ASSERT_EQ(scale_first(len), len + 1);  /* unpatched (the other function replaced): len * 10 */
	PASS();
}
