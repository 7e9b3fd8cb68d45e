/* SEC("tc") loads as BPF_PROG_TYPE_SCHED_CLS: its test run sees the whole L2 frame, Ethernet header included. */
#include "conformance.h"
#include "skb.h"

TEST(progtype_tc, "progtype.tc", "pass", "required");
CONFORM(progtype_tc, "desc", "skb->len is the full 64-byte frame: a SCHED_CLS test run is L2, a SOCKET_FILTER one starts after the Ethernet header");
CONFORM(progtype_tc, "ref", "libbpf section_defs (tc: SCHED_CLS); kernel bpf_prog_test_run_skb (is_l2: SCHED_CLS/ACT see the Ethernet header)");
SEC("tc")
int progtype_tc(struct __sk_buff *skb)
{
	/* only fields every skb program type may read: a loader that types it SOCKET_FILTER
	 * loads it too, and the test run shows the type it got */
	ASSERT_EQ(skb->len, CONFORM_DATA_LEN); /* unpatched (typed SOCKET_FILTER): 64 - ETH_HLEN = 50 */
	PASS();
}
