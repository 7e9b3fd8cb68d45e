/* SEC("lwt_xmit") loads as BPF_PROG_TYPE_LWT_XMIT: it may rewrite the packet with bpf_skb_store_bytes (lwt_in/lwt_out may not) and sees it from the network header on. */
#include "conformance.h"
#include "skb.h"

static long (*const bpf_skb_store_bytes)(void *skb, __u32 offset, const void *from, __u32 len,
					 __u64 flags) = (void *)9;

TEST(progtype_lwt_xmit, "progtype.lwt_xmit", "pass", "required");
CONFORM(progtype_lwt_xmit, "desc", "bpf_skb_store_bytes writes 0xa7 at offset 3 of the L3 packet and a direct read sees it; skb->len is 64 - ETH_HLEN");
CONFORM(progtype_lwt_xmit, "ref", "libbpf section_defs (lwt_xmit: LWT_XMIT); kernel lwt_xmit_func_proto (skb_store_bytes), bpf_prog_test_run_skb");
SEC("lwt_xmit")
int progtype_lwt_xmit(struct __sk_buff *skb)
{
	__u8 byte = 0xa7;
	__u8 *data, *data_end;

	ASSERT_EQ(skb->len, CONFORM_DATA_LEN - CONFORM_ETH_HLEN);  /* unpatched (typed SCHED_CLS, L2): 64 */
	/* unpatched (typed LWT_IN/LWT_OUT or SOCKET_FILTER): the verifier refuses this helper, load error */
	ASSERT_EQ(bpf_skb_store_bytes(skb, 3, &byte, 1, 0), 0);
	data = (__u8 *)(long)skb->data;
	data_end = (__u8 *)(long)skb->data_end;
	ASSERT(data + 4 <= data_end);
	ASSERT_EQ(data[3], 0xa7);
	ASSERT_EQ(data[2], 0);
	PASS();
}
