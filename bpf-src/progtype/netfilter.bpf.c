/* SEC("netfilter") loads as BPF_PROG_TYPE_NETFILTER (expected_attach_type BPF_NETFILTER): its context is struct bpf_nf_ctx, the hook state and the skb of a LOCAL_OUT IPv4 hook in a test run. */
#include "conformance.h"
#include "skb.h"

static long (*const bpf_probe_read_kernel)(void *dst, __u32 size, const void *src) = (void *)113;

/* the kernel's structs behind the context's pointers, only the members read (CO-RE finds
 * their offsets in vmlinux BTF) */
struct nf_hook_state {
	__u8 hook;
	__u8 pf;
} __core_pai;

struct sk_buff {
	unsigned int len;
	__be16 protocol;
} __core_pai;

/* include/net/netfilter/nf_bpf_link.h: the layout nf_is_valid_access enforces */
struct bpf_nf_ctx {
	const struct nf_hook_state *state;
	struct sk_buff *skb;
};

#define NF_DROP 0
#define NF_ACCEPT 1
#define NFPROTO_IPV4 2
#define NF_INET_LOCAL_OUT 3
#define ETH_P_IP_BE 0x0008 /* htons(ETH_P_IP) on a little-endian host */

/* the verifier limits a netfilter return to NF_DROP/NF_ACCEPT: a failed check drops and
 * `retval=1` makes NF_ACCEPT the passing value */
#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond))                                                               \
			return NF_DROP;                                                    \
	} while (0)
/* the context is read as kernel memory (BPF_CORE_READ's way): a loader that gives the
 * program another type loads it too, and the test run shows what context it got */
#define KREAD(dst, src) bpf_probe_read_kernel(&(dst), sizeof(dst), &(src))

TEST(progtype_netfilter, "progtype.netfilter", "pass", "required");
CONFORM(progtype_netfilter, "requires", "netfilter_test_run");
CONFORM(progtype_netfilter, "retval", "1");
CONFORM(progtype_netfilter, "desc", "struct bpf_nf_ctx's state is the test run's default hook (NF_INET_LOCAL_OUT, NFPROTO_IPV4) and its skb the 64-byte packet with protocol ETH_P_IP; returns NF_ACCEPT (1) when all hold, NF_DROP (0) otherwise");
CONFORM(progtype_netfilter, "ref", "libbpf section_defs (netfilter: NETFILTER, BPF_NETFILTER); kernel netfilter_prog_ops (.test_run = bpf_prog_test_run_nf), nf_is_valid_access, bpf_prog_load_check_attach (NETFILTER needs BPF_NETFILTER)");
SEC("netfilter")
int progtype_netfilter(struct bpf_nf_ctx *ctx)
{
	const struct nf_hook_state *state = 0;
	struct sk_buff *skb = 0;
	__u8 hook = 0xff, pf = 0xff;
	unsigned int len = 0;
	__be16 protocol = 0;

	/* unpatched (typed SCHED_CLS, as tc loads any section): the context is a struct sk_buff
	 * whose first two words (next, prev) are NULL, the read of state->hook faults: returns 0 */
	CHECK(KREAD(state, ctx->state) == 0 && state); /* lint: return-ok NF_DROP (netfilter returns only 0/1) */
	CHECK(KREAD(skb, ctx->skb) == 0 && skb); /* lint: return-ok NF_DROP */
	CHECK(KREAD(hook, state->hook) == 0 && hook == NF_INET_LOCAL_OUT); /* lint: return-ok NF_DROP */
	CHECK(KREAD(pf, state->pf) == 0 && pf == NFPROTO_IPV4); /* lint: return-ok NF_DROP */
	CHECK(KREAD(len, skb->len) == 0 && len == CONFORM_DATA_LEN); /* lint: return-ok NF_DROP */
	CHECK(KREAD(protocol, skb->protocol) == 0 && protocol == ETH_P_IP_BE); /* lint: return-ok NF_DROP */
	return NF_ACCEPT; /* lint: return-ok the passing value, .conform retval=1 */
}
