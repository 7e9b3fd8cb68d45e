/* SEC("xdp") loads as BPF_PROG_TYPE_XDP: its context is struct xdp_md, whose data/data_end span the whole frame. */
#include "conformance.h"
#include "skb.h"

TEST(progtype_xdp, "progtype.xdp", "pass", "required");
CONFORM(progtype_xdp, "desc", "data_end - data of struct xdp_md is 64; the first byte of the frame is readable");
CONFORM(progtype_xdp, "ref", "libbpf section_defs (xdp: XDP, expected_attach_type BPF_XDP); kernel xdp_is_valid_access, bpf_prog_test_run_xdp");
SEC("xdp")
int progtype_xdp(struct xdp_md *ctx)
{
	/* a loader typing it SOCKET_FILTER: offsets 0/4 are __sk_buff len/pkt_type, no packet pointers: load error */
	unsigned char *data = (unsigned char *)(long)ctx->data;
	unsigned char *data_end = (unsigned char *)(long)ctx->data_end;

	ASSERT_EQ(data_end - data, CONFORM_DATA_LEN);  /* unpatched (typed SOCKET_FILTER): never reached, the verifier refuses the load */
	ASSERT(data + 1 <= data_end);  /* unpatched (typed SOCKET_FILTER): never reached, the verifier refuses the load */
	ASSERT_EQ(data[0], 0);  /* unpatched (typed SOCKET_FILTER): never reached, the verifier refuses the load */
	PASS();  /* 0 is XDP_ABORTED: the test run reports it as the return value */
}
