/* SEC("cgroup_skb/egress") loads as BPF_PROG_TYPE_CGROUP_SKB with expected_attach_type BPF_CGROUP_INET_EGRESS: an L3 test run, and it may return 2 and 3 (congestion notification) besides 0 and 1. */
#include "conformance.h"
#include "skb.h"

/* a CGROUP_SKB return is 0/1, or 0..3 with expected_attach_type BPF_CGROUP_INET_EGRESS
 * (check_return_code): a failed check drops (0) and `retval=3` (allow | congestion
 * notification, a value only egress may return) is the passing value */
#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond))                                                               \
			return 0;                                                          \
	} while (0)

TEST(progtype_cgroup_skb_egress, "progtype.cgroup_skb.egress", "pass", "required");
CONFORM(progtype_cgroup_skb_egress, "data_in", CONFORM_MARKED_DATA);
CONFORM(progtype_cgroup_skb_egress, "retval", "3");
CONFORM(progtype_cgroup_skb_egress, "desc", "skb->len is 64 - ETH_HLEN and bpf_skb_load_bytes at offset 0 reads the frame's byte 14 (an L3 test run); returns 3 (allow with congestion notification, accepted by the verifier for egress only) when both hold, 0 otherwise");
CONFORM(progtype_cgroup_skb_egress, "ref", "libbpf section_defs (cgroup_skb/egress: CGROUP_SKB, BPF_CGROUP_INET_EGRESS); kernel check_return_code (CGROUP_SKB egress: [0, 3]), bpf_prog_test_run_skb");
SEC("cgroup_skb/egress")
int progtype_cgroup_skb_egress(struct __sk_buff *skb)
{
	__u8 first = 0;

	/* a loader typing it CGROUP_SKB without BPF_CGROUP_INET_EGRESS: the verifier refuses
	 * the return of 3 (R0 not in [0, 1]) */
	/* unpatched (typed SCHED_CLS, as tc loads any section: an L2 test run): skb->len is 64, returns 0 */
	CHECK(skb->len == CONFORM_DATA_LEN - CONFORM_ETH_HLEN); /* lint: return-ok drop (egress returns only 0..3) */
	CHECK(bpf_skb_load_bytes(skb, 0, &first, 1) == 0); /* lint: return-ok drop */
	/* unpatched (typed SCHED_CLS): offset 0 is the Ethernet header's first byte, 0xaa, returns 0 */
	CHECK(first == CONFORM_MARK_L3); /* lint: return-ok drop */
	return 3; /* lint: return-ok allow + congestion notification, the passing value (.conform retval=3) */
}
