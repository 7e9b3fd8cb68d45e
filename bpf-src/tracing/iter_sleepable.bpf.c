/* SEC("iter.s/task") loads with BPF_F_SLEEPABLE (SEC_SLEEPABLE), so the kernel runs the iterator program under rcu_read_lock_trace() instead of rcu_read_lock(): the reading thread's rcu_read_lock_nesting is 0 while it runs. */
#include "conformance.h"

static __u64 (*const bpf_get_current_pid_tgid)(void) = (void *)14;

struct bpf_iter_meta {
	void *seq;
} __core_pai;

/* rcu_read_lock_nesting: CONFIG_PREEMPT_RCU's count of rcu_read_lock() sections (probe
 * preempt_rcu) */
struct task_struct {
	int pid;
	int rcu_read_lock_nesting;
} __core_pai;

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __core_pai;

__u32 reader_seen;
int reader_rcu_nesting = -1;
__u32 ends;

CONFORM(walk_sleepable, "role", "fixture");
CONFORM(walk_sleepable, "desc", "iter.s/task: records the reading thread's rcu_read_lock_nesting while the program runs on it");
SEC("iter.s/task")
int walk_sleepable(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (!task) {
		ends++;
		return 0;
	}
	if (task->pid == (int)bpf_get_current_pid_tgid()) {
		reader_seen++;
		reader_rcu_nesting = task->rcu_read_lock_nesting;
	}
	return 0;
}

TEST(iter_sleepable, "tracing.iter.sleepable", "pass", "required");
CONFORM(iter_sleepable, "requires", "preempt_rcu");
CONFORM(iter_sleepable, "read_iter", "walk_sleepable");
CONFORM(iter_sleepable, "desc", "the library loads walk_sleepable with BPF_F_SLEEPABLE and reads its iterator: it met the reading thread once, outside any rcu_read_lock() section (nesting 0: rcu_read_lock_trace), and ended once");
CONFORM(iter_sleepable, "ref", "libbpf section_defs (iter.s+: TRACING, BPF_TRACE_ITER, SEC_ATTACH_BTF | SEC_SLEEPABLE), libbpf_prepare_prog_load (BPF_F_SLEEPABLE); kernel kernel/bpf/bpf_iter.c bpf_iter_run_prog (sleepable: rcu_read_lock_trace, else rcu_read_lock), include/linux/rcupdate.h __rcu_read_lock (PREEMPT_RCU: current->rcu_read_lock_nesting++)");
SEC("socket")
int iter_sleepable(void *ctx)
{
	ASSERT_EQ(reader_seen, 1);  /* unpatched (iterator not read): 0 */
	ASSERT_EQ(reader_rcu_nesting, 0);  /* unpatched (loaded without BPF_F_SLEEPABLE): 1, the rcu_read_lock() of a non-sleepable iterator program */
	ASSERT_EQ(ends, 1);  /* unpatched (not read to its end): 0 */
	PASS();
}
