/* SEC("lwt_out") loads as BPF_PROG_TYPE_LWT_OUT: direct packet access from the network header on (the test run strips the Ethernet header). */
#include "conformance.h"
#include "skb.h"

TEST(progtype_lwt_out, "progtype.lwt_out", "pass", "required");
CONFORM(progtype_lwt_out, "data_in", CONFORM_MARKED_DATA);
CONFORM(progtype_lwt_out, "desc", "data_end - data and skb->len are 64 - ETH_HLEN and the first packet byte is the frame's byte 14 (an L3 type with direct packet access)");
CONFORM(progtype_lwt_out, "ref", "libbpf section_defs (lwt_out: LWT_OUT); kernel lwt_out_prog_ops (.test_run = bpf_prog_test_run_skb: direct access, not is_l2), lwt_is_valid_access");
SEC("lwt_out")
int progtype_lwt_out(struct __sk_buff *skb)
{
	__u8 *data = (__u8 *)(long)skb->data;      /* a loader typing it SOCKET_FILTER: the verifier refuses */
	__u8 *data_end = (__u8 *)(long)skb->data_end;

	ASSERT_EQ(data_end - data, CONFORM_DATA_LEN - CONFORM_ETH_HLEN);  /* unpatched (typed SCHED_CLS, L2): 64 */
	ASSERT_EQ(skb->len, CONFORM_DATA_LEN - CONFORM_ETH_HLEN);         /* unpatched (typed SCHED_CLS): 64 */
	ASSERT(data + 1 <= data_end);                                     /* unpatched (typed SCHED_CLS): holds */
	ASSERT_EQ(data[0], CONFORM_MARK_L3);                              /* unpatched (typed SCHED_CLS): 0xaa */
	PASS();
}
