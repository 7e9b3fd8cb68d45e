/* An extension whose function the target program does not have fails its load (negative test): the function is looked up in the target program's BTF, not by any other means. */
#include "conformance.h"

/* include/uapi/linux/bpf.h, up to the one field read */
struct __sk_buff {
	__u32 len;
};

#ifdef CONFORM_CONTROL
/* Positive control: the function replace_global_ext.bpf.c's new_second replaces */
__noinline int scale_second(int x)
{
	return x + 2;
}
#define CALLED scale_second
#else
/* the defect: the same body under another name, so the target's BTF has no scale_second */
__noinline int scale_other(int x)
{
	return x + 2;
}
#define CALLED scale_other
#endif

TEST(freplace_missing, "freplace.target.missing", "load_error", "required");
CONFORM(freplace_missing, "control", "define");
CONFORM(freplace_missing, "requires", "freplace");
CONFORM(freplace_missing, "extension", "replace_global_ext.bpf.o:new_second");
CONFORM(freplace_missing, "desc", "the extension new_second replaces scale_second, which this program does not have: its load is refused (libbpf: failed to find BTF ID in the target's BTF); in the control the program has scale_second, the extension loads and is attached, and scale_second(len) gives len * 10");
CONFORM(freplace_missing, "ref", "libbpf libbpf_prepare_prog_load -> libbpf_find_prog_btf_id (-ESRCH when the target program's BTF has no such FUNC); kernel bpf_check_attach_target");
SEC("socket")
int freplace_missing(struct __sk_buff *skb)
{
	int len = (int)skb->len;

	ASSERT_EQ(CALLED(len), len * 10);  /* control unpatched (extension not attached): len + 2 */
	PASS();
}
