/* SEC("fexit.s/<func>") loads as a sleepable fexit program (BPF_TRACE_FEXIT, BPF_F_SLEEPABLE) and is attached: it sees its target's arguments and return value, entered by the trampoline under rcu_read_lock_trace() instead of rcu_read_lock(). */
#include "conformance.h"
#include "rcu_entry.h"

int hits;
int a_seen;
int ret_seen;
struct rcu_entry entry = {RCU_ENTRY_ABSENT, RCU_ENTRY_ABSENT, 0};

CONFORM(fexit_s_test1, "role", "fixture");
CONFORM(fexit_s_test1, "desc", "fexit.s on int bpf_fentry_test1(int a): records a, the return value and the running task's RCU reader counts");
SEC("fexit.s/bpf_fentry_test1")
int fexit_s_test1(__u64 *ctx)
{
	a_seen = (int)ctx[0];
	ret_seen = (int)ctx[1];
	rcu_entry_record(&entry);
	hits++;
	return 0;
}

TEST(fexit_s, "secflags.sleepable.fexit", "pass", "required");
CONFORM(fexit_s, "requires", "tracing_sleepable");
CONFORM(fexit_s, "attach", "fexit_s_test1");
CONFORM(fexit_s, "trigger", "fexit_s_test1");
CONFORM(fexit_s, "desc", "a sleepable fexit program on bpf_fentry_test1 attached by the library; one test run of it calls bpf_fentry_test1(1): it ran after the function, saw a = 1 and the return value 2, outside any rcu_read_lock() section (rcu_read_lock_nesting 0; without PREEMPT_RCU: trc_reader_nesting >= 1)");
CONFORM(fexit_s, "ref", "libbpf section_defs (fexit.s+: TRACING, BPF_TRACE_FEXIT, SEC_ATTACH_BTF | SEC_SLEEPABLE), libbpf_prepare_prog_load (BPF_F_SLEEPABLE), bpf_program__attach_trace; kernel bpf_check_attach_target, btf_ctx_access (the return value after the arguments), kernel/bpf/trampoline.c bpf_trampoline_enter (__bpf_prog_enter_sleepable_recur: rcu_read_lock_trace; __bpf_prog_enter_recur: rcu_read_lock)");
SEC("socket")
int fexit_s(void *ctx)
{
	ASSERT_GE(hits, 1);  /* unpatched (loaded, not attached): 0 */
	ASSERT_EQ(a_seen, 1);  /* unpatched (not attached): 0 */
	ASSERT_EQ(ret_seen, 2);  /* unpatched (not attached): 0 */
	ASSERT_EQ(entry.read_errors, 0);  /* unpatched: 0 as well; a failed read of current's RCU counts */
	if (entry.rcu_nesting != RCU_ENTRY_ABSENT)
		ASSERT_EQ(entry.rcu_nesting, 0);  /* unpatched (no BPF_F_SLEEPABLE): 1, the rcu_read_lock() of __bpf_prog_enter_recur */
	else
		ASSERT_GE(entry.trc_nesting, 1);  /* unpatched (no BPF_F_SLEEPABLE, no PREEMPT_RCU): 0, no rcu_read_lock_trace() */
	PASS();
}
