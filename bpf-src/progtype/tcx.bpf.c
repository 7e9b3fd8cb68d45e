/* SEC("tcx/ingress") loads as BPF_PROG_TYPE_SCHED_CLS: its test run sees the whole L2 frame, Ethernet header included. */
#include "conformance.h"
#include "skb.h"

TEST(progtype_tcx, "progtype.tcx", "pass", "required");
CONFORM(progtype_tcx, "desc", "skb->len is the full 64-byte frame: a SCHED_CLS test run is L2, a SOCKET_FILTER one starts after the Ethernet header (its expected_attach_type BPF_TCX_INGRESS is invisible to a test run: progtype.tcx checks the type only)");
CONFORM(progtype_tcx, "ref", "libbpf section_defs (tcx/ingress: SCHED_CLS, expected_attach_type BPF_TCX_INGRESS); kernel bpf_prog_test_run_skb (is_l2: SCHED_CLS/ACT see the Ethernet header)");
SEC("tcx/ingress")
int progtype_tcx(struct __sk_buff *skb)
{
	/* only fields every skb program type may read: a loader that types it SOCKET_FILTER
	 * loads it too, and the test run shows the type it got */
	ASSERT_EQ(skb->len, CONFORM_DATA_LEN); /* unpatched (typed SOCKET_FILTER): 64 - ETH_HLEN = 50 */
	PASS();
}
