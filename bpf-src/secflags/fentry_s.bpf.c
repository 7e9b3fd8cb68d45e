/* SEC("fentry.s/<func>") loads as a sleepable fentry program (TRACING, BPF_TRACE_FENTRY, BPF_F_SLEEPABLE) and the library's attach links it: it runs on its target, entered by the trampoline under rcu_read_lock_trace() instead of rcu_read_lock(). */
#include "conformance.h"
#include "rcu_entry.h"

int hits;
int a_seen;
struct rcu_entry entry = {RCU_ENTRY_ABSENT, RCU_ENTRY_ABSENT, 0};

CONFORM(fentry_s_test1, "role", "fixture");
CONFORM(fentry_s_test1, "desc", "fentry.s on int bpf_fentry_test1(int a) (KF_SLEEPABLE in the kernel's fmod_ret set): records a and the running task's RCU reader counts; the trigger");
SEC("fentry.s/bpf_fentry_test1")
int fentry_s_test1(__u64 *ctx)
{
	a_seen = (int)ctx[0];
	rcu_entry_record(&entry);
	hits++;
	return 0;
}

TEST(fentry_s, "secflags.sleepable.fentry", "pass", "required");
CONFORM(fentry_s, "requires", "tracing_sleepable");
CONFORM(fentry_s, "attach", "fentry_s_test1");
CONFORM(fentry_s, "trigger", "fentry_s_test1");
CONFORM(fentry_s, "desc", "a sleepable fentry program on bpf_fentry_test1, loaded with BPF_F_SLEEPABLE and attached by the library; one test run of it calls bpf_fentry_test1(1): it ran, saw a = 1, outside any rcu_read_lock() section (rcu_read_lock_nesting 0; without PREEMPT_RCU: inside rcu_read_lock_trace(), trc_reader_nesting >= 1)");
CONFORM(fentry_s, "ref", "libbpf section_defs (fentry.s+: TRACING, BPF_TRACE_FENTRY, SEC_ATTACH_BTF | SEC_SLEEPABLE), libbpf_prepare_prog_load (BPF_F_SLEEPABLE), bpf_program__attach_trace; kernel bpf_check_attach_target (sleepable: error-injectable or KF_SLEEPABLE fmod_ret id), kernel/bpf/trampoline.c bpf_trampoline_enter (__bpf_prog_enter_sleepable_recur: rcu_read_lock_trace; __bpf_prog_enter_recur: rcu_read_lock), net/bpf/test_run.c bpf_test_modify_return_ids");
SEC("socket")
int fentry_s(void *ctx)
{
	ASSERT_GE(hits, 1);  /* unpatched (loaded, not attached): 0 */
	ASSERT_EQ(a_seen, 1);  /* unpatched (not attached): 0 */
	ASSERT_EQ(entry.read_errors, 0);  /* unpatched: 0 as well; a failed read of current's RCU counts */
	if (entry.rcu_nesting != RCU_ENTRY_ABSENT)
		ASSERT_EQ(entry.rcu_nesting, 0);  /* unpatched (no BPF_F_SLEEPABLE): 1, the rcu_read_lock() of __bpf_prog_enter_recur */
	else
		ASSERT_GE(entry.trc_nesting, 1);  /* unpatched (no BPF_F_SLEEPABLE, no PREEMPT_RCU): 0, no rcu_read_lock_trace() */
	PASS();
}
