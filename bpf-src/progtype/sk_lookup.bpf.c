/* SEC("sk_lookup") loads as BPF_PROG_TYPE_SK_LOOKUP: its context is the struct bpf_sk_lookup the test run's ctx_in describes; it returns SK_PASS (1) when every check holds. */
#include "conformance.h"

/* include/uapi/linux/bpf.h up to local_port (the test run copies no further field in) */
struct bpf_sk_lookup {
	__u64 cookie;
	__u32 family;
	__u32 protocol;
	__u32 remote_ip4;
	__u32 remote_ip6[4];
	__be16 remote_port;
	__u16 pad;
	__u32 local_ip4;
	__u32 local_ip6[4];
	__u32 local_port;
};

#define SK_DROP 0
#define SK_PASS 1
/* the verifier limits an sk_lookup return to SK_DROP/SK_PASS: no __LINE__ can come back,
 * so a failed check returns SK_DROP and `retval=1` makes SK_PASS the passing value */
#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond))                                                               \
			return SK_DROP;                                                    \
	} while (0)

/* ctx_in (little-endian hosts): family AF_INET (2), protocol IPPROTO_TCP (6), remote
 * 10.0.0.1:4242 (network order), local 10.0.0.2, local_port 8080 (host order) */
TEST(progtype_sk_lookup, "progtype.sk_lookup", "pass", "required");
CONFORM(progtype_sk_lookup, "data_in", "none");
CONFORM(progtype_sk_lookup, "ctx_in",
	"0000000000000000" "02000000" "06000000" /* cookie, family, protocol */
	"0a000001" "00000000000000000000000000000000" /* remote_ip4, remote_ip6 */
	"10920000" "0a000002" "00000000000000000000000000000000" /* remote_port, local_ip4/6 */
	"901f0000"); /* local_port */
CONFORM(progtype_sk_lookup, "retval", "1");
CONFORM(progtype_sk_lookup, "requires", "sk_lookup_test_run");
CONFORM(progtype_sk_lookup, "desc", "family, protocol, addresses and ports of struct bpf_sk_lookup are the ctx_in's; returns SK_PASS (1) when all hold, SK_DROP (0) otherwise");
CONFORM(progtype_sk_lookup, "ref", "libbpf section_defs (sk_lookup: SK_LOOKUP, expected_attach_type BPF_SK_LOOKUP); kernel sk_lookup_is_valid_access, bpf_prog_test_run_sk_lookup");
SEC("sk_lookup")
int progtype_sk_lookup(struct bpf_sk_lookup *ctx)
{
	/* a loader typing it SOCKET_FILTER: these are __sk_buff fields and the test run
	 * without data is refused (EINVAL); without expected_attach_type BPF_SK_LOOKUP the
	 * load is refused */
	CHECK(ctx->family == 2); /* lint: return-ok SK_DROP (sk_lookup returns only 0/1) */
	CHECK(ctx->protocol == 6); /* lint: return-ok SK_DROP */
	CHECK(ctx->remote_ip4 == 0x0100000a); /* 10.0.0.1, little-endian; lint: return-ok SK_DROP */
	CHECK(ctx->local_ip4 == 0x0200000a); /* 10.0.0.2; lint: return-ok SK_DROP */
	CHECK(ctx->remote_port == 0x9210); /* htons(4242); lint: return-ok SK_DROP */
	CHECK(ctx->local_port == 8080); /* lint: return-ok SK_DROP */
	return SK_PASS; /* lint: return-ok the passing value, .conform retval=1 */
}
