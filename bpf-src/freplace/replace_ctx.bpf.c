/* An extension replaces a global function whose argument is the program's context (struct __sk_buff *): the extension, of the target's program type, reads the same context through it. */
#include "conformance.h"

/* include/uapi/linux/bpf.h, up to the one field read */
struct __sk_buff {
	__u32 len;
};

/* a global function taking the context: the verifier gives its argument PTR_TO_CTX, and so
 * does it to the extension's (its BTF prototype must match this one) */
__noinline int pkt_len(struct __sk_buff *skb)
{
	return skb->len;
}

TEST(freplace_ctx_arg, "freplace.attach", "pass", "required");
CONFORM(freplace_ctx_arg, "requires", "freplace");
CONFORM(freplace_ctx_arg, "extension", "replace_ctx_ext.bpf.o:new_pkt_len");
CONFORM(freplace_ctx_arg, "desc", "the extension new_pkt_len (skb->len + 1000, reading the context it is passed) is loaded against this program and attached: pkt_len(skb) gives skb->len + 1000");
CONFORM(freplace_ctx_arg, "ref", "libbpf bpf_program__set_attach_target, libbpf_find_prog_btf_id, bpf_program__attach_freplace; kernel btf_check_type_match (the extension's prototype against the target's), the extension taking the target's program type (resolve_prog_type)");
SEC("socket")
int freplace_ctx_arg(struct __sk_buff *skb)
{
	ASSERT_EQ(pkt_len(skb), skb->len + 1000);  /* unpatched (extension not attached): skb->len */
	PASS();
}
