/* The legacy SEC("cgroup/skb") loads as BPF_PROG_TYPE_CGROUP_SKB (expected_attach_type 0, ingress): an L3 test run, and it may return only 0 (drop) or 1 (allow). */
#include "conformance.h"
#include "skb.h"

/* the verifier limits a CGROUP_SKB return to 0/1 (check_return_code): a failed check drops
 * (0) and `retval=1` makes allow the passing value */
#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond))                                                               \
			return 0;                                                          \
	} while (0)

TEST(progtype_cgroup_skb, "progtype.cgroup_skb", "pass", "required");
CONFORM(progtype_cgroup_skb, "data_in", CONFORM_MARKED_DATA);
CONFORM(progtype_cgroup_skb, "retval", "1");
CONFORM(progtype_cgroup_skb, "desc", "skb->len is 64 - ETH_HLEN and bpf_skb_load_bytes at offset 0 reads the frame's byte 14 (a CGROUP_SKB test run starts at the network header); returns allow (1) when both hold, drop (0) otherwise");
CONFORM(progtype_cgroup_skb, "ref", "libbpf section_defs (cgroup/skb: CGROUP_SKB, expected_attach_type 0); kernel cg_skb_prog_ops (.test_run = bpf_prog_test_run_skb, not is_l2), check_return_code");
SEC("cgroup/skb")
int progtype_cgroup_skb(struct __sk_buff *skb)
{
	__u8 first = 0;

	/* unpatched (typed SCHED_CLS, as tc loads any section: an L2 test run): skb->len is 64, returns 0 */
	CHECK(skb->len == CONFORM_DATA_LEN - CONFORM_ETH_HLEN); /* lint: return-ok drop (cgroup_skb returns only 0/1) */
	CHECK(bpf_skb_load_bytes(skb, 0, &first, 1) == 0); /* lint: return-ok drop */
	/* unpatched (typed SCHED_CLS): offset 0 is the Ethernet header's first byte, 0xaa, returns 0 */
	CHECK(first == CONFORM_MARK_L3); /* lint: return-ok drop */
	return 1; /* lint: return-ok allow, the passing value (.conform retval=1) */
}
