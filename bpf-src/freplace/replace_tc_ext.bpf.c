/* The extension object of replace_tc.bpf.c: replaces proto_of of its SCHED_CLS program. */
#include "conformance.h"

struct __sk_buff {
	__u32 len;
	__u32 pkt_type;
	__u32 mark;
	__u32 queue_mapping;
	__u32 protocol;
};

CONFORM(new_proto_of, "role", "fixture");
CONFORM(new_proto_of, "desc", "replaces int proto_of(struct __sk_buff *skb) of replace_tc.bpf.c's tc program with skb->protocol + 1");
SEC("freplace/proto_of")
int new_proto_of(struct __sk_buff *skb)
{
	return skb->protocol + 1;
}
