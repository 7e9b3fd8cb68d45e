/* SEC("lwt_in") loads as BPF_PROG_TYPE_LWT_IN: direct packet access from the network header on (the test run strips the Ethernet header), no tc_classid. */
#include "conformance.h"
#include "skb.h"

TEST(progtype_lwt_in, "progtype.lwt_in", "pass", "required");
CONFORM(progtype_lwt_in, "desc", "data_end - data and skb->len are the 64-byte frame minus ETH_HLEN (an L3 type with direct packet access)");
CONFORM(progtype_lwt_in, "ref", "libbpf section_defs (lwt_in: LWT_IN); kernel lwt_is_valid_access, bpf_prog_test_run_skb (LWT_IN: direct access, not is_l2)");
SEC("lwt_in")
int progtype_lwt_in(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;      /* a loader typing it SOCKET_FILTER: the verifier refuses */
	void *data_end = (void *)(long)skb->data_end;

	ASSERT_EQ(data_end - data, CONFORM_DATA_LEN - CONFORM_ETH_HLEN);  /* unpatched (typed SCHED_CLS, L2): 64 */
	ASSERT_EQ(skb->len, CONFORM_DATA_LEN - CONFORM_ETH_HLEN);         /* typed SCHED_CLS: 64 */
	PASS();
}
