/* SEC("flow_dissector") loads as BPF_PROG_TYPE_FLOW_DISSECTOR: only it may read skb->flow_keys, set up at the network header. */
#include "conformance.h"
#include "skb.h"

TEST(progtype_flow_dissector, "progtype.flow_dissector", "pass", "required");
CONFORM(progtype_flow_dissector, "desc", "skb->flow_keys is readable and its nhoff/thoff are ETH_HLEN (the test run dissects after the Ethernet header)");
/* older kernels (5.10) test-run a flow dissector reporting "returned BPF_OK" (0/1), not its value: no line comes back */
CONFORM(progtype_flow_dissector, "requires", "prog_run_flow_dissector_retval");
CONFORM(progtype_flow_dissector, "ref", "libbpf section_defs (flow_dissector: FLOW_DISSECTOR); kernel flow_dissector_is_valid_access, bpf_prog_test_run_flow_dissector");
SEC("flow_dissector")
int progtype_flow_dissector(struct __sk_buff *skb)
{
	struct bpf_flow_keys *keys = skb->flow_keys;  /* a loader typing it otherwise: the verifier refuses, load error */

	ASSERT_EQ(keys->nhoff, CONFORM_ETH_HLEN);  /* unpatched (typed SOCKET_FILTER): never reached, the verifier refuses the load */
	ASSERT_EQ(keys->thoff, CONFORM_ETH_HLEN);  /* unpatched (typed SOCKET_FILTER): never reached, the verifier refuses the load */
	PASS();  /* 0 is BPF_OK */
}
