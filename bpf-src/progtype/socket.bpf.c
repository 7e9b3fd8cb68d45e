/* SEC("socket") loads as BPF_PROG_TYPE_SOCKET_FILTER: the test run hands it the packet after the Ethernet header (not L2). */
#include "conformance.h"
#include "skb.h"

TEST(progtype_socket, "progtype.socket", "pass", "required");
CONFORM(progtype_socket, "desc", "skb->len is 64 - ETH_HLEN: only the L2 types (tc, lwt_xmit) see the Ethernet header in a test run");
CONFORM(progtype_socket, "ref", "libbpf section_defs (socket: SOCKET_FILTER); kernel bpf_prog_test_run_skb (is_l2)");
SEC("socket")
int progtype_socket(struct __sk_buff *skb)
{
	ASSERT_EQ(skb->len, CONFORM_DATA_LEN - CONFORM_ETH_HLEN);  /* unpatched (typed SCHED_CLS, tc): 64 */
	PASS();
}
