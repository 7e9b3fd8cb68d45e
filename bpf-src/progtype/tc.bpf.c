/* SEC("tc") loads as BPF_PROG_TYPE_SCHED_CLS: it may read tc_classid, has direct packet access and sees the whole L2 frame. */
#include "conformance.h"
#include "skb.h"

TEST(progtype_tc, "progtype.tc", "pass", "required");
CONFORM(progtype_tc, "desc", "tc_classid is readable (SCHED_CLS/ACT only), data_end - data and skb->len are the full 64-byte frame");
CONFORM(progtype_tc, "ref", "libbpf section_defs (tc: SCHED_CLS); kernel tc_cls_act_is_valid_access, bpf_prog_test_run_skb (is_l2)");
SEC("tc")
int progtype_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;      /* a loader typing it SOCKET_FILTER: the verifier refuses */
	void *data_end = (void *)(long)skb->data_end;

	ASSERT_EQ(skb->tc_classid, 0);                 /* a socket filter may not read it: load error */
	ASSERT_EQ(data_end - data, CONFORM_DATA_LEN);
	ASSERT_EQ(skb->len, CONFORM_DATA_LEN);         /* a non-L2 type: 64 - ETH_HLEN */
	PASS();
}
