/* How a program sees which RCU flavour the kernel entered it under: a sleepable program
 * (BPF_F_SLEEPABLE) runs under rcu_read_lock_trace() alone, a non-sleepable one under
 * rcu_read_lock() (kernel/bpf/trampoline.c: bpf_trampoline_enter picks
 * __bpf_prog_enter_sleepable[_recur] by prog->sleepable, else __bpf_prog_enter[_recur]).
 * Both leave a count in the running task:
 * - rcu_read_lock_nesting (CONFIG_PREEMPT_RCU: __rcu_read_lock's
 *   current->rcu_read_lock_nesting++): 0 in a sleepable program, 1 in a non-sleepable one;
 * - trc_reader_nesting (CONFIG_TASKS_TRACE_RCU, selected by BPF_SYSCALL:
 *   rcu_read_lock_trace's current->trc_reader_nesting++): >= 1 in a sleepable program, 0 in
 *   a non-sleepable one. The checkers use it only on kernels without PREEMPT_RCU (the
 *   5.10 matrix kernel), where rcu_read_lock() leaves no count: Tasks Trace RCU's readers
 *   were reworked onto SRCU, and a kernel may enter sleepable programs through a reader
 *   API that does not count here.
 * A field the running kernel lacks reads RCU_ENTRY_ABSENT (bpf_core_field_exists). */
#ifndef BPFCONFORM_RCU_ENTRY_H
#define BPFCONFORM_RCU_ENTRY_H

#define RCU_ENTRY_ABSENT (-1)

static __u64 (*const rcu_entry_current_task)(void) = (void *)35; /* bpf_get_current_task */
static long (*const rcu_entry_read_kernel)(void *dst, __u32 size,
					   const void *src) = (void *)113; /* bpf_probe_read_kernel */

struct task_struct {
	int rcu_read_lock_nesting;
	int trc_reader_nesting;
} __core_pai;

struct rcu_entry {
	int rcu_nesting;  /* current->rcu_read_lock_nesting, or RCU_ENTRY_ABSENT */
	int trc_nesting;  /* current->trc_reader_nesting, or RCU_ENTRY_ABSENT */
	int read_errors;  /* failed reads of a field the kernel has */
};

/* Record, in *e, the running task's two counts while the program runs. */
static __always_inline void rcu_entry_record(struct rcu_entry *e)
{
	struct task_struct *t = (struct task_struct *)rcu_entry_current_task();

	e->rcu_nesting = RCU_ENTRY_ABSENT;
	e->trc_nesting = RCU_ENTRY_ABSENT;
	if (bpf_core_field_exists(t->rcu_read_lock_nesting) &&
	    rcu_entry_read_kernel(&e->rcu_nesting, sizeof(int), &t->rcu_read_lock_nesting))
		e->read_errors++;
	if (bpf_core_field_exists(t->trc_reader_nesting) &&
	    rcu_entry_read_kernel(&e->trc_nesting, sizeof(int), &t->trc_reader_nesting))
		e->read_errors++;
}

#endif
