/* SEC("iter/task") loads as TRACING/BPF_TRACE_ITER against vmlinux's FUNC `bpf_iter_task`, and the library's iterator runs it once per task: it meets the task reading the iterator (the adapter's own process). */
#include "conformance.h"

static __u64 (*const bpf_get_current_pid_tgid)(void) = (void *)14;

struct bpf_iter_meta {
	void *seq;
	__u64 session_id;
	__u64 seq_num;
} __core_pai;

struct task_struct {
	int pid;
	int tgid;
} __core_pai;

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __core_pai;

__u32 tasks_seen;
__u32 reader_seen;
__u32 ends;

CONFORM(walk_tasks, "role", "fixture");
CONFORM(walk_tasks, "desc", "iter/task: counts the tasks, and the reader's own (the iterator runs in the reading thread), and the end call (task NULL)");
SEC("iter/task")
int walk_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (!task) {
		ends++;
		return 0;
	}
	tasks_seen++;
	if (task->pid == (int)bpf_get_current_pid_tgid())
		reader_seen++;
	return 0;
}

TEST(iter_task, "tracing.iter", "pass", "required");
CONFORM(iter_task, "read_iter", "walk_tasks");
CONFORM(iter_task, "desc", "the library makes walk_tasks's iterator and reads it to its end in its own process: it met the reading thread once, other tasks too, and one end call");
CONFORM(iter_task, "ref", "libbpf section_defs (iter+), find_attach_btf_id (bpf_iter_task), bpf_program__attach_iter, bpf_iter_create; kernel kernel/bpf/task_iter.c task_seq_show (one call per thread group leader and thread)");
SEC("socket")
int iter_task(void *ctx)
{
	ASSERT_EQ(reader_seen, 1);  /* unpatched (iterator never made or read): 0 */
	ASSERT_GE(tasks_seen, 2);  /* unpatched (iterator not read): 0 */
	ASSERT_EQ(ends, 1);  /* unpatched (not read to its end): 0 */
	PASS();
}
