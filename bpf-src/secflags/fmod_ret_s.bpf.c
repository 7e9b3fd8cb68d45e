/* SEC("fmod_ret.s/<func>") loads as a sleepable BPF_MODIFY_RETURN program (BPF_F_SLEEPABLE) and is attached: returning 0 it lets its target run, entered by the trampoline under rcu_read_lock_trace() instead of rcu_read_lock(). */
#include "conformance.h"
#include "rcu_entry.h"

int hits;
int a_seen;
struct rcu_entry entry = {RCU_ENTRY_ABSENT, RCU_ENTRY_ABSENT, 0};

CONFORM(fmod_ret_s_test1, "role", "fixture");
CONFORM(fmod_ret_s_test1, "desc", "fmod_ret.s on int bpf_fentry_test1(int a) (in the kernel's fmod_ret id set, KF_SLEEPABLE): records a and the running task's RCU reader counts, returns 0 (the function runs)");
SEC("fmod_ret.s/bpf_fentry_test1")
int fmod_ret_s_test1(__u64 *ctx)
{
	a_seen = (int)ctx[0];
	rcu_entry_record(&entry);
	hits++;
	return 0;
}

CONFORM(fmod_ret_s_trigger, "role", "fixture");
CONFORM(fmod_ret_s_trigger, "desc", "a plain fentry program, never attached: its test run calls bpf_fentry_test1(1) (an fmod_ret program's would call bpf_modify_return_test); the trigger");
SEC("fentry/bpf_fentry_test1")
int fmod_ret_s_trigger(__u64 *ctx)
{
	return 0;
}

TEST(fmod_ret_s, "secflags.sleepable.fmod_ret", "pass", "required");
CONFORM(fmod_ret_s, "requires", "tracing_sleepable");
CONFORM(fmod_ret_s, "attach", "fmod_ret_s_test1");
CONFORM(fmod_ret_s, "trigger", "fmod_ret_s_trigger");
CONFORM(fmod_ret_s, "desc", "a sleepable fmod_ret program on bpf_fentry_test1 attached by the library; the test run of an fentry program calls bpf_fentry_test1(1) (and checks it returned 2: the fmod_ret program returned 0): it ran, saw a = 1, outside any rcu_read_lock() section (rcu_read_lock_nesting 0; without PREEMPT_RCU: trc_reader_nesting >= 1)");
CONFORM(fmod_ret_s, "ref", "libbpf section_defs (fmod_ret.s+: TRACING, BPF_MODIFY_RETURN, SEC_ATTACH_BTF | SEC_SLEEPABLE), libbpf_prepare_prog_load (BPF_F_SLEEPABLE), bpf_program__attach_trace; kernel bpf_check_attach_target (btf_kfunc_is_modify_return, KF_SLEEPABLE), kernel/bpf/trampoline.c bpf_trampoline_enter (__bpf_prog_enter_sleepable_recur: rcu_read_lock_trace; __bpf_prog_enter_recur: rcu_read_lock), net/bpf/test_run.c bpf_test_modify_return_ids");
SEC("socket")
int fmod_ret_s(void *ctx)
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
