/* SEC("lsm.s/<hook>") loads as a sleepable LSM program (BPF_F_SLEEPABLE) and once attached runs on its hook, entered by the trampoline under rcu_read_lock_trace() instead of rcu_read_lock(). */
#include "conformance.h"
#include "lsm.h"
#include "rcu_entry.h"

int hits;
__u64 seen_magic;
struct rcu_entry entry = {RCU_ENTRY_ABSENT, RCU_ENTRY_ABSENT, 0};

CONFORM(lsm_s_bpf_prog, "role", "fixture");
CONFORM(lsm_s_bpf_prog, "desc", "lsm.s/bpf: on a 72-byte BPF_PROG_TEST_RUN whose data_in starts with LSMCONF1 (read with bpf_probe_read_user), records the running task's RCU reader counts");
SEC("lsm.s/bpf")
int lsm_s_bpf_prog(__u64 *ctx)
{
	struct lsm_test_attr t = {};
	__u64 magic = 0;

	if ((int)ctx[0] != BPF_PROG_TEST_RUN)
		return 0;
	if (bpf_probe_read_kernel(&t, sizeof(t), (const void *)ctx[1]))
		return 0;
	if (t.data_size_in != LSM_DATA_LEN)
		return 0;
	if (bpf_probe_read_user(&magic, sizeof(magic), (const void *)t.data_in))
		return 0;
	if (magic != LSM_MAGIC)
		return 0;
	seen_magic = magic;
	rcu_entry_record(&entry);
	hits++;
	return 0;
}

CONFORM(lsm_s_trigger, "role", "fixture");
CONFORM(lsm_s_trigger, "desc", "a socket filter; its test run is a bpf() syscall, the trigger");
SEC("socket")
int lsm_s_trigger(void *ctx)
{
	return 0;
}

TEST(lsm_sleepable, "lsm.sleepable", "pass", "required");
CONFORM(lsm_sleepable, "requires", "lsm_bpf_hook");
CONFORM(lsm_sleepable, "attach", "lsm_s_bpf_prog");
CONFORM(lsm_sleepable, "trigger", "lsm_s_trigger");
CONFORM(lsm_sleepable, "data_in", LSM_DATA_IN);
CONFORM(lsm_sleepable, "desc", "an lsm.s/bpf program loads (BPF_F_SLEEPABLE) and is attached; on the trigger's test run it met the caller's data_in (LSMCONF1) outside any rcu_read_lock() section (rcu_read_lock_nesting 0; without PREEMPT_RCU: inside rcu_read_lock_trace(), trc_reader_nesting >= 1)");
CONFORM(lsm_sleepable, "ref", "libbpf section_defs (lsm.s+: LSM, BPF_LSM_MAC, SEC_ATTACH_BTF | SEC_SLEEPABLE), libbpf_prepare_prog_load (BPF_F_SLEEPABLE), bpf_program__attach_lsm; kernel bpf_lsm.c sleepable_lsm_hooks (bpf_lsm_bpf), kernel/bpf/trampoline.c bpf_trampoline_enter (LSM: __bpf_prog_enter_sleepable: rcu_read_lock_trace; __bpf_prog_enter: rcu_read_lock)");
SEC("socket")
int lsm_sleepable(void *ctx)
{
	ASSERT_GE(hits, 1);  /* unpatched (loaded, not attached): 0 */
	ASSERT_EQ(seen_magic, LSM_MAGIC);  /* unpatched (not attached): 0 */
	ASSERT_EQ(entry.read_errors, 0);  /* unpatched: 0 as well; a failed read of current's RCU counts */
	if (entry.rcu_nesting != RCU_ENTRY_ABSENT)
		ASSERT_EQ(entry.rcu_nesting, 0);  /* unpatched (no BPF_F_SLEEPABLE): 1, the rcu_read_lock() of __bpf_prog_enter */
	else
		ASSERT_GE(entry.trc_nesting, 1);  /* unpatched (no BPF_F_SLEEPABLE, no PREEMPT_RCU): 0, no rcu_read_lock_trace() */
	PASS();
}
