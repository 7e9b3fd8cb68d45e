/* The extension object of replace_ctx.bpf.c: replaces pkt_len, reading the context it is passed. */
#include "conformance.h"

struct __sk_buff {
	__u32 len;
};

CONFORM(new_pkt_len, "role", "fixture");
CONFORM(new_pkt_len, "desc", "replaces int pkt_len(struct __sk_buff *skb) of replace_ctx.bpf.c's program with skb->len + 1000");
SEC("freplace/pkt_len")
int new_pkt_len(struct __sk_buff *skb)
{
	return skb->len + 1000;
}
