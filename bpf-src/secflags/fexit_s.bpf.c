/* SEC("fexit.s/<func>") loads as a sleepable fexit program (BPF_TRACE_FEXIT, BPF_F_SLEEPABLE) and is attached: it sees its target's arguments and return value and may call bpf_copy_from_user. */
#include "conformance.h"
#include "sleepable.h"

int hits;
int a_seen;
int ret_seen;
long copy_ret = 1;

CONFORM(fexit_s_test1, "role", "fixture");
CONFORM(fexit_s_test1, "desc", "fexit.s on int bpf_fentry_test1(int a): records a, the return value and what bpf_copy_from_user(NULL) gave");
SEC("fexit.s/bpf_fentry_test1")
int fexit_s_test1(__u64 *ctx)
{
	__u64 buf = POISON;

	a_seen = (int)ctx[0];
	ret_seen = (int)ctx[1];
	copy_ret = bpf_copy_from_user(&buf, sizeof(buf), NULL);
	hits++;
	return 0;
}

TEST(fexit_s, "secflags.sleepable.fexit", "pass", "required");
CONFORM(fexit_s, "requires", "tracing_sleepable");
CONFORM(fexit_s, "attach", "fexit_s_test1");
CONFORM(fexit_s, "trigger", "fexit_s_test1");
CONFORM(fexit_s, "desc", "a sleepable fexit program on bpf_fentry_test1 attached by the library; one test run of it calls bpf_fentry_test1(1): it ran after the function, saw a = 1 and the return value 2, and bpf_copy_from_user from address 0 gave -EFAULT");
CONFORM(fexit_s, "ref", "libbpf section_defs (fexit.s+: TRACING, BPF_TRACE_FEXIT, SEC_ATTACH_BTF | SEC_SLEEPABLE), libbpf_prepare_prog_load (BPF_F_SLEEPABLE), bpf_program__attach_trace; kernel bpf_check_attach_target, btf_ctx_access (the return value after the arguments)");
SEC("socket")
int fexit_s(void *ctx)
{
	/* unpatched (no BPF_F_SLEEPABLE): bpf_copy_from_user is refused at load;
	 * (loaded, not attached): 0 */
	ASSERT_GE(hits, 1);
	ASSERT_EQ(a_seen, 1);
	ASSERT_EQ(ret_seen, 2);
	ASSERT_EQ(copy_ret, -EFAULT);
	PASS();
}
