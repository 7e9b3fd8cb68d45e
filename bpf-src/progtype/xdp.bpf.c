/* SEC("xdp") loads as BPF_PROG_TYPE_XDP: its context is struct xdp_md, whose data/data_end span the whole frame. */
#include "conformance.h"
#include "skb.h"

TEST(progtype_xdp, "progtype.xdp", "pass", "required");
CONFORM(progtype_xdp, "desc", "data_end - data of struct xdp_md is 64: its packet pointers span the whole frame (no other type has packet pointers at offsets 0 and 4 of its context)");
CONFORM(progtype_xdp, "ref", "libbpf section_defs (xdp: XDP, expected_attach_type BPF_XDP); kernel xdp_is_valid_access, bpf_prog_test_run_xdp");
SEC("xdp")
int progtype_xdp(struct xdp_md *ctx)
{
	/* a loader typing it SCHED_CLS (iproute2's tc) or SOCKET_FILTER: offsets 0/4 are __sk_buff len/pkt_type, scalars: it loads (no packet byte is read) and runs on an sk_buff */
	unsigned char *data = (unsigned char *)(long)ctx->data;
	unsigned char *data_end = (unsigned char *)(long)ctx->data_end;

	ASSERT_EQ(data_end - data, CONFORM_DATA_LEN);  /* unpatched (typed SCHED_CLS, as tc does): pkt_type - len, -64 or less */
	ASSERT(data + 1 <= data_end);  /* unpatched (typed SCHED_CLS): never reached, the line above fails */
	PASS();  /* 0 is XDP_ABORTED: the test run reports it as the return value */
}
