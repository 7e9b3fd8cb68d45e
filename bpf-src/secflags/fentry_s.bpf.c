/* SEC("fentry.s/<func>") loads as a sleepable fentry program (TRACING, BPF_TRACE_FENTRY, BPF_F_SLEEPABLE) and the library's attach links it: it runs on its target and may call bpf_copy_from_user. */
#include "conformance.h"
#include "sleepable.h"

int hits;
int a_seen;
long copy_ret = 1;
__u64 buf_seen = 1;

CONFORM(fentry_s_test1, "role", "fixture");
CONFORM(fentry_s_test1, "desc", "fentry.s on int bpf_fentry_test1(int a) (KF_SLEEPABLE in the kernel's fmod_ret set): records a and what bpf_copy_from_user(NULL) gave; the trigger");
SEC("fentry.s/bpf_fentry_test1")
int fentry_s_test1(__u64 *ctx)
{
	__u64 buf = POISON;

	a_seen = (int)ctx[0];
	copy_ret = bpf_copy_from_user(&buf, sizeof(buf), NULL);
	buf_seen = buf;
	hits++;
	return 0;
}

TEST(fentry_s, "secflags.sleepable.fentry", "pass", "required");
CONFORM(fentry_s, "requires", "tracing_sleepable");
CONFORM(fentry_s, "attach", "fentry_s_test1");
CONFORM(fentry_s, "trigger", "fentry_s_test1");
CONFORM(fentry_s, "desc", "a sleepable fentry program on bpf_fentry_test1, loaded with BPF_F_SLEEPABLE and attached by the library; one test run of it calls bpf_fentry_test1(1): it ran, saw a = 1, and its bpf_copy_from_user from address 0 gave -EFAULT and a zeroed buffer");
CONFORM(fentry_s, "ref", "libbpf section_defs (fentry.s+: TRACING, BPF_TRACE_FENTRY, SEC_ATTACH_BTF | SEC_SLEEPABLE), libbpf_prepare_prog_load (BPF_F_SLEEPABLE), bpf_program__attach_trace; kernel bpf_check_attach_target (sleepable: error-injectable or KF_SLEEPABLE fmod_ret id), net/bpf/test_run.c bpf_test_modify_return_ids");
SEC("socket")
int fentry_s(void *ctx)
{
	/* unpatched (no BPF_F_SLEEPABLE): bpf_copy_from_user is refused at load;
	 * (loaded, not attached): 0 */
	ASSERT_GE(hits, 1);
	ASSERT_EQ(a_seen, 1);
	ASSERT_EQ(copy_ret, -EFAULT);
	ASSERT_EQ(buf_seen, 0);
	PASS();
}
