/* An extension of a SCHED_CLS program (SEC("classifier"), the name every loader knows) takes its target's program type: it replaces a global function of that program, test-run with an Ethernet frame, and reads the same __sk_buff fields the target can (skb->protocol). */
#include "conformance.h"

struct __sk_buff {
	__u32 len;
	__u32 pkt_type;
	__u32 mark;
	__u32 queue_mapping;
	__u32 protocol;
};

__noinline int proto_of(struct __sk_buff *skb)
{
	return skb->protocol;
}

TEST(freplace_tc, "freplace.attach", "pass", "required");
CONFORM(freplace_tc, "requires", "freplace");
CONFORM(freplace_tc, "extension", "replace_tc_ext.bpf.o:new_proto_of");
CONFORM(freplace_tc, "desc", "the extension new_proto_of (skb->protocol + 1, read as the tc program it extends may) is loaded against this SCHED_CLS (classifier) program and attached: proto_of(skb) gives the frame's protocol + 1; the whole 64-byte frame reached the tc program");
CONFORM(freplace_tc, "ref", "libbpf bpf_program__set_attach_target, bpf_program__attach_freplace; kernel resolve_prog_type (an extension is checked as its target's type), bpf_prog_test_run_skb (tc: L2 run, len 64)");
SEC("classifier")
int freplace_tc(struct __sk_buff *skb)
{
	ASSERT_EQ(skb->len, 64);  /* unpatched: 64 as well (the tc run itself) */
	ASSERT_EQ(proto_of(skb), skb->protocol + 1);  /* unpatched (extension not attached): skb->protocol */
	PASS();
}
